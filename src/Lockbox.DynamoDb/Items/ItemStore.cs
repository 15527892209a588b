using System.Buffers;
using System.Buffers.Binary;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Reads and writes the sealed items of tables.
/// <para>Design: an item's storage key is <c>storageId(8) | keyedHash(pk)(16) | key(sk)</c>.
/// The partition key appears only as a keyed hash (HMAC under the table's data key), so it is
/// not readable on disk, and hashing spreads partitions evenly for Scan segments; the sort key
/// keeps its order-preserving encoding so a partition's items stay in range order. The value is
/// the item's binary encoding sealed with AES-256-GCM under the table's data key, with the
/// storage key as associated data (a value cannot be moved to another key or table), behind a
/// header holding the item's size (see <see cref="OpenStored"/>).</para>
/// <para>Writes are locked read-modify-writes (<see cref="IStorageEngine.ReadModifyWrite"/>): the
/// item's key is locked from the read of its current version to the write, so a conditional
/// write never acts on a stale item and concurrent writers queue instead of losing updates.</para>
/// </summary>
public sealed class ItemStore
{
    public const int PartitionHashLength = 16;

    private readonly IStorageEngine _storage;
    private readonly Keyspace _items;
    private readonly List<IItemChangeObserver> _observers = [];

    public ItemStore(TableCatalog catalog)
    {
        _storage = catalog.Storage;
        _items = catalog.Items;
    }

    public IStorageEngine Storage => _storage;

    /// <summary>Keys held by transactions while they run (see <see cref="InFlightKeys"/>).</summary>
    public InFlightKeys InFlight { get; } = new();

    /// <summary>Item writes in progress, by generation (see <see cref="WriteGenerations"/>).</summary>
    public WriteGenerations Generations { get; } = new();

    /// <summary>
    /// Registers a part that derives writes from item changes (indexes, streams). Register at
    /// start-up, before the first write.
    /// </summary>
    public void AddObserver(IItemChangeObserver observer) => _observers.Add(observer);

    /// <summary>Length of <see cref="PartitionPrefix"/>: the table's 8-byte storage id and the partition hash.</summary>
    public const int PartitionPrefixLength = 8 + PartitionHashLength;

    /// <summary>storageId | keyedHash(pk): the prefix every item of one partition shares.</summary>
    public static byte[] PartitionPrefix(TableRuntime table, AttributeValue partitionKey)
    {
        var prefix = new byte[PartitionPrefixLength];
        WritePartitionPrefix(table, partitionKey, prefix);
        return prefix;
    }

    /// <summary>The partition prefix followed by the sort key's encoding (none for a table without one).</summary>
    public static byte[] StorageKey(TableRuntime table, AttributeValue partitionKey, AttributeValue? sortKey)
    {
        if (sortKey is null)
        {
            return PartitionPrefix(table, partitionKey);
        }

        // One array per key: the sort key is encoded on the stack (or a pooled buffer) first.
        using var encodedSort = new KeyEncoding.Scratch(sortKey, stackalloc byte[KeyEncoding.StackBufferLength]);
        var key = new byte[PartitionPrefixLength + encodedSort.Bytes.Length];
        WritePartitionPrefix(table, partitionKey, key);
        encodedSort.Bytes.CopyTo(key.AsSpan(PartitionPrefixLength));
        return key;
    }

    private static void WritePartitionPrefix(TableRuntime table, AttributeValue partitionKey, Span<byte> destination)
    {
        using var encodedPartition = new KeyEncoding.Scratch(partitionKey, stackalloc byte[KeyEncoding.StackBufferLength]);
        table.StoragePrefix.CopyTo(destination);
        table.DataKey.KeyedHash(encodedPartition.Bytes, destination.Slice(8, PartitionHashLength));
    }

    public static byte[] StorageKey(TableRuntime table, IReadOnlyDictionary<string, AttributeValue> item)
    {
        var definition = table.Definition;
        var sortKey = definition.SortKeyName is null ? null : item[definition.SortKeyName];
        return StorageKey(table, item[definition.PartitionKeyName], sortKey);
    }

