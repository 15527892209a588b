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
public static partial class ItemCodec
{
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
                writer.WriteString("S"u8, utf8);
                size = utf8.Length;
                break;
            }

            case (byte)AttributeType.N:
            {
                var number = ReadNumber(ref reader);
                WriteNumberJson(writer, "N"u8, number);
                size = ItemSize.Of(number);
                break;
            }

            case (byte)AttributeType.B:
            {
                var bytes = reader.Raw(reader.Count());
                writer.WriteBase64String("B"u8, bytes);
                size = bytes.Length;
                break;
            }

            case (byte)AttributeType.BOOL:
                writer.WriteBoolean("BOOL"u8, false);
                size = 1;
                break;
            case TrueTag:
                writer.WriteBoolean("BOOL"u8, true);
                size = 1;
                break;
            case (byte)AttributeType.NULL:
                writer.WriteBoolean("NULL"u8, true);
                size = 1;
                break;
            case (byte)AttributeType.M:
                writer.WritePropertyName("M"u8);
                size = 3 + WriteMapBody(ref reader, writer, depth + 1, perElement: 1);
                break;
            case (byte)AttributeType.L:
            {
                var count = reader.Count();
                size = 3;
                writer.WriteStartArray("L"u8);
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
                writer.WriteStartArray("SS"u8);
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
                writer.WriteStartArray("NS"u8);
                for (var i = 0; i < count; i++)
                {
                    var number = ReadNumber(ref reader);
                    WriteNumberJson(writer, default, number);
                    size += ItemSize.Of(number);
                }

                writer.WriteEndArray();
                break;
            }

            case (byte)AttributeType.BS:
            {
                var count = reader.Count();
                size = 0;
                writer.WriteStartArray("BS"u8);
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

    private static void WriteNumberJson(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DynamoNumber number)
    {
        // Number text is ASCII digits, sign, point and exponent: written as UTF-8 directly.
        Span<char> chars = stackalloc char[DynamoNumber.MaxTextLength];
        var length = number.Format(chars);
        Span<byte> utf8 = stackalloc byte[DynamoNumber.MaxTextLength];
        for (var i = 0; i < length; i++)
        {
            utf8[i] = (byte)chars[i];
        }

        if (name.IsEmpty)
        {
            writer.WriteStringValue(utf8[..length]);
        }
        else
        {
            writer.WriteString(name, utf8[..length]);
        }
    }
}
