using System.Buffers.Binary;
using System.Collections.Concurrent;
using Lockbox.Kms.Envelope;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// A live table: its definition, its unwrapped data key, the storage-key prefix of its items
/// and its item count / size counters. One instance per table, shared by all requests.
/// </summary>
public sealed class TableRuntime : IDisposable
{
    private long _itemCount;
    private long _sizeBytes;
    private readonly ConcurrentDictionary<string, IndexCounters> _indexCounters = new(StringComparer.Ordinal);

    public TableRuntime(TableDefinition definition, DataKey dataKey)
    {
        Definition = definition;
        DataKey = dataKey;
        StoragePrefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(StoragePrefix, definition.StorageId);
    }

    /// <summary>Replaced as a whole on every change, so readers always see a consistent definition.</summary>
    public TableDefinition Definition { get; set; }

    public DataKey DataKey { get; }

    /// <summary>Provisioned-throughput buckets (set by the throughput limiter; null until a provisioned table is used).</summary>
    public Capacity.ThroughputBuckets? Throughput { get; set; }

    /// <summary>8-byte big-endian storage id; every item key of this table starts with it.</summary>
    public byte[] StoragePrefix { get; }

    /// <summary>True once the counters were computed from storage (lazily, on first need).</summary>
    public bool CountersLoaded { get; private set; }

    public object CounterLock { get; } = new();

    /// <summary>Serialises read-copy-update changes of <see cref="Definition"/> (UpdateTable, TagResource, UntagResource, index backfill).</summary>
    public Lock DefinitionLock { get; } = new();

    public long ItemCount => Interlocked.Read(ref _itemCount);
    public long SizeBytes => Interlocked.Read(ref _sizeBytes);

    public void SetCounters(long itemCount, long sizeBytes)
    {
        Interlocked.Exchange(ref _itemCount, itemCount);
        Interlocked.Exchange(ref _sizeBytes, sizeBytes);
        CountersLoaded = true;
    }

    /// <summary>Applies one committed write: an item appeared/disappeared and its size changed.</summary>
    public void RecordWrite(int countDelta, long sizeDelta)
    {
        Interlocked.Add(ref _itemCount, countDelta);
        Interlocked.Add(ref _sizeBytes, sizeDelta);
    }

    /// <summary>Item count and size of one secondary index (created on first use).</summary>
    public IndexCounters IndexCounters(string indexName) => _indexCounters.GetOrAdd(indexName, _ => new IndexCounters());

    /// <summary>Forgets an index's counters (the index was deleted).</summary>
    public void DropIndexCounters(string indexName) => _indexCounters.TryRemove(indexName, out _);

    public void Dispose() => DataKey.Dispose();
}

/// <summary>Approximate item count and size of a secondary index, as DescribeTable reports them.</summary>
public sealed class IndexCounters
{
    private long _itemCount;
    private long _sizeBytes;

    public long ItemCount => Interlocked.Read(ref _itemCount);
    public long SizeBytes => Interlocked.Read(ref _sizeBytes);

    public void Set(long itemCount, long sizeBytes)
    {
        Interlocked.Exchange(ref _itemCount, itemCount);
        Interlocked.Exchange(ref _sizeBytes, sizeBytes);
    }

    public void Add(long countDelta, long sizeDelta)
    {
        Interlocked.Add(ref _itemCount, countDelta);
        Interlocked.Add(ref _sizeBytes, sizeDelta);
    }
}