    public Dictionary<string, AttributeValue>? Get(TableRuntime table, byte[] storageKey)
    {
        var sealedValue = _storage.Get(_items, storageKey);
        return sealedValue is null ? null : Unseal(table, storageKey, sealedValue);
    }

    /// <summary>
    /// The item at <paramref name="storageKey"/> unsealed but not decoded: its <see cref="ItemCodec"/>
    /// encoding, for readers that need only its size or JSON (see <see cref="ItemCodec.WriteJson"/>).
    /// </summary>
    public byte[]? GetEncoded(TableRuntime table, byte[] storageKey)
    {
        var sealedValue = _storage.Get(_items, storageKey);
        return sealedValue is null ? null : OpenStored(table, storageKey, sealedValue);
    }

    /// <summary>Items of <paramref name="range"/> in key order (or reverse), unsealed but not decoded.</summary>
    public IEnumerable<EncodedItem> ScanEncoded(TableRuntime table, KeyRange range, bool reverse = false)
    {
        foreach (var entry in _storage.Scan(_items, range, reverse))
        {
            yield return new EncodedItem(entry.Key, OpenStored(table, entry.Key, entry.Value));
        }
    }

    /// <summary>Items of <paramref name="range"/> in key order (or reverse), unsealed.</summary>
    public IEnumerable<StoredItem> Scan(TableRuntime table, KeyRange range, bool reverse = false)
    {
        foreach (var entry in _storage.Scan(_items, range, reverse))
        {
            yield return new StoredItem(entry.Key, Unseal(table, entry.Key, entry.Value));
        }
    }

    /// <summary>
    /// Replaces the item at <paramref name="storageKey"/> with what <paramref name="mutate"/> returns
    /// for the current item (null = absent / delete). The key is locked from the read to the
    /// write, so <paramref name="mutate"/> always sees the item it replaces; it runs under that
    /// lock, so it must be quick, and it throws to abandon the write (nothing is written).
    /// </summary>
    /// <param name="blind">Whether <paramref name="mutate"/> ignores the current item (an unconditional
    /// put or delete): it is then passed null and the current item is decoded only if something asks
    /// for it (see <see cref="ItemWrite.Blind"/>).</param>
    /// <param name="put">A put of an item a request carried: stored from its encoding, whatever
    /// <paramref name="mutate"/> returns (see <see cref="ItemWrite.Put"/>).</param>
    public WriteOutcome Write(TableRuntime table, byte[] storageKey,
        Func<Dictionary<string, AttributeValue>?, Dictionary<string, AttributeValue>?> mutate, bool blind = false, RequestItem? put = null) =>
        WriteCore([new ItemWrite(table, storageKey, mutate) { Blind = blind, Put = put, NewSize = put?.Size }],
            WriteOrigin.Caller, refuseInFlight: true, complete: null)[0];

    /// <summary>
    /// Applies unconditional puts and deletes to many items (of one or more tables) in one atomic
    /// commit, with every key locked from the read of its old version to the write.
    /// </summary>
    public void WriteMany(IReadOnlyList<PendingWrite> writes) =>
        WriteAtomically(writes.Select(w => new ItemWrite(w.Table, w.StorageKey, _ => w.Item) { Blind = true }).ToList());

    /// <summary>
    /// The one write path of every item change: locks every key of <paramref name="writes"/>,
    /// unseals the current items, asks each write's decision for the new item (null = absent),
    /// and commits the items together with what every <see cref="IItemChangeObserver"/> derives
    /// from the changes (index entries, stream records) in one atomic, durable batch. A decision
    /// that throws abandons the whole group: nothing is written and the exception propagates.
    /// Decisions run under the key locks, so they must be quick and must not call the store.
    /// </summary>
    public IReadOnlyList<WriteOutcome> WriteAtomically(IReadOnlyList<ItemWrite> writes, WriteOrigin origin = WriteOrigin.Caller) =>
        WriteCore(writes, origin, refuseInFlight: false, complete: null);

