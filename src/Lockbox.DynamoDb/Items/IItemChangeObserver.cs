using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// A part that keeps data derived from items (secondary index entries, stream records) in step
/// with them. <see cref="ItemStore.WriteAtomically"/> calls it for every changed item while the
/// item's key is locked; what it adds to <paramref name="batch"/> commits atomically with the item.
/// </summary>
public interface IItemChangeObserver
{
    /// <summary>
    /// Called for every write before its keys are locked; the one place an observer may read
    /// storage (to warm a cache that <see cref="OnChange"/> then consults).
    /// </summary>
    void BeforeLock(TableRuntime table, byte[] storageKey)
    {
    }

    void OnChange(in ItemChange change, WriteBatch batch);

    /// <summary>Called for every change once its batch is durably committed (for counters and caches).</summary>
    void Committed(in ItemChange change)
    {
    }

    /// <summary>
    /// Called once per <see cref="ItemStore.WriteAtomically"/> call, on the writing thread, after
    /// its batch committed (<paramref name="committed"/> true) or was abandoned, even when no item
    /// changed. Lets an observer release what it reserved in <see cref="OnChange"/> (e.g. stream
    /// sequence numbers awaiting their commit).
    /// </summary>
    void OnWriteFinished(bool committed)
    {
    }
}

/// <summary>An item change about to be committed: the item before and after (null = absent).</summary>
public readonly record struct ItemChange(
    TableRuntime Table,
    byte[] StorageKey,
    Dictionary<string, AttributeValue>? Old,
    Dictionary<string, AttributeValue>? New,
    WriteOrigin Origin)
{
    /// <summary><see cref="Old"/> in <see cref="ItemCodec"/> form, when the write path has it (else null).</summary>
    public byte[]? OldEncoded { get; init; }

    /// <summary><see cref="New"/> in <see cref="ItemCodec"/> form, when the write path has it (else null).</summary>
    public byte[]? NewEncoded { get; init; }
}

/// <summary>Who caused a write: a caller's request, or the service itself (TTL expiry, a table restore).</summary>
public enum WriteOrigin
{
    Caller,
    TimeToLive,
    /// <summary>A restore filling its new table from a backup or a point in time.</summary>
    Restore,
}
