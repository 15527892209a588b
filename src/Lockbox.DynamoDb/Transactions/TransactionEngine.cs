using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Transactions;

/// <summary>What one action of a write transaction does.</summary>
public enum TransactWriteKind
{
    ConditionCheck,
    Put,
    Update,
    Delete,
}

/// <summary>
/// One validated, authorized write action of a transaction (TransactWriteItems today, PartiQL's
/// ExecuteTransaction later): the table, the item's key, and what to do with the item.
/// </summary>
public sealed class TransactWriteAction
{
    public required TransactWriteKind Kind { get; init; }

    public required TableRuntime Table { get; init; }

    /// <summary>The item's key attributes (an Update of an absent item starts from them).</summary>
    public required Dictionary<string, AttributeValue> Key { get; init; }

    /// <summary>The new item of a Put.</summary>
    public Dictionary<string, AttributeValue>? Item { get; init; }

    /// <summary>The update of an Update.</summary>
    public UpdateExpression? Update { get; init; }

    /// <summary>Must hold for the current item, or the transaction is cancelled (required for a ConditionCheck).</summary>
    public ConditionExpression? Condition { get; init; }

    /// <summary>ReturnValuesOnConditionCheckFailure=ALL_OLD: the cancellation reason carries the item.</summary>
    public bool ReturnOldOnConditionFailure { get; init; }

    /// <summary>The item's storage key (computed once).</summary>
    public byte[] StorageKey => _storageKey ??= ItemStore.StorageKey(Table, Key);

    private byte[]? _storageKey;

    /// <summary>The IAM action that authorizes this action.</summary>
    public string IamAction => Kind switch
    {
        TransactWriteKind.ConditionCheck => "dynamodb:ConditionCheckItem",
        TransactWriteKind.Put => "dynamodb:PutItem",
        TransactWriteKind.Update => "dynamodb:UpdateItem",
        _ => "dynamodb:DeleteItem",
    };
}

/// <summary>One read of a read transaction, with its projection (null = the whole item).</summary>
public sealed record TransactGetAction(TableRuntime Table, Dictionary<string, AttributeValue> Key, ProjectionExpression? Projection)
{
    public byte[] StorageKey { get; } = ItemStore.StorageKey(Table, Key);
}

/// <summary>
/// The outcome of a write transaction: the item before and after each action (a condition check
/// has the same item in both), or, when <see cref="Replayed"/>, the items as they are now because
/// the request's token showed it had already been applied (nothing was written).
/// </summary>
public sealed record TransactWriteResult(IReadOnlyList<WriteOutcome> Outcomes, bool Replayed);

/// <summary>
/// Runs transactions over <see cref="ItemStore"/>: the internal API behind TransactWriteItems and
/// TransactGetItems, and the one PartiQL's ExecuteTransaction will call. Callers validate and
/// authorize first; this class decides and writes.
/// <para>Design: a write transaction claims every key in <see cref="ItemStore.InFlight"/> (all
/// or none; a key another transaction holds cancels it with TransactionConflict), then runs as one
/// <see cref="ItemStore.WriteTransaction"/> group: every key locked, every action's decision taken
/// under the locks, and one atomic, durable batch with the idempotency token. A failed condition
/// or a run-time validation error is recorded as the action's cancellation reason; after the last
/// decision the group is abandoned if any reason was recorded, so nothing is written.</para>
/// </summary>
public sealed class TransactionEngine(ItemStore store, TransactionTokens tokens)
{
    public const int MaxActions = 100;
    public const int MaxItemBytes = 400 * 1024;

    public TransactionTokens Tokens => tokens;

    /// <summary>
    /// Applies <paramref name="actions"/> (distinct items, validated and authorized) all or none.
    /// Throws <see cref="TransactionCanceledException"/> with one reason per action when a
    /// condition fails, an update is invalid for the item, or another transaction holds an item.
    /// </summary>
    /// <param name="token">The request's idempotency token, from <see cref="TransactionTokens.Begin"/>;
    /// it is recorded in the same commit. Null = no token.</param>
    public TransactWriteResult Write(IReadOnlyList<TransactWriteAction> actions, TransactionTokens.TokenClaim? token)
    {
        var count = actions.Count;
        var keys = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = actions[i].StorageKey;
        }

