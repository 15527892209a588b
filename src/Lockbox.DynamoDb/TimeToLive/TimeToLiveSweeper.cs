using System.Diagnostics;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.TimeToLive;

/// <summary>
/// Deletes expired items of tables with Time to Live enabled: items whose TTL attribute is a
/// Number of epoch seconds in the past (but not more than five years in the past, which DynamoDB
/// ignores). Deletions go through <see cref="ItemStore.WriteAtomically"/> with
/// <see cref="WriteOrigin.TimeToLive"/> and re-check expiry under the item's lock, so an item
/// updated after the scan saw it is kept; stream records of these deletions name the service.
/// <para>Design: the sweep is background, low-priority work. It deletes in batches of
/// <see cref="BatchSize"/> items per atomic commit and paces itself: after every slice of work it
/// sleeps long enough that it is busy at most <see cref="MaxDutyCycle"/> of the wall-clock time,
/// leaving the CPU and the storage engine's locks to foreground requests.</para>
/// </summary>
public sealed class TimeToLiveSweeper(TableCatalog catalog, ItemStore store, TimeProvider time)
{
    /// <summary>DynamoDB does not delete items whose TTL is more than five years in the past.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(5 * 365);

    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(10);

    /// <summary>Items deleted per atomic commit.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>The largest share of wall-clock time a sweep spends working (the rest it sleeps); 1 = unpaced.</summary>
    public double MaxDutyCycle { get; init; } = 0.2;

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

    /// <summary>Sweeps every table once; returns how many items were deleted.</summary>
    public long SweepOnce(CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        var pacer = new Pacer(MaxDutyCycle, cancellationToken);
        foreach (var table in catalog.All.ToList())
        {
            if (table.Definition.TimeToLiveAttribute is not null)
            {
                deleted += SweepTable(table, pacer, cancellationToken);
            }
        }

        return deleted;
    }

    private long SweepTable(TableRuntime table, Pacer pacer, CancellationToken cancellationToken)
    {
        long deleted = 0;
        var batch = new List<byte[]>(BatchSize);
        foreach (var stored in store.Scan(table, KeyRange.Prefix(table.StoragePrefix)))
        {
            if (cancellationToken.IsCancellationRequested || !IsLive(table))
            {
                return deleted;
            }

            var attribute = table.Definition.TimeToLiveAttribute;
            if (attribute is null)
            {
                return deleted;
            }

            if (IsExpired(stored.Item, attribute, time.GetUtcNow().ToUnixTimeSeconds()))
            {
                batch.Add(stored.StorageKey);
                if (batch.Count >= BatchSize)
                {
                    deleted += Delete(table, batch);
                    batch.Clear();
                }
            }

            pacer.Tick();
        }

        if (batch.Count > 0 && IsLive(table))
        {
            deleted += Delete(table, batch);
        }

        return deleted;
    }

    private bool IsLive(TableRuntime table)
    {
        var definition = table.Definition;
        return ReferenceEquals(catalog.Find(definition.AccountId, definition.Region, definition.TableName), table);
    }

    private long Delete(TableRuntime table, List<byte[]> keys)
    {
        var pending = new List<byte[]>(keys);
        while (pending.Count > 0)
        {
            var attribute = table.Definition.TimeToLiveAttribute;
            if (attribute is null)
            {
                return 0;
            }

            var nowSeconds = time.GetUtcNow().ToUnixTimeSeconds();
            var writes = pending.Select(key => new ItemWrite(table, key, current =>
                current is null || IsExpired(current, attribute, nowSeconds) ? null : throw new StillAliveException(key))).ToList();
            try
            {
                return store.WriteAtomically(writes, WriteOrigin.TimeToLive).Count(o => o.Old is not null);
            }
            catch (StillAliveException alive)
            {
                // Updated since the scan saw it: keep it, delete the others.
                pending.Remove(alive.StorageKey);
            }
        }

        return 0;
    }

    /// <summary>Thrown inside a deletion's decision to abandon the batch when an item is no longer expired.</summary>
    private sealed class StillAliveException(byte[] storageKey) : Exception("The item is no longer expired.")
    {
        public byte[] StorageKey { get; } = storageKey;
    }

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
