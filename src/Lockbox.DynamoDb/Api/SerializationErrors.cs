using System.Text;
using System.Text.Json;

namespace Lockbox.DynamoDb.Api;

/// <summary>
/// Turns a System.Text.Json type mismatch into DynamoDB's SerializationException text, which
/// names the JSON token that was sent and the Java type the service expected
/// (e.g. "NUMBER_VALUE cannot be converted to String"). The offending token is found again by
/// walking the body to the JSON path the exception reports.
/// </summary>
internal static class SerializationErrors
{
    public static string? Describe(ReadOnlySpan<byte> body, JsonException exception)
    {
        try
        {
            return DescribeCore(body, exception);
        }
        catch (Exception error) when (error is InvalidOperationException or JsonException or ArgumentException)
        {
            // A body odd enough to defeat the re-read (invalid UTF-8 in a member name, a lone
            // surrogate) still gets the SerializationException, just without the detail.
            return null;
        }
    }

    private static string? DescribeCore(ReadOnlySpan<byte> body, JsonException exception)
    {
        // Malformed JSON (as opposed to a well-formed value of the wrong type) has no message.
        if (exception.Path is null || !IsWellFormed(body) || FindToken(body, exception.Path) is not { } token)
        {
            return null;
        }

        var expected = ExpectedType(exception.Message);
        return (expected, token) switch
        {
            (_, JsonTokenType.StartObject) => "Start of structure or map found where not expected",
            ("List" or "Map" or "Structure", _) when token != JsonTokenType.StartArray => "Unexpected field type",
            ("Map", JsonTokenType.StartArray) => "Unrecognized collection type java.util.Map",
            ("List", _) => "Unexpected field type",
            ("Structure", JsonTokenType.StartArray) => "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.Structure",
            ("Boolean", JsonTokenType.String) => "Unexpected token received from parser",
            (_, JsonTokenType.StartArray) => $"Unrecognized collection type class java.lang.{expected}",
            _ => $"{TokenName(token, body, exception.Path)} cannot be converted to {expected}",
        };
    }

    private static bool IsWellFormed(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // Collections first: their type names contain their element type's name.
    private static string ExpectedType(string message) => message switch
    {
        _ when message.Contains("System.Collections.Generic.List", StringComparison.Ordinal) => "List",
        _ when message.Contains("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "Map",
        _ when message.Contains("System.String", StringComparison.Ordinal) => "String",
        _ when message.Contains("System.Boolean", StringComparison.Ordinal) => "Boolean",
        _ when message.Contains("System.Int32", StringComparison.Ordinal) => "Integer",
        _ when message.Contains("System.Int64", StringComparison.Ordinal) => "Long",
        _ => "Structure",
    };

    private static string TokenName(JsonTokenType token, ReadOnlySpan<byte> body, string path) => token switch
    {
        JsonTokenType.String => "STRING_VALUE",
        JsonTokenType.True => "TRUE_VALUE",
        JsonTokenType.False => "FALSE_VALUE",
        JsonTokenType.Number => IsDecimal(body, path) ? "DECIMAL_VALUE" : "NUMBER_VALUE",
        _ => "VALUE_NULL",
    };

    private static bool IsDecimal(ReadOnlySpan<byte> body, string path)
    {
        var reader = new Utf8JsonReader(body);
        return Seek(ref reader, path) && reader.ValueSpan.IndexOfAny((byte)'.', (byte)'e', (byte)'E') >= 0;
    }

    private static JsonTokenType? FindToken(ReadOnlySpan<byte> body, string path)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            return Seek(ref reader, path) ? reader.TokenType : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Advances <paramref name="reader"/> to the value at <paramref name="path"/> (STJ's path syntax).</summary>
    private static bool Seek(ref Utf8JsonReader reader, string path)
    {
        var current = new List<string>();
        var arrayIndexes = new Stack<int>();
        var containers = new Stack<bool>(); // true = array
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    current.Add(PropertySegment(reader.GetString()!));
                    if (!reader.Read())
                    {
                        return false;
                    }

                    if (Render(current) == path)
                    {
                        return true;
                    }

                    EnterOrLeaveValue(ref reader, current, arrayIndexes, containers);
                    continue;
                case JsonTokenType.EndArray:
                    containers.Pop();
                    arrayIndexes.Pop();
                    PopSegment(current, containers);
                    continue;
                case JsonTokenType.EndObject:
                    if (containers.Count > 0)
                    {
                        containers.Pop();
                        PopSegment(current, containers);
                    }

                    continue;
                case JsonTokenType.StartObject when containers.Count == 0:
                    containers.Push(false);
                    continue;
            }

            // A value inside an array.
            if (containers.Count > 0 && containers.Peek())
            {
                var index = arrayIndexes.Pop();
                arrayIndexes.Push(index + 1);
                current.Add($"[{index}]");
                if (Render(current) == path)
                {
                    return true;
                }

                EnterOrLeaveValue(ref reader, current, arrayIndexes, containers);
            }
        }

        return false;
    }

    private static void EnterOrLeaveValue(ref Utf8JsonReader reader, List<string> current, Stack<int> arrayIndexes, Stack<bool> containers)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            containers.Push(false);
        }
        else if (reader.TokenType == JsonTokenType.StartArray)
        {
            containers.Push(true);
            arrayIndexes.Push(0);
        }
        else
        {
            current.RemoveAt(current.Count - 1);
        }
    }

    private static void PopSegment(List<string> current, Stack<bool> containers)
    {
        if (current.Count > 0 && containers.Count > 0)
        {
            current.RemoveAt(current.Count - 1);
        }
    }

    private static string PropertySegment(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? "." + name : $"['{name}']";

    private static string Render(List<string> segments)
    {
        var builder = new StringBuilder("$");
        foreach (var segment in segments)
        {
            builder.Append(segment);
        }

        return builder.ToString();
    }
}
