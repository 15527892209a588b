using System.Text;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// Item and attribute sizes as DynamoDB counts them for the 400 KB limit and for capacity.
/// </summary>
/// <remarks>
/// Rules from the Developer Guide, "DynamoDB item sizes and formats" (CapacityUnitCalculations):
/// an item is the sum of its attribute names' UTF-8 lengths and its values' sizes; strings are
/// their UTF-8 length; binaries their raw length; numbers "approximately 1 byte per two
/// significant digits + 1 byte" (leading and trailing zeros trimmed); null and Boolean 1 byte;
/// a List or Map 3 bytes of overhead plus its elements, and 1 more byte per element. Sets are
/// the sum of their elements.
/// For numbers Lockbox counts the base-100 digit pairs the significant digits occupy when aligned
/// on the decimal point (so "15" is 1 pair but "1.5" is 2), plus 1 byte, plus 1 for a negative
/// number; zero is 1 byte. This refines the documented approximation the same way the
/// dynalite emulator does, whose figures were checked against DynamoDB's consumed capacity.
/// </remarks>
public static class ItemSize
{
    /// <summary>Largest item DynamoDB stores (400 KB).</summary>
    public const int MaxItemBytes = 400 * 1024;

    public static int Of(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var size = 0;
        foreach (var (name, value) in item)
        {
            size += Encoding.UTF8.GetByteCount(name) + Of(value);
        }

        return size;
    }

    /// <summary>Size of one value, without its attribute name.</summary>
    public static int Of(AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.S:
                return Encoding.UTF8.GetByteCount(value.AsString());
            case AttributeType.N:
                return Of(value.AsNumber());
            case AttributeType.B:
                return value.AsBinary().Length;
            case AttributeType.BOOL:
            case AttributeType.NULL:
                return 1;
            case AttributeType.M:
            {
                var size = 3;
                foreach (var (name, element) in value.AsMap())
                {
                    size += Encoding.UTF8.GetByteCount(name) + Of(element) + 1;
                }

                return size;
            }

            case AttributeType.L:
            {
                var size = 3;
                foreach (var element in value.AsList())
                {
                    size += Of(element) + 1;
                }

                return size;
            }

            case AttributeType.SS:
            {
                var size = 0;
                foreach (var s in value.AsStringSet())
                {
                    size += Encoding.UTF8.GetByteCount(s);
                }

                return size;
            }

            case AttributeType.NS:
            {
                var size = 0;
                foreach (var n in value.AsNumberSet())
                {
                    size += Of(n);
                }

                return size;
            }

            case AttributeType.BS:
            {
                var size = 0;
                foreach (var b in value.AsBinarySet())
                {
                    size += b.Length;
                }

                return size;
            }

            default:
                throw new InvalidOperationException("Unknown attribute type " + value.Type);
        }
    }

    /// <summary>Stored size of a number (see the type remarks).</summary>
    public static int Of(DynamoNumber number)
    {
        if (number.IsZero)
        {
            return 1;
        }

        return OfNumber(number.SignificantDigits, number.Exponent, number.Sign < 0);
    }

    /// <summary>Stored size of a non-zero number of <paramref name="digits"/> significant digits, the last at 10^<paramref name="exponent"/>.</summary>
    internal static int OfNumber(int digits, int exponent, bool negative)
    {
        var high = exponent + digits - 1;             // power of ten of the leading digit
        var low = exponent;                           // power of ten of the last digit
        var pairs = FloorHalf(high) - FloorHalf(low) + 1;
        return 1 + pairs + (negative ? 1 : 0);
    }

    private static int FloorHalf(int n) => n >= 0 ? n / 2 : -((-n + 1) / 2);
}