    /// <summary>
    /// <see cref="WriteAtomically"/> for a transaction: after every decision has run (still under
    /// the locks) <paramref name="complete"/> may add records that must commit with the items (the
    /// transaction's idempotency token). A decision that returns the current item itself leaves
    /// it untouched (a condition check).
    /// </summary>
    public IReadOnlyList<WriteOutcome> WriteTransaction(IReadOnlyList<ItemWrite> writes,
        Action<WriteBatch, IReadOnlyList<WriteOutcome>>? complete) =>
        WriteCore(writes, WriteOrigin.Caller, refuseInFlight: false, complete);

    /// <summary>
    /// Reads items of one or more tables under their key locks, so the result is one consistent
    /// state (no write commits between the reads). Null = absent.
    /// </summary>
    public Dictionary<string, AttributeValue>?[] ReadAtomically(IReadOnlyList<(TableRuntime Table, byte[] StorageKey)> reads)
    {
        var items = new Dictionary<string, AttributeValue>?[reads.Count];
        var keys = new byte[reads.Count][];
        for (var i = 0; i < reads.Count; i++)
        {
            keys[i] = reads[i].StorageKey;
        }

        _storage.ReadModifyWrite(_items, keys, values =>
        {
            for (var i = 0; i < reads.Count; i++)
            {
                items[i] = values[i] is null ? null : Unseal(reads[i].Table, reads[i].StorageKey, values[i]!);
            }

            return null;
        });
        return items;
    }

    /// <param name="refuseInFlight">Single-item writes (PutItem, UpdateItem, DeleteItem) fail with
    /// TransactionConflictException on an item a transaction holds, as in DynamoDB; batch writes queue.</param>
    private WriteOutcome[] WriteCore(IReadOnlyList<ItemWrite> writes, WriteOrigin origin, bool refuseInFlight,
        Action<WriteBatch, IReadOnlyList<WriteOutcome>>? complete)
    {
        var generation = Generations.Enter();
        try
        {
            return WriteCoreCounted(writes, origin, refuseInFlight, complete);
        }
        finally
        {
            Generations.Exit(generation);
        }
    }

