using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// Reads and writes DynamoDB's wire form of attribute values (<c>{"S": "x"}</c>, <c>{"N": "1"}</c>,
/// <c>{"M": {...}}</c>, ...) straight from and to UTF-8, with DynamoDB's exact errors.
/// </summary>
/// <remarks>
/// Errors follow the order DynamoDB reports them: a JSON token of the wrong type is a
/// SerializationException and is raised at once (DynamoDB type-checks the whole request before
/// validating it), while value errors (bad numbers, empty sets, duplicates, NULL:false, missing
/// or extra datatypes, nesting) are ValidationExceptions; the first one, in document order, is
/// remembered and raised when the value or item has been read completely. Callers that read a
/// larger request can use the overloads taking <c>ref string? validationError</c> and raise it
/// after their own type checks.
/// The reader must be positioned on the value's first token (as in a JsonConverter); on
/// return it is on the value's last token.
/// </remarks>
public static class AttributeValueJson
{
    /// <summary>Deepest nesting DynamoDB stores: a top-level attribute value is level 1.</summary>
    public const int MaxNestingLevels = 32;

    private enum Kind : byte
    {
        None,
        S,
        N,
        B,
        Bool,
        Null,
        SS,
        NS,
        BS,
        L,
        M,
    }

    /// <summary>Reads one AttributeValue object; throws DynamoDB's error for bad input.</summary>
    public static AttributeValue ReadValue(ref Utf8JsonReader reader)
    {
        string? error = null;
        var value = ReadValue(ref reader, ref error);
        return error is null ? value : throw ValueErrors.Validation(error);
    }

    /// <summary>
    /// Reads one AttributeValue object. SerializationExceptions are thrown; the first
    /// validation message is stored in <paramref name="validationError"/> (if still null) and
    /// a placeholder value is returned in place of the invalid one.
    /// </summary>
    public static AttributeValue ReadValue(ref Utf8JsonReader reader, ref string? validationError)
    {
        MoveToValue(ref reader);
        return ReadValueCore(ref reader, 1, ref validationError);
    }

    /// <summary>Reads a JSON object of attribute name → AttributeValue (an item or key).</summary>
    public static Dictionary<string, AttributeValue> ReadItem(ref Utf8JsonReader reader)
    {
        string? error = null;
        var item = ReadItem(ref reader, ref error);
        return error is null ? item : throw ValueErrors.Validation(error);
    }

    /// <inheritdoc cref="ReadItem(ref Utf8JsonReader)"/>
    /// <remarks>Validation errors are deferred as in <see cref="ReadValue(ref Utf8JsonReader, ref string?)"/>.</remarks>
    public static Dictionary<string, AttributeValue> ReadItem(ref Utf8JsonReader reader, ref string? validationError) =>
        ReadItem(ref reader, ref validationError, out _);

    /// <summary>
    /// As <see cref="ReadItem(ref Utf8JsonReader, ref string?)"/>, also naming the top-level key
    /// whose value caused the first validation error (DynamoDB quotes it for
    /// ExpressionAttributeValues: "... for key :v").
    /// </summary>
    public static Dictionary<string, AttributeValue> ReadItem(ref Utf8JsonReader reader, ref string? validationError,
        out string? errorKey)
    {
        errorKey = null;
        MoveToValue(ref reader);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                break;
            case JsonTokenType.Null:
                return new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            case JsonTokenType.StartArray:
                throw ValueErrors.Serialization(ValueErrors.AttributeMapCollection);
            default:
                throw ValueErrors.Serialization(ValueErrors.UnexpectedFieldType);
        }

        // Sized for a typical item, so that reading one does not grow the table twice.
        var map = new Dictionary<string, AttributeValue>(8, StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = AttributeNames.Read(ref reader);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            var hadError = validationError is not null;
            map[name] = ReadValueCore(ref reader, 1, ref validationError);
            if (!hadError && validationError is not null)
            {
                errorKey = name;
            }
        }

