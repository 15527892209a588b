namespace Lockbox.Storage;

/// <summary>
/// The one storage abstraction every part uses (DESIGN.md §7): named, ordered keyspaces of
/// byte keys (compared as unsigned bytes, shorter-prefix first); point reads; forward and
/// backward range scans; and atomic write batches whose conditions make conditional writes
/// and transactions safe (compare-and-set on the current value of a key).
/// Implementations must be safe for concurrent use from many threads.
/// </summary>
public interface IStorageEngine : IDisposable
{
    /// <summary>Opens a keyspace, creating it on first use. Cheap to call repeatedly.</summary>
    Keyspace OpenKeyspace(string name);

    /// <summary>The current value of <paramref name="key"/>, or null when absent.</summary>
    byte[]? Get(Keyspace keyspace, ReadOnlySpan<byte> key);

    /// <summary>
    /// Entries in key order (or reverse order) within <paramref name="range"/>. The enumeration
    /// reads a consistent snapshot taken when it starts; dispose it to release that snapshot.
    /// </summary>
    IEnumerable<StorageEntry> Scan(Keyspace keyspace, KeyRange range, bool reverse = false);

    /// <summary>
    /// Applies every operation of <paramref name="batch"/> atomically, or none of them when one
    /// of its conditions does not hold. Durable on return: the write survives a crash (kill -9)
    /// of the process.
    /// </summary>
    CommitResult Commit(WriteBatch batch);

    /// <summary>
    /// Locks <paramref name="keys"/> of <paramref name="keyspace"/> against every other commit,
    /// reads their current values (null = absent, in the order given) and applies the batch that
    /// <paramref name="decide"/> builds from them, atomically and durably. A read-check-write
    /// therefore needs one read per key and never retries. The batch puts and deletes (no
    /// conditions, no ranges); a null batch writes nothing. Besides the locked keys it may write
    /// keys of any keyspace that are derived from them and written by nobody else (index entries,
    /// change records): they commit atomically with the locked keys, and the caller's key lock is
    /// what serialises them. <paramref name="decide"/>
    /// runs while the keys are locked: it must be short and must not call back into the engine.
    /// If it throws, nothing is written and the exception propagates.
    /// </summary>
    void ReadModifyWrite(Keyspace keyspace, IReadOnlyList<byte[]> keys, Func<byte[]?[], WriteBatch?> decide);
}

/// <summary>A handle to a named keyspace of one engine.</summary>
public sealed class Keyspace
{
    public Keyspace(string name, object handle)
    {
        Name = name;
        Handle = handle;
    }

    public string Name { get; }

    /// <summary>The engine's own object for this keyspace (e.g. a RocksDB column family).</summary>
    public object Handle { get; }

    public override string ToString() => Name;
}

/// <summary>One key and its value, as read by a scan.</summary>
public readonly record struct StorageEntry(byte[] Key, byte[] Value);

/// <summary>
/// A half-open key range [Start, End). Null Start means the first key, null End the end of the
/// keyspace. <see cref="Prefix"/> is the range of all keys that begin with the given bytes.
/// </summary>
public readonly record struct KeyRange(byte[]? Start, byte[]? End)
{
    public static KeyRange All => new(null, null);

    public static KeyRange Prefix(ReadOnlySpan<byte> prefix) => new(prefix.ToArray(), PrefixSuccessor(prefix));

    /// <summary>The smallest key greater than every key starting with <paramref name="prefix"/>; null if none.</summary>
    public static byte[]? PrefixSuccessor(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end.AsSpan(0, i + 1).ToArray();
            }
        }

        return null;
    }
}

/// <summary>The outcome of <see cref="IStorageEngine.Commit"/>.</summary>
/// <param name="Committed">True when every operation was applied.</param>
/// <param name="FailedConditionIndex">When not committed, the index of the first condition that did not hold.</param>
public readonly record struct CommitResult(bool Committed, int FailedConditionIndex)
{
    public static CommitResult Success => new(true, -1);
    public static CommitResult ConditionFailed(int index) => new(false, index);
}
