using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Api;

// Request shapes of the single-item operations, named as in the DynamoDB API model.

public sealed class GetItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public List<string>? AttributesToGet { get; set; }
    public bool? ConsistentRead { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
}

public sealed class PutItemRequest
{
    public string? TableName { get; set; }
    public RequestItem? Item { get; set; }
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public string? ReturnValues { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ReturnItemCollectionMetrics { get; set; }
    public string? ConditionalOperator { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class DeleteItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public string? ConditionalOperator { get; set; }
    public string? ReturnValues { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ReturnItemCollectionMetrics { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class UpdateItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public Dictionary<string, AttributeValueUpdate>? AttributeUpdates { get; set; }
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public string? ConditionalOperator { get; set; }
    public string? ReturnValues { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ReturnItemCollectionMetrics { get; set; }
    public string? UpdateExpression { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}
