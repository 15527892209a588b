using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.DynamoDb.Values;

/// <summary>System.Text.Json converter for one AttributeValue; delegates to <see cref="AttributeValueJson"/>.</summary>
public sealed class AttributeValueJsonConverter : JsonConverter<AttributeValue>
{
    public override AttributeValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        AttributeValueJson.ReadValue(ref reader);

    public override void Write(Utf8JsonWriter writer, AttributeValue value, JsonSerializerOptions options) =>
        AttributeValueJson.WriteValue(writer, value);
}

/// <summary>System.Text.Json converter for an item (name → AttributeValue, ordinal keys).</summary>
public sealed class ItemJsonConverter : JsonConverter<Dictionary<string, AttributeValue>>
{
    public override Dictionary<string, AttributeValue> Read(ref Utf8JsonReader reader, Type typeToConvert,
        JsonSerializerOptions options) => AttributeValueJson.ReadItem(ref reader);

    public override void Write(Utf8JsonWriter writer, Dictionary<string, AttributeValue> value,
        JsonSerializerOptions options) => AttributeValueJson.WriteItem(writer, value);
}