        return map;
    }

    private static void MoveToValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.None or JsonTokenType.PropertyName)
        {
            reader.Read();
        }
    }

    private static Dictionary<string, AttributeValue> ReadMapBody(ref Utf8JsonReader reader, int depth, ref string? error)
    {
        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = AttributeNames.Read(ref reader);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                // A null member is treated as absent, as DynamoDB's deserializer does.
                continue;
            }

            map[name] = ReadValueCore(ref reader, depth, ref error);
        }

        return map;
    }

    private static AttributeValue ReadValueCore(ref Utf8JsonReader reader, int depth, ref string? error)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                break;
            case JsonTokenType.StartArray:
                throw ValueErrors.Serialization(ValueErrors.AttributeValueCollection);
            case JsonTokenType.Null:
                // Lockbox's choice: a null list element or map value is an empty AttributeValue.
                error ??= ValueErrors.EmptyAttributeValue;
                return AttributeValue.Null;
            default:
                throw ValueErrors.Serialization(ValueErrors.UnexpectedValueType);
        }

        AttributeValue? result = null;
        var types = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var kind = KindOf(ref reader);
            reader.Read();
            if (kind == Kind.None)
            {
                reader.Skip(); // unknown members are ignored
                continue;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                continue; // a null member counts as not set
            }

            var value = ReadMember(ref reader, kind, depth, ref error);
            if (value is not null)
            {
                types++;
                result ??= value;
            }
        }

        if (types == 0)
        {
            error ??= ValueErrors.EmptyAttributeValue;
            return AttributeValue.Null;
        }

        if (types > 1)
        {
            error ??= ValueErrors.MultipleDatatypes;
        }

        return result!;
    }

    private static Kind KindOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return reader.GetString() switch
            {
                "S" => Kind.S,
                "N" => Kind.N,
                "B" => Kind.B,
                "BOOL" => Kind.Bool,
                "NULL" => Kind.Null,
                "SS" => Kind.SS,
                "NS" => Kind.NS,
                "BS" => Kind.BS,
                "L" => Kind.L,
                "M" => Kind.M,
                _ => Kind.None,
            };
        }

        var name = reader.ValueSpan;
        if (name.Length == 1)
        {
            return name[0] switch
            {
                (byte)'S' => Kind.S,
                (byte)'N' => Kind.N,
                (byte)'B' => Kind.B,
                (byte)'L' => Kind.L,
                (byte)'M' => Kind.M,
                _ => Kind.None,
            };
        }

        if (name.SequenceEqual("SS"u8))
        {
            return Kind.SS;
        }

        if (name.SequenceEqual("NS"u8))
        {
            return Kind.NS;
        }

        if (name.SequenceEqual("BS"u8))
        {
            return Kind.BS;
        }

        if (name.SequenceEqual("BOOL"u8))
        {
            return Kind.Bool;
        }

        return name.SequenceEqual("NULL"u8) ? Kind.Null : Kind.None;
    }

    private static AttributeValue ReadMember(ref Utf8JsonReader reader, Kind kind, int depth, ref string? error)
    {
        switch (kind)
        {
            case Kind.S:
                return AttributeValue.FromString(ReadString(ref reader));
            case Kind.N:
                return AttributeValue.FromNumber(ReadNumber(ref reader, ref error));
            case Kind.B:
                return AttributeValue.FromBinary(ReadBlob(ref reader));
            case Kind.Bool:
                return AttributeValue.FromBool(ReadBoolean(ref reader));
            case Kind.Null:
                if (!ReadBoolean(ref reader))
                {
                    error ??= ValueErrors.NullNotTrue;
                }

                return AttributeValue.Null;
            case Kind.SS:
                return ReadStringSet(ref reader, ref error);
            case Kind.NS:
                return ReadNumberSet(ref reader, ref error);
            case Kind.BS:
                return ReadBinarySet(ref reader, ref error);
            case Kind.L:
                return ReadList(ref reader, depth, ref error);
            default:
                return ReadMap(ref reader, depth, ref error);
        }
    }

    private static string ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.True => throw ValueErrors.Serialization("TRUE_VALUE cannot be converted to String"),
        JsonTokenType.False => throw ValueErrors.Serialization("FALSE_VALUE cannot be converted to String"),
        JsonTokenType.Number => throw ValueErrors.Serialization(NumberTokenName(ref reader) + " cannot be converted to String"),
        JsonTokenType.StartArray => throw ValueErrors.Serialization(ValueErrors.StringCollection),
        _ => throw ValueErrors.Serialization(ValueErrors.StartOfStructure),
    };

    // NUMBER_VALUE for an integral JSON number, DECIMAL_VALUE for one with a fraction or exponent.
    private static string NumberTokenName(ref Utf8JsonReader reader)
    {
        var span = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return span.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0 ? "DECIMAL_VALUE" : "NUMBER_VALUE";
    }

    private static DynamoNumber ReadNumber(ref Utf8JsonReader reader, ref string? error)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            ReadString(ref reader); // throws the String type error
        }

        DynamoNumber number;
        string? message;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            if (TryParseAsciiNumber(reader.ValueSpan, out number, out message))
            {
                return number;
            }

            if (message is not null)
            {
                error ??= message;
                return DynamoNumber.Zero;
            }
        }

        // Slow path (escapes, non-ASCII, long text): the message quotes the text as sent.
        if (!DynamoNumber.TryParse(reader.GetString()!, out number, out message))
        {
            error ??= message;
        }

        return number;
    }

    /// <summary>
    /// Parses a number's unescaped UTF-8 text without allocating a string (numbers are ASCII: the
    /// bytes are widened). False with <paramref name="message"/> null when the text is not ASCII
    /// or longer than 256 bytes (read it as a string: DynamoDB's message quotes it as sent), else
    /// false with DynamoDB's message for an invalid number.
    /// </summary>
    internal static bool TryParseAsciiNumber(ReadOnlySpan<byte> text, out DynamoNumber number, out string? message)
    {
        number = default;
        message = null;
        if (text.Length > 256 || !Ascii.IsValid(text))
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        Ascii.ToUtf16(text, chars, out _);
        return DynamoNumber.TryParse(chars, out number, out message);
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.String:
                // Lockbox's choice: DynamoDB's parser coerces "true"/"false" text and answers
                // "Unexpected token received from parser" for other text such as "23".
                var text = reader.GetString();
                if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                return string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)
                    ? false
                    : throw ValueErrors.Serialization(ValueErrors.UnexpectedToken);
            case JsonTokenType.Number:
                throw ValueErrors.Serialization(NumberTokenName(ref reader) + " cannot be converted to Boolean");
            case JsonTokenType.StartArray:
                throw ValueErrors.Serialization(ValueErrors.BooleanCollection);
            default:
                throw ValueErrors.Serialization(ValueErrors.StartOfStructure);
        }
    }

    private static byte[] ReadBlob(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                break;
            case JsonTokenType.StartArray:
                throw ValueErrors.Serialization(ValueErrors.BlobCollection);
            case JsonTokenType.StartObject:
                throw ValueErrors.Serialization(ValueErrors.StartOfStructure);
            default:
                throw ValueErrors.Serialization(ValueErrors.BlobNotString);
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return DecodeBase64(reader.ValueSpan);
        }

        return DecodeBase64(Encoding.UTF8.GetBytes(reader.GetString()!));
    }

    /// <summary>
    /// Strict base64 as DynamoDB checks it: length a multiple of 4, padding only at the end and
    /// unused bits of the last character zero. Throws DynamoDB's SerializationException.
    /// </summary>
    public static byte[] DecodeBase64(ReadOnlySpan<byte> utf8)
    {
        var length = utf8.Length;
        if (length == 0)
        {
            return [];
        }

        if (length % 4 != 0)
        {
            throw ValueErrors.Serialization(ValueErrors.Base64LengthMessage(length));
        }

        var pad = utf8[length - 1] == '=' ? (utf8[length - 2] == '=' ? 2 : 1) : 0;
        var last = 0;
        for (var i = 0; i < length - pad; i++)
        {
            last = Base64Digit(utf8[i]);
            if (last < 0)
            {
                // A '=' before the end is reported as DynamoDB does ("=+/=").
                throw ValueErrors.Serialization(utf8[i] == '='
                    ? ValueErrors.Base64BadLastCharacter
                    : $"Invalid Base64 character: '{(char)utf8[i]}'");
            }
        }

        if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xF) != 0))
        {
            throw ValueErrors.Serialization(ValueErrors.Base64BadLastCharacter);
        }

        var result = new byte[(length / 4 * 3) - pad];
        var status = Base64.DecodeFromUtf8(utf8, result, out _, out var written);
        return status == OperationStatus.Done && written == result.Length
            ? result
            : throw ValueErrors.Serialization(ValueErrors.Base64BadLastCharacter);
    }

    private static int Base64Digit(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };

    // Type check shared by SS, NS, BS and L: they are JSON lists.
    private static void ExpectList(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray:
                return;
            case JsonTokenType.StartObject:
                throw ValueErrors.Serialization(ValueErrors.StartOfStructure);
            default:
                throw ValueErrors.Serialization(ValueErrors.UnexpectedFieldType);
        }
    }

    private static AttributeValue ReadStringSet(ref Utf8JsonReader reader, ref string? error)
    {
        ExpectList(ref reader);
        var list = new List<string>();
        var sawNull = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                sawNull = true;
                continue;
            }

            list.Add(ReadString(ref reader));
        }

        if (list.Count == 0 && !sawNull)
        {
            error ??= ValueErrors.EmptyStringSet;
        }
        else if (sawNull)
        {
            // Lockbox's choice for a JSON null inside a set (DynamoDB's text is not recorded).
            error ??= ValueErrors.InvalidPrefix + "An string set may not have a null string as a member";
        }
        else if (HasDuplicate(list, StringComparer.Ordinal))
        {
            error ??= ValueErrors.InvalidPrefix + "Input collection [" + string.Join(", ", list) + "] contains duplicates.";
        }

        return AttributeValue.FromStringSet(list);
    }

    private static AttributeValue ReadNumberSet(ref Utf8JsonReader reader, ref string? error)
    {
        ExpectList(ref reader);
        var list = new List<DynamoNumber>();
        string? elementError = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                elementError ??= ValueErrors.NotNumeric;
                continue;
            }

            list.Add(ReadNumber(ref reader, ref elementError));
        }

        if (list.Count == 0 && elementError is null)
        {
            error ??= ValueErrors.EmptyNumberSet;
        }
        else if (elementError is not null)
        {
            error ??= elementError;
        }
        else if (HasDuplicate(list, EqualityComparer<DynamoNumber>.Default))
        {
            error ??= ValueErrors.NumberSetDuplicates;
        }

        return AttributeValue.FromNumberSet(list);
    }

    private static AttributeValue ReadBinarySet(ref Utf8JsonReader reader, ref string? error)
    {
        ExpectList(ref reader);
        var list = new List<byte[]>();
        var sawNull = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                sawNull = true;
                continue;
            }

            list.Add(ReadBlob(ref reader));
        }

        if (list.Count == 0 && !sawNull)
        {
            error ??= ValueErrors.EmptyBinarySet;
        }
        else if (sawNull)
        {
            error ??= ValueErrors.InvalidPrefix + "Binary sets may not contain null or empty values";
        }
        else if (HasDuplicate(list, ByteArrayComparer.Instance))
        {
            error ??= ValueErrors.InvalidPrefix + "Input collection [" +
                string.Join(", ", list.Select(Convert.ToBase64String)) + "]of type BS contains duplicates.";
        }

        return AttributeValue.FromBinarySet(list);
    }

    private static AttributeValue ReadList(ref Utf8JsonReader reader, int depth, ref string? error)
    {
        ExpectList(ref reader);
        if (depth >= MaxNestingLevels)
        {
            // The children would be deeper than DynamoDB stores; don't recurse any further.
            error ??= ValueErrors.NestingTooDeep;
            reader.Skip();
            return AttributeValue.FromList([]);
        }

        var list = new List<AttributeValue>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(ReadValueCore(ref reader, depth + 1, ref error));
        }

        return AttributeValue.FromList(list);
    }

    private static AttributeValue ReadMap(ref Utf8JsonReader reader, int depth, ref string? error)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                break;
            case JsonTokenType.StartArray:
                throw ValueErrors.Serialization(ValueErrors.AttributeMapCollection);
            default:
                throw ValueErrors.Serialization(ValueErrors.UnexpectedFieldType);
        }

        if (depth >= MaxNestingLevels)
        {
            error ??= ValueErrors.NestingTooDeep;
            reader.Skip();
            return AttributeValue.FromMap(new Dictionary<string, AttributeValue>(StringComparer.Ordinal));
        }

        return AttributeValue.FromMap(ReadMapBody(ref reader, depth + 1, ref error));
    }

    private static bool HasDuplicate<T>(List<T> list, IEqualityComparer<T> comparer)
    {
        if (list.Count < 2)
        {
            return false;
        }

        if (list.Count <= 8)
        {
            for (var i = 1; i < list.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (comparer.Equals(list[i], list[j]))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        var seen = new HashSet<T>(list.Count, comparer);
        foreach (var v in list)
        {
            if (!seen.Add(v))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes one AttributeValue in DynamoDB's wire form.</summary>
    public static void WriteValue(Utf8JsonWriter writer, AttributeValue value)
    {
        writer.WriteStartObject();
        switch (value.Type)
        {
            case AttributeType.S:
                writer.WriteString("S"u8, value.AsString());
                break;
            case AttributeType.N:
                WriteNumber(writer, "N"u8, value.AsNumber());
                break;
            case AttributeType.B:
                writer.WriteBase64String("B"u8, value.AsBinary());
                break;
            case AttributeType.BOOL:
                writer.WriteBoolean("BOOL"u8, value.AsBool());
                break;
            case AttributeType.NULL:
                writer.WriteBoolean("NULL"u8, true);
                break;
            case AttributeType.M:
                writer.WritePropertyName("M"u8);
                WriteItem(writer, value.AsMap());
                break;
            case AttributeType.L:
                writer.WriteStartArray("L"u8);
                foreach (var element in value.AsList())
                {
                    WriteValue(writer, element);
                }

                writer.WriteEndArray();
                break;
            case AttributeType.SS:
                writer.WriteStartArray("SS"u8);
                foreach (var s in value.AsStringSet())
                {
                    writer.WriteStringValue(s);
                }

                writer.WriteEndArray();
                break;
            case AttributeType.NS:
                writer.WriteStartArray("NS"u8);
                foreach (var n in value.AsNumberSet())
                {
                    WriteNumber(writer, default, n);
                }

                writer.WriteEndArray();
                break;
            case AttributeType.BS:
                writer.WriteStartArray("BS"u8);
                foreach (var b in value.AsBinarySet())
                {
                    writer.WriteBase64StringValue(b);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("Unknown attribute type " + value.Type);
        }

        writer.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DynamoNumber number)
    {
        Span<char> buffer = stackalloc char[DynamoNumber.MaxTextLength];
        var n = number.Format(buffer);
        if (name.IsEmpty)
        {
            writer.WriteStringValue(buffer[..n]);
        }
        else
        {
            writer.WriteString(name, buffer[..n]);
        }
    }

    /// <summary>Writes an item (or key, or map body) as a JSON object of name → AttributeValue.</summary>
    public static void WriteItem(Utf8JsonWriter writer, IReadOnlyDictionary<string, AttributeValue> item)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in item)
        {
            writer.WritePropertyName(name);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Attribute names repeat across the items of a request and across requests (a BatchWriteItem
    /// of 25 items carries each name 25 times). A small per-thread cache of recently read names,
    /// keyed by their UTF-8 bytes, returns the string read before instead of transcoding and
    /// allocating it again. Strings are immutable, so sharing one among items is safe.
    /// </summary>
    private static class AttributeNames
    {
        private const int Slots = 128;
        private const int MaxCachedLength = 32;

        [ThreadStatic]
        private static Entry[]? t_entries;

        public static string Read(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxCachedLength)
            {
                return reader.GetString()!;
            }

            var utf8 = reader.ValueSpan;
            var hash = 2166136261u;
            foreach (var b in utf8)
            {
                hash = (hash ^ b) * 16777619u;
            }

            var entries = t_entries ??= new Entry[Slots];
            ref var entry = ref entries[hash % Slots];
            if (entry.Name is not null && utf8.SequenceEqual(entry.Utf8))
            {
                return entry.Name;
            }

            var name = reader.GetString()!;
            entry = new Entry(utf8.ToArray(), name);
            return name;
        }

        private readonly record struct Entry(byte[] Utf8, string Name);
    }
}
