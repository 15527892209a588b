using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Api;

// Request shapes of TransactWriteItems and TransactGetItems, named as in the DynamoDB API model.
// TableName is the model's TableArn shape: a table name or a table ARN.

public sealed class ConditionCheckDto
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? TableName { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactPutDto
{
    public Dictionary<string, AttributeValue>? Item { get; set; }
    public string? TableName { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactDeleteDto
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? TableName { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactUpdateDto
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? UpdateExpression { get; set; }
    public string? TableName { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactWriteItemDto
{
    public ConditionCheckDto? ConditionCheck { get; set; }
    public TransactPutDto? Put { get; set; }
    public TransactDeleteDto? Delete { get; set; }
    public TransactUpdateDto? Update { get; set; }
}

public sealed class TransactWriteItemsRequest
{
    public List<TransactWriteItemDto>? TransactItems { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ReturnItemCollectionMetrics { get; set; }
    public string? ClientRequestToken { get; set; }
}

public sealed class TransactGetDto
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? TableName { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
}

public sealed class TransactGetItemDto
{
    public TransactGetDto? Get { get; set; }
}

public sealed class TransactGetItemsRequest
{
    public List<TransactGetItemDto>? TransactItems { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
}
