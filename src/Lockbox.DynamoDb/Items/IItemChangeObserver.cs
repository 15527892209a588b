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

/// <summary>
/// An item change about to be committed: the item before and after (null = absent). The write
/// path decodes <see cref="Old"/> only when something reads it, so an observer that has nothing
/// to do for a table should return before touching it.
/// </summary>
public readonly record struct ItemChange(
    TableRuntime Table,
    byte[] StorageKey,
    Dictionary<string, AttributeValue>? Old,
    Dictionary<string, AttributeValue>? New,
    WriteOrigin Origin)
{
    private readonly Dictionary<string, AttributeValue>? _old = Old;
    private readonly Dictionary<string, AttributeValue>? _new = New;

    /// <summary>The item after the change (null = absent), decoded on first use after a put of a request's item.</summary>
    public Dictionary<string, AttributeValue>? New { get => _new ?? NewItem?.Item; init => _new = value; }

    /// <summary>Whether an item exists after the change, answered without decoding it.</summary>
    public bool NewExists => _new is not null || NewItem is not null;

    /// <summary>The request's item a put stores from its encoding (see <see cref="ItemWrite.Put"/>), else null.</summary>
    internal RequestItem? NewItem { get; init; }

    /// <summary>The item before the change (null = absent), decoded on first use.</summary>
    public Dictionary<string, AttributeValue>? Old { get => _old ?? OldImage?.Item; init => _old = value; }

    /// <summary>Whether an item existed before the change, answered without decoding it.</summary>
    public bool OldExists => _old is not null || OldImage is not null;

    /// <summary>The item before the change as the write path unsealed it (decoded lazily), when given.</summary>
    internal StoredImage? OldImage { get; init; }

    /// <summary><see cref="Old"/> in <see cref="ItemCodec"/> form, when the write path has it (else null).</summary>
    public byte[]? OldEncoded { get => _oldEncoded ?? OldImage?.Encoded; init => _oldEncoded = value; }

    private readonly byte[]? _oldEncoded;

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
