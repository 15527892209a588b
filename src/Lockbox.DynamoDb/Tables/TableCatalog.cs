using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// The persisted set of tables of every account and region, cached in memory.
/// Keys in the catalog keyspace: <c>table/{account}/{region}/{name}</c> -> table JSON, and
/// <c>next-storage-id</c> -> the next 8-byte storage id. Changes are compare-and-set commits,
/// so two concurrent CreateTable calls for one name cannot both succeed.
/// </summary>
public sealed class TableCatalog : IDisposable
{
    private static readonly byte[] NextStorageIdKey = "next-storage-id"u8.ToArray();

    private readonly IStorageEngine _storage;
    private readonly MasterKey _masterKey;
    private readonly Keyspace _catalog;
    private readonly ConcurrentDictionary<string, TableRuntime> _tables = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();

    public TableCatalog(IStorageEngine storage, MasterKey masterKey)
    {
        _storage = storage;
        _masterKey = masterKey;
        _catalog = storage.OpenKeyspace("dynamodb-tables");
        Items = storage.OpenKeyspace("dynamodb-items");
        Indexes = storage.OpenKeyspace("dynamodb-indexes");
        Expiry = storage.OpenKeyspace("dynamodb-expiry");
        Load();
    }

    /// <summary>The keyspace holding every table's items (keys prefixed by the table's storage id).</summary>
    public Keyspace Items { get; }

    /// <summary>The keyspace holding every secondary index entry (keys prefixed by the index's storage id).</summary>
    public Keyspace Indexes { get; }

    /// <summary>The keyspace holding every TTL table's expiry index (keys prefixed by the table's storage id).</summary>
    public Keyspace Expiry { get; }

    public IStorageEngine Storage => _storage;

    /// <summary>Every live table of every account and region (for background work such as TTL).</summary>
    public IEnumerable<TableRuntime> All => _tables.Values;

    public TableRuntime? Find(string accountId, string region, string tableName) =>
        _tables.TryGetValue(ScopedName(accountId, region, tableName), out var table) ? table : null;

    /// <summary>True while <paramref name="table"/> is the live table of its name (not deleted).</summary>
    public bool Contains(TableRuntime table)
    {
        var definition = table.Definition;
        return _tables.TryGetValue(ScopedName(definition.AccountId, definition.Region, definition.TableName), out var live)
            && ReferenceEquals(live, table);
    }

    /// <summary>
    /// Like <see cref="Find"/>, for item operations: a table still being restored (CREATING) is
    /// not there for them yet, as in DynamoDB.
    /// </summary>
    public TableRuntime? FindActive(string accountId, string region, string tableName) =>
        Find(accountId, region, tableName) is { } table && table.Definition.Restore is not { InProgress: true } ? table : null;


