using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>What one single-item PartiQL statement does, in the terms of the item API.</summary>
internal enum ItemActionKind
{
    /// <summary>INSERT: put the item; an existing item is a DuplicateItemException.</summary>
    Put,

    /// <summary>UPDATE: the item must exist and satisfy the WHERE clause (else ConditionalCheckFailed).</summary>
    Update,

    /// <summary>DELETE: an existing item must satisfy the WHERE clause; a missing item is a no-op.</summary>
    Delete,

    /// <summary>A condition on an item without a write: <c>EXISTS(SELECT ...)</c> in ExecuteTransaction.</summary>
    ConditionCheck,

    /// <summary>SELECT naming the full primary key: read one item and keep it if the WHERE clause holds.</summary>
    Get,
}

/// <summary>
/// One PartiQL statement bound to its table: the IAM action and resource to authorize, the item's
/// key, and the condition, update or item to apply. BatchExecuteStatement runs these one by one;
/// ExecuteTransaction's adapter maps them onto the transaction engine's put / update / delete /
/// condition check / get.
/// </summary>
internal sealed record ItemAction(
    ItemActionKind Kind,
    PartiQLStatement Statement,
    TableRuntime Table,
    Dictionary<string, AttributeValue> Key,
    ConditionExpression? Condition,
    UpdateExpression? Update,
    Dictionary<string, AttributeValue>? Item,
    ProjectionExpression? Projection)
{
    public string IamAction => Statement.Action;

    public string Resource => Table.Definition.Arn;

    public byte[] StorageKey => ItemStore.StorageKey(Table, Key);
}

/// <summary>Binds parsed statements to tables: key extraction from WHERE, DynamoDB's checks, typed actions.</summary>
internal static class PartiQLPlanner
{
    /// <summary>
    /// The statement's table. A named index must exist and be readable (<see cref="ReadTarget.Resolve"/>
    /// checks it); only a SELECT may name one.
    /// </summary>
    public static TableRuntime FindTable(TableCatalog catalog, ItemStore store, CallerContext caller, PartiQLStatement statement)
    {
        if (statement.IndexName is not null && !statement.IsRead)
        {
            throw PartiQLErrors.NotOnIndex();
        }

        var table = catalog.Find(caller.Principal.AccountId, caller.Region, statement.TableName)
            ?? throw DynamoDbErrors.ResourceNotFound();
        if (statement.IndexName is not null)
        {
            ReadTarget.Resolve(table, statement.IndexName, store, catalog);
        }

        return table;
    }

