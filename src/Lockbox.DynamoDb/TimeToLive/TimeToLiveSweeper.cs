using System.Diagnostics;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.TimeToLive;

/// <summary>
/// Applies TTL changes and deletes expired items of tables with Time to Live enabled: items whose
/// TTL attribute is a Number of epoch seconds in the past (but not more than five years in the
/// past, which DynamoDB ignores).
/// <para>Changes: a table ENABLING gets its <see cref="ExpiryIndex"/> built from the items already
/// there (writes maintain it from the moment the status changed), in chunks under the items' own
/// locks, with the progress stored beside the entries so a restart resumes where it stopped; then
/// it is ENABLED. A table DISABLING loses its entries (one range delete) and is DISABLED.</para>
/// <para>Sweeps read the expiry index from five years ago up to now, so a sweep costs what it
/// deletes, not what the table holds. Deletions go through <see cref="ItemStore.WriteAtomically"/>
/// with <see cref="WriteOrigin.TimeToLive"/> and re-check the expiry under the item's lock, so an
/// item updated after the index was read is kept; stream records of these deletions name the
/// service.</para>
/// <para>Design: this is background, low-priority work. It works in batches of
/// <see cref="BatchSize"/> items per atomic commit and paces itself: after every slice of work it
/// sleeps long enough that it is busy at most <see cref="MaxDutyCycle"/> of the wall-clock time,
/// leaving the CPU and the storage engine's locks to foreground requests.</para>
/// </summary>
public sealed class TimeToLiveSweeper(TableCatalog catalog, ItemStore store, TimeProvider time) : IDisposable
{
    /// <summary>DynamoDB does not delete items whose TTL is more than five years in the past.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(5 * 365);

    private const int BuildChunkSize = 256;
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(10);

    private readonly AutoResetEvent _changed = new(false);
    private readonly Lock _applyLock = new();

    /// <summary>Items deleted per atomic commit.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>The largest share of wall-clock time a sweep spends working (the rest it sleeps); 1 = unpaced.</summary>
    public double MaxDutyCycle { get; init; } = 0.1;

    /// <summary>Called after every committed chunk of an expiry-index build (tests interrupt builds with it).</summary>
    internal Action? AfterBuildChunk { get; set; }

    /// <summary>Set when a table's TTL setting changed and <see cref="ApplyChanges"/> has work.</summary>
    public WaitHandle ChangeSignal => _changed;

    /// <summary>Tells the background work that a TTL change waits to be applied.</summary>
    public void NotifyChanged() => _changed.Set();

    /// <summary>True when <paramref name="item"/>'s TTL attribute <paramref name="attribute"/> marks it expired at <paramref name="nowSeconds"/>.</summary>
    public static bool IsExpired(IReadOnlyDictionary<string, AttributeValue> item, string attribute, long nowSeconds)
    {
        if (!item.TryGetValue(attribute, out var value) || value.Type != AttributeType.N)
        {
            return false;
        }

        var expiry = value.AsNumber();
        return expiry < DynamoNumber.FromInt64(nowSeconds)
            && expiry >= DynamoNumber.FromInt64(nowSeconds - (long)MaxAge.TotalSeconds);
    }

    /// <summary>
    /// Builds the expiry index of every ENABLING table and drops that of every DISABLING table,
    /// publishing ENABLED / DISABLED when done (also resumes what a previous run left unfinished).
    /// </summary>
    public void ApplyChanges(CancellationToken cancellationToken = default) =>
        ApplyChanges(new Pacer(MaxDutyCycle, cancellationToken), cancellationToken);

    /// <summary>Applies pending changes, then sweeps every ENABLED table once; returns how many items were deleted.</summary>
    public long SweepOnce(CancellationToken cancellationToken = default)
    {
        var pacer = new Pacer(MaxDutyCycle, cancellationToken);
        ApplyChanges(pacer, cancellationToken);
        long deleted = 0;
        foreach (var table in catalog.All.ToList())
        {
            if (table.Definition.TimeToLiveState() == "ENABLED")
            {
                deleted += SweepTable(table, pacer, cancellationToken);
            }
        }

        return deleted;
    }

