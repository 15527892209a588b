using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Streams;

/// <summary>
/// The streams of every table: their definitions (keyspace <c>dynamodb-streams</c>), their records
/// (keyspace <c>dynamodb-stream-records</c>, key <c>streamId(8) | sequence(8)</c>, value sealed with
/// the table's data key and the record key as associated data), and the capture of records in
/// the item write path: as an <see cref="IItemChangeObserver"/> it adds each changed item's record
/// to the item's own batch, so a record exists exactly when its write committed.
/// </summary>
public sealed class StreamStore : IItemChangeObserver, IDisposable
{
    /// <summary>DynamoDB keeps stream records (and disabled streams) for 24 hours.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>A shard closes and a child opens after about this long (DynamoDB: roughly every 4 hours).</summary>
    public static readonly TimeSpan ShardLifetime = TimeSpan.FromHours(4);

    private static readonly byte[] NextStreamIdKey = "next-stream-id"u8.ToArray();
    private static readonly byte[] IteratorKeyKey = "iterator-key"u8.ToArray();
    private static readonly byte[] IteratorKeyContext = "dynamodb-streams/iterator-key"u8.ToArray();

    [ThreadStatic]
    private static List<(StreamRuntime Stream, long Sequence)>? t_reserved;

    private readonly IStorageEngine _storage;
    private readonly MasterKey _masterKey;
    private readonly TimeProvider _time;
    private readonly Keyspace _meta;
    private readonly Keyspace _records;
    private readonly ConcurrentDictionary<string, StreamRuntime> _byArn = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StreamRuntime> _activeByTableId = new(StringComparer.Ordinal);
    private readonly Lock _definitionLock = new();

    public StreamStore(IStorageEngine storage, MasterKey masterKey, TimeProvider time)
    {
        _storage = storage;
        _masterKey = masterKey;
        _time = time;
        _meta = storage.OpenKeyspace("dynamodb-streams");
        _records = storage.OpenKeyspace("dynamodb-stream-records");
        IteratorKey = LoadIteratorKey();
        Load();
    }

    /// <summary>The server's key for sealing shard iterators (so clients cannot forge or alter them).</summary>
    public DataKey IteratorKey { get; }

    public StreamRuntime? Find(string streamArn) => _byArn.TryGetValue(streamArn, out var stream) ? stream : null;

    /// <summary>The table's enabled stream, if any.</summary>
    public StreamRuntime? ActiveFor(TableRuntime table) =>
        _activeByTableId.TryGetValue(table.Definition.TableId, out var stream) ? stream : null;

    /// <summary>Every stream still kept (enabled, or disabled less than 24 hours ago).</summary>
    public IEnumerable<StreamRuntime> All => _byArn.Values;

    /// <summary>Creates and enables a new stream for <paramref name="table"/> (whose stream must be disabled).</summary>
    public StreamRuntime Enable(TableRuntime table, string viewType)
    {
        var now = _time.GetUtcNow();
        var definition = table.Definition;
        var label = FormatLabel(now);
        while (definition.LatestStreamLabel is not null && string.CompareOrdinal(label, definition.LatestStreamLabel) <= 0)
        {
            now = now.AddMilliseconds(1);
            label = FormatLabel(now);
        }

        var stream = new StreamDefinition
        {
            AccountId = definition.AccountId,
            Region = definition.Region,
            TableName = definition.TableName,
            TableId = definition.TableId,
            Label = label,
            StreamId = AllocateStreamId(),
            ViewType = viewType,
            PartitionKeyName = definition.PartitionKeyName,
            SortKeyName = definition.SortKeyName,
            CreatedAt = now.ToUnixTimeMilliseconds() / 1000.0,
            WrappedDataKey = [],
            Shards = [NewShard(null, 1, now.ToUnixTimeMilliseconds())],
        };
        var context = Encoding.UTF8.GetBytes(stream.Arn);
        stream.WrappedDataKey = table.DataKey.Wrap(_masterKey, context);
        var runtime = new StreamRuntime(stream, DataKey.Unwrap(_masterKey, stream.WrappedDataKey, context), next: 1, trimHorizon: 1);
        lock (_definitionLock)
        {
            Persist(stream);
            _byArn[stream.Arn] = runtime;
            _activeByTableId[stream.TableId] = runtime;
        }

        return runtime;
    }

