using System.Buffers;
using System.Text;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// Order-preserving, self-delimiting binary form of key attribute values (S, N, B): comparing
/// two encodings as unsigned bytes gives DynamoDB's order for the values, and an encoding can be
/// followed by another (partition key then sort key) without changing that order.
/// </summary>
/// <remarks>
/// <para>S and B: the UTF-8 / raw bytes with 0x00 escaped as 0x00 0xFF, then the terminator
/// 0x00 0x01. A value that ends sorts before any longer value with the same prefix because the
/// terminator's second byte (0x01) is below both an escaped zero (0xFF) and any other byte
/// that could follow the prefix (which are all ≥ 0x01 and come unprefixed).</para>
/// <para>N: a class byte (0x01 negative, 0x02 zero, 0x03 positive). A positive number follows
/// with its leading digit's power of ten + 130 (0..255, exactly DynamoDB's range), then its
/// significant digits two per byte as 2 + pair value (2..101; an odd last digit is padded with
/// 0), then the terminator 0x01. Normal form has no trailing zeros, so for equal exponents the
/// digit strings compare like the numbers, and a shorter string is a prefix of a larger number.
/// A negative number writes the same bytes complemented (terminator 0xFE), which reverses
/// the order, as larger magnitudes are smaller negatives.</para>
/// </remarks>
public static class KeyEncoding
{
    private const byte NegativeClass = 0x01;
    private const byte ZeroClass = 0x02;
    private const byte PositiveClass = 0x03;
    private const byte NumberTerminator = 0x01;
    private const int ExponentBias = 130;

    /// <summary>Largest encoding of a number: class + exponent + 19 digit pairs + terminator.</summary>
    public const int MaxNumberLength = 3 + ((DynamoNumber.MaxDigits + 1) / 2);

    /// <summary>Keys up to this many encoded bytes are encoded on the stack (DynamoDB allows 2,048-byte partition keys).</summary>
    public const int StackBufferLength = 512;

    /// <summary>The encoding of a key value as a new array.</summary>
    public static byte[] Encode(AttributeValue value)
    {
        using var encoded = new Scratch(value, stackalloc byte[StackBufferLength]);
        return encoded.Bytes.ToArray();
    }

