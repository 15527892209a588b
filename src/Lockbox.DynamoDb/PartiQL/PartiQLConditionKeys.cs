using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>
/// The condition keys of PartiQL actions, as IAM's authorization data lists them: every
/// dynamodb:PartiQL* action supplies dynamodb:LeadingKeys and dynamodb:Attributes (and
/// dynamodb:EnclosingOperation inside ExecuteTransaction); PartiQLSelect adds dynamodb:Select and
/// dynamodb:FullTableScan; PartiQLUpdate/PartiQLDelete add dynamodb:ReturnValues (from RETURNING).
/// Null for the root user, like <see cref="IamConditionKeys"/>.
/// </summary>
internal static class PartiQLConditionKeys
{
    /// <summary>Keys of one item statement (INSERT, UPDATE, DELETE, or a SELECT of one key in a batch or transaction).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? For(CallerContext caller, ItemAction action, string? enclosingOperation = null)
    {
        if (IamConditionKeys.For(caller) is not { } keys)
        {
            return null;
        }

        var definition = action.Table.Definition;
        keys.Key(definition, action.Key).EnclosingOperation(enclosingOperation);
        switch (action.Kind)
        {
            case ItemActionKind.Put:
                keys.Attributes(action.Item?.Keys);
                break;
            case ItemActionKind.Update:
                keys.Attributes(action.Update?.TopLevelAttributes).ReturnValues(ReturnValues(action.Statement));
                break;
            case ItemActionKind.Delete:
                keys.ReturnValues(ReturnValues(action.Statement));
                break;
            case ItemActionKind.Get:
                keys.Attributes(action.Projection?.TopLevelAttributes)
                    .Select(action.Projection is null ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES")
                    .Set("dynamodb:FullTableScan", "false");
                break;
        }

        return keys.Build();
    }

    /// <summary>
    /// Keys of an ExecuteStatement SELECT: the partition values its WHERE pins (none for a scan,
    /// which is what dynamodb:FullTableScan = true marks), the projected attributes and Select.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? ForSelect(CallerContext caller, ProjectionExpression? projection,
        IReadOnlyList<AttributeValue>? partitions)
    {
        if (IamConditionKeys.For(caller) is not { } keys)
        {
            return null;
        }

        if (partitions is not null)
        {
            foreach (var partition in partitions)
            {
                keys.PartitionValue(partition);
            }
        }

        return keys.Attributes(projection?.TopLevelAttributes)
            .Select(projection is null ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES")
            .Set("dynamodb:FullTableScan", partitions is null ? "true" : "false")
            .Build();
    }

    private static string ReturnValues(PartiQLStatement statement)
    {
        var returning = statement switch
        {
            UpdateStatement update => update.Returning,
            DeleteStatement delete => delete.Returning,
            _ => ReturningKind.None,
        };
        return returning switch
        {
            ReturningKind.AllOld => "ALL_OLD",
            ReturningKind.ModifiedOld => "UPDATED_OLD",
            ReturningKind.AllNew => "ALL_NEW",
            ReturningKind.ModifiedNew => "UPDATED_NEW",
            _ => "NONE",
        };
    }
}
