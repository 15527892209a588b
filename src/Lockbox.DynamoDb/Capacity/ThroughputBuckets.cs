using System.Collections.Concurrent;

namespace Lockbox.DynamoDb.Capacity;

/// <summary>
/// The read and write buckets of one provisioned table, and (once secondary indexes exist) one
/// pair per global secondary index, which DynamoDB throttles separately. Created lazily by
/// <see cref="ThroughputLimiter"/> and hung on the table's runtime.
/// </summary>
public sealed class ThroughputBuckets(TimeProvider time, long readUnits, long writeUnits, double burstSeconds)
{
    public long ReadUnits { get; private set; } = readUnits;

    public long WriteUnits { get; private set; } = writeUnits;

    public TokenBucket Read { get; } = new(time, readUnits, burstSeconds);

    public TokenBucket Write { get; } = new(time, writeUnits, burstSeconds);

    /// <summary>Per global secondary index: its own read and write buckets (index name → buckets).</summary>
    public ConcurrentDictionary<string, ThroughputBuckets> GlobalSecondaryIndexes { get; } = new(StringComparer.Ordinal);

    /// <summary>Applies new provisioned rates at once (UpdateTable).</summary>
    public void Reconfigure(long readUnits, long writeUnits, double burstSeconds)
    {
        Read.Reconfigure(readUnits, burstSeconds);
        Write.Reconfigure(writeUnits, burstSeconds);
        ReadUnits = readUnits;
        WriteUnits = writeUnits;
    }
}