        var owner = new object();
        var conflicts = new bool[count];
        if (!store.InFlight.TryClaim(keys, owner, conflicts))
        {
            throw new TransactionCanceledException(
                conflicts.Select(c => c ? CancellationReason.TransactionConflict : CancellationReason.None).ToList());
        }

        try
        {
            var reasons = new CancellationReason[count];
            var failed = false;
            var writes = new ItemWrite[count];
            for (var i = 0; i < count; i++)
            {
                var index = i;
                var action = actions[i];
                writes[i] = new ItemWrite(action.Table, keys[i], current =>
                {
                    var (next, reason) = Decide(action, current);
                    reasons[index] = reason ?? CancellationReason.None;
                    failed |= reason is not null;
                    if (index == count - 1 && failed)
                    {
                        throw new TransactionCanceledException(reasons);
                    }

                    return next;
                });
            }

            var outcomes = store.WriteTransaction(writes, token is null ? null : (batch, _) => token.AddTo(batch));
            return new TransactWriteResult(outcomes, Replayed: false);
        }
        finally
        {
            store.InFlight.Release(keys, owner);
        }
    }

    /// <summary>The current items of a transaction whose token showed it was applied already.</summary>
    public TransactWriteResult Replay(IReadOnlyList<TransactWriteAction> actions)
    {
        var items = store.ReadAtomically(actions.Select(a => (a.Table, a.StorageKey)).ToList());
        return new TransactWriteResult(items.Select(i => new WriteOutcome(i, i)).ToList(), Replayed: true);
    }

    /// <summary>
    /// Reads the items of <paramref name="actions"/> as one consistent state (under the items'
    /// locks, so no write commits between the reads), projected. Cancelled with TransactionConflict
    /// when a write transaction holds one of the items. Null = absent.
    /// </summary>
    public IReadOnlyList<Dictionary<string, AttributeValue>?> Get(IReadOnlyList<TransactGetAction> actions, out IReadOnlyList<long> sizes)
    {
        var held = actions.Select(a => store.InFlight.IsHeld(a.StorageKey)).ToList();
        if (held.Contains(true))
        {
            throw new TransactionCanceledException(
                held.Select(h => h ? CancellationReason.TransactionConflict : CancellationReason.None).ToList());
        }

        var items = store.ReadAtomically(actions.Select(a => (a.Table, a.StorageKey)).ToList());
        sizes = items.Select(i => i is null ? 0L : ItemSize.Of(i)).ToList();
        var result = new Dictionary<string, AttributeValue>?[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = items[i] is null || actions[i].Projection is null ? items[i] : actions[i].Projection!.Apply(items[i]!);
        }

        return result;
    }

    /// <summary>The new item for <paramref name="action"/> (the current item itself = unchanged), or why it cannot go ahead.</summary>
    private static (Dictionary<string, AttributeValue>? Next, CancellationReason? Reason) Decide(
        TransactWriteAction action, Dictionary<string, AttributeValue>? current)
    {
        try
        {
            if (action.Condition is not null && !action.Condition.Evaluate(current))
            {
                return (current, CancellationReason.ConditionalCheckFailed(action.ReturnOldOnConditionFailure ? current : null));
            }

            switch (action.Kind)
            {
                case TransactWriteKind.ConditionCheck:
                    return (current, null);
                case TransactWriteKind.Put:
                    return (action.Item, null);
                case TransactWriteKind.Delete:
                    return (null, null);
                default:
                    var updated = AttributeValue.CloneItem(current ?? action.Key);
                    action.Update?.Apply(updated);
                    if (ItemSize.Of(updated) > MaxItemBytes)
                    {
                        return (current, CancellationReason.ValidationError("Item size to update has exceeded the maximum allowed size"));
                    }

                    return (updated, null);
            }
        }
        catch (AwsServiceException error) when (error.ErrorCode == "ValidationException")
        {
            return (current, CancellationReason.ValidationError(error.ErrorMessage));
        }
    }
}
