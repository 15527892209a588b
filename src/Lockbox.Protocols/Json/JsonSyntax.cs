using System.Text.Json;

namespace Lockbox.Protocols.Json;

/// <summary>Whether a body is one well-formed JSON value, checked without building a DOM.</summary>
public static class JsonSyntax
{
    /// <summary>
    /// True when <paramref name="body"/> holds exactly one JSON value (any type; DynamoDB reports a
    /// non-object body later, as a member-type error). An empty body is not valid JSON.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            // A second value after the first ("{} {}") is an error the reader reports on Read.
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
