namespace Lockbox.Storage;

/// <summary>
/// Operations applied atomically by <see cref="IStorageEngine.Commit"/>, guarded by conditions:
/// each condition states the exact bytes a key must hold at commit time (or that it is absent).
/// That is the compare-and-set every conditional write and transaction is built on.
/// </summary>
public sealed class WriteBatch
{
    private readonly List<WriteOperation> _operations;
    private readonly List<WriteCondition> _conditions = [];

    public WriteBatch()
        : this(0)
    {
    }

    /// <summary>A batch with room for <paramref name="expectedOperations"/> operations (no resizing on the way).</summary>
    public WriteBatch(int expectedOperations)
    {
        _operations = new List<WriteOperation>(expectedOperations);
    }

    public IReadOnlyList<WriteOperation> Operations => _operations;
    public IReadOnlyList<WriteCondition> Conditions => _conditions;

    public WriteBatch Put(Keyspace keyspace, byte[] key, byte[] value)
    {
        _operations.Add(new WriteOperation(WriteOperationKind.Put, keyspace, key, value));
        return this;
    }

    public WriteBatch Delete(Keyspace keyspace, byte[] key)
    {
        _operations.Add(new WriteOperation(WriteOperationKind.Delete, keyspace, key, null));
        return this;
    }

    /// <summary>Deletes every key in [start, end).</summary>
    public WriteBatch DeleteRange(Keyspace keyspace, byte[] start, byte[] end)
    {
        _operations.Add(new WriteOperation(WriteOperationKind.DeleteRange, keyspace, start, end));
        return this;
    }

    /// <summary>The batch applies only if <paramref name="key"/> currently holds exactly
    /// <paramref name="expectedValue"/>; null means the key must be absent.</summary>
    public WriteBatch Expect(Keyspace keyspace, byte[] key, byte[]? expectedValue)
    {
        _conditions.Add(new WriteCondition(keyspace, key, expectedValue));
        return this;
    }
}

public enum WriteOperationKind
{
    Put,
    Delete,
    /// <summary>Key is the inclusive start, Value the exclusive end.</summary>
    DeleteRange,
}

public readonly record struct WriteOperation(WriteOperationKind Kind, Keyspace Keyspace, byte[] Key, byte[]? Value);

public readonly record struct WriteCondition(Keyspace Keyspace, byte[] Key, byte[]? ExpectedValue);
