using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Backups;

/// <summary>
/// Persists on-demand backups in the keyspace <c>dynamodb-backups</c>.
/// <para>Design: <c>meta/{backupArn}</c> holds the <see cref="BackupRecord"/> JSON;
/// <c>data/{dataId(16)}{itemKey}</c> holds each item, where itemKey is the item's storage key
/// without the table's storage id (the keyed partition hash and the sort key). An item is sealed
/// with AES-256-GCM under the backup's own data key, with its backup entry key as associated data,
/// so a backup outlives its table (and the table's key) and an entry cannot be moved to another
/// backup. A backup is a consistent snapshot: its items come from one storage snapshot of the
/// table, taken when the copy starts.</para>
/// </summary>
internal sealed class BackupStore
{
    private const int ItemsPerCommit = 256;
    private static readonly byte[] DataPrefix = "data/"u8.ToArray();

    private readonly IStorageEngine _storage;
    private readonly MasterKey _masterKey;
    private readonly ItemStore _items;
    private readonly Keyspace _backups;
    private long _lastArnMillis;

    public BackupStore(IStorageEngine storage, MasterKey masterKey, ItemStore items)
    {
        _storage = storage;
        _masterKey = masterKey;
        _items = items;
        _backups = storage.OpenKeyspace("dynamodb-backups");
    }

    /// <summary>
    /// arn:aws:dynamodb:{region}:{account}:table/{name}/backup/{14-digit epoch millis}-{8 hex}, as
    /// DynamoDB. The millisecond part strictly increases within a process, so two backups taken in
    /// the same millisecond still list (ARN order) in the order they were created.
    /// </summary>
    public string NewArn(TableDefinition table, DateTimeOffset now)
    {
        long millis;
        long last;
        do
        {
            last = Interlocked.Read(ref _lastArnMillis);
            millis = Math.Max(now.ToUnixTimeMilliseconds(), last + 1);
        }
        while (Interlocked.CompareExchange(ref _lastArnMillis, millis, last) != last);

        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{table.Arn}/backup/{millis:D14}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
    }

    /// <summary>
    /// Copies the table's items from one snapshot into a new backup, in several commits. The
    /// record is stored CREATING first and AVAILABLE when every item is in; a backup left CREATING
    /// by a crash is removed at start-up (<see cref="RemoveIncomplete"/>).
    /// </summary>
    public BackupRecord Create(TableRuntime table, string backupName, string backupType, DateTimeOffset now)
    {
        var definition = TableCatalog.Copy(table.Definition);
        definition.WrappedDataKey = [];
        var arn = NewArn(definition, now);
        using var dataKey = DataKey.Generate();
        var record = new BackupRecord
        {
            BackupArn = arn,
            BackupName = backupName,
            BackupType = backupType,
            BackupStatus = "CREATING",
            CreationDateTime = now.ToUnixTimeMilliseconds() / 1000.0,
            ExpiryDateTime = backupType == "SYSTEM" ? now.AddDays(35).ToUnixTimeMilliseconds() / 1000.0 : null,
            DataId = RandomNumberGenerator.GetBytes(16),
            WrappedDataKey = dataKey.Wrap(_masterKey, Encoding.UTF8.GetBytes(arn)),
            Table = definition,
        };
        Save(record);

        var batch = new WriteBatch();
        var pending = 0;
        foreach (var stored in _items.Scan(table, KeyRange.Prefix(table.StoragePrefix)))
        {
            var entryKey = EntryKey(record.DataId, stored.StorageKey.AsSpan(8));
            batch.Put(_backups, entryKey, dataKey.Seal(ItemCodec.Encode(stored.Item), entryKey));
            record.ItemCount++;
            record.SizeBytes += ItemSize.Of(stored.Item);
            if (++pending == ItemsPerCommit)
            {
                _storage.Commit(batch);
                batch = new WriteBatch();
                pending = 0;
            }
        }

        record.BackupStatus = "AVAILABLE";
        batch.Put(_backups, MetaKey(arn), Serialize(record));
        _storage.Commit(batch);
        return record;
    }

    public BackupRecord? Find(string backupArn)
    {
        var value = _storage.Get(_backups, MetaKey(backupArn));
        return value is null ? null : Deserialize(value);
    }

    /// <summary>Every backup of one account and region, oldest first.</summary>
    public List<BackupRecord> List(string accountId, string region)
    {
        var records = new List<BackupRecord>();
        foreach (var entry in _storage.Scan(_backups, KeyRange.Prefix(MetaKey($"arn:aws:dynamodb:{region}:{accountId}:table/"))))
        {
            records.Add(Deserialize(entry.Value));
        }

        records.Sort((a, b) => a.CreationDateTime != b.CreationDateTime
            ? a.CreationDateTime.CompareTo(b.CreationDateTime)
            : string.CompareOrdinal(a.BackupArn, b.BackupArn));
        return records;
    }

    /// <summary>Removes the record and every item of the backup in one atomic batch.</summary>
    public void Delete(BackupRecord record)
    {
        var prefix = EntryKey(record.DataId, []);
        _storage.Commit(new WriteBatch()
            .Delete(_backups, MetaKey(record.BackupArn))
            .DeleteRange(_backups, prefix, KeyRange.PrefixSuccessor(prefix)!));
    }

    /// <summary>The backup's items, unsealed, in storage order.</summary>
    public IEnumerable<Dictionary<string, AttributeValue>> ReadItems(BackupRecord record)
    {
        using var dataKey = DataKey.Unwrap(_masterKey, record.WrappedDataKey, Encoding.UTF8.GetBytes(record.BackupArn));
        foreach (var entry in _storage.Scan(_backups, KeyRange.Prefix(EntryKey(record.DataId, []))))
        {
            yield return ItemCodec.Decode(dataKey.Open(entry.Value, entry.Key));
        }
    }

    /// <summary>Start-up: a backup still CREATING was interrupted by a crash; it is removed whole.</summary>
    public int RemoveIncomplete()
    {
        var removed = 0;
        foreach (var entry in _storage.Scan(_backups, KeyRange.Prefix("meta/"u8)).ToList())
        {
            var record = Deserialize(entry.Value);
            if (record.BackupStatus != "AVAILABLE")
            {
                Delete(record);
                removed++;
            }
        }

        return removed;
    }

    private void Save(BackupRecord record) =>
        _storage.Commit(new WriteBatch().Put(_backups, MetaKey(record.BackupArn), Serialize(record)));

    private static byte[] MetaKey(string backupArn) => Encoding.UTF8.GetBytes("meta/" + backupArn);

    private static byte[] EntryKey(byte[] dataId, ReadOnlySpan<byte> itemKey)
    {
        var key = new byte[DataPrefix.Length + dataId.Length + itemKey.Length];
        DataPrefix.CopyTo(key, 0);
        dataId.CopyTo(key, DataPrefix.Length);
        itemKey.CopyTo(key.AsSpan(DataPrefix.Length + dataId.Length));
        return key;
    }

    private static byte[] Serialize(BackupRecord record) =>
        JsonSerializer.SerializeToUtf8Bytes(record, BackupJsonContext.Default.BackupRecord);

    private static BackupRecord Deserialize(byte[] value) =>
        JsonSerializer.Deserialize(value, BackupJsonContext.Default.BackupRecord) ?? throw new InvalidDataException("corrupt backup record");
}
