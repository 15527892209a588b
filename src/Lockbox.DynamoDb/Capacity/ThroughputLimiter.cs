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

    /// <summary>Throws ProvisionedThroughputExceededException when the table's write capacity is spent.</summary>
    public void AdmitWrite(TableRuntime table)
    {
        if (For(table) is { } buckets && !buckets.Write.HasCapacity())
        {
            throw DynamoDbErrors.ProvisionedThroughputExceeded(table.Definition.Arn, isRead: false);
        }
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

        (usage.IsRead ? buckets.Read : buckets.Write).Charge(usage.TableUnits);
        if (usage.GlobalSecondaryIndexes is { } indexes)
        {
            foreach (var (name, units) in indexes)
            {
                if (buckets.GlobalSecondaryIndexes.TryGetValue(name, out var index))
                {
                    (usage.IsRead ? index.Read : index.Write).Charge(units);
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
