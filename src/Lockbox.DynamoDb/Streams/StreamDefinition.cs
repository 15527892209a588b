using System.Text.Json.Serialization;

namespace Lockbox.DynamoDb.Streams;

/// <summary>
/// Everything Lockbox stores about one stream (persisted as JSON in keyspace
/// <c>dynamodb-streams</c> under <c>stream/{arn}</c>). A stream outlives its table and its own
/// disabling by 24 hours, so it carries the table's name, key schema and (wrapped) data key itself.
/// </summary>
public sealed class StreamDefinition
{
    public required string AccountId { get; set; }
    public required string Region { get; set; }
    public required string TableName { get; set; }
    public required string TableId { get; set; }
    /// <summary>ISO-8601 creation time with milliseconds, e.g. 2024-05-01T12:00:00.123.</summary>
    public required string Label { get; set; }
    /// <summary>Dense id that prefixes every record key of this stream.</summary>
    public required long StreamId { get; set; }
    public required string ViewType { get; set; }
    public required string PartitionKeyName { get; set; }
    public string? SortKeyName { get; set; }
    /// <summary>Seconds since the epoch.</summary>
    public required double CreatedAt { get; set; }
    /// <summary>Seconds since the epoch when the stream was disabled (or its table deleted); null while enabled.</summary>
    public double? DisabledAt { get; set; }
    /// <summary>The table's data key, wrapped by the master key with the stream ARN as context.</summary>
    public required byte[] WrappedDataKey { get; set; }
    /// <summary>Every shard not yet dropped by retention, oldest first; the last one is open while enabled.</summary>
    public List<ShardDefinition> Shards { get; set; } = [];

    [JsonIgnore]
    public string TableArn => $"arn:aws:dynamodb:{Region}:{AccountId}:table/{TableName}";

    [JsonIgnore]
    public string Arn => TableArn + "/stream/" + Label;
}

/// <summary>One shard: a contiguous range of the stream's sequence numbers.</summary>
public sealed class ShardDefinition
{
    public required string ShardId { get; set; }
    public string? ParentShardId { get; set; }
    /// <summary>The first sequence number this shard may hold.</summary>
    public required long Start { get; set; }
    /// <summary>The last sequence number it holds once closed (Start - 1 if it closed empty); null while open.</summary>
    public long? End { get; set; }
    /// <summary>Milliseconds since the epoch.</summary>
    public required long CreatedAtMs { get; set; }
    /// <summary>Milliseconds since the epoch when it closed.</summary>
    public long? ClosedAtMs { get; set; }
}

/// <summary>Source-generated serializer for stream definitions.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StreamDefinition))]
internal sealed partial class StreamJsonContext : JsonSerializerContext
{
}
