using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// An item's encoding read straight from its request JSON, without the dictionaries, values and
/// strings <see cref="AttributeValueJson.ReadItem(ref Utf8JsonReader)"/> allocates (a
/// BatchWriteItem carries 25 items, and reading them was its largest cost after storage).
/// </summary>
/// <remarks>
/// Only the common, valid form is read here: every attribute value with exactly one known type
/// key, no JSON escapes, no nulls, no repeated names, numbers and base64 that parse, sets
/// non-empty without repeats, nesting within DynamoDB's limit. Anything else (every error, and
/// every input whose reading has a subtlety: escapes, coerced booleans, a repeated name whose
/// last value wins) makes <see cref="TryEncodeJson"/> answer false and leave the reader where it
/// was, and the caller reads the item with <see cref="AttributeValueJson"/>, which reports
/// DynamoDB's exact error. So every input accepted here is one the dictionary reader reads without
/// error, and the bytes are those <see cref="Encode"/> writes for its result: names and set
/// elements in document order, which is the dictionary's order when no name repeats.
/// </remarks>
public static partial class ItemCodec
{
    // Names and set elements are checked for repeats by pairwise comparison up to this count;
    // a larger map or set is left to the dictionary reader.
    private const int MaxFastMembers = 64;

    /// <summary>
    /// Reads the item at the reader (positioned on its StartObject, or on the property name before
    /// it) into its encoding, and its size as DynamoDB counts it (<see cref="ItemSize"/>). False,
    /// with the reader unmoved, when the item is not in the form this path reads (see the
    /// remarks); then read it with <see cref="AttributeValueJson"/>.
    /// </summary>
    public static bool TryEncodeJson(ref Utf8JsonReader reader, out byte[]? encoded, out int size)
    {
        encoded = null;
        size = 0;
        var start = reader;
        var writer = new Writer(512);
        try
        {
            if (reader.TokenType is JsonTokenType.None or JsonTokenType.PropertyName)
            {
                reader.Read();
            }

            writer.Byte(CurrentVersion);
            if (reader.TokenType == JsonTokenType.StartObject && TryMapBody(ref reader, ref writer, depth: 1, perElement: 0, ref size))
            {
                encoded = writer.ToArray();
                return true;
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the dictionary reader meets it at the same place and reports it.
        }
        finally
        {
            writer.Dispose();
        }

        reader = start;
        size = 0;
        return false;
    }

    // A JSON object of name → AttributeValue (the item, or an M's body), reader on its
    // StartObject; writes the count and the (name, value) pairs and adds their size (an M's
    // elements count one byte more each: perElement). depth = that of its values.
    private static bool TryMapBody(ref Utf8JsonReader reader, ref Writer writer, int depth, int perElement, ref int size)
    {
        var objectDepth = reader.CurrentDepth;
        var countAt = writer.ReserveCount();
        Span<int> nameStarts = stackalloc int[MaxFastMembers];
        Span<int> nameLengths = stackalloc int[MaxFastMembers];
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (count == MaxFastMembers || !TryPlainSpan(ref reader, out var name))
            {
                return false;
            }

            if (!Utf8.IsValid(name) || writer.Repeats(name, nameStarts[..count], nameLengths[..count]))
            {
                return false;
            }

            writer.Bytes(name);
            nameStarts[count] = writer.Position - name.Length;
            nameLengths[count++] = name.Length;
            size += name.Length + perElement;
            if (!reader.Read() || !TryValue(ref reader, ref writer, depth, ref size))
            {
                return false;
            }
        }

        writer.CompleteCount(countAt, (uint)count);
        return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == objectDepth;
    }

    // One AttributeValue object, reader on its StartObject; on success the reader is on its
    // EndObject and the value's size is added to size.
    private static bool TryValue(ref Utf8JsonReader reader, ref Writer writer, int depth, ref int size)
    {
        if (reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName
            || !TryPlainSpan(ref reader, out var type))
        {
            return false;
        }

        if (!reader.Read())
        {
            return false;
        }

        var written = type.Length switch
        {
            1 => type[0] switch
            {
                (byte)'S' => TryString(ref reader, ref writer, AttributeType.S, ref size),
                (byte)'N' => TryNumber(ref reader, ref writer, ref size),
                (byte)'B' => TryBinary(ref reader, ref writer, tagged: true, ref size),
                (byte)'M' => TryMap(ref reader, ref writer, depth, ref size),
                (byte)'L' => TryList(ref reader, ref writer, depth, ref size),
                _ => false,
            },
            2 when type[1] == (byte)'S' => type[0] switch
            {
                (byte)'S' => TrySet(ref reader, ref writer, AttributeType.SS, ref size),
                (byte)'N' => TrySet(ref reader, ref writer, AttributeType.NS, ref size),
                (byte)'B' => TrySet(ref reader, ref writer, AttributeType.BS, ref size),
                _ => false,
            },
            4 when type.SequenceEqual("BOOL"u8) => TryBool(ref reader, ref writer, ref size),
            4 when type.SequenceEqual("NULL"u8) => TryNull(ref reader, ref writer, ref size),
            _ => false,
        };

        // Exactly one member: a second type key (or an unknown member) is the dictionary reader's case.
        return written && reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }

