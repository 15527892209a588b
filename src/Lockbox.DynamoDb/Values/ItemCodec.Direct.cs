using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// Work done straight on an item's binary encoding, without materialising its attribute values:
/// its DynamoDB size (for capacity and table size) and its wire JSON (for GetItem, Query and Scan
/// results that need no projection or filter). Both give exactly what
/// <see cref="ItemSize.Of(IReadOnlyDictionary{string, AttributeValue})"/> and
/// <see cref="AttributeValueJson.WriteItem"/> give for the decoded item; they only skip the
/// dictionaries, lists and strings a decode allocates.
/// </summary>
// Stack buffers are not zeroed on entry: every one is written before it is read, and a Scan
// page formats thousands of numbers.
[SkipLocalsInit]
public static partial class ItemCodec
{
    // The type keys, escaped once: the writer then skips the escaping check it makes for every name.
    private static readonly JsonEncodedText s_sKey = JsonEncodedText.Encode("S");
    private static readonly JsonEncodedText s_nKey = JsonEncodedText.Encode("N");
    private static readonly JsonEncodedText s_bKey = JsonEncodedText.Encode("B");
    private static readonly JsonEncodedText s_boolKey = JsonEncodedText.Encode("BOOL");
    private static readonly JsonEncodedText s_nullKey = JsonEncodedText.Encode("NULL");
    private static readonly JsonEncodedText s_mKey = JsonEncodedText.Encode("M");
    private static readonly JsonEncodedText s_lKey = JsonEncodedText.Encode("L");
    private static readonly JsonEncodedText s_ssKey = JsonEncodedText.Encode("SS");
    private static readonly JsonEncodedText s_nsKey = JsonEncodedText.Encode("NS");
    private static readonly JsonEncodedText s_bsKey = JsonEncodedText.Encode("BS");

    /// <summary>The item's size as DynamoDB counts it (see <see cref="ItemSize"/>), read from its encoding.</summary>
    public static int SizeOf(ReadOnlySpan<byte> encoded)
    {
        var reader = Open(encoded);
        var size = SizeOfMapBody(ref reader, 0, perElement: 0);
        EnsureEnd(ref reader);
        return size;
    }

    /// <summary>
    /// Writes the encoded item as a JSON object of name → AttributeValue, exactly as
    /// <see cref="AttributeValueJson.WriteItem"/> writes the decoded item, and returns its size
    /// (as <see cref="SizeOf"/>).
    /// </summary>
    public static int WriteJson(ReadOnlySpan<byte> encoded, Utf8JsonWriter writer)
    {
        var reader = Open(encoded);
        var size = WriteMapBody(ref reader, writer, 0, perElement: 0);
        EnsureEnd(ref reader);
        return size;
    }

