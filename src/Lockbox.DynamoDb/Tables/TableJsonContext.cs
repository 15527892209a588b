using System.Text.Json.Serialization;

namespace Lockbox.DynamoDb.Tables;

/// <summary>Source-generated serializer for the persisted table catalog (no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TableDefinition))]
internal sealed partial class TableJsonContext : JsonSerializerContext
{
}
