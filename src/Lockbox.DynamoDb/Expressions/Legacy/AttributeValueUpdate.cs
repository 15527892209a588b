using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>One entry of the legacy <c>AttributeUpdates</c> map (API shape AttributeValueUpdate).</summary>
public sealed class AttributeValueUpdate
{
    public AttributeValue? Value { get; set; }

    /// <summary>PUT (the default), ADD or DELETE.</summary>
    public string? Action { get; set; }
}