    private void ApplyChanges(Pacer pacer, CancellationToken cancellationToken)
    {
        lock (_applyLock)
        {
            foreach (var table in catalog.All.ToList())
            {
                switch (table.Definition.TimeToLiveState())
                {
                    case "ENABLING":
                        Build(table, pacer, cancellationToken);
                        break;
                    case "DISABLING":
                        Drop(table);
                        break;
                }
            }
        }
    }

    private void Build(TableRuntime table, Pacer pacer, CancellationToken cancellationToken)
    {
        var storage = catalog.Storage;
        var prefix = table.StoragePrefix;
        var cursorKey = ExpiryIndex.CursorKey(prefix);
        var cursor = storage.Get(catalog.Expiry, cursorKey);
        if (cursor is null)
        {
            // A fresh build: every write still running has seen ENABLING and maintains its entry,
            // so an item committed behind the scan below cannot be missed.
            store.Generations.WaitForOlder();
        }

        var range = cursor is null ? KeyRange.Prefix(prefix) : new KeyRange([.. cursor, 0], KeyRange.PrefixSuccessor(prefix));
        while (!cancellationToken.IsCancellationRequested)
        {
            var definition = table.Definition;
            if (!catalog.Contains(table) || definition.TimeToLiveState() != "ENABLING" || definition.TimeToLiveAttribute is not { } attribute)
            {
                return;
            }

            var keys = new List<byte[]>(BuildChunkSize);
            foreach (var entry in storage.Scan(catalog.Items, range))
            {
                keys.Add(entry.Key);
                if (keys.Count == BuildChunkSize)
                {
                    break;
                }
            }

            if (keys.Count == 0)
            {
                storage.Commit(new WriteBatch().Delete(catalog.Expiry, cursorKey));
                Publish(table, "ENABLING", "ENABLED");
                return;
            }

            // Under the items' locks, from their current versions: a concurrent write either
            // committed before (and is read here) or runs after (and maintains its own entry).
            storage.ReadModifyWrite(catalog.Items, keys, values =>
            {
                var batch = new WriteBatch();
                for (var i = 0; i < keys.Count; i++)
                {
                    if (values[i] is null)
                    {
                        continue;
                    }

                    var item = ItemCodec.Decode(ItemStore.OpenStored(table, keys[i], values[i]!));
                    if (ExpiryIndex.TryGetExpiry(item, attribute, out var seconds))
                    {
                        batch.Put(catalog.Expiry, ExpiryIndex.EntryKey(prefix, seconds, keys[i]), []);
                    }
                }

                return batch.Put(catalog.Expiry, cursorKey, keys[^1]);
            });
            range = range with { Start = [.. keys[^1], 0] };
            AfterBuildChunk?.Invoke();
            pacer.Tick();
        }
    }

    private void Drop(TableRuntime table)
    {
        // Every write still running has seen DISABLING and writes no entry, so none can follow the
        // range delete.
        store.Generations.WaitForOlder();
        var prefix = table.StoragePrefix;
        var end = KeyRange.PrefixSuccessor(prefix) ?? throw new InvalidOperationException("storage id overflow");
        catalog.Storage.Commit(new WriteBatch().DeleteRange(catalog.Expiry, prefix, end));
        Publish(table, "DISABLING", "DISABLED");
    }

    /// <summary>Moves the table's TTL status from <paramref name="from"/> to <paramref name="to"/> unless it changed meanwhile.</summary>
    private void Publish(TableRuntime table, string from, string to)
    {
        lock (table.DefinitionLock)
        {
            if (!catalog.Contains(table) || table.Definition.TimeToLiveState() != from)
            {
                return;
            }

            var changed = TableCatalog.Copy(table.Definition);
            changed.TimeToLiveStatus = to;
            if (to == "DISABLED")
            {
                changed.TimeToLiveAttribute = null;
            }

            catalog.Update(table, changed);
        }
    }

