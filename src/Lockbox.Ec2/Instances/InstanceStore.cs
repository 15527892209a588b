using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Storage;

namespace Lockbox.Ec2.Instances;

/// <summary>
/// The account's instances, persisted in keyspace <c>ec2</c> (<c>instance/&lt;id&gt;</c> → JSON) and
/// mirrored in memory. Every change runs under one lock and is committed before memory changes,
/// so memory never runs ahead of disk. Terminated instances are dropped once
/// <see cref="Ec2Options.TerminatedRetention"/> has passed, as EC2 stops listing them.
/// </summary>
public sealed class InstanceStore
{
    /// <summary>The keyspace holding instance records.</summary>
    public const string KeyspaceName = "ec2";

    private const string Prefix = "instance/";
    private readonly IStorageEngine _storage;
    private readonly Keyspace _keyspace;
    private readonly Ec2Options _options;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, InstanceRecord> _instances = new(StringComparer.Ordinal);

    private InstanceStore(IStorageEngine storage, Ec2Options options)
    {
        _storage = storage;
        _options = options;
        _keyspace = storage.OpenKeyspace(KeyspaceName);
    }

    /// <summary>Opens the store and loads every instance.</summary>
    public static InstanceStore Open(IStorageEngine storage, Ec2Options options)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        var store = new InstanceStore(storage, options);
        foreach (var entry in storage.Scan(store._keyspace, KeyRange.Prefix(Encoding.UTF8.GetBytes(Prefix))))
        {
            var record = JsonSerializer.Deserialize(entry.Value, Ec2JsonContext.Default.InstanceRecord);
            if (record is not null)
            {
                store._instances[record.InstanceId] = record;
            }
        }

        return store;
    }

    /// <summary>A new id: <paramref name="prefix"/> + 17 lower-case hex digits, as EC2's long ids.</summary>
    public static string NewId(string prefix)
    {
        Span<byte> bytes = stackalloc byte[9];
        RandomNumberGenerator.Fill(bytes);
        return prefix + Convert.ToHexStringLower(bytes)[..17];
    }

    /// <summary>Copies of every listed instance (terminated ones within their retention), in id order.</summary>
    public IReadOnlyList<InstanceRecord> List(DateTimeOffset now)
    {
        lock (_gate)
        {
            Purge(now);
            return [.. _instances.Values.Select(Clone)];
        }
    }

    /// <summary>A copy of one listed instance, or null.</summary>
    public InstanceRecord? Find(string instanceId, DateTimeOffset now)
    {
        lock (_gate)
        {
            Purge(now);
            return _instances.TryGetValue(instanceId, out var record) ? Clone(record) : null;
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> on copies of the listed instances under the lock and stores
    /// the records it returns (all or nothing). Throwing inside changes nothing.
    /// </summary>
    public T Update<T>(DateTimeOffset now, Func<IReadOnlyDictionary<string, InstanceRecord>, (IReadOnlyList<InstanceRecord> Changed, T Result)> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            Purge(now);
            var copies = _instances.ToDictionary(p => p.Key, p => Clone(p.Value), StringComparer.Ordinal);
            var (changed, result) = change(copies);
            if (changed.Count > 0)
            {
                var batch = new WriteBatch();
                foreach (var record in changed)
                {
                    batch.Put(_keyspace, Key(record.InstanceId), JsonSerializer.SerializeToUtf8Bytes(record, Ec2JsonContext.Default.InstanceRecord));
                }

                _storage.Commit(batch);
                foreach (var record in changed)
                {
                    _instances[record.InstanceId] = Clone(record);
                }
            }

            return result;
        }
    }

    private void Purge(DateTimeOffset now)
    {
        List<string>? expired = null;
        foreach (var (id, record) in _instances)
        {
            if (record.TerminatedAt is { } at && now >= at + _options.ShuttingDownDuration + _options.TerminatedRetention)
            {
                (expired ??= []).Add(id);
            }
        }

        if (expired is null)
        {
            return;
        }

        var batch = new WriteBatch();
        foreach (var id in expired)
        {
            batch.Delete(_keyspace, Key(id));
        }

        _storage.Commit(batch);
        foreach (var id in expired)
        {
            _instances.Remove(id);
        }
    }

    private static byte[] Key(string instanceId) => Encoding.UTF8.GetBytes(Prefix + instanceId);

    private static InstanceRecord Clone(InstanceRecord record) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(record, Ec2JsonContext.Default.InstanceRecord), Ec2JsonContext.Default.InstanceRecord)!;
}
