using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Capacity;

/// <summary>
/// Provisioned-throughput throttling. A provisioned table gets a read and a write
/// <see cref="TokenBucket"/> filling at its ReadCapacityUnits / WriteCapacityUnits per second and
/// holding up to <see cref="BurstSeconds"/> (300 s, as DynamoDB) of unused capacity. An operation is
/// admitted while its bucket is positive and charged its consumed capacity afterwards; a spent
/// bucket answers ProvisionedThroughputExceededException. On-demand tables cost one string
/// comparison. Rates follow the table's definition, so an UpdateTable takes effect on the next
/// request.
/// </summary>
public sealed class ThroughputLimiter(TimeProvider time, double burstSeconds)
{
    /// <summary>DynamoDB keeps up to five minutes of unused provisioned capacity as burst capacity.</summary>
    public const double DefaultBurstSeconds = 300;

    private readonly Lock _configureLock = new();

    public double BurstSeconds { get; } = burstSeconds;

    /// <summary>The table's buckets, or null for an on-demand table (which is never throttled).</summary>
    public ThroughputBuckets? For(TableRuntime table)
    {
        var definition = table.Definition;
        if (definition.BillingMode != "PROVISIONED")
        {
            return null;
        }

        var buckets = table.Throughput;
        if (buckets is not null && buckets.ReadUnits == definition.ReadCapacityUnits && buckets.WriteUnits == definition.WriteCapacityUnits)
        {
            return buckets;
        }

        lock (_configureLock)
        {
            buckets = table.Throughput;
            if (buckets is null)
            {
                buckets = new ThroughputBuckets(time, definition.ReadCapacityUnits, definition.WriteCapacityUnits, BurstSeconds);
                table.Throughput = buckets;
            }
            else if (buckets.ReadUnits != definition.ReadCapacityUnits || buckets.WriteUnits != definition.WriteCapacityUnits)
            {
                buckets.Reconfigure(definition.ReadCapacityUnits, definition.WriteCapacityUnits, BurstSeconds);
            }

            return buckets;
        }
    }

    /// <summary>Throws ProvisionedThroughputExceededException when the table's read capacity is spent.</summary>
    public void AdmitRead(TableRuntime table)
    {
        if (For(table) is { } buckets && !buckets.Read.HasCapacity())
        {
            throw DynamoDbErrors.ProvisionedThroughputExceeded(table.Definition.Arn, isRead: true);
        }
    }

    /// <summary>
    /// Throws ProvisionedThroughputExceededException when the table's write capacity, or that of
    /// one of its global secondary indexes, is spent (DynamoDB throttles a write to a table whose
    /// index cannot take it).
    /// </summary>
    public void AdmitWrite(TableRuntime table)
    {
        if (For(table) is not { } buckets)
        {
            return;
        }

        if (!buckets.Write.HasCapacity())
        {
            throw DynamoDbErrors.ProvisionedThroughputExceeded(table.Definition.Arn, isRead: false);
        }

        foreach (var index in table.Definition.GlobalSecondaryIndexes)
        {
            if (IndexBuckets(buckets, index) is { } indexBuckets && !indexBuckets.Write.HasCapacity())
            {
                throw DynamoDbErrors.ProvisionedThroughputExceeded(index.Arn(table.Definition), isRead: false, isIndex: true);
            }
        }
    }

    /// <summary>Throws ProvisionedThroughputExceededException when a global index's read capacity is spent.</summary>
    public void AdmitIndexRead(TableRuntime table, SecondaryIndex index)
    {
        if (For(table) is { } buckets && IndexBuckets(buckets, index) is { } indexBuckets && !indexBuckets.Read.HasCapacity())
        {
            throw DynamoDbErrors.ProvisionedThroughputExceeded(index.Arn(table.Definition), isRead: true, isIndex: true);
        }
    }

    /// <summary>A global index's own buckets at its provisioned rates (null for a local index).</summary>
    private ThroughputBuckets? IndexBuckets(ThroughputBuckets tableBuckets, SecondaryIndex index)
    {
        if (!index.IsGlobal)
        {
            return null;
        }

        var buckets = tableBuckets.GlobalSecondaryIndexes.GetOrAdd(index.IndexName,
            _ => new ThroughputBuckets(time, index.ReadCapacityUnits, index.WriteCapacityUnits, BurstSeconds));
        if (buckets.ReadUnits != index.ReadCapacityUnits || buckets.WriteUnits != index.WriteCapacityUnits)
        {
            lock (_configureLock)
            {
                buckets.Reconfigure(index.ReadCapacityUnits, index.WriteCapacityUnits, BurstSeconds);
            }
        }

        return buckets;
    }

    /// <summary>
    /// For batches: admits one item of an estimated cost and charges it, or returns false when the
    /// table's bucket is spent (the item goes back to the caller as unprocessed).
    /// </summary>
    public bool TryTake(TableRuntime table, double estimatedUnits, bool isRead)
    {
        if (For(table) is not { } buckets)
        {
            return true;
        }

        return (isRead ? buckets.Read : buckets.Write).TryTake(estimatedUnits);
    }

    /// <summary>Charges what an operation consumed (negative: refunds an over-estimate).</summary>
    public void Charge(TableRuntime table, CapacityUsage usage)
    {
        if (For(table) is not { } buckets)
        {
            return;
        }

        // Local secondary indexes share their table's provisioned throughput.
        var tableUnits = usage.TableUnits + (usage.LocalSecondaryIndexes?.Values.Sum() ?? 0);
        (usage.IsRead ? buckets.Read : buckets.Write).Charge(tableUnits);
        if (usage.GlobalSecondaryIndexes is { } indexes)
        {
            foreach (var (name, units) in indexes)
            {
                if (table.Definition.FindIndex(name) is { } index && IndexBuckets(buckets, index) is { } indexBuckets)
                {
                    (usage.IsRead ? indexBuckets.Read : indexBuckets.Write).Charge(units);
                }
            }
        }
    }

    /// <summary>Charges raw units against the table's read or write bucket (corrections in batches).</summary>
    public void Charge(TableRuntime table, double units, bool isRead)
    {
        if (For(table) is { } buckets)
        {
            (isRead ? buckets.Read : buckets.Write).Charge(units);
        }
    }
}
