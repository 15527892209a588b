using System.Text;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Keeps every secondary index in step with its table: for each changed item it deletes the
/// entry of the old version and puts the entry of the new one, in the item's own commit, so an
/// index never points at a missing item or misses a committed one. Indexes being backfilled
/// (CREATING) are maintained too, so the backfill only has to cover items written before it
/// started. It also refuses items whose index key attributes break the index's schema.
/// </summary>
public sealed class IndexMaintenance(Keyspace indexes) : IItemChangeObserver
{
    public void OnChange(in ItemChange change, WriteBatch batch)
    {
        var definition = change.Table.Definition;
        if (!definition.HasSecondaryIndexes)
        {
            return;
        }

        foreach (var index in definition.SecondaryIndexes)
        {
            if (index.IndexStatus == "DELETING")
            {
                continue;
            }

            if (change.New is not null)
            {
                CheckIndexKeys(index, change.New);
            }

            var oldKey = change.Old is null ? null : IndexKeys.EntryKey(change.Table, index, change.Old, change.StorageKey);
            var newKey = change.New is null ? null : IndexKeys.EntryKey(change.Table, index, change.New, change.StorageKey);
            var same = oldKey is not null && newKey is not null && oldKey.AsSpan().SequenceEqual(newKey);
            if (oldKey is not null && !same)
            {
                batch.Delete(indexes, oldKey);
            }

            if (newKey is not null && !same)
            {
                batch.Put(indexes, newKey, change.StorageKey);
            }
        }
    }

    public void Committed(in ItemChange change)
    {
        var definition = change.Table.Definition;
        if (!definition.HasSecondaryIndexes)
        {
            return;
        }

        foreach (var index in definition.SecondaryIndexes)
        {
            var oldSize = ProjectedSize(definition, index, change.Old);
            var newSize = ProjectedSize(definition, index, change.New);
            var countDelta = (newSize is null ? 0 : 1) - (oldSize is null ? 0 : 1);
            if (countDelta != 0 || oldSize != newSize)
            {
                change.Table.IndexCounters(index.IndexName).Add(countDelta, (newSize ?? 0) - (oldSize ?? 0));
            }
        }
    }

    /// <summary>The size an item takes in an index (its projection), or null when it is not in it.</summary>
    public static long? ProjectedSize(TableDefinition table, SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue>? item)
    {
        if (item is null || !HasIndexKeys(index, item))
        {
            return null;
        }

        var projected = index.ProjectedAttributes(table);
        if (projected is null)
        {
            return ItemSize.Of(item);
        }

        long size = 0;
        foreach (var (name, value) in item)
        {
            if (projected.Contains(name))
            {
                size += Encoding.UTF8.GetByteCount(name) + ItemSize.Of(value);
            }
        }

        return size;
    }

    private static bool HasIndexKeys(SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue> item) =>
        item.TryGetValue(index.PartitionKeyName, out var partition) && partition.Type == index.PartitionKeyType
        && (index.SortKeyName is null || (item.TryGetValue(index.SortKeyName, out var sort) && sort.Type == index.SortKeyType));

    /// <summary>DynamoDB refuses an item whose index key attribute has the wrong type or an empty value.</summary>
    private static void CheckIndexKeys(SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue> item)
    {
        CheckIndexKey(index, item, index.PartitionKeyName, index.PartitionKeyType, KeyValidation.MaxPartitionKeyBytes);
        if (index.SortKeyName is not null)
        {
            CheckIndexKey(index, item, index.SortKeyName, index.SortKeyType!.Value, KeyValidation.MaxSortKeyBytes);
        }
    }

    private static void CheckIndexKey(SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue> item, string name,
        AttributeType type, int maxBytes)
    {
        if (!item.TryGetValue(name, out var value))
        {
            return;
        }

        if (value.Type != type)
        {
            throw DynamoDbErrors.InvalidParameter(
                $"Type mismatch for Index Key {name} Expected: {type} Actual: {value.Type} IndexName: {index.IndexName}");
        }

        var empty = (type == AttributeType.S && value.AsString().Length == 0) || (type == AttributeType.B && value.AsBinary().Length == 0);
        if (empty)
        {
            var kind = type == AttributeType.S ? "string" : "binary";
            throw DynamoDbErrors.Validation(
                $"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value. IndexName: {index.IndexName}, IndexKey: {name}");
        }

        var bytes = type switch
        {
            AttributeType.S => Encoding.UTF8.GetByteCount(value.AsString()),
            AttributeType.B => value.AsBinary().Length,
            _ => 0,
        };
        if (bytes > maxBytes)
        {
            throw DynamoDbErrors.InvalidParameter(maxBytes == KeyValidation.MaxPartitionKeyBytes
                ? "Size of hashkey has exceeded the maximum size limit of2048 bytes"
                : "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
        }
    }
}
