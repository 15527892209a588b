using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>One entry of the legacy <c>Expected</c> map (API shape ExpectedAttributeValue).</summary>
public sealed class ExpectedAttributeValue
{
    public AttributeValue? Value { get; set; }

    public bool? Exists { get; set; }

    public string? ComparisonOperator { get; set; }

    public List<AttributeValue>? AttributeValueList { get; set; }
}
