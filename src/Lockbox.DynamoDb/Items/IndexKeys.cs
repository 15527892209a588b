using System.Buffers.Binary;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Storage keys of secondary index entries:
/// <c>indexStorageId(8) | keyedHash(indexPk)(16) | key(indexSk) | baseStorageKey</c>.
/// Like a base item key, the index partition key is stored only as a keyed hash and the index
/// sort key keeps its order-preserving encoding, so a Query on the index is a range scan. The
/// base item's storage key at the end makes each entry unique (many items may share index key
/// values) and orders ties by the table's own key. The entry's value is the base storage key:
/// index reads fetch the base item and project it, so entries never hold item data.
/// </summary>
public static class IndexKeys
{
    public static byte[] StoragePrefix(SecondaryIndex index)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(prefix, index.StorageId);
        return prefix;
    }

    /// <summary>indexStorageId | keyedHash(pk): the prefix every entry of one index partition shares.</summary>
    public static byte[] PartitionPrefix(TableRuntime table, SecondaryIndex index, AttributeValue partitionKey)
    {
        var prefix = new byte[8 + ItemStore.PartitionHashLength];
        BinaryPrimitives.WriteInt64BigEndian(prefix, index.StorageId);
        table.DataKey.KeyedHash(KeyEncoding.Encode(partitionKey), prefix.AsSpan(8, ItemStore.PartitionHashLength));
        return prefix;
    }

    /// <summary>
    /// The entry <paramref name="item"/> has in <paramref name="index"/>, or null when the item
    /// lacks an index key attribute (or holds it with another type), which keeps it out of the
    /// index: indexes are sparse.
    /// </summary>
    public static byte[]? EntryKey(TableRuntime table, SecondaryIndex index, IReadOnlyDictionary<string, AttributeValue> item,
        ReadOnlySpan<byte> baseStorageKey)
    {
        if (!item.TryGetValue(index.PartitionKeyName, out var partition) || partition.Type != index.PartitionKeyType)
        {
            return null;
        }

        AttributeValue? sort = null;
        if (index.SortKeyName is not null
            && (!item.TryGetValue(index.SortKeyName, out sort) || sort.Type != index.SortKeyType))
        {
            return null;
        }

        var prefix = PartitionPrefix(table, index, partition);
        var encodedSort = sort is null ? [] : KeyEncoding.Encode(sort);
        var key = new byte[prefix.Length + encodedSort.Length + baseStorageKey.Length];
        prefix.CopyTo(key, 0);
        encodedSort.CopyTo(key, prefix.Length);
        baseStorageKey.CopyTo(key.AsSpan(prefix.Length + encodedSort.Length));
        return key;
    }
}