    private WriteOutcome[] WriteCoreCounted(IReadOnlyList<ItemWrite> writes, WriteOrigin origin, bool refuseInFlight,
        Action<WriteBatch, IReadOnlyList<WriteOutcome>>? complete)
    {
        foreach (var write in writes)
        {
            EnsureCounters(write.Table);
            foreach (var observer in _observers)
            {
                observer.BeforeLock(write.Table, write.StorageKey);
            }
        }

        var outcomes = new WriteOutcome[writes.Count];
        var changed = new bool[writes.Count];
        var keys = new byte[writes.Count][];
        for (var i = 0; i < writes.Count; i++)
        {
            keys[i] = writes[i].StorageKey;
        }

        var committed = false;
        try
        {
            _storage.ReadModifyWrite(_items, keys, values =>
            {
                WriteBatch? batch = null;
                for (var i = 0; i < writes.Count; i++)
                {
                    var write = writes[i];
                    if (refuseInFlight && InFlight.IsHeld(write.StorageKey))
                    {
                        throw InFlightKeys.Conflict();
                    }

                    // The current item is decoded only when the decision or an observer reads it
                    // (a blind write to a table without indexes, streams or backups never does).
                    // A blind write's replaced item is not even unsealed unless something reads it:
                    // its size, all a plain table needs, is in the stored value's header.
                    var currentImage = values[i] is null ? null : new StoredImage(write.Table, write.StorageKey, values[i]!);
                    var current = write.Blind ? null : currentImage?.Item;
                    // A put of a request's item is stored from its encoding (its attributes are
                    // decoded only if an observer reads them); its decision only checks the
                    // current item, unless the write is blind.
                    var put = write.Put;
                    Dictionary<string, AttributeValue>? updated = null;
                    if (put is null)
                    {
                        updated = write.Decide(current);
                    }
                    else if (!write.Blind)
                    {
                        write.Decide(current);
                    }
                    changed[i] = false;
                    if ((currentImage is null && updated is null && put is null) || (current is not null && ReferenceEquals(current, updated)))
                    {
                        outcomes[i] = WriteOutcome.Of(currentImage, updated, newSize: null);
                        continue;
                    }

                    batch ??= new WriteBatch(writes.Count);
                    byte[]? updatedEncoded = null;
                    var newSize = 0;
                    if (updated is null && put is null)
                    {
                        batch.Delete(_items, write.StorageKey);
                    }
                    else
                    {
                        updatedEncoded = put?.Encoded ?? ItemCodec.Encode(updated!);
                        newSize = (write.Blind || put is not null) && write.NewSize is { } known ? known : ItemCodec.SizeOf(updatedEncoded);
                        batch.Put(_items, write.StorageKey, SealStored(write.Table, write.StorageKey, updatedEncoded, newSize));
                    }

                    changed[i] = true;
                    outcomes[i] = WriteOutcome.Of(currentImage, updated, newSize) with { NewItem = put };
                    var change = new ItemChange(write.Table, write.StorageKey, null, updated, origin)
                    {
                        OldImage = currentImage,
                        NewItem = put,
                        NewEncoded = updatedEncoded,
                    };
                    foreach (var observer in _observers)
                    {
                        observer.OnChange(change, batch);
                    }
                }

                if (complete is not null)
                {
                    batch ??= new WriteBatch();
                    complete(batch, outcomes);
                }

                return batch;
            });
            committed = true;
        }
        finally
        {
            foreach (var observer in _observers)
            {
                observer.OnWriteFinished(committed);
            }
        }

        for (var i = 0; i < writes.Count; i++)
        {
            if (changed[i])
            {
                var outcome = outcomes[i];
                var countDelta = (outcome.NewExists ? 1 : 0) - (outcome.OldExisted ? 1 : 0);
                writes[i].Table.RecordWrite(countDelta, outcome.NewSize - outcome.OldSize);
                var change = new ItemChange(writes[i].Table, writes[i].StorageKey, null, outcome.NewStored, origin)
                {
                    OldImage = outcome.OldImage,
                    NewItem = outcome.NewItem,
                };
                foreach (var observer in _observers)
                {
                    observer.Committed(change);
                }
            }
        }

        return outcomes;
    }

    /// <summary>Computes item count and size from storage the first time a table needs them.</summary>
    public void EnsureCounters(TableRuntime table)
    {
        if (table.CountersLoaded)
        {
            return;
        }

        lock (table.CounterLock)
        {
            if (table.CountersLoaded)
            {
                return;
            }

            long count = 0;
            long size = 0;
            var definition = table.Definition;
            var indexes = definition.SecondaryIndexes.ToList();
            var indexCounts = new (long Count, long Size)[indexes.Count];
            foreach (var stored in Scan(table, KeyRange.Prefix(table.StoragePrefix)))
            {
                count++;
                size += ItemSize.Of(stored.Item);
                for (var i = 0; i < indexes.Count; i++)
                {
                    if (IndexMaintenance.ProjectedSize(definition, indexes[i], stored.Item) is { } projected)
                    {
                        indexCounts[i] = (indexCounts[i].Count + 1, indexCounts[i].Size + projected);
                    }
                }
            }

            for (var i = 0; i < indexes.Count; i++)
            {
                table.IndexCounters(indexes[i].IndexName).Set(indexCounts[i].Count, indexCounts[i].Size);
            }

            table.SetCounters(count, size);
        }
    }

    private static Dictionary<string, AttributeValue> Unseal(TableRuntime table, byte[] storageKey, byte[] sealedValue) =>
        ItemCodec.Decode(OpenStored(table, storageKey, sealedValue));

    // The stored form of an item (see ARCHITECTURE.md, "Storage layout"): SizedMarker | the item's
    // DynamoDB size (uint32, little-endian) | DataKey.Seal(encoding, AAD = storage key | size).
    // The size is in the clear (the sealed length reveals about as much) and bound to the value by
    // the AAD, so a blind write accounts for the item it replaces (ItemCount, TableSizeBytes,
    // capacity) without unsealing it. Values written before this form are the sealed encoding
    // alone; they begin with the sealer's version byte (1), never SizedMarker, and stay readable.
    private const byte SizedMarker = 0xA5;
    private const int SizedHeaderLength = 5;

