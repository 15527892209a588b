using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Transactions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>
/// ExecuteTransaction: an adapter from PartiQL statements (validated and planned by
/// <see cref="PartiQLOperations.PlanTransaction"/>) onto the <see cref="TransactionEngine"/> that
/// runs TransactWriteItems and TransactGetItems, so both APIs share one implementation of
/// locking, conflicts, idempotency tokens and all-or-nothing commits.
/// <para>Mapping: INSERT is a put that must not find an item (its cancellation reason is
/// DuplicateItem); UPDATE an update whose WHERE clause must hold for an existing item; DELETE a
/// delete whose WHERE clause must hold if the item exists (a missing item is a no-op, as in
/// ExecuteStatement); <c>EXISTS(SELECT ...)</c> a condition check; SELECTs a read transaction.</para>
/// </summary>
internal sealed class PartiQLTransactionOperations(PartiQLOperations partiql, TransactionEngine engine, IRequestAuthorizer authorizer)
{
    public void ExecuteTransaction(ExecuteTransactionRequest request, ReadOnlySpan<byte> body, CallerContext caller, Utf8JsonWriter writer)
    {
        var actions = partiql.PlanTransaction(request, caller);
        if (actions.Sum(a => a.Item is null ? ItemSize.Of(a.Key) : ItemSize.Of(a.Item)) > TransactionOperations.MaxTransactionBytes)
        {
            throw DynamoDbErrors.Validation("Transaction request size exceeds the maximum allowed size of 4 MB");
        }

        // Every statement is authorized with its own PartiQL action before anything is read or written.
        foreach (var action in actions)
        {
            authorizer.Authorize(caller, new AuthorizationRequest(action.IamAction, action.Resource,
                PartiQLConditionKeys.For(caller, action, "ExecuteTransaction")));
        }

        if (actions[0].Kind == ItemActionKind.Get)
        {
            ExecuteReads(actions, request.ReturnConsumedCapacity, writer);
            return;
        }

        var writes = actions.Select((action, i) => ToWrite(action, request.TransactStatements![i].ReturnValuesOnConditionCheckFailure == "ALL_OLD")).ToList();
        TransactWriteResult result;
        try
        {
            if (request.ClientRequestToken is { } token)
            {
                var claim = engine.Tokens.Begin(caller.Principal.AccountId, caller.Region, token,
                    TransactionOperations.Fingerprint(writes[0].Table, body));
                if (claim is null)
                {
                    result = engine.Replay(writes);
                }
                else
                {
                    using (claim)
                    {
                        result = engine.Write(writes, claim);
                    }
                }
            }
            else
            {
                result = engine.Write(writes, null);
            }
        }
        catch (TransactionCanceledException cancelled)
        {
            // An INSERT's only condition is that the item is new: its failure is DuplicateItem.
            var reasons = cancelled.Reasons.Select((reason, i) => actions[i].Kind == ItemActionKind.Put && reason.Code == "ConditionalCheckFailed"
                ? new CancellationReason("DuplicateItem", PartiQLErrors.DuplicateItem().ErrorMessage, reason.Item)
                : reason).ToList();
            throw new TransactionCanceledException(reasons);
        }

        writer.WriteStartObject();
        if (ConsumedCapacity.IsRequested(request.ReturnConsumedCapacity))
        {
            var units = new List<(string Table, double Units)>();
            for (var i = 0; i < writes.Count; i++)
            {
                var (old, updated) = result.Outcomes[i];
                var size = Math.Max(old is null ? 0 : ItemSize.Of(old), updated is null ? 0 : ItemSize.Of(updated));
                var itemUnits = result.Replayed ? ConsumedCapacity.ReadUnits(size, consistent: true) : 2 * ConsumedCapacity.WriteUnits(size);
                TransactionOperations.Add(units, writes[i].Table.Definition.TableName, itemUnits);
            }

            WriteConsumed(writer, request.ReturnConsumedCapacity!, units, isRead: result.Replayed);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// A read transaction: every item read as one consistent state; a statement whose WHERE clause
    /// does not hold for its item answers like an absent item (an empty response).
    /// </summary>
    private void ExecuteReads(IReadOnlyList<ItemAction> actions, string? returnConsumedCapacity, Utf8JsonWriter writer)
    {
        // Projections are applied here, after the WHERE clause has seen the whole item.
        var gets = actions.Select(a => new TransactGetAction(a.Table, a.Key, null)).ToList();
        var items = engine.Get(gets, out var sizes);
        if (sizes.Sum() > TransactionOperations.MaxTransactionBytes)
        {
            throw new TransactionCanceledException(actions.Select(_ =>
                CancellationReason.ValidationError("Transaction size has exceeded the maximum allowed size of 4 MB")).ToList());
        }

        writer.WriteStartObject();
        writer.WriteStartArray("Responses");
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            writer.WriteStartObject();
            if (items[i] is { } item && action.Condition!.Evaluate(item))
            {
                var shown = action.Projection is null ? item : action.Projection.Apply(item);
                if (shown.Count > 0)
                {
                    writer.WritePropertyName("Item");
                    AttributeValueJson.WriteItem(writer, shown);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (ConsumedCapacity.IsRequested(returnConsumedCapacity))
        {
            var units = new List<(string Table, double Units)>();
            for (var i = 0; i < actions.Count; i++)
            {
                TransactionOperations.Add(units, actions[i].Table.Definition.TableName, 2 * ConsumedCapacity.ReadUnits(sizes[i], consistent: true));
            }

            WriteConsumed(writer, returnConsumedCapacity!, units, isRead: true);
        }

        writer.WriteEndObject();
    }

    /// <summary>The transaction engine's form of one planned write statement.</summary>
    private static TransactWriteAction ToWrite(ItemAction action, bool returnOld)
    {
        var definition = action.Table.Definition;
        return action.Kind switch
        {
            ItemActionKind.Put => new TransactWriteAction
            {
                Kind = TransactWriteKind.Put,
                Table = action.Table,
                Key = action.Key,
                Item = action.Item,
                Condition = new ConditionExpression(Missing(definition.PartitionKeyName)),
                ReturnOldOnConditionFailure = returnOld,
            },
            // The WHERE clause names the item's full key, so it is false for an absent item: an
            // UPDATE never creates one.
            ItemActionKind.Update => new TransactWriteAction
            {
                Kind = TransactWriteKind.Update,
                Table = action.Table,
                Key = action.Key,
                Update = action.Update,
                Condition = action.Condition,
                ReturnOldOnConditionFailure = returnOld,
            },
            ItemActionKind.Delete => new TransactWriteAction
            {
                Kind = TransactWriteKind.Delete,
                Table = action.Table,
                Key = action.Key,
                Condition = new ConditionExpression(new LogicalNode(default, isAnd: false,
                    Missing(definition.PartitionKeyName), ((DeleteStatement)action.Statement).Where)),
                ReturnOldOnConditionFailure = returnOld,
            },
            _ => new TransactWriteAction
            {
                Kind = TransactWriteKind.ConditionCheck,
                Table = action.Table,
                Key = action.Key,
                Condition = action.Condition,
                ReturnOldOnConditionFailure = returnOld,
            },
        };
    }

    /// <summary><c>attribute_not_exists(name)</c>: true exactly when there is no item.</summary>
    private static FunctionNode Missing(string keyAttribute) =>
        new(new Token(TokenKind.Identifier, FunctionNames.AttributeNotExists, 0, 0),
            [new PathNode(new Token(TokenKind.Identifier, keyAttribute, 0, 0), []) { Path = DocumentPath.Of(keyAttribute) }]);

    private static void WriteConsumed(Utf8JsonWriter writer, string mode, List<(string Table, double Units)> units, bool isRead)
    {
        writer.WriteStartArray("ConsumedCapacity");
        foreach (var (table, tableUnits) in units)
        {
            ConsumedCapacity.WriteValue(writer, mode, table, tableUnits, isRead);
        }

        writer.WriteEndArray();
    }
}