    // The token's bytes as they are in the request: false for an escaped token (its bytes are not
    // its text) or one split across buffer segments (it has no single span).
    private static bool TryPlainSpan(ref Utf8JsonReader reader, out ReadOnlySpan<byte> span)
    {
        span = reader.ValueSpan;
        return !reader.ValueIsEscaped && !reader.HasValueSequence;
    }

    private static bool TryBool(ref Utf8JsonReader reader, ref Writer writer, ref int size)
    {
        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
        {
            return false; // "true"/"false" text is coerced by the dictionary reader
        }

        writer.Byte(reader.TokenType == JsonTokenType.True ? TrueTag : (byte)AttributeType.BOOL);
        size += 1;
        return true;
    }

    private static bool TryNull(ref Utf8JsonReader reader, ref Writer writer, ref int size)
    {
        if (reader.TokenType != JsonTokenType.True)
        {
            return false;
        }

        writer.Byte((byte)AttributeType.NULL);
        size += 1;
        return true;
    }

    // An unescaped JSON string of valid UTF-8, written as its length and bytes (after the tag, if any).
    private static bool TryString(ref Utf8JsonReader reader, ref Writer writer, AttributeType? tag, ref int size)
    {
        if (reader.TokenType != JsonTokenType.String || !TryPlainSpan(ref reader, out var text) || !Utf8.IsValid(text))
        {
            return false;
        }

        if (tag is { } type)
        {
            writer.Byte((byte)type);
        }

        writer.Bytes(text);
        size += text.Length;
        return true;
    }

    private static bool TryNumber(ref Utf8JsonReader reader, ref Writer writer, ref int size)
    {
        if (!TryParseNumber(ref reader, out var number))
        {
            return false;
        }

        writer.Byte((byte)AttributeType.N);
        WriteNumber(ref writer, number);
        size += ItemSize.Of(number);
        return true;
    }

    private static bool TryParseNumber(ref Utf8JsonReader reader, out DynamoNumber number)
    {
        number = default;
        return reader.TokenType == JsonTokenType.String && TryPlainSpan(ref reader, out var text)
            && AttributeValueJson.TryParseAsciiNumber(text, out number, out _);
    }

    private static bool TryBinary(ref Utf8JsonReader reader, ref Writer writer, bool tagged, ref int size)
    {
        if (reader.TokenType != JsonTokenType.String || !TryPlainSpan(ref reader, out var text))
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = AttributeValueJson.DecodeBase64(text);
        }
        catch (Lockbox.Common.AwsServiceException)
        {
            return false;
        }

        if (tagged)
        {
            writer.Byte((byte)AttributeType.B);
        }

        writer.Bytes(bytes);
        size += bytes.Length;
        return true;
    }

    private static bool TryMap(ref Utf8JsonReader reader, ref Writer writer, int depth, ref int size)
    {
        if (depth >= AttributeValueJson.MaxNestingLevels || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        writer.Byte((byte)AttributeType.M);
        size += 3;
        return TryMapBody(ref reader, ref writer, depth + 1, perElement: 1, ref size);
    }

    private static bool TryList(ref Utf8JsonReader reader, ref Writer writer, int depth, ref int size)
    {
        if (depth >= AttributeValueJson.MaxNestingLevels || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        writer.Byte((byte)AttributeType.L);
        size += 3;
        var countAt = writer.ReserveCount();
        uint count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!TryValue(ref reader, ref writer, depth + 1, ref size))
            {
                return false;
            }

            size += 1;
            count++;
        }

        writer.CompleteCount(countAt, count);
        return reader.TokenType == JsonTokenType.EndArray;
    }

    // SS, NS or BS: a non-empty JSON array of distinct elements, each written without a tag.
    private static bool TrySet(ref Utf8JsonReader reader, ref Writer writer, AttributeType type, ref int size)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        writer.Byte((byte)type);
        var countAt = writer.ReserveCount();
        Span<int> starts = stackalloc int[MaxFastMembers];
        Span<int> lengths = stackalloc int[MaxFastMembers];
        var numbers = type == AttributeType.NS ? ArrayPool<DynamoNumber>.Shared.Rent(MaxFastMembers) : null;
        try
        {
            var count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (count == MaxFastMembers)
                {
                    return false;
                }

                if (numbers is not null)
                {
                    // Numbers repeat by value ("1" and "1.0" are the same number), not by text.
                    if (!TryParseNumber(ref reader, out var number) || numbers.AsSpan(0, count).Contains(number))
                    {
                        return false;
                    }

                    numbers[count++] = number;
                    WriteNumber(ref writer, number);
                    size += ItemSize.Of(number);
                    continue;
                }

                var before = size;
                if (!(type == AttributeType.SS
                        ? TryString(ref reader, ref writer, tag: null, ref size)
                        : TryBinary(ref reader, ref writer, tagged: false, ref size)))
                {
                    return false;
                }

                var length = size - before;
                var start = writer.Position - length;
                if (writer.Repeats(writer.Written(start, length), starts[..count], lengths[..count]))
                {
                    return false;
                }

                starts[count] = start;
                lengths[count++] = length;
            }

            if (count == 0 || reader.TokenType != JsonTokenType.EndArray)
            {
                return false;
            }

            writer.CompleteCount(countAt, (uint)count);
            return true;
        }
        finally
        {
            if (numbers is not null)
            {
                ArrayPool<DynamoNumber>.Shared.Return(numbers);
            }
        }
    }
}
