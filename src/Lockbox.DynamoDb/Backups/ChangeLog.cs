using System.Buffers.Binary;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Backups;

/// <summary>
/// The history behind point-in-time recovery: for every table with recovery enabled, each item
/// change appends the item's previous image to keyspace <c>dynamodb-pitr</c>, in the same atomic
/// batch as the change itself (it is an <see cref="IItemChangeObserver"/> on the one write path).
/// <para>Design: key = <c>storageId(8) | epochMillis(8) | sequence(8)</c>, big-endian, so one
/// table's entries are contiguous and in commit order (per item, writes are serialised by the
/// item lock; times are made non-decreasing). Value = <c>len(4) | itemStorageKey | present(1) |
/// ItemCodec(old)</c>, sealed under the table's data key with the entry key as associated data.
/// The state at time T = the current items, with each item changed after T replaced by the old
/// image of its first change after T. Entries older than the recovery period are trimmed.</para>
/// </summary>
internal sealed class ChangeLog : IItemChangeObserver
{
    private readonly IStorageEngine _storage;
    private readonly ItemStore _items;
    private readonly TimeProvider _time;
    private readonly Keyspace _log;
    private long _lastMillis;
    private long _sequence;

    public ChangeLog(IStorageEngine storage, ItemStore items, TimeProvider time)
    {
        _storage = storage;
        _items = items;
        _time = time;
        _log = storage.OpenKeyspace("dynamodb-pitr");
        // Unique across restarts without a stored counter: sequences only order entries of one millisecond.
        _sequence = time.GetUtcNow().UtcTicks;
    }

    public void OnChange(in ItemChange change, WriteBatch batch)
    {
        if (change.Table.Definition.PointInTimeRecovery is not { Enabled: true })
        {
            return;
        }

        var millis = NextMillis();
        var key = new byte[24];
        BinaryPrimitives.WriteInt64BigEndian(key, change.Table.Definition.StorageId);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), millis);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(16), Interlocked.Increment(ref _sequence));

        var old = change.Old is null ? [] : ItemCodec.Encode(change.Old);
        var payload = new byte[4 + change.StorageKey.Length + 1 + old.Length];
        BinaryPrimitives.WriteInt32BigEndian(payload, change.StorageKey.Length);
        change.StorageKey.CopyTo(payload, 4);
        payload[4 + change.StorageKey.Length] = change.Old is null ? (byte)0 : (byte)1;
        old.CopyTo(payload, 5 + change.StorageKey.Length);
        batch.Put(_log, key, change.Table.DataKey.Seal(payload, key));
    }

    /// <summary>
    /// The items of <paramref name="table"/> as they were at <paramref name="epochMillis"/>
    /// (every change committed at or before it included).
    /// <para>Consistency: the item snapshot is taken first, the log read after it. A key changed
    /// after T has a log entry after T, whose old image is its state at T whatever the snapshot
    /// holds; a key with no entry after T up to the (later) log read did not change between T and
    /// the snapshot, so the snapshot's value is its state at T.</para>
    /// </summary>
    public IEnumerable<Dictionary<string, AttributeValue>> ItemsAt(TableRuntime table, long epochMillis)
    {
        using var current = _items.Scan(table, KeyRange.Prefix(table.StoragePrefix)).GetEnumerator();
        var hasCurrent = current.MoveNext();

        var undo = new Dictionary<string, Dictionary<string, AttributeValue>?>(StringComparer.Ordinal);
        var start = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(start, table.Definition.StorageId);
        BinaryPrimitives.WriteInt64BigEndian(start.AsSpan(8), epochMillis + 1);
        var end = KeyRange.PrefixSuccessor(start.AsSpan(0, 8));
        foreach (var entry in _storage.Scan(_log, new KeyRange(start, end)))
        {
            var payload = table.DataKey.Open(entry.Value, entry.Key);
            var keyLength = BinaryPrimitives.ReadInt32BigEndian(payload);
            var itemKey = Convert.ToBase64String(payload, 4, keyLength);
            if (!undo.ContainsKey(itemKey))
            {
                undo[itemKey] = payload[4 + keyLength] == 0 ? null : ItemCodec.Decode(payload.AsSpan(5 + keyLength));
            }
        }

        while (hasCurrent)
        {
            var stored = current.Current;
            if (undo.Remove(Convert.ToBase64String(stored.StorageKey), out var old))
            {
                if (old is not null)
                {
                    yield return old;
                }
            }
            else
            {
                yield return stored.Item;
            }

            hasCurrent = current.MoveNext();
        }

        foreach (var old in undo.Values)
        {
            if (old is not null)
            {
                yield return old;
            }
        }
    }

    /// <summary>Forgets every change of one table (recovery disabled, or the table is gone).</summary>
    public void Drop(long storageId)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(prefix, storageId);
        _storage.Commit(new WriteBatch().DeleteRange(_log, prefix, KeyRange.PrefixSuccessor(prefix)!));
    }

    /// <summary>
    /// Deletes what no restore can need any more: entries older than each table's recovery
    /// period, and every entry of tables that are gone or have recovery disabled.
    /// </summary>
    public void Trim(IReadOnlyCollection<TableRuntime> tables)
    {
        var live = new Dictionary<long, PointInTimeRecoveryRecord>();
        foreach (var table in tables)
        {
            if (table.Definition.PointInTimeRecovery is { Enabled: true } recovery)
            {
                live[table.Definition.StorageId] = recovery;
            }
        }

        var now = _time.GetUtcNow();
        byte[]? from = null;
        while (true)
        {
            byte[]? first = null;
            foreach (var entry in _storage.Scan(_log, new KeyRange(from, null)))
            {
                first = entry.Key;
                break;
            }

            if (first is null)
            {
                return;
            }

            var storageId = BinaryPrimitives.ReadInt64BigEndian(first);
            if (live.TryGetValue(storageId, out var recovery))
            {
                var cutoff = new byte[16];
                BinaryPrimitives.WriteInt64BigEndian(cutoff, storageId);
                BinaryPrimitives.WriteInt64BigEndian(cutoff.AsSpan(8), now.AddDays(-recovery.RecoveryPeriodInDays).ToUnixTimeMilliseconds());
                _storage.Commit(new WriteBatch().DeleteRange(_log, cutoff.AsSpan(0, 8).ToArray(), cutoff));
            }
            else
            {
                Drop(storageId);
            }

            from = KeyRange.PrefixSuccessor(first.AsSpan(0, 8));
            if (from is null)
            {
                return;
            }
        }
    }

    private long NextMillis()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Interlocked.Read(ref _lastMillis);
            var next = Math.Max(now, last);
            if (next == last || Interlocked.CompareExchange(ref _lastMillis, next, last) == last)
            {
                return next;
            }
        }
    }
}
