using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Api;

// Request shapes of BatchGetItem and BatchWriteItem, named as in the DynamoDB API model.

public sealed class KeysAndAttributesDto
{
    public List<Dictionary<string, AttributeValue>>? Keys { get; set; }
    public List<string>? AttributesToGet { get; set; }
    public bool? ConsistentRead { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
}

public sealed class BatchGetItemRequest
{
    public Dictionary<string, KeysAndAttributesDto>? RequestItems { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
}

public sealed class PutRequestDto
{
    public RequestItem? Item { get; set; }
}

public sealed class DeleteRequestDto
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
}

public sealed class WriteRequestDto
{
    public PutRequestDto? PutRequest { get; set; }
    public DeleteRequestDto? DeleteRequest { get; set; }
}

public sealed class BatchWriteItemRequest
{
    public Dictionary<string, List<WriteRequestDto>>? RequestItems { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ReturnItemCollectionMetrics { get; set; }
}
