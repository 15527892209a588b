using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>One entry of the legacy <c>KeyConditions</c>, <c>QueryFilter</c> or <c>ScanFilter</c> map (API shape Condition).</summary>
public sealed class Condition
{
    public string? ComparisonOperator { get; set; }

    public List<AttributeValue>? AttributeValueList { get; set; }
}