    /// <summary>
    /// The top-level attributes named <paramref name="first"/> and <paramref name="second"/> that
    /// the encoded item has (an item's key), decoding only those and reading no further than the
    /// last of them (an item's names are distinct).
    /// </summary>
    public static Dictionary<string, AttributeValue> TopLevelAttributes(ReadOnlySpan<byte> encoded, string first, string? second)
    {
        var attributes = new Dictionary<string, AttributeValue>(2, StringComparer.Ordinal);
        var reader = Open(encoded);
        var count = reader.Count();
        var wantedCount = second is null ? 1 : 2;
        for (var i = 0; i < count && attributes.Count < wantedCount; i++)
        {
            var name = reader.Raw(reader.Count());
            var wanted = Utf8Equals(name, first) ? first : second is not null && Utf8Equals(name, second) ? second : null;
            if (wanted is null)
            {
                SizeOfValue(ref reader, 0);
            }
            else
            {
                attributes[wanted] = ReadValue(ref reader, 0);
            }
        }

        return attributes;
    }

    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string text)
    {
        // ASCII names (the usual case) compare without transcoding.
        if (utf8.Length == text.Length && System.Text.Ascii.Equals(utf8, text))
        {
            return true;
        }

        return utf8.Length >= text.Length && utf8.Length <= text.Length * 3
            && Encoding.UTF8.GetString(utf8) == text;
    }

    private static Reader Open(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw Corrupt();
        }

        if (encoded[0] != CurrentVersion)
        {
            throw new InvalidDataException($"Unknown item format version {encoded[0]}");
        }

        return new Reader(encoded[1..]);
    }

    private static void EnsureEnd(ref Reader reader)
    {
        if (!reader.AtEnd)
        {
            throw Corrupt();
        }
    }

    // A map body (an item, or the value of an M): count, then (name, value) pairs. An item counts
    // each name and value; a nested map adds one byte per element (perElement = 1).
    private static int SizeOfMapBody(ref Reader reader, int depth, int perElement)
    {
        var count = reader.Count();
        var size = 0;
        for (var i = 0; i < count; i++)
        {
            var nameLength = reader.Count();
            reader.Skip(nameLength);
            size += nameLength + SizeOfValue(ref reader, depth) + perElement;
        }

        return size;
    }

    private static int SizeOfValue(ref Reader reader, int depth)
    {
        if (depth > 64)
        {
            throw Corrupt();
        }

        var tag = reader.Byte();
        switch (tag)
        {
            case (byte)AttributeType.S:
            case (byte)AttributeType.B:
            {
                var length = reader.Count();
                reader.Skip(length);
                return length;
            }

            case (byte)AttributeType.N:
                return ItemSize.Of(ReadNumber(ref reader));
            case (byte)AttributeType.BOOL:
            case TrueTag:
            case (byte)AttributeType.NULL:
                return 1;
            case (byte)AttributeType.M:
                return 3 + SizeOfMapBody(ref reader, depth + 1, perElement: 1);
            case (byte)AttributeType.L:
            {
                var count = reader.Count();
                var size = 3;
                for (var i = 0; i < count; i++)
                {
                    size += SizeOfValue(ref reader, depth + 1) + 1;
                }

                return size;
            }

            case (byte)AttributeType.SS:
            case (byte)AttributeType.BS:
            {
                var count = reader.Count();
                var size = 0;
                for (var i = 0; i < count; i++)
                {
                    var length = reader.Count();
                    reader.Skip(length);
                    size += length;
                }

                return size;
            }

            case (byte)AttributeType.NS:
            {
                var count = reader.Count();
                var size = 0;
                for (var i = 0; i < count; i++)
                {
                    size += ItemSize.Of(ReadNumber(ref reader));
                }

                return size;
            }

            default:
                throw Corrupt();
        }
    }

    private static int WriteMapBody(ref Reader reader, Utf8JsonWriter writer, int depth, int perElement)
    {
        var count = reader.Count();
        var size = 0;
        writer.WriteStartObject();
        for (var i = 0; i < count; i++)
        {
            var name = reader.Raw(reader.Count());
            writer.WritePropertyName(name);
            size += name.Length + WriteValueJson(ref reader, writer, depth) + perElement;
        }

        writer.WriteEndObject();
        return size;
    }

    private static int WriteValueJson(ref Reader reader, Utf8JsonWriter writer, int depth)
    {
        if (depth > 64)
        {
            throw Corrupt();
        }

        var tag = reader.Byte();
        int size;
        writer.WriteStartObject();
        switch (tag)
        {
            case (byte)AttributeType.S:
            {
                var utf8 = reader.Raw(reader.Count());
                writer.WriteString(s_sKey, utf8);
                size = utf8.Length;
                break;
            }

            case (byte)AttributeType.N:
                writer.WritePropertyName(s_nKey);
                size = WriteNumberJson(ref reader, writer);
                break;
            case (byte)AttributeType.B:
            {
                var bytes = reader.Raw(reader.Count());
                writer.WriteBase64String(s_bKey, bytes);
                size = bytes.Length;
                break;
            }

            case (byte)AttributeType.BOOL:
                writer.WriteBoolean(s_boolKey, false);
                size = 1;
                break;
            case TrueTag:
                writer.WriteBoolean(s_boolKey, true);
                size = 1;
                break;
            case (byte)AttributeType.NULL:
                writer.WriteBoolean(s_nullKey, true);
                size = 1;
                break;
            case (byte)AttributeType.M:
                writer.WritePropertyName(s_mKey);
                size = 3 + WriteMapBody(ref reader, writer, depth + 1, perElement: 1);
                break;
            case (byte)AttributeType.L:
            {
                var count = reader.Count();
                size = 3;
                writer.WriteStartArray(s_lKey);
                for (var i = 0; i < count; i++)
                {
                    size += WriteValueJson(ref reader, writer, depth + 1) + 1;
                }

                writer.WriteEndArray();
                break;
            }

            case (byte)AttributeType.SS:
            {
                var count = reader.Count();
                size = 0;
                writer.WriteStartArray(s_ssKey);
                for (var i = 0; i < count; i++)
                {
                    var utf8 = reader.Raw(reader.Count());
                    writer.WriteStringValue(utf8);
                    size += utf8.Length;
                }

                writer.WriteEndArray();
                break;
            }

            case (byte)AttributeType.NS:
            {
                var count = reader.Count();
                size = 0;
                writer.WriteStartArray(s_nsKey);
                for (var i = 0; i < count; i++)
                {
                    size += WriteNumberJson(ref reader, writer);
                }

                writer.WriteEndArray();
                break;
            }

            case (byte)AttributeType.BS:
            {
                var count = reader.Count();
                size = 0;
                writer.WriteStartArray(s_bsKey);
                for (var i = 0; i < count; i++)
                {
                    var bytes = reader.Raw(reader.Count());
                    writer.WriteBase64StringValue(bytes);
                    size += bytes.Length;
                }

                writer.WriteEndArray();
                break;
            }

            default:
                throw Corrupt();
        }

        writer.WriteEndObject();
        return size;
    }

    /// <summary>
    /// Reads an encoded number and writes it as a JSON string value: the text
    /// <see cref="DynamoNumber.Format"/> gives (digits, '-' and '.' only, so nothing to escape),
    /// formatted straight from the stored magnitude and exponent into UTF-8. Returns its size
    /// (<see cref="ItemSize.Of(DynamoNumber)"/>).
    /// </summary>
    private static int WriteNumberJson(ref Reader reader, Utf8JsonWriter writer)
    {
        var (negative, magnitude, exponent) = ReadNumberParts(ref reader);
        if (magnitude == UInt128.Zero)
        {
            writer.WriteRawValue("\"0\""u8, skipInputValidation: true);
            return 1;
        }

        Span<byte> digits = stackalloc byte[40];
        int d;
        var formatted = magnitude <= ulong.MaxValue
            ? ((ulong)magnitude).TryFormat(digits, out d, default, CultureInfo.InvariantCulture)
            : magnitude.TryFormat(digits, out d, default, CultureInfo.InvariantCulture);
        if (!formatted)
        {
            throw Corrupt();
        }

        // Laid out as DynamoNumber.Format lays it out, between quotes.
        Span<byte> text = stackalloc byte[DynamoNumber.MaxTextLength + 2];
        var pos = 0;
        text[pos++] = (byte)'"';
        if (negative)
        {
            text[pos++] = (byte)'-';
        }

        if (exponent >= 0)
        {
            if (exponent > DynamoNumber.MaxTextLength - d - 1)
            {
                throw Corrupt();
            }

            digits[..d].CopyTo(text[pos..]);
            pos += d;
            text.Slice(pos, exponent).Fill((byte)'0');
            pos += exponent;
        }
        else
        {
            var pointAt = d + exponent;
            if (pointAt > 0)
            {
                digits[..pointAt].CopyTo(text[pos..]);
                pos += pointAt;
                text[pos++] = (byte)'.';
                digits[pointAt..d].CopyTo(text[pos..]);
                pos += d - pointAt;
            }
            else
            {
                if (d - pointAt > DynamoNumber.MaxTextLength - 3)
                {
                    throw Corrupt();
                }

                text[pos++] = (byte)'0';
                text[pos++] = (byte)'.';
                text.Slice(pos, -pointAt).Fill((byte)'0');
                pos += -pointAt;
                digits[..d].CopyTo(text[pos..]);
                pos += d;
            }
        }

        text[pos++] = (byte)'"';
        writer.WriteRawValue(text[..pos], skipInputValidation: true);
        return ItemSize.OfNumber(d, exponent, negative);
    }
}
