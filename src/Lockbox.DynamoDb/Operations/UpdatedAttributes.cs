using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>ReturnValues UPDATED_OLD / UPDATED_NEW: only the (nested) parts an update wrote.</summary>
internal static class UpdatedAttributes
{
    public static Dictionary<string, AttributeValue> ProjectUpdated(this UpdateExpression update, IReadOnlyDictionary<string, AttributeValue> item) =>
        new ProjectionExpression(update.UpdatedPaths).Apply(item);
}
