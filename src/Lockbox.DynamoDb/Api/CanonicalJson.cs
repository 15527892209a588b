using System.Text.Json;

namespace Lockbox.DynamoDb.Api;

/// <summary>
/// A canonical form of a JSON request for "is this the same request?" checks (ClientRequestToken
/// idempotency): object members sorted by name, strings re-escaped one way, numbers and array
/// order kept. DynamoDB compares requests by meaning, not bytes, and SDKs do not keep member order
/// stable across retries (the Go SDK serializes maps in random order).
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 256 };

    public static byte[] Canonicalize(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, ReadOptions);
        using var buffer = new MemoryStream(json.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            Write(writer, document.RootElement);
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
        }
    }
}