    private long SweepTable(TableRuntime table, Pacer pacer, CancellationToken cancellationToken)
    {
        long deleted = 0;
        var prefix = table.StoragePrefix;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var range = new KeyRange(ExpiryIndex.Bound(prefix, now - (long)MaxAge.TotalSeconds), ExpiryIndex.Bound(prefix, now));
        while (!cancellationToken.IsCancellationRequested && table.Definition.TimeToLiveState() == "ENABLED" && catalog.Contains(table))
        {
            var candidates = new List<(byte[] EntryKey, long Seconds, byte[] StorageKey)>(BatchSize);
            var itemKeys = new HashSet<string>(StringComparer.Ordinal);
            byte[]? last = null;
            foreach (var entry in catalog.Storage.Scan(catalog.Expiry, range))
            {
                var (seconds, storageKey) = ExpiryIndex.Parse(entry.Key);
                if (!itemKeys.Add(Convert.ToBase64String(storageKey)))
                {
                    break; // One write per item and batch; the next batch takes this entry.
                }

                candidates.Add((entry.Key, seconds, storageKey));
                last = entry.Key;
                if (candidates.Count == BatchSize)
                {
                    break;
                }
            }

            if (last is null)
            {
                break;
            }

            deleted += Delete(table, candidates);
            range = range with { Start = [.. last, 0] };
            pacer.Tick();
        }

        return deleted;
    }

    private long Delete(TableRuntime table, List<(byte[] EntryKey, long Seconds, byte[] StorageKey)> candidates)
    {
        if (table.Definition.TimeToLiveAttribute is not { } attribute)
        {
            return 0;
        }

        var nowSeconds = time.GetUtcNow().ToUnixTimeSeconds();
        var stale = new List<(byte[] EntryKey, long Seconds, byte[] StorageKey)>();
        var writes = candidates.Select(candidate => new ItemWrite(table, candidate.StorageKey, current =>
        {
            if (current is not null && ExpiryIndex.TryGetExpiry(current, attribute, out var seconds) && seconds == candidate.Seconds)
            {
                // The entry is the item's own; delete it if it is expired now (the observer drops the entry).
                return IsExpired(current, attribute, nowSeconds) ? null : current;
            }

            stale.Add(candidate);
            return current; // Unchanged: no write.
        })).ToList();
        var deleted = store.WriteAtomically(writes, WriteOrigin.TimeToLive).Count(o => o.Old is not null && o.New is null);
        if (stale.Count > 0)
        {
            RemoveStale(table, attribute, stale);
        }

        return deleted;
    }

    /// <summary>
    /// Deletes entries that no longer match their item (none should exist: writes keep the index
    /// exact; this keeps a sweep from reading an orphan forever). Checked under the items' locks, so
    /// an entry a concurrent write just made valid again is kept.
    /// </summary>
    private void RemoveStale(TableRuntime table, string attribute, List<(byte[] EntryKey, long Seconds, byte[] StorageKey)> stale)
    {
        var keys = stale.Select(s => s.StorageKey).ToList();
        catalog.Storage.ReadModifyWrite(catalog.Items, keys, values =>
        {
            var batch = new WriteBatch();
            for (var i = 0; i < keys.Count; i++)
            {
                var item = values[i] is null ? null : ItemCodec.Decode(ItemStore.OpenStored(table, keys[i], values[i]!));
                if (item is null || !ExpiryIndex.TryGetExpiry(item, attribute, out var seconds) || seconds != stale[i].Seconds)
                {
                    batch.Delete(catalog.Expiry, stale[i].EntryKey);
                }
            }

            return batch;
        });
    }

    public void Dispose() => _changed.Dispose();

    /// <summary>Sleeps between slices of work so the sweep stays under its duty cycle.</summary>
    private sealed class Pacer(double dutyCycle, CancellationToken cancellationToken)
    {
        private readonly Stopwatch _busy = Stopwatch.StartNew();

        public void Tick()
        {
            if (dutyCycle >= 1 || _busy.Elapsed < Slice)
            {
                return;
            }

            var rest = _busy.Elapsed * ((1 - dutyCycle) / dutyCycle);
            cancellationToken.WaitHandle.WaitOne(rest);
            _busy.Restart();
        }
    }
}
