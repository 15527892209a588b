using System.Collections.Concurrent;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Item collection sizes of tables with local secondary indexes: all items of one partition key
/// plus their local index entries, which DynamoDB caps at 10 GB
/// (ItemCollectionSizeLimitExceededException) and reports through ReturnItemCollectionMetrics.
/// <para>A collection's size is computed by one partition scan the first time a write touches it
/// (before the write takes its key locks), then kept current by committed deltas. Concurrent
/// writes to one collection may each pass the check that their sum then exceeds; like DynamoDB's
/// own accounting, the limit is enforced approximately.</para>
/// </summary>
public sealed class ItemCollections(ItemStore store) : IItemChangeObserver
{
    /// <summary>DynamoDB's limit: 10 GB per item collection.</summary>
    public const long DefaultLimitBytes = 10L * 1024 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);

    /// <summary>The limit in force (tests lower it; the server always uses <see cref="DefaultLimitBytes"/>).</summary>
    internal long LimitBytes { get; set; } = DefaultLimitBytes;

    public static bool Applies(TableDefinition definition) => definition.LocalSecondaryIndexes.Count > 0;

    public void BeforeLock(TableRuntime table, byte[] storageKey)
    {
        if (Applies(table.Definition))
        {
            SizeOf(table, storageKey);
        }
    }

    public void OnChange(in ItemChange change, WriteBatch batch)
    {
        var definition = change.Table.Definition;
        if (!Applies(definition) || change.New is null)
        {
            return;
        }

        var delta = CollectionSize(definition, change.New) - CollectionSize(definition, change.Old);
        if (delta > 0 && _sizes.TryGetValue(CacheKey(change.StorageKey), out var current) && current + delta > LimitBytes)
        {
            throw new Common.AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ItemCollectionSizeLimitExceededException",
                "Collection size exceeded.");
        }
    }

    public void Committed(in ItemChange change)
    {
        var definition = change.Table.Definition;
        if (!Applies(definition))
        {
            return;
        }

        var delta = CollectionSize(definition, change.New) - CollectionSize(definition, change.Old);
        _sizes.AddOrUpdate(CacheKey(change.StorageKey), delta, (_, size) => size + delta);
    }

    /// <summary>The current size in bytes of the collection holding the item at <paramref name="storageKey"/>.</summary>
    public long SizeOf(TableRuntime table, byte[] storageKey) =>
        _sizes.GetOrAdd(CacheKey(storageKey), _ =>
        {
            var definition = table.Definition;
            long size = 0;
            foreach (var stored in store.Scan(table, KeyRange.Prefix(storageKey.AsSpan(0, 8 + ItemStore.PartitionHashLength))))
            {
                size += CollectionSize(definition, stored.Item);
            }

            return size;
        });

    /// <summary>ItemCollectionMetrics' SizeEstimateRangeGB: the whole gigabytes below and above the size.</summary>
    public static (double Lower, double Upper) EstimateRangeGb(long bytes)
    {
        var lower = Math.Floor(bytes / (double)(1L << 30));
        return (lower, lower + 1);
    }

    /// <summary>What one item adds to its collection: itself and its entries in local indexes.</summary>
    private static long CollectionSize(TableDefinition definition, IReadOnlyDictionary<string, AttributeValue>? item)
    {
        if (item is null)
        {
            return 0;
        }

        long size = ItemSize.Of(item);
        foreach (var index in definition.LocalSecondaryIndexes)
        {
            size += IndexMaintenance.ProjectedSize(definition, index, item) ?? 0;
        }

        return size;
    }

    private static string CacheKey(byte[] storageKey) => Convert.ToHexString(storageKey, 0, 8 + ItemStore.PartitionHashLength);
}