    /// <summary>Disables the table's stream (UpdateTable, DeleteTable): its open shard closes; it stays readable for 24 hours.</summary>
    public void Disable(TableRuntime table)
    {
        if (!_activeByTableId.TryRemove(table.Definition.TableId, out var stream))
        {
            return;
        }

        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_definitionLock)
        {
            lock (stream.Sync)
            {
                stream.Enabled = false;
                stream.Definition.DisabledAt = nowMs / 1000.0;
                var open = stream.Definition.Shards.LastOrDefault(s => s.End is null);
                if (open is not null)
                {
                    open.End = stream.Next - 1;
                    open.ClosedAtMs = nowMs;
                }
            }

            Persist(stream.Definition);
        }
    }

    /// <inheritdoc/>
    public void OnChange(in ItemChange change, WriteBatch batch)
    {
        // TryGetValue alone: ConcurrentDictionary.IsEmpty takes every lock of an empty dictionary,
        // which every write to a server without streams would then do.
        if (!_activeByTableId.TryGetValue(change.Table.Definition.TableId, out var stream))
        {
            return;
        }

        long sequence;
        long nowMs;
        lock (stream.Sync)
        {
            if (!stream.Enabled)
            {
                return;
            }

            sequence = stream.Reserve();
            nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        }

        (t_reserved ??= []).Add((stream, sequence));
        var definition = stream.Definition;
        // Only a removal reads the old item's attributes (for its key); an overwrite's old image
        // goes into the record as the bytes the write path unsealed, never decoded.
        var item = change.New ?? change.Old!;
        var keys = new Dictionary<string, AttributeValue>(2, StringComparer.Ordinal)
        {
            [definition.PartitionKeyName] = item[definition.PartitionKeyName],
        };
        if (definition.SortKeyName is not null)
        {
            keys[definition.SortKeyName] = item[definition.SortKeyName];
        }

        var oldExists = change.OldExists;
        var eventName = !oldExists ? StreamEventName.Insert : change.New is null ? StreamEventName.Remove : StreamEventName.Modify;
        var keepOld = oldExists && definition.ViewType is "OLD_IMAGE" or "NEW_AND_OLD_IMAGES";
        var keepNew = change.New is not null && definition.ViewType is "NEW_IMAGE" or "NEW_AND_OLD_IMAGES";
        var key = stream.RecordKey(sequence);
        var encoded = StreamRecord.Encode(eventName, nowMs, change.Origin == WriteOrigin.TimeToLive, keys,
            keepOld ? change.OldEncoded ?? ItemCodec.Encode(change.Old!) : null,
            keepNew ? change.NewEncoded ?? ItemCodec.Encode(change.New!) : null);
        batch.Put(_records, key, stream.DataKey.Seal(encoded, key));
    }

    /// <inheritdoc/>
    public void OnWriteFinished(bool committed)
    {
        var reserved = t_reserved;
        if (reserved is null || reserved.Count == 0)
        {
            return;
        }

        foreach (var (stream, sequence) in reserved)
        {
            stream.Release(sequence);
        }

        reserved.Clear();
    }

    /// <summary>
    /// Committed records of <paramref name="stream"/> with sequence numbers in [from, to), in order,
    /// at most <paramref name="limit"/> of them and about <paramref name="maxBytes"/> of item data.
    /// </summary>
    public List<StreamRecord> Read(StreamRuntime stream, long from, long to, int limit, int maxBytes, out bool truncated)
    {
        var records = new List<StreamRecord>();
        truncated = false;
        if (from >= to)
        {
            return records;
        }

        var bytes = 0;
        foreach (var entry in _storage.Scan(_records, new KeyRange(stream.RecordKey(from), stream.RecordKey(to))))
        {
            var record = StreamRecord.Decode(StreamRuntime.SequenceOf(entry.Key), stream.DataKey.Open(entry.Value, entry.Key));
            records.Add(record);
            bytes += entry.Value.Length;
            if (records.Count >= limit || bytes >= maxBytes)
            {
                truncated = true;
                break;
            }
        }

        return records;
    }

    /// <summary>
    /// Background upkeep: closes shards older than <see cref="ShardLifetime"/> and opens their
    /// children, deletes records older than <see cref="Retention"/>, drops closed shards whose
    /// records are all gone and streams disabled more than 24 hours ago.
    /// </summary>
    public void Maintain()
    {
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var cutoffMs = nowMs - (long)Retention.TotalMilliseconds;
        foreach (var stream in _byArn.Values)
        {
            RollShard(stream, nowMs);
            Trim(stream, cutoffMs);
            if (stream.Definition.DisabledAt is { } disabled && disabled * 1000 < cutoffMs)
            {
                Drop(stream);
            }
        }
    }

    private void RollShard(StreamRuntime stream, long nowMs)
    {
        lock (_definitionLock)
        {
            lock (stream.Sync)
            {
                var open = stream.Definition.Shards.LastOrDefault();
                if (!stream.Enabled || open is null || open.End is not null
                    || nowMs - open.CreatedAtMs < (long)ShardLifetime.TotalMilliseconds || stream.Next == open.Start)
                {
                    return;
                }

                open.End = stream.Next - 1;
                open.ClosedAtMs = nowMs;
                stream.Definition.Shards = [.. stream.Definition.Shards, NewShard(open.ShardId, stream.Next, nowMs)];
            }

            // Persisted outside the stream's lock: writers wait on that lock while holding item
            // locks, and a commit takes key locks of its own.
            Persist(stream.Definition);
        }
    }

    private void Trim(StreamRuntime stream, long cutoffMs)
    {
        long? lastExpired = null;
        foreach (var entry in _storage.Scan(_records, new KeyRange(stream.RecordKey(stream.TrimHorizon), KeyRange.PrefixSuccessor(stream.Prefix))))
        {
            var created = StreamRecord.ReadCreatedAtMs(stream.DataKey.Open(entry.Value, entry.Key));
            if (created >= cutoffMs)
            {
                break;
            }

            lastExpired = StreamRuntime.SequenceOf(entry.Key);
        }

        if (lastExpired is { } last)
        {
            _storage.Commit(new WriteBatch().DeleteRange(_records, stream.RecordKey(0), stream.RecordKey(last + 1)));
            lock (stream.Sync)
            {
                stream.TrimHorizon = last + 1;
            }
        }

        lock (_definitionLock)
        {
            bool dropped;
            lock (stream.Sync)
            {
                var kept = stream.Definition.Shards
                    .Where(s => s.End is null || s.End >= stream.TrimHorizon || s.ClosedAtMs >= cutoffMs)
                    .ToList();
                dropped = kept.Count != stream.Definition.Shards.Count;
                stream.Definition.Shards = kept;
            }

            if (dropped)
            {
                Persist(stream.Definition);
            }
        }
    }

    private void Drop(StreamRuntime stream)
    {
        lock (_definitionLock)
        {
            _storage.Commit(new WriteBatch()
                .Delete(_meta, DefinitionKey(stream.Definition))
                .DeleteRange(_records, stream.Prefix, KeyRange.PrefixSuccessor(stream.Prefix)!));
            _byArn.TryRemove(stream.Arn, out _);
        }

        // Readers may still hold the runtime; its key is released with the process.
    }

    private void Load()
    {
        foreach (var entry in _storage.Scan(_meta, KeyRange.Prefix("stream/"u8)))
        {
            var definition = JsonSerializer.Deserialize(entry.Value, StreamJsonContext.Default.StreamDefinition)
                ?? throw new InvalidDataException("corrupt stream definition");
            var dataKey = DataKey.Unwrap(_masterKey, definition.WrappedDataKey, Encoding.UTF8.GetBytes(definition.Arn));
            long? first = null;
            long? last = null;
            var range = KeyRange.Prefix(BigEndian(definition.StreamId));
            foreach (var record in _storage.Scan(_records, range))
            {
                first = StreamRuntime.SequenceOf(record.Key);
                break;
            }

            foreach (var record in _storage.Scan(_records, range, reverse: true))
            {
                last = StreamRuntime.SequenceOf(record.Key);
                break;
            }

            var next = Math.Max(last + 1 ?? 1, definition.Shards.Count == 0 ? 1 : definition.Shards.Max(s => Math.Max(s.Start, (s.End ?? 0) + 1)));
            var runtime = new StreamRuntime(definition, dataKey, next, first ?? next);
            _byArn[definition.Arn] = runtime;
            if (runtime.Enabled)
            {
                _activeByTableId[definition.TableId] = runtime;
            }
        }
    }

    private DataKey LoadIteratorKey()
    {
        while (true)
        {
            var wrapped = _storage.Get(_meta, IteratorKeyKey);
            if (wrapped is not null)
            {
                return DataKey.Unwrap(_masterKey, wrapped, IteratorKeyContext);
            }

            using var generated = DataKey.Generate();
            var batch = new WriteBatch().Expect(_meta, IteratorKeyKey, null).Put(_meta, IteratorKeyKey, generated.Wrap(_masterKey, IteratorKeyContext));
            _storage.Commit(batch);
        }
    }

    private long AllocateStreamId()
    {
        while (true)
        {
            var current = _storage.Get(_meta, NextStreamIdKey);
            var next = current is null ? 1 : BinaryPrimitives.ReadInt64BigEndian(current);
            var batch = new WriteBatch().Expect(_meta, NextStreamIdKey, current).Put(_meta, NextStreamIdKey, BigEndian(next + 1));
            if (_storage.Commit(batch).Committed)
            {
                return next;
            }
        }
    }

    private void Persist(StreamDefinition definition)
    {
        byte[] json;
        lock (_byArn.TryGetValue(definition.Arn, out var runtime) ? runtime.Sync : new object())
        {
            json = JsonSerializer.SerializeToUtf8Bytes(definition, StreamJsonContext.Default.StreamDefinition);
        }

        _storage.Commit(new WriteBatch().Put(_meta, DefinitionKey(definition), json));
    }

    private static byte[] DefinitionKey(StreamDefinition definition) => Encoding.UTF8.GetBytes("stream/" + definition.Arn);

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static ShardDefinition NewShard(string? parent, long start, long nowMs) => new()
    {
        // DynamoDB's shape: shardId-<20 digits>-<8 hex>.
        ShardId = "shardId-" + nowMs.ToString("D20", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
        ParentShardId = parent,
        Start = start,
        CreatedAtMs = nowMs,
    };

    /// <summary>DynamoDB's stream label: the creation time in ISO 8601 with milliseconds, UTC, no zone suffix.</summary>
    public static string FormatLabel(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var stream in _byArn.Values)
        {
            stream.Dispose();
        }

        IteratorKey.Dispose();
    }
}
