using System.Collections.Concurrent;
using Lockbox.Common;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// The item keys that running transactions hold, so that work arriving on such an item fails
/// instead of queueing behind the transaction, as in DynamoDB: another TransactWriteItems or a
/// TransactGetItems is cancelled with reason <c>TransactionConflict</c>, and a PutItem,
/// UpdateItem or DeleteItem fails with <c>TransactionConflictException</c>.
/// <para>Design: a transaction claims all its keys at once (all or none, under one short lock)
/// before it takes the storage locks, and releases them after its commit. The storage locks
/// still serialise every write; the claims only decide who fails rather than waits. Claims live
/// in memory: a crash ends every transaction, and the storage batch makes each one
/// all-or-nothing, so there is nothing to recover.</para>
/// </summary>
public sealed class InFlightKeys
{
    /// <summary>DynamoDB's text for both the exception and the cancellation reason.</summary>
    public const string ConflictMessage = "Transaction is ongoing for the item";

    private readonly ConcurrentDictionary<byte[], object> _held = new(ByteArrayComparer.Instance);
    private readonly Lock _claimLock = new();

    /// <summary>True when a running transaction holds <paramref name="storageKey"/>.</summary>
    public bool IsHeld(byte[] storageKey) => _held.ContainsKey(storageKey);

    /// <summary>
    /// Claims every key of <paramref name="storageKeys"/> for <paramref name="owner"/>, or none of
    /// them: when some are held already, returns false and sets <paramref name="conflicts"/>[i]
    /// for each key held by another transaction.
    /// </summary>
    public bool TryClaim(IReadOnlyList<byte[]> storageKeys, object owner, bool[] conflicts)
    {
        lock (_claimLock)
        {
            var free = true;
            for (var i = 0; i < storageKeys.Count; i++)
            {
                if (_held.ContainsKey(storageKeys[i]))
                {
                    conflicts[i] = true;
                    free = false;
                }
            }

            if (!free)
            {
                return false;
            }

            foreach (var key in storageKeys)
            {
                _held[key] = owner;
            }

            return true;
        }
    }

    /// <summary>Releases the keys <paramref name="owner"/> claimed.</summary>
    public void Release(IReadOnlyList<byte[]> storageKeys, object owner)
    {
        foreach (var key in storageKeys)
        {
            _held.TryRemove(new KeyValuePair<byte[], object>(key, owner));
        }
    }

    /// <summary>TransactionConflictException, as a single-item write on a held item gets it.</summary>
    public static AwsServiceException Conflict() =>
        new(DynamoDbErrors.DynamoDbNamespace, "TransactionConflictException", ConflictMessage);
}
