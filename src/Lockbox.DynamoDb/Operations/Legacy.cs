using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// The legacy (pre-expression) parameters, converted to the same expression trees the
/// expression parameters produce, so evaluation has one path.
/// </summary>
internal static class Legacy
{
    public static ConditionExpression? Expected(Dictionary<string, ExpectedAttributeValue>? expected, string? conditionalOperator) =>
        expected is null ? null : LegacyConditions.FromExpected(expected, conditionalOperator);

    public static ConditionExpression? Filter(Dictionary<string, Condition>? conditions, string? conditionalOperator) =>
        conditions is null ? null : LegacyConditions.FromConditions(conditions, conditionalOperator);

    public static KeyCondition KeyConditions(Dictionary<string, Condition> conditions, TableDefinition table) =>
        LegacyConditions.FromKeyConditions(conditions, table.PartitionKeyName, table.SortKeyName, table.PartitionKeyType, table.SortKeyType);

    public static UpdateExpression AttributeUpdates(Dictionary<string, AttributeValueUpdate> updates) =>
        LegacyConditions.FromAttributeUpdates(updates);
}
