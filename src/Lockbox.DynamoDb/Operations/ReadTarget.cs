using Lockbox.Common;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// What a Query or Scan reads: the table itself or one of its secondary indexes. It hides the
/// difference between the two storage layouts (items under the table's storage id; index entries
/// under the index's, each pointing at its base item) behind one key schema, one key space of
/// ordered storage keys, and one way to turn an ExclusiveStartKey into a position.
/// </summary>
internal sealed class ReadTarget
{
    private readonly ItemStore _store;
    private readonly IStorageEngine _storage;
    private readonly Keyspace _indexes;

    private ReadTarget(TableRuntime table, SecondaryIndex? index, ItemStore store, TableCatalog catalog)
    {
        Table = table;
        Index = index;
        _store = store;
        _storage = catalog.Storage;
        _indexes = catalog.Indexes;
        var definition = table.Definition;
        PartitionKeyName = index?.PartitionKeyName ?? definition.PartitionKeyName;
        PartitionKeyType = index?.PartitionKeyType ?? definition.PartitionKeyType;
        SortKeyName = index is null ? definition.SortKeyName : index.SortKeyName;
        SortKeyType = index is null ? definition.SortKeyType : index.SortKeyType;
        StoragePrefix = index is null ? table.StoragePrefix : IndexKeys.StoragePrefix(index);
        Projected = index?.ProjectedAttributes(definition);
    }

    public TableRuntime Table { get; }

    /// <summary>The index read, or null for the table.</summary>
    public SecondaryIndex? Index { get; }

    public string PartitionKeyName { get; }
    public AttributeType PartitionKeyType { get; }
    public string? SortKeyName { get; }
    public AttributeType? SortKeyType { get; }

    /// <summary>The 8-byte storage id every storage key of this target starts with.</summary>
    public byte[] StoragePrefix { get; }

    /// <summary>The attributes the index projects (null = all, or the table itself).</summary>
    public HashSet<string>? Projected { get; }

    /// <summary>The IAM resource a read of this target is authorized against.</summary>
    public string ResourceArn => Index is null ? Table.Definition.Arn : Index.Arn(Table.Definition);

    /// <summary>
    /// The table, or the named index: an unknown name, or a global index still being backfilled,
    /// is DynamoDB's ValidationException.
    /// </summary>
    public static ReadTarget Resolve(TableRuntime table, string? indexName, ItemStore store, TableCatalog catalog)
    {
        if (indexName is null)
        {
            return new ReadTarget(table, null, store, catalog);
        }

        var index = table.Definition.FindIndex(indexName);
        if (index is null || index.IndexStatus == "DELETING")
        {
            throw DynamoDbErrors.Validation($"The table does not have the specified index: {indexName}");
        }

        if (index.IndexStatus == "CREATING")
        {
            throw DynamoDbErrors.Validation($"Cannot read from backfilling global secondary index: {indexName}");
        }

        return new ReadTarget(table, index, store, catalog);
    }

    public byte[] PartitionPrefix(AttributeValue partitionKey) =>
        Index is null ? ItemStore.PartitionPrefix(Table, partitionKey) : IndexKeys.PartitionPrefix(Table, Index, partitionKey);

    /// <summary>
    /// Items in storage-key order within <paramref name="range"/>. For an index, each entry's base
    /// item is fetched; an entry whose item changed since the scan's snapshot (its key no longer
    /// maps to this entry) is skipped, as the item is then elsewhere in the index.
    /// </summary>
    public IEnumerable<StoredItem> Scan(KeyRange range, bool reverse)
    {
        if (Index is null)
        {
            foreach (var stored in _store.Scan(Table, range, reverse))
            {
                yield return stored;
            }

            yield break;
        }

        foreach (var entry in _storage.Scan(_indexes, range, reverse))
        {
            var item = _store.Get(Table, entry.Value);
            if (item is null)
            {
                continue;
            }

            var current = IndexKeys.EntryKey(Table, Index, item, entry.Value);
            if (current is null || !current.AsSpan().SequenceEqual(entry.Key))
            {
                continue;
            }

            yield return new StoredItem(entry.Key, item);
        }
    }

    /// <summary>The item as the index holds it: a global index has only its projected attributes.</summary>
    public Dictionary<string, AttributeValue> AsStored(Dictionary<string, AttributeValue> item) =>
        Index is { IsGlobal: true } && Projected is not null ? Project(item, Projected) : item;

    public static Dictionary<string, AttributeValue> Project(Dictionary<string, AttributeValue> item, HashSet<string> attributes)
    {
        var projected = new Dictionary<string, AttributeValue>(attributes.Count, StringComparer.Ordinal);
        foreach (var (name, value) in item)
        {
            if (attributes.Contains(name))
            {
                projected[name] = value;
            }
        }

        return projected;
    }

    /// <summary>LastEvaluatedKey: the table's key attributes, plus the index's for an index read.</summary>
    public Dictionary<string, AttributeValue> LastKeyOf(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var key = KeyValidation.KeyOf(Table.Definition, item);
        if (Index is not null)
        {
            key[Index.PartitionKeyName] = item[Index.PartitionKeyName];
            if (Index.SortKeyName is not null)
            {
                key[Index.SortKeyName] = item[Index.SortKeyName];
            }
        }

        return key;
    }

    /// <summary>
    /// Validates an ExclusiveStartKey (the table's key, plus the index's key attributes for an
    /// index) and returns the storage key it names.
    /// </summary>
    public byte[] StartKey(Dictionary<string, AttributeValue> startKey)
    {
        var definition = Table.Definition;
        if (Index is null)
        {
            CheckTableKey(definition, startKey);
            return ItemStore.StorageKey(Table, startKey);
        }

        var tableKey = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var name in new[] { definition.PartitionKeyName, definition.SortKeyName })
        {
            if (name is not null && startKey.TryGetValue(name, out var value))
            {
                tableKey[name] = value;
            }
        }

        var indexNames = new[] { Index.PartitionKeyName, Index.SortKeyName }.Where(n => n is not null).ToList();
        var expected = new HashSet<string>(tableKey.Keys, StringComparer.Ordinal);
        expected.UnionWith(indexNames!);
        if (startKey.Count != expected.Count || indexNames.Any(n => !startKey.ContainsKey(n!)))
        {
            throw DynamoDbErrors.Validation("The provided starting key is invalid");
        }

        CheckTableKey(definition, tableKey);
        var baseKey = ItemStore.StorageKey(Table, tableKey);
        var entry = IndexKeys.EntryKey(Table, Index, startKey, baseKey)
            ?? throw DynamoDbErrors.Validation("The provided starting key is invalid: The provided key element does not match the schema");
        return entry;
    }

    private static void CheckTableKey(TableDefinition definition, Dictionary<string, AttributeValue> key)
    {
        try
        {
            KeyValidation.CheckKey(definition, key);
        }
        catch (AwsServiceException exception) when (exception.ErrorCode == "ValidationException")
        {
            throw DynamoDbErrors.Validation("The provided starting key is invalid: " + exception.ErrorMessage);
        }
    }
}
