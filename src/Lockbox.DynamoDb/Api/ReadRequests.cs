using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Api;

// Request shapes of Query and Scan, named as in the DynamoDB API model.

public sealed class QueryRequest
{
    public string? TableName { get; set; }
    public string? IndexName { get; set; }
    public string? Select { get; set; }
    public List<string>? AttributesToGet { get; set; }
    public int? Limit { get; set; }
    public bool? ConsistentRead { get; set; }
    public Dictionary<string, Condition>? KeyConditions { get; set; }
    public Dictionary<string, Condition>? QueryFilter { get; set; }
    public string? ConditionalOperator { get; set; }
    public bool? ScanIndexForward { get; set; }
    public Dictionary<string, AttributeValue>? ExclusiveStartKey { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public string? ProjectionExpression { get; set; }
    public string? FilterExpression { get; set; }
    public string? KeyConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
}

public sealed class ScanRequest
{
    public string? TableName { get; set; }
    public string? IndexName { get; set; }
    public List<string>? AttributesToGet { get; set; }
    public int? Limit { get; set; }
    public string? Select { get; set; }
    public Dictionary<string, Condition>? ScanFilter { get; set; }
    public string? ConditionalOperator { get; set; }
    public Dictionary<string, AttributeValue>? ExclusiveStartKey { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public int? TotalSegments { get; set; }
    public int? Segment { get; set; }
    public string? ProjectionExpression { get; set; }
    public string? FilterExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public bool? ConsistentRead { get; set; }
}