    /// <summary>The single-item action of a statement; a SELECT must name the full primary key.</summary>
    public static ItemAction PlanItemAction(TableRuntime table, PartiQLStatement statement)
    {
        var definition = table.Definition;
        switch (statement)
        {
            case InsertStatement insert:
                {
                    KeyValidation.CheckItemKey(definition, insert.Item);
                    if (ItemSize.Of(insert.Item) > ItemOperations.MaxItemBytes)
                    {
                        throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
                    }

                    return new ItemAction(ItemActionKind.Put, statement, table, KeyValidation.KeyOf(definition, insert.Item),
                        null, null, insert.Item, null);
                }

            case UpdateStatement update:
                {
                    var key = ExactKey(definition, update.Where) ?? throw PartiQLErrors.KeyEqualityMissing();
                    KeyValidation.CheckKey(definition, key);
                    var expression = new UpdateExpression(update.Actions, legacy: false);
                    ExpressionChecks.CheckPathsDisjoint(expression.UpdatedPaths, "UpdateExpression");
                    foreach (var name in expression.TopLevelAttributes)
                    {
                        if (name == definition.PartitionKeyName || name == definition.SortKeyName)
                        {
                            throw DynamoDbErrors.InvalidParameter($"Cannot update attribute {name}. This attribute is part of the key");
                        }
                    }

                    return new ItemAction(ItemActionKind.Update, statement, table, key, new ConditionExpression(update.Where), expression, null, null);
                }

            case DeleteStatement delete:
                {
                    var key = ExactKey(definition, delete.Where) ?? throw PartiQLErrors.KeyEqualityMissing();
                    KeyValidation.CheckKey(definition, key);
                    return new ItemAction(ItemActionKind.Delete, statement, table, key, new ConditionExpression(delete.Where), null, null, null);
                }

            case ExistsStatement exists:
                {
                    // The item must exist and satisfy the WHERE clause, which names its full key (so
                    // an absent item fails it).
                    var where = exists.Select.Where;
                    var key = (where is null ? null : ExactKey(definition, where)) ?? throw PartiQLErrors.KeyEqualityMissing();
                    KeyValidation.CheckKey(definition, key);
                    return new ItemAction(ItemActionKind.ConditionCheck, statement, table, key, new ConditionExpression(where!), null, null, null);
                }

            case SelectStatement { IndexName: not null }:
                throw DynamoDbErrors.Validation("Select statements within BatchExecuteStatement cannot read an index.");

            case SelectStatement select:
                {
                    var key = select.Where is null ? null : ExactKey(definition, select.Where);
                    if (key is null)
                    {
                        throw DynamoDbErrors.Validation("Select statements within BatchExecuteStatement must specify the primary key in the where clause.");
                    }

                    KeyValidation.CheckKey(definition, key);
                    return new ItemAction(ItemActionKind.Get, statement, table, key, new ConditionExpression(select.Where),
                        null, null, Projection(select));
                }

            default:
                throw new InvalidOperationException("unknown statement");
        }
    }

    public static ProjectionExpression? Projection(SelectStatement select)
    {
        if (select.Projection is null)
        {
            return null;
        }

        ExpressionChecks.CheckPathsDisjoint(select.Projection, "ProjectionExpression");
        return new ProjectionExpression(select.Projection);
    }

    /// <summary>The conditions of a WHERE clause that must all hold (its top-level AND chain).</summary>
    public static List<Node> Conjuncts(Node where)
    {
        var result = new List<Node>();
        Collect(where, result);
        return result;

        static void Collect(Node node, List<Node> into)
        {
            if (node is LogicalNode { IsAnd: true } and)
            {
                Collect(and.Left, into);
                Collect(and.Right, into);
            }
            else
            {
                into.Add(node);
            }
        }
    }

    /// <summary>The value a conjunct pins a top-level attribute to with <c>=</c>, if it does.</summary>
    public static bool TryEquality(Node node, out string attribute, out AttributeValue value)
    {
        attribute = "";
        value = null!;
        if (node is not ComparisonNode { Comparator: Comparator.Equal } comparison)
        {
            return false;
        }

        var (path, literal) = (comparison.Left, comparison.Right) switch
        {
            (PathNode p, ValueNode v) => (p, v),
            (ValueNode v, PathNode p) => (p, v),
            _ => (null, null),
        };
        if (path is null || !path.ResolvedPath.IsTopLevel)
        {
            return false;
        }

        attribute = path.ResolvedPath.TopLevelName;
        value = literal!.ResolvedValue;
        return true;
    }

    /// <summary>The full primary key a WHERE clause pins with equalities joined by AND, or null.</summary>
    public static Dictionary<string, AttributeValue>? ExactKey(TableDefinition definition, Node where)
    {
        AttributeValue? partition = null;
        AttributeValue? sort = null;
        foreach (var conjunct in Conjuncts(where))
        {
            if (!TryEquality(conjunct, out var attribute, out var value))
            {
                continue;
            }

            if (attribute == definition.PartitionKeyName)
            {
                partition ??= value;
            }
            else if (attribute == definition.SortKeyName)
            {
                sort ??= value;
            }
        }

        if (partition is null || (definition.SortKeyName is not null && sort is null))
        {
            return null;
        }

        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [definition.PartitionKeyName] = partition };
        if (definition.SortKeyName is not null)
        {
            key[definition.SortKeyName] = sort!;
        }

        return key;
    }
}
