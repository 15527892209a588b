using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Capacity;

/// <summary>
/// The write capacity an item change consumes in each secondary index, by DynamoDB's rules: an
/// item entering or leaving an index costs one write of its projected size there; an item that
/// stays under the same index key costs one write of the larger projection; an item whose index
/// key changed costs two (the old entry's delete and the new entry's put).
/// </summary>
public static class IndexCapacity
{
    public static void AddWrites(CapacityUsage usage, TableDefinition table,
        IReadOnlyDictionary<string, AttributeValue>? old, IReadOnlyDictionary<string, AttributeValue>? updated)
    {
        if (!table.HasSecondaryIndexes || (old is null && updated is null))
        {
            return;
        }

        foreach (var index in table.SecondaryIndexes)
        {
            if (index.IndexStatus == "DELETING")
            {
                continue;
            }

            var oldSize = IndexMaintenance.ProjectedSize(table, index, old);
            var newSize = IndexMaintenance.ProjectedSize(table, index, updated);
            var units = (oldSize, newSize) switch
            {
                (null, null) => 0,
                (null, { } added) => ConsumedCapacity.WriteUnits(added),
                ({ } removed, null) => ConsumedCapacity.WriteUnits(removed),
                ({ } before, { } after) => SameIndexKey(index, old!, updated!)
                    ? ConsumedCapacity.WriteUnits(before, after)
                    : ConsumedCapacity.WriteUnits(before) + ConsumedCapacity.WriteUnits(after),
            };
            if (units == 0)
            {
                continue;
            }

            if (index.IsGlobal)
            {
                usage.AddGlobalIndex(index.IndexName, units);
            }
            else
            {
                usage.AddLocalIndex(index.IndexName, units);
            }
        }
    }

    private static bool SameIndexKey(SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue> old,
        IReadOnlyDictionary<string, AttributeValue> updated) =>
        SameValue(old[index.PartitionKeyName], updated[index.PartitionKeyName])
        && (index.SortKeyName is null || SameValue(old[index.SortKeyName], updated[index.SortKeyName]));

    private static bool SameValue(AttributeValue a, AttributeValue b) =>
        KeyEncoding.Encode(a).AsSpan().SequenceEqual(KeyEncoding.Encode(b));
}
