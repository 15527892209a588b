using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// DynamoDB's comparison rules for attribute values: equality is deep and order-independent for
/// sets; ordering exists only between two values of the same scalar type (S by UTF-8 bytes,
/// N numerically, B by unsigned bytes).
/// </summary>
internal static class ValueSemantics
{
    public static bool DeepEquals(AttributeValue a, AttributeValue b)
    {
        if (a.Type != b.Type)
        {
            return false;
        }

        switch (a.Type)
        {
            case AttributeType.S:
                return string.Equals(a.AsString(), b.AsString(), StringComparison.Ordinal);
            case AttributeType.N:
                return a.AsNumber().Equals(b.AsNumber());
            case AttributeType.B:
                return a.AsBinary().AsSpan().SequenceEqual(b.AsBinary());
            case AttributeType.BOOL:
                return a.AsBool() == b.AsBool();
            case AttributeType.NULL:
                return true;
            case AttributeType.SS:
                return SetEquals(a.AsStringSet(), b.AsStringSet(), (x, y) => string.Equals(x, y, StringComparison.Ordinal));
            case AttributeType.NS:
                return SetEquals(a.AsNumberSet(), b.AsNumberSet(), (x, y) => x.Equals(y));
            case AttributeType.BS:
                return SetEquals(a.AsBinarySet(), b.AsBinarySet(), (x, y) => x.AsSpan().SequenceEqual(y));
            case AttributeType.L:
                {
                    var x = a.AsList();
                    var y = b.AsList();
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < x.Count; i++)
                    {
                        if (!DeepEquals(x[i], y[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case AttributeType.M:
                {
                    var x = a.AsMap();
                    var y = b.AsMap();
                    if (x.Count != y.Count)
                    {
                        return false;
                    }

                    foreach (var (key, value) in x)
                    {
                        if (!y.TryGetValue(key, out var other) || !DeepEquals(value, other))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>Order of two values, or null when DynamoDB considers them incomparable.</summary>
    public static int? Compare(AttributeValue a, AttributeValue b)
    {
        if (a.Type != b.Type)
        {
            return null;
        }

        return a.Type switch
        {
            AttributeType.S => CompareStrings(a.AsString(), b.AsString()),
            AttributeType.N => a.AsNumber().CompareTo(b.AsNumber()),
            AttributeType.B => a.AsBinary().AsSpan().SequenceCompareTo(b.AsBinary()),
            _ => null,
        };
    }

    /// <summary>
    /// UTF-8 byte order equals Unicode code point order; comparing UTF-16 code units directly
    /// would misplace supplementary characters against U+E000..U+FFFF.
    /// </summary>
    public static int CompareStrings(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length)
        {
            if (a[i] != b[i])
            {
                var x = CodePointAt(a, i);
                var y = CodePointAt(b, i);
                return x.CompareTo(y);
            }

            i++;
        }

        return a.Length.CompareTo(b.Length);
    }

    // Unpaired surrogates cannot occur in valid JSON text; they sort after the BMP if they do.
    private static int CodePointAt(string s, int i) =>
        char.IsSurrogatePair(s, i) ? char.ConvertToUtf32(s, i)
        : char.IsSurrogate(s[i]) ? 0x10000 + s[i] : s[i];

    /// <summary>begins_with: S prefix of S, or B prefix of B.</summary>
    public static bool BeginsWith(AttributeValue value, AttributeValue prefix) =>
        (value.Type, prefix.Type) switch
        {
            (AttributeType.S, AttributeType.S) => value.AsString().StartsWith(prefix.AsString(), StringComparison.Ordinal),
            (AttributeType.B, AttributeType.B) => value.AsBinary().AsSpan().StartsWith(prefix.AsBinary()),
            _ => false,
        };

    /// <summary>contains: substring of S, subsequence of B, member of a set, or element of a list.</summary>
    public static bool Contains(AttributeValue value, AttributeValue operand)
    {
        switch (value.Type)
        {
            case AttributeType.S:
                return operand.Type == AttributeType.S && value.AsString().Contains(operand.AsString(), StringComparison.Ordinal);
            case AttributeType.B:
                return operand.Type == AttributeType.B && value.AsBinary().AsSpan().IndexOf(operand.AsBinary()) >= 0;
            case AttributeType.SS:
                return operand.Type == AttributeType.S && value.AsStringSet().Contains(operand.AsString(), StringComparer.Ordinal);
            case AttributeType.NS:
                return operand.Type == AttributeType.N && value.AsNumberSet().Contains(operand.AsNumber());
            case AttributeType.BS:
                return operand.Type == AttributeType.B && value.AsBinarySet().Any(b => b.AsSpan().SequenceEqual(operand.AsBinary()));
            case AttributeType.L:
                return value.AsList().Any(element => DeepEquals(element, operand));
            default:
                return false;
        }
    }

    /// <summary>size(): UTF-16 code units of S (observed), bytes of B, elements of sets, lists and maps; none otherwise.</summary>
    public static AttributeValue? Size(AttributeValue value)
    {
        int? size = value.Type switch
        {
            AttributeType.S => value.AsString().Length,
            AttributeType.B => value.AsBinary().Length,
            AttributeType.SS => value.AsStringSet().Count,
            AttributeType.NS => value.AsNumberSet().Count,
            AttributeType.BS => value.AsBinarySet().Count,
            AttributeType.L => value.AsList().Count,
            AttributeType.M => value.AsMap().Count,
            _ => null,
        };
        return size is { } n ? AttributeValue.FromNumber(DynamoNumber.FromInt64(n)) : null;
    }

    public static bool IsSet(AttributeType type) => type is AttributeType.SS or AttributeType.NS or AttributeType.BS;

    /// <summary>The type names attribute_type accepts, as written on the wire.</summary>
    public static bool TryParseTypeName(string name, out AttributeType type) =>
        Enum.TryParse(name, ignoreCase: false, out type) && Enum.IsDefined(type) && type.ToString() == name;

    /// <summary>Long type names DynamoDB uses in ADD/DELETE operand errors.</summary>
    public static string LongTypeName(AttributeType type) => type switch
    {
        AttributeType.S => "STRING",
        AttributeType.N => "NUMBER",
        AttributeType.B => "BINARY",
        AttributeType.BOOL => "BOOLEAN",
        AttributeType.NULL => "NULL",
        AttributeType.M => "MAP",
        AttributeType.L => "LIST",
        AttributeType.SS => "STRING_SET",
        AttributeType.NS => "NUMBER_SET",
        _ => "BINARY_SET",
    };

    /// <summary>A value as DynamoDB prints it in BETWEEN errors, e.g. <c>{S:a}</c> or <c>{N:1}</c>.</summary>
    public static string Format(AttributeValue value) => value.Type switch
    {
        AttributeType.S => $"{{S:{value.AsString()}}}",
        AttributeType.N => $"{{N:{value.AsNumber()}}}",
        AttributeType.B => $"{{B:{Convert.ToBase64String(value.AsBinary())}}}",
        AttributeType.BOOL => $"{{BOOL:{(value.AsBool() ? "true" : "false")}}}",
        AttributeType.NULL => "{NULL:true}",
        AttributeType.SS => $"{{SS:[{string.Join(", ", value.AsStringSet())}]}}",
        AttributeType.NS => $"{{NS:[{string.Join(", ", value.AsNumberSet())}]}}",
        AttributeType.BS => $"{{BS:[{string.Join(", ", value.AsBinarySet().Select(Convert.ToBase64String))}]}}",
        AttributeType.L => $"{{L:[{string.Join(", ", value.AsList().Select(Format))}]}}",
        _ => $"{{M:{{{string.Join(", ", value.AsMap().Select(p => p.Key + "=" + Format(p.Value)))}}}}}",
    };

    private static bool SetEquals<T>(List<T> a, List<T> b, Func<T, T, bool> equal) =>
        a.Count == b.Count && a.All(x => b.Any(y => equal(x, y)));
}