    private static byte[] SealStored(TableRuntime table, byte[] storageKey, byte[] encoded, int size)
    {
        var stored = new byte[SizedHeaderLength + DataKey.SealedLength(encoded.Length)];
        stored[0] = SizedMarker;
        BinaryPrimitives.WriteUInt32LittleEndian(stored.AsSpan(1, 4), (uint)size);
        var aad = ArrayPool<byte>.Shared.Rent(storageKey.Length + 4);
        try
        {
            var associated = SizedAssociatedData(storageKey, stored.AsSpan(1, 4), aad);
            table.DataKey.Seal(encoded, associated, stored.AsSpan(SizedHeaderLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(aad);
        }

        return stored;
    }

    /// <summary>
    /// The <see cref="ItemCodec"/> encoding of an item from its stored value (as read from the
    /// items keyspace, either form); throws <see cref="System.Security.Cryptography.CryptographicException"/>
    /// when the value was tampered with or belongs to another key.
    /// </summary>
    public static byte[] OpenStored(TableRuntime table, byte[] storageKey, ReadOnlySpan<byte> stored)
    {
        if (stored.Length <= SizedHeaderLength || stored[0] != SizedMarker)
        {
            return table.DataKey.Open(stored, storageKey);
        }

        var aad = ArrayPool<byte>.Shared.Rent(storageKey.Length + 4);
        try
        {
            return table.DataKey.Open(stored[SizedHeaderLength..], SizedAssociatedData(storageKey, stored.Slice(1, 4), aad));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(aad);
        }
    }

    /// <summary>The item size a stored value records, or -1 for a value written before sizes were stored.</summary>
    internal static int StoredSize(ReadOnlySpan<byte> stored) =>
        stored.Length > SizedHeaderLength && stored[0] == SizedMarker ? (int)BinaryPrimitives.ReadUInt32LittleEndian(stored.Slice(1, 4)) : -1;

    private static ReadOnlySpan<byte> SizedAssociatedData(byte[] storageKey, ReadOnlySpan<byte> size, byte[] buffer)
    {
        storageKey.CopyTo(buffer, 0);
        size.CopyTo(buffer.AsSpan(storageKey.Length));
        return buffer.AsSpan(0, storageKey.Length + 4);
    }
}

/// <summary>An item read by a scan, with its storage key.</summary>
public readonly record struct StoredItem(byte[] StorageKey, Dictionary<string, AttributeValue> Item);

/// <summary>An item read by a scan, with its storage key, in <see cref="ItemCodec"/> form (not decoded).</summary>
public readonly record struct EncodedItem(byte[] StorageKey, byte[] Encoded);

/// <summary>One unconditional write of <see cref="ItemStore.WriteMany"/>: the new item, or null to delete.</summary>
public readonly record struct PendingWrite(TableRuntime Table, byte[] StorageKey, Dictionary<string, AttributeValue>? Item);

/// <summary>One write of <see cref="ItemStore.WriteAtomically"/>: the new item as a function of the current one (null = absent).</summary>
public readonly record struct ItemWrite(TableRuntime Table, byte[] StorageKey,
    Func<Dictionary<string, AttributeValue>?, Dictionary<string, AttributeValue>?> Decide)
{
    /// <summary>
    /// The decision ignores the current item (an unconditional put or delete): it is passed null,
    /// and the current item is not decoded unless an observer or the caller reads it.
    /// </summary>
    public bool Blind { get; init; }

    /// <summary>
    /// For a blind put, or a <see cref="Put"/>, whose caller has already sized the item
    /// (<see cref="ItemSize"/>, for the 400 KB limit): that size, so the write path does not size
    /// the encoding again. Ignored otherwise.
    /// </summary>
    public int? NewSize { get; init; }

    /// <summary>
    /// For a put of an item a request carried: the item, stored from its encoding whatever
    /// <see cref="Decide"/> returns (its attributes are decoded only if an observer reads them).
    /// <see cref="Decide"/> is then called only to check the current item (a condition that
    /// throws to abandon the write), and not at all when the write is <see cref="Blind"/>.
    /// </summary>
    public RequestItem? Put { get; init; }

    /// <summary>An unconditional put of <paramref name="item"/>.</summary>
    public static ItemWrite BlindPut(TableRuntime table, byte[] storageKey, RequestItem item) =>
        new(table, storageKey, _ => item.Item) { Blind = true, Put = item, NewSize = item.Size };
}

/// <summary>
/// The item before and after a committed write (null = absent). <see cref="Old"/> may be decoded
/// only when first read (after a blind write, see <see cref="ItemWrite.Blind"/>); use
/// <see cref="OldExisted"/> and <see cref="OldSize"/> when the attributes are not needed.
/// </summary>
public readonly record struct WriteOutcome(Dictionary<string, AttributeValue>? Old, Dictionary<string, AttributeValue>? New)
{
    private readonly Dictionary<string, AttributeValue>? _old = Old;
    private readonly Dictionary<string, AttributeValue>? _new = New;

    /// <summary>The item after the write (null = absent), decoded on first use after a put of a request's item.</summary>
    public Dictionary<string, AttributeValue>? New { get => _new ?? NewItem?.Item; init => _new = value; }

    /// <summary>Whether an item exists after the write (without decoding it).</summary>
    public bool NewExists => _new is not null || NewItem is not null;

    /// <summary>The request's item a put stored from its encoding (see <see cref="ItemWrite.Put"/>), else null.</summary>
    internal RequestItem? NewItem { get; init; }

    /// <summary>The new item as given to the write path (null after a put of a request's item: see <see cref="NewItem"/>).</summary>
    internal Dictionary<string, AttributeValue>? NewStored => _new;

    /// <summary>The item before the write (null = absent), decoded on first use if the write path did not need it.</summary>
    public Dictionary<string, AttributeValue>? Old { get => _old ?? OldImage?.Item; init => _old = value; }

    /// <summary>Whether an item existed before the write (without decoding it).</summary>
    public bool OldExisted => _old is not null || OldImage is not null;

    /// <summary>The size (<see cref="ItemSize"/>) of the item before the write, 0 when absent (without decoding it).</summary>
    public int OldSize => _old is not null ? ItemSize.Of(_old) : OldImage?.Size ?? 0;

    /// <summary>The size (<see cref="ItemSize"/>) of the item after the write, 0 when absent.</summary>
    public int NewSize => KnownNewSize ?? (NewExists ? ItemSize.Of(New!) : 0);

    internal StoredImage? OldImage { get; private init; }

    private int? KnownNewSize { get; init; }

    internal static WriteOutcome Of(StoredImage? old, Dictionary<string, AttributeValue>? updated, int? newSize) =>
        new(null, updated) { OldImage = old, KnownNewSize = newSize };
}

/// <summary>
/// The item a write replaces, as stored: unsealed, decoded and sized only on demand (and then
/// once). Its size comes from the stored value's header when it has one.
/// </summary>
public sealed class StoredImage
{
    private readonly TableRuntime _table;
    private readonly byte[] _storageKey;
    private readonly byte[] _stored;
    private byte[]? _encoded;
    private Dictionary<string, AttributeValue>? _item;
    private int _size;

    internal StoredImage(TableRuntime table, byte[] storageKey, byte[] stored)
    {
        _table = table;
        _storageKey = storageKey;
        _stored = stored;
        _size = ItemStore.StoredSize(stored);
    }

    /// <summary>The item's <see cref="ItemCodec"/> encoding (unsealed on first use).</summary>
    public byte[] Encoded => _encoded ??= ItemStore.OpenStored(_table, _storageKey, _stored);

    public Dictionary<string, AttributeValue> Item => _item ??= ItemCodec.Decode(Encoded);

    public int Size
    {
        get
        {
            if (_size < 0)
            {
                _size = ItemCodec.SizeOf(Encoded);
            }

            return _size;
        }
    }
}
