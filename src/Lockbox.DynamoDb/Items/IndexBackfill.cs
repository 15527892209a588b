using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Builds a global secondary index added by UpdateTable from the items already in its table,
/// in the background, then marks it ACTIVE.
/// <para>Writes keep the index current from the moment it is CREATING (see
/// <see cref="IndexMaintenance"/>), so the backfill only covers items written before. It walks
/// the table in key order in chunks and writes each chunk's entries under the items' own key locks,
/// from their current versions, so a backfill never resurrects a stale entry of an item that a
/// concurrent write just changed. Entries are idempotent puts: a backfill interrupted by a crash
/// simply runs again from the start when the server next opens the table.</para>
/// </summary>
public sealed class IndexBackfill : IDisposable
{
    private const int ChunkSize = 256;

    private readonly TableCatalog _catalog;
    private readonly ItemStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private readonly Lock _runningLock = new();

    public IndexBackfill(TableCatalog catalog, ItemStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    /// <summary>Resumes every backfill a previous run of the server left unfinished.</summary>
    public void ResumeAll()
    {
        foreach (var table in _catalog.All.ToList())
        {
            foreach (var index in table.Definition.GlobalSecondaryIndexes.Where(i => i.IndexStatus == "CREATING"))
            {
                Start(table, index.IndexName);
            }
        }
    }

    public void Start(TableRuntime table, string indexName)
    {
        lock (_runningLock)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(Task.Run(() => Run(table, indexName, _stopping.Token)));
        }
    }

    private void Run(TableRuntime table, string indexName, CancellationToken stopping)
    {
        var storage = _catalog.Storage;
        var range = KeyRange.Prefix(table.StoragePrefix);

        // A write that read the definition from before the index existed writes no entry for it;
        // once those writes are done, every item is either written with an entry or seen by the scan.
        _store.Generations.WaitForOlder();
        while (!stopping.IsCancellationRequested)
        {
            var index = table.Definition.FindIndex(indexName);
            if (index is null || index.IndexStatus != "CREATING" || !_catalog.Contains(table))
            {
                return;
            }

            var keys = new List<byte[]>(ChunkSize);
            foreach (var entry in storage.Scan(_catalog.Items, range))
            {
                keys.Add(entry.Key);
                if (keys.Count == ChunkSize)
                {
                    break;
                }
            }

            if (keys.Count == 0)
            {
                Finish(table, indexName);
                return;
            }

            storage.ReadModifyWrite(_catalog.Items, keys, values =>
            {
                var batch = new WriteBatch();
                for (var i = 0; i < keys.Count; i++)
                {
                    if (values[i] is null)
                    {
                        continue;
                    }

                    var item = ItemCodec.Decode(ItemStore.OpenStored(table, keys[i], values[i]!));
                    if (IndexKeys.EntryKey(table, index, item, keys[i]) is { } entryKey)
                    {
                        batch.Put(_catalog.Indexes, entryKey, keys[i]);
                    }
                }

                return batch;
            });
            range = range with { Start = [.. keys[^1], 0] };
        }
    }

    /// <summary>Counts the finished index and publishes it as ACTIVE.</summary>
    private void Finish(TableRuntime table, string indexName)
    {
        lock (table.CounterLock)
        {
            var definition = table.Definition;
            var index = definition.FindIndex(indexName);
            if (index is null || index.IndexStatus != "CREATING" || !_catalog.Contains(table))
            {
                return;
            }

            long count = 0;
            long size = 0;
            foreach (var stored in _store.Scan(table, KeyRange.Prefix(table.StoragePrefix)))
            {
                if (IndexMaintenance.ProjectedSize(definition, index, stored.Item) is { } projected)
                {
                    count++;
                    size += projected;
                }
            }

            table.IndexCounters(indexName).Set(count, size);
            lock (table.DefinitionLock)
            {
                var changed = TableCatalog.Copy(table.Definition);
                if (changed.FindIndex(indexName) is { IndexStatus: "CREATING" } finished)
                {
                    finished.IndexStatus = "ACTIVE";
                    _catalog.Update(table, changed);
                }
            }
        }
    }

    /// <summary>Waits (briefly) for running backfills to notice shutdown.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        Task[] running;
        lock (_runningLock)
        {
            running = [.. _running];
        }

        Task.WaitAll(running, TimeSpan.FromSeconds(10));
        _stopping.Dispose();
    }
}
