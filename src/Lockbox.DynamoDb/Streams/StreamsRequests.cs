using System.Text.Json.Serialization;

namespace Lockbox.DynamoDb.Streams;

// Request shapes of the DynamoDB Streams API (model: dynamodbstreams 2012-08-10), named as in the
// model so System.Text.Json binds them by member name.

public sealed class ListStreamsRequest
{
    public string? TableName { get; set; }
    public int? Limit { get; set; }
    public string? ExclusiveStartStreamArn { get; set; }
}

public sealed class ShardFilterDto
{
    public string? Type { get; set; }
    public string? ShardId { get; set; }
}

public sealed class DescribeStreamRequest
{
    public string? StreamArn { get; set; }
    public int? Limit { get; set; }
    public string? ExclusiveStartShardId { get; set; }
    public ShardFilterDto? ShardFilter { get; set; }
}

public sealed class GetShardIteratorRequest
{
    public string? StreamArn { get; set; }
    public string? ShardId { get; set; }
    public string? ShardIteratorType { get; set; }
    public string? SequenceNumber { get; set; }
}

public sealed class GetRecordsRequest
{
    public string? ShardIterator { get; set; }
    public int? Limit { get; set; }
}

/// <summary>Source-generated contracts for the Streams requests.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListStreamsRequest))]
[JsonSerializable(typeof(DescribeStreamRequest))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetRecordsRequest))]
internal sealed partial class StreamsJsonContext : JsonSerializerContext
{
}