    /// <summary>Table names of one account and region, in ascending (ordinal) order.</summary>
    public List<string> ListNames(string accountId, string region)
    {
        var prefix = ScopedName(accountId, region, string.Empty);
        var names = new List<string>();
        foreach (var key in _tables.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                names.Add(key[prefix.Length..]);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Creates a table; throws ResourceInUseException when the name is taken.</summary>
    public TableRuntime Create(Func<long, TableDefinition> build)
    {
        lock (_createLock)
        {
            var storageId = AllocateStorageId();
            var definition = build(storageId);
            var dataKey = DataKey.Generate();
            definition.WrappedDataKey = dataKey.Wrap(_masterKey, Encoding.UTF8.GetBytes(definition.TableId));
            var key = CatalogKey(definition);
            var batch = new WriteBatch()
                .Expect(_catalog, key, null)
                .Put(_catalog, key, Serialize(definition));
            if (!_storage.Commit(batch).Committed)
            {
                dataKey.Dispose();
                throw DynamoDbErrors.ResourceInUse($"Table already exists: {definition.TableName}");
            }

            var runtime = new TableRuntime(definition, dataKey);
            runtime.SetCounters(0, 0);
            _tables[ScopedName(definition.AccountId, definition.Region, definition.TableName)] = runtime;
            return runtime;
        }
    }

    /// <summary>Persists a changed definition (a copy made by the caller) and publishes it.</summary>
    public void Update(TableRuntime table, TableDefinition changed)
    {
        _storage.Commit(new WriteBatch().Put(_catalog, CatalogKey(changed), Serialize(changed)));
        table.Definition = changed;
    }

    /// <summary>Removes the table and every item it holds, in one atomic batch.</summary>
    public void Delete(TableRuntime table)
    {
        var definition = table.Definition;
        var end = KeyRange.PrefixSuccessor(table.StoragePrefix) ?? throw new InvalidOperationException("storage id overflow");
        var batch = new WriteBatch()
            .Delete(_catalog, CatalogKey(definition))
            .DeleteRange(Items, table.StoragePrefix, end)
            .DeleteRange(Expiry, table.StoragePrefix, end);
        foreach (var index in definition.SecondaryIndexes)
        {
            DeleteIndexEntries(batch, index);
        }

        _storage.Commit(batch);
        _tables.TryRemove(ScopedName(definition.AccountId, definition.Region, definition.TableName), out _);
    }

    /// <summary>
    /// Persists <paramref name="changed"/> (which no longer lists <paramref name="index"/>) and drops
    /// every entry of the index, in one atomic batch.
    /// </summary>
    public void RemoveIndex(TableRuntime table, TableDefinition changed, SecondaryIndex index)
    {
        var batch = new WriteBatch().Put(_catalog, CatalogKey(changed), Serialize(changed));
        DeleteIndexEntries(batch, index);
        _storage.Commit(batch);
        table.Definition = changed;
        table.DropIndexCounters(index.IndexName);
    }

    private void DeleteIndexEntries(WriteBatch batch, SecondaryIndex index)
    {
        var prefix = Lockbox.DynamoDb.Items.IndexKeys.StoragePrefix(index);
        batch.DeleteRange(Indexes, prefix, KeyRange.PrefixSuccessor(prefix) ?? throw new InvalidOperationException("storage id overflow"));
    }

    /// <summary>A deep copy of a definition, to change and then pass to <see cref="Update"/>.</summary>
    public static TableDefinition Copy(TableDefinition definition) =>
        JsonSerializer.Deserialize(Serialize(definition), TableJsonContext.Default.TableDefinition)!;

    private void Load()
    {
        foreach (var entry in _storage.Scan(_catalog, KeyRange.Prefix("table/"u8)))
        {
            var definition = JsonSerializer.Deserialize(entry.Value, TableJsonContext.Default.TableDefinition)
                ?? throw new InvalidDataException("corrupt table catalog entry");
            var dataKey = DataKey.Unwrap(_masterKey, definition.WrappedDataKey, Encoding.UTF8.GetBytes(definition.TableId));
            _tables[ScopedName(definition.AccountId, definition.Region, definition.TableName)] =
                new TableRuntime(definition, dataKey);
        }
    }

    /// <summary>A fresh storage id, never used before (tables and indexes share the sequence).</summary>
    public long AllocateStorageId()
    {
        while (true)
        {
            var current = _storage.Get(_catalog, NextStorageIdKey);
            var next = current is null ? 1 : BinaryPrimitives.ReadInt64BigEndian(current);
            var updated = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(updated, next + 1);
            var batch = new WriteBatch().Expect(_catalog, NextStorageIdKey, current).Put(_catalog, NextStorageIdKey, updated);
            if (_storage.Commit(batch).Committed)
            {
                return next;
            }
        }
    }

    private static byte[] CatalogKey(TableDefinition definition) =>
        Encoding.UTF8.GetBytes("table/" + ScopedName(definition.AccountId, definition.Region, definition.TableName));

    private static string ScopedName(string accountId, string region, string tableName) =>
        accountId + "/" + region + "/" + tableName;

    private static byte[] Serialize(TableDefinition definition) =>
        JsonSerializer.SerializeToUtf8Bytes(definition, TableJsonContext.Default.TableDefinition);

    public void Dispose()
    {
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }
    }
}