    /// <summary>
    /// A key value's encoding in scratch space: <paramref name="stackBuffer"/> when it fits,
    /// otherwise a pooled array that <see cref="Dispose"/> returns. Saves an array per key.
    /// </summary>
    public ref struct Scratch
    {
        private byte[]? _rented;

        public Scratch(AttributeValue value, Span<byte> stackBuffer)
        {
            var max = GetMaxLength(value);
            var buffer = max <= stackBuffer.Length ? stackBuffer : (_rented = ArrayPool<byte>.Shared.Rent(max));
            Bytes = buffer[..Encode(value, buffer)];
        }

        public ReadOnlySpan<byte> Bytes { get; }

        public void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
                _rented = null;
            }
        }
    }

    /// <summary>The encoding of a partition key followed by an optional sort key.</summary>
    public static byte[] Encode(AttributeValue partitionKey, AttributeValue? sortKey)
    {
        var writer = new ArrayBufferWriter<byte>(GetMaxLength(partitionKey) + (sortKey is null ? 0 : GetMaxLength(sortKey)));
        Encode(partitionKey, writer);
        if (sortKey is not null)
        {
            Encode(sortKey, writer);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>An upper bound on the encoded length of <paramref name="value"/>.</summary>
    public static int GetMaxLength(AttributeValue value) => value.Type switch
    {
        AttributeType.S => (Encoding.UTF8.GetMaxByteCount(value.AsString().Length) * 2) + 2,
        AttributeType.B => (value.AsBinary().Length * 2) + 2,
        AttributeType.N => MaxNumberLength,
        _ => throw NotAKey(value.Type),
    };

    /// <summary>Appends the encoding of a key value (S, N or B) to <paramref name="writer"/>.</summary>
    public static void Encode(AttributeValue value, IBufferWriter<byte> writer) =>
        writer.Advance(Encode(value, writer.GetSpan(GetMaxLength(value))));

    /// <summary>
    /// Writes the encoding of a key value (S, N or B) into <paramref name="destination"/>, which
    /// has at least <see cref="GetMaxLength"/> bytes; returns the bytes written.
    /// </summary>
    public static int Encode(AttributeValue value, Span<byte> destination) => value.Type switch
    {
        AttributeType.S => EncodeString(value.AsString(), destination),
        AttributeType.B => EncodeBytes(value.AsBinary(), destination),
        AttributeType.N => EncodeNumber(value.AsNumber(), destination),
        _ => throw NotAKey(value.Type),
    };

    private static int EncodeString(string s, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= StackBufferLength)
        {
            Span<byte> utf8 = stackalloc byte[StackBufferLength];
            var n = Encoding.UTF8.GetBytes(s, utf8);
            return EncodeBytes(utf8[..n], destination);
        }

        return EncodeBytes(Encoding.UTF8.GetBytes(s), destination);
    }

    private static int EncodeBytes(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        var zeros = bytes.Count((byte)0);
        var length = bytes.Length + zeros + 2;
        if (zeros == 0)
        {
            bytes.CopyTo(destination);
        }
        else
        {
            var pos = 0;
            foreach (var b in bytes)
            {
                destination[pos++] = b;
                if (b == 0)
                {
                    destination[pos++] = 0xFF;
                }
            }
        }

        destination[length - 2] = 0x00;
        destination[length - 1] = 0x01;
        return length;
    }

    /// <summary>Writes a number's encoding into <paramref name="dest"/> (at least <see cref="MaxNumberLength"/> bytes).</summary>
    public static int EncodeNumber(DynamoNumber number, Span<byte> dest)
    {
        var sign = number.Sign;
        if (sign == 0)
        {
            dest[0] = ZeroClass;
            return 1;
        }

        dest[0] = sign > 0 ? PositiveClass : NegativeClass;
        dest[1] = (byte)(number.AdjustedExponent + ExponentBias);

        Span<char> digits = stackalloc char[40];
        number.Magnitude.TryFormat(digits, out var count, default, System.Globalization.CultureInfo.InvariantCulture);
        var pos = 2;
        for (var i = 0; i < count; i += 2)
        {
            var hi = digits[i] - '0';
            var lo = i + 1 < count ? digits[i + 1] - '0' : 0;
            dest[pos++] = (byte)(2 + (hi * 10) + lo);
        }

        dest[pos++] = NumberTerminator;
        if (sign < 0)
        {
            // Complement exponent, digits and terminator so larger magnitudes sort first.
            for (var i = 1; i < pos; i++)
            {
                dest[i] = (byte)~dest[i];
            }
        }

        return pos;
    }

    /// <summary>
    /// Decodes one key value of the given type from the start of <paramref name="data"/>;
    /// <paramref name="consumed"/> is the number of bytes it took.
    /// </summary>
    public static AttributeValue Decode(ReadOnlySpan<byte> data, AttributeType type, out int consumed) => type switch
    {
        AttributeType.S => AttributeValue.FromString(Encoding.UTF8.GetString(DecodeBytes(data, out consumed))),
        AttributeType.B => AttributeValue.FromBinary(DecodeBytes(data, out consumed)),
        AttributeType.N => AttributeValue.FromNumber(DecodeNumber(data, out consumed)),
        _ => throw NotAKey(type),
    };

    private static byte[] DecodeBytes(ReadOnlySpan<byte> data, out int consumed)
    {
        // Find the terminator 0x00 0x01, counting escaped zeros on the way.
        var escapes = 0;
        var i = 0;
        while (true)
        {
            var z = data[i..].IndexOf((byte)0);
            if (z < 0 || i + z + 1 >= data.Length)
            {
                throw Corrupt();
            }

            i += z;
            if (data[i + 1] == 0x01)
            {
                break;
            }

            if (data[i + 1] != 0xFF)
            {
                throw Corrupt();
            }

            escapes++;
            i += 2;
        }

        consumed = i + 2;
        var encoded = data[..i];
        if (escapes == 0)
        {
            return encoded.ToArray();
        }

        var result = new byte[encoded.Length - escapes];
        var pos = 0;
        for (var j = 0; j < encoded.Length; j++)
        {
            result[pos++] = encoded[j];
            if (encoded[j] == 0)
            {
                j++; // skip the 0xFF escape
            }
        }

        return result;
    }

    /// <summary>Decodes a number written by <see cref="EncodeNumber"/>.</summary>
    public static DynamoNumber DecodeNumber(ReadOnlySpan<byte> data, out int consumed)
    {
        if (data.IsEmpty)
        {
            throw Corrupt();
        }

        if (data[0] == ZeroClass)
        {
            consumed = 1;
            return DynamoNumber.Zero;
        }

        var negative = data[0] == NegativeClass;
        if (!negative && data[0] != PositiveClass)
        {
            throw Corrupt();
        }

        var flip = negative ? (byte)0xFF : (byte)0x00;
        if (data.Length < 3)
        {
            throw Corrupt();
        }

        var adjusted = (data[1] ^ flip) - ExponentBias;
        UInt128 magnitude = UInt128.Zero;
        var digits = 0;
        var pos = 2;
        while (true)
        {
            if (pos >= data.Length || digits > DynamoNumber.MaxDigits)
            {
                throw Corrupt();
            }

            var b = data[pos++] ^ flip;
            if (b == NumberTerminator)
            {
                break;
            }

            var pair = b - 2;
            if (pair is < 0 or > 99)
            {
                throw Corrupt();
            }

            magnitude = (magnitude * 100) + (uint)pair;
            digits += 2;
        }

        // Drop the pad digit of an odd-length coefficient.
        if (digits > 0 && magnitude % 10 == 0)
        {
            magnitude /= 10;
            digits--;
        }

        consumed = pos;
        return DynamoNumber.FromNormalizedParts(negative, magnitude, adjusted - digits + 1);
    }

    private static InvalidDataException Corrupt() => new("Corrupt key encoding");

    private static ArgumentException NotAKey(AttributeType type) =>
        new($"Attribute type {type} cannot be a key; keys are S, N or B");
}
