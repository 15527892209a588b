using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using RocksDbSharp;
using NativeRocksDb = RocksDbSharp.RocksDb;
using RocksWriteBatch = RocksDbSharp.WriteBatch;

namespace Lockbox.Storage.RocksDb;

/// <summary>
/// The embedded <see cref="IStorageEngine"/> (DESIGN.md §7): one RocksDB database in the data
/// directory, one column family per keyspace.
/// <para>Atomicity: every <see cref="Storage.WriteBatch"/> becomes one RocksDB write batch, which
/// RocksDB applies all-or-nothing (also across column families and across a crash).</para>
/// <para>Isolation of conditions: a commit holds striped locks on every key it checks or writes
/// (Put/Delete) while it reads the conditions and writes the batch, so two commits touching the
/// same key serialize and a compare-and-set can never lose an update. DeleteRange operations are
/// not locked (a range has no single stripe): a range delete racing with a conditional write in
/// the same range is ordered by RocksDB but not checked against the condition.</para>
/// <para>Durability: see <see cref="RocksDbStorageOptions.SyncWrites"/>. The WAL is always on.</para>
/// </summary>
public sealed class RocksDbStorageEngine : IStorageEngine
{
    private const int LockStripes = 4096;

    // How long Dispose waits for in-flight reads, writes and open scans to finish.
    private static readonly TimeSpan _disposeWait = TimeSpan.FromSeconds(10);

    private readonly NativeRocksDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly ReadOptions _readOptions = new();
    private readonly ColumnFamilyOptions _columnFamilyOptions;
    private readonly ConcurrentDictionary<string, Keyspace> _keyspaces = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();
    private readonly KeyLockTable _locks = new(LockStripes);

    // Kept referenced for the life of the database: RocksDbSharp frees native objects in finalizers.
    private readonly object[] _keepAlive;
    private readonly IdleCompaction? _idleCompaction;

    private int _nextKeyspaceId;
    private int _activeOperations;
    private int _disposed;

    private RocksDbStorageEngine(NativeRocksDb db, RocksDbStorageOptions options, ColumnFamilyOptions cfOptions, IEnumerable<string> columnFamilies, object[] keepAlive)
    {
        _db = db;
        _columnFamilyOptions = cfOptions;
        _keepAlive = keepAlive;
        _writeOptions = new WriteOptions().SetSync(options.SyncWrites);
        Directory = db.Path;
        foreach (var name in columnFamilies)
        {
            _keyspaces[name] = CreateKeyspace(name, _db.GetColumnFamily(name));
        }

        if (options.IdleCompactionDelay > TimeSpan.Zero)
        {
            _idleCompaction = new IdleCompaction(this, options.IdleCompactionDelay, options.IdleCompactionMaxBytes);
        }
    }

    /// <summary>The database directory.</summary>
    public string Directory { get; }

    /// <summary>The names of all keyspaces present in the database (including RocksDB's "default").</summary>
    public IReadOnlyCollection<string> KeyspaceNames => _keyspaces.Keys.ToArray();

    /// <summary>Keyspaces flushed and compacted after their writes stopped (see <see cref="IdleCompaction"/>).</summary>
    public int IdleCompactions => _idleCompaction?.Compactions ?? 0;

    /// <summary>
    /// Opens (or creates) the database in <paramref name="directory"/>, reopening every keyspace it
    /// already holds. Only one engine may have a directory open at a time (RocksDB holds a lock file).
    /// </summary>
    public static RocksDbStorageEngine Open(string directory, RocksDbStorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new RocksDbStorageOptions();
        System.IO.Directory.CreateDirectory(directory);

        var (dbOptions, cfOptions, keepAlive) = BuildOptions(options);

        // Every column family present on disk must be opened, or RocksDB refuses to open the database.
        var existing = File.Exists(Path.Combine(directory, "CURRENT")) &&
            NativeRocksDb.TryListColumnFamilies(dbOptions, directory, out var names)
            ? names
            : [ColumnFamilies.DefaultName];
        var families = new ColumnFamilies(cfOptions);
        foreach (var name in existing)
        {
            if (name != ColumnFamilies.DefaultName)
            {
                families.Add(name, cfOptions);
            }
        }

        NativeRocksDb db;
        try
        {
            db = NativeRocksDb.Open(dbOptions, directory, families);
        }
        catch (RocksDbException error)
        {
            // RocksDB holds an exclusive lock on the LOCK file while a database is open.
            throw new IOException(error.Message.Contains("/LOCK:", StringComparison.Ordinal)
                ? $"the storage in {directory} is in use by another process (another lockbox serve on the same --data?)."
                : $"cannot open the storage in {directory}: {error.Message}", error);
        }

        return new RocksDbStorageEngine(db, options, cfOptions, existing, [.. keepAlive, dbOptions, families]);
    }

    /// <inheritdoc />
    public Keyspace OpenKeyspace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_keyspaces.TryGetValue(name, out var keyspace))
        {
            return keyspace;
        }

        EnterOperation();
        try
        {
            // Creation is rare (new table, new index); one lock keeps two threads from creating the same family.
            lock (_createLock)
            {
                if (!_keyspaces.TryGetValue(name, out keyspace))
                {
                    var handle = _db.CreateColumnFamily(_columnFamilyOptions, name);
                    keyspace = CreateKeyspace(name, handle);
                    _keyspaces[name] = keyspace;
                }

                return keyspace;
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>
    /// Drops a keyspace and all its data (e.g. for DeleteTable). Keyspace handles obtained before
    /// must not be used afterwards. Returns false when the keyspace does not exist.
    /// </summary>
    public bool DropKeyspace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == ColumnFamilies.DefaultName)
        {
            throw new ArgumentException("The default keyspace cannot be dropped.", nameof(name));
        }

        EnterOperation();
        try
        {
            lock (_createLock)
            {
                if (!_keyspaces.TryRemove(name, out var dropped))
                {
                    return false;
                }

                // Later use of the old handle fails cleanly instead of touching a freed column family.
                ((RocksKeyspace)dropped.Handle).MarkDropped();

                _db.DropColumnFamily(name);
                return true;
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <inheritdoc />
    public byte[]? Get(Keyspace keyspace, ReadOnlySpan<byte> key)
    {
        var cf = Resolve(keyspace).Handle;
        EnterOperation();
        try
        {
            return _db.Get(key, cf);
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Scan(Keyspace keyspace, KeyRange range, bool reverse = false)
    {
        var cf = Resolve(keyspace).Handle;
        var start = range.Start is { Length: > 0 } s ? s : null;
        var end = range.End;
        if (end is not null && (end.Length == 0 || (start is not null && start.AsSpan().SequenceCompareTo(end) >= 0)))
        {
            return [];
        }

        // Copies: the caller may reuse its arrays while the enumeration runs.
        return ScanCore(cf, start?.ToArray(), end?.ToArray(), reverse);
    }

    private IEnumerable<StorageEntry> ScanCore(ColumnFamilyHandle cf, byte[]? start, byte[]? end, bool reverse)
    {
        // Runs on the first MoveNext: the snapshot is taken when enumeration starts, and the finally
        // blocks release iterator, snapshot and the operation count on Dispose or completion.
        EnterOperation();
        try
        {
            using var snapshot = _db.CreateSnapshot();
            var readOptions = new ReadOptions().SetSnapshot(snapshot);
            if (start is not null)
            {
                readOptions.SetIterateLowerBound(start);
            }

            if (end is not null)
            {
                readOptions.SetIterateUpperBound(end);
            }

            using var iterator = _db.NewIterator(cf, readOptions);
            if (reverse)
            {
                iterator.SeekToLast();
            }
            else
            {
                iterator.SeekToFirst();
            }

            while (iterator.Valid())
            {
                yield return new StorageEntry(iterator.Key(), iterator.Value());
                if (reverse)
                {
                    iterator.Prev();
                }
                else
                {
                    iterator.Next();
                }
            }

            GC.KeepAlive(readOptions);
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <inheritdoc />
    public CommitResult Commit(Storage.WriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var operations = batch.Operations;
        var conditions = batch.Conditions;

        EnterOperation();
        try
        {
            using var rocksBatch = new RocksWriteBatch();
            var tally = default(WriteTally);
            var lockCount = conditions.Count;
            foreach (var op in operations)
            {
                if (op.Kind != WriteOperationKind.DeleteRange)
                {
                    lockCount++;
                }
            }

            var stripes = ArrayPool<int>.Shared.Rent(Math.Max(lockCount, 1));
            var n = 0;
            foreach (var condition in conditions)
            {
                ArgumentNullException.ThrowIfNull(condition.Key, "condition key");
                stripes[n++] = _locks.StripeOf(Resolve(condition.Keyspace).Id, condition.Key);
            }

            foreach (var op in operations)
            {
                var target = Resolve(op.Keyspace);
                ArgumentNullException.ThrowIfNull(op.Key, "operation key");
                tally.Add(target);
                switch (op.Kind)
                {
                    case WriteOperationKind.Put:
                        if (op.Value is null)
                        {
                            throw new ArgumentException("A Put needs a value.", nameof(batch));
                        }

                        rocksBatch.Put(op.Key, op.Value, target.Handle);
                        stripes[n++] = _locks.StripeOf(target.Id, op.Key);
                        break;
                    case WriteOperationKind.Delete:
                        rocksBatch.Delete(op.Key, target.Handle);
                        stripes[n++] = _locks.StripeOf(target.Id, op.Key);
                        break;
                    case WriteOperationKind.DeleteRange:
                        if (op.Value is null)
                        {
                            throw new ArgumentException("A DeleteRange needs an end key.", nameof(batch));
                        }

                        // RocksDB rejects start > end; an empty range is simply nothing to delete.
                        if (op.Key.AsSpan().SequenceCompareTo(op.Value) < 0)
                        {
                            rocksBatch.DeleteRange(op.Key, (ulong)op.Key.Length, op.Value, (ulong)op.Value.Length, target.Handle);
                        }

                        break;
                    default:
                        throw new ArgumentException($"Unknown operation kind {op.Kind}.", nameof(batch));
                }
            }

            // The lock handle owns the pooled stripe array from here on.
            using (_locks.Acquire(stripes, n))
            {
                for (var i = 0; i < conditions.Count; i++)
                {
                    var condition = conditions[i];
                    var current = _db.Get(condition.Key, Resolve(condition.Keyspace).Handle);
                    var holds = condition.ExpectedValue is null
                        ? current is null
                        : current is not null && current.AsSpan().SequenceEqual(condition.ExpectedValue);
                    if (!holds)
                    {
                        return CommitResult.ConditionFailed(i);
                    }
                }

                if (rocksBatch.Count() > 0)
                {
                    _db.Write(rocksBatch, _writeOptions);
                    tally.Record();
                }
            }

            return CommitResult.Success;
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <inheritdoc />
    public void ReadModifyWrite(Keyspace keyspace, IReadOnlyList<byte[]> keys, Func<byte[]?[], Storage.WriteBatch?> decide)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(decide);
        EnterOperation();
        try
        {
            var target = Resolve(keyspace);
            var stripes = ArrayPool<int>.Shared.Rent(Math.Max(keys.Count, 1));
            for (var i = 0; i < keys.Count; i++)
            {
                stripes[i] = _locks.StripeOf(target.Id, keys[i]);
            }

            // The lock handle owns the pooled stripe array from here on.
            using (_locks.Acquire(stripes, keys.Count))
            {
                var current = keys.Count == 1 ? [_db.Get(keys[0], target.Handle)] : MultiGet(target.Handle, keys);

                var batch = decide(current);
                if (batch is null || batch.Operations.Count == 0)
                {
                    return;
                }

                if (batch.Conditions.Count > 0)
                {
                    throw new ArgumentException("A read-modify-write batch carries no conditions: its keys are locked.", nameof(decide));
                }

                using var rocksBatch = new RocksWriteBatch();
                var tally = default(WriteTally);
                foreach (var op in batch.Operations)
                {
                    var written = Resolve(op.Keyspace);
                    tally.Add(written);
                    var family = written.Handle;
                    switch (op.Kind)
                    {
                        case WriteOperationKind.Put:
                            rocksBatch.Put(op.Key, op.Value ?? throw new ArgumentException("A Put needs a value.", nameof(decide)), family);
                            break;
                        case WriteOperationKind.Delete:
                            rocksBatch.Delete(op.Key, family);
                            break;
                        default:
                            throw new ArgumentException("A read-modify-write batch may only put and delete.", nameof(decide));
                    }
                }

                _db.Write(rocksBatch, _writeOptions);
                tally.Record();
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>
    /// The current values of <paramref name="keys"/> (null = absent) with one batched RocksDB
    /// MultiGet: one superversion reference, one native call and sorted lookups for the whole
    /// group, instead of a Get (native call, value copy and free) per key.
    /// </summary>
    private unsafe byte[]?[] MultiGet(ColumnFamilyHandle family, IReadOnlyList<byte[]> keys)
    {
        var count = keys.Count;
        var values = new byte[]?[count];
        if (count == 0)
        {
            return values;
        }

        // The keys are copied into one pinned buffer, so one fixed statement covers them all.
        var total = 0;
        for (var i = 0; i < count; i++)
        {
            ArgumentNullException.ThrowIfNull(keys[i], "key");
            total += keys[i].Length;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        var pointers = ArrayPool<IntPtr>.Shared.Rent(count * 2);
        var sizes = ArrayPool<UIntPtr>.Shared.Rent(count);
        var errors = new IntPtr[count];
        try
        {
            fixed (byte* keyBytes = buffer)
            fixed (IntPtr* keyPointers = pointers)
            fixed (UIntPtr* keySizes = sizes)
            {
                var offset = 0;
                for (var i = 0; i < count; i++)
                {
                    var key = keys[i];
                    key.CopyTo(buffer, offset);
                    keyPointers[i] = (IntPtr)(keyBytes + offset);
                    keySizes[i] = (UIntPtr)key.Length;
                    offset += key.Length;
                }

                // The second half of the pointer array receives the pinnable slices (null = absent).
                var slices = keyPointers + count;
                for (var i = 0; i < count; i++)
                {
                    slices[i] = IntPtr.Zero;
                }

                var native = Native.Instance;
                native.rocksdb_batched_multi_get_cf(_db.Handle, _readOptions.Handle, family.Handle, (UIntPtr)count,
                    (IntPtr)keyPointers, (IntPtr)keySizes, (IntPtr)slices, errors, 0);
                IntPtr firstError = IntPtr.Zero;
                for (var i = 0; i < count; i++)
                {
                    var slice = slices[i];
                    if (slice != IntPtr.Zero)
                    {
                        var data = native.rocksdb_pinnableslice_value(slice, out var length);
                        values[i] = new ReadOnlySpan<byte>((void*)data, checked((int)length)).ToArray();
                        native.rocksdb_pinnableslice_destroy(slice);
                    }

                    if (errors[i] != IntPtr.Zero)
                    {
                        if (firstError == IntPtr.Zero)
                        {
                            firstError = errors[i];
                        }
                        else
                        {
                            native.rocksdb_free(errors[i]);
                        }
                    }
                }

                if (firstError != IntPtr.Zero)
                {
                    Native.ThrowRocksDbException(firstError);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<IntPtr>.Shared.Return(pointers);
            ArrayPool<UIntPtr>.Shared.Return(sizes);
        }

        return values;
    }

    /// <summary>
    /// Approximate bytes on disk plus in memtables for the keys in <paramref name="range"/>
    /// (from SST metadata, no data read). Cheap enough for DescribeTable-style size estimates.
    /// </summary>
    public long ApproximateSize(Keyspace keyspace, KeyRange range)
    {
        var cf = Resolve(keyspace).Handle;
        EnterOperation();
        try
        {
            var start = range.Start ?? [];
            var end = range.End ?? LastKeySuccessor(cf);
            if (end is null || start.AsSpan().SequenceCompareTo(end) >= 0)
            {
                return 0;
            }

            return ApproximateSizeCore(cf, start, end);
        }
        finally
        {
            ExitOperation();
        }
    }

    private unsafe long ApproximateSizeCore(ColumnFamilyHandle cf, byte[] start, byte[] end)
    {
        const byte includeMemtablesAndFiles = 1 | 2;
        fixed (byte* startPtr = start)
        fixed (byte* endPtr = end)
        {
            var startKeys = stackalloc IntPtr[1] { (IntPtr)startPtr };
            var startLengths = stackalloc UIntPtr[1] { (UIntPtr)start.Length };
            var endKeys = stackalloc IntPtr[1] { (IntPtr)endPtr };
            var endLengths = stackalloc UIntPtr[1] { (UIntPtr)end.Length };
            var sizes = stackalloc ulong[1];
            Native.Instance.rocksdb_approximate_sizes_cf_with_flags(
                _db.Handle, cf.Handle, 1, (IntPtr)startKeys, (IntPtr)startLengths, (IntPtr)endKeys, (IntPtr)endLengths,
                includeMemtablesAndFiles, (IntPtr)sizes, out var error);
            if (error != IntPtr.Zero)
            {
                Native.ThrowRocksDbException(error);
            }

            return (long)Math.Min(sizes[0], long.MaxValue);
        }
    }

    private byte[]? LastKeySuccessor(ColumnFamilyHandle cf)
    {
        using var iterator = _db.NewIterator(cf);
        iterator.SeekToLast();
        if (!iterator.Valid())
        {
            return null;
        }

        // The last key followed by a zero byte is the smallest key after it.
        var last = iterator.GetKeySpan();
        var successor = new byte[last.Length + 1];
        last.CopyTo(successor);
        return successor;
    }

    /// <summary>Flushes all memtables to SST files (tests and orderly shutdown; commits are durable without it).</summary>
    public void Flush()
    {
        EnterOperation();
        try
        {
            using var flush = new FlushOptionsScope();
            foreach (var keyspace in _keyspaces.Values)
            {
                Native.Instance.rocksdb_flush_cf(_db.Handle, flush.Handle, ((RocksKeyspace)keyspace.Handle).Handle.Handle, out var error);
                if (error != IntPtr.Zero)
                {
                    Native.ThrowRocksDbException(error);
                }
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>
    /// The memtable and level-0 state of every keyspace, read by <see cref="IdleCompaction"/>.
    /// Throws <see cref="ObjectDisposedException"/> once the engine is closing.
    /// </summary>
    internal List<(string Name, KeyspaceLsmState State)> KeyspaceStates()
    {
        EnterOperation();
        try
        {
            // Under the creation lock: a keyspace dropped meanwhile would free the handle read here.
            lock (_createLock)
            {
                var states = new List<(string, KeyspaceLsmState)>(_keyspaces.Count);
                var backgroundJobs = DbIntProperty("rocksdb.num-running-flushes") + DbIntProperty("rocksdb.num-running-compactions");
                foreach (var (name, keyspace) in _keyspaces)
                {
                    var rocks = (RocksKeyspace)keyspace.Handle;
                    var cf = rocks.Handle.Handle;
                    // The per-level file counts are string properties only (the integer call fails for them).
                    _ = ulong.TryParse(_db.GetProperty("rocksdb.num-files-at-level0", rocks.Handle), out var level0Files);
                    states.Add((name, new KeyspaceLsmState(
                        rocks.Writes,
                        IntProperty(cf, "rocksdb.num-entries-active-mem-table"),
                        IntProperty(cf, "rocksdb.num-immutable-mem-table"),
                        level0Files,
                        IntProperty(cf, "rocksdb.total-sst-files-size"),
                        IntProperty(cf, "rocksdb.estimate-num-keys"),
                        backgroundJobs)));
                }

                return states;
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>
    /// Flushes one keyspace's memtable and compacts the whole keyspace into one sorted run.
    /// Returns false when the keyspace is gone. Holds the keyspace creation lock so the column
    /// family cannot be dropped (and its handle freed) under the compaction.
    /// </summary>
    internal bool FlushAndCompact(string name)
    {
        EnterOperation();
        try
        {
            lock (_createLock)
            {
                if (!_keyspaces.TryGetValue(name, out var keyspace))
                {
                    return false;
                }

                var cf = ((RocksKeyspace)keyspace.Handle).Handle.Handle;
                using (var flush = new FlushOptionsScope())
                {
                    Native.Instance.rocksdb_flush_cf(_db.Handle, flush.Handle, cf, out var error);
                    if (error != IntPtr.Zero)
                    {
                        Native.ThrowRocksDbException(error);
                    }
                }

                var compact = Native.Instance.rocksdb_compactoptions_create();
                try
                {
                    // Not exclusive: RocksDB's own compactions (triggered by writes that resume) keep running.
                    Native.Instance.rocksdb_compactoptions_set_exclusive_manual_compaction(compact, 0);
                    Native.Instance.rocksdb_compact_range_cf_opt(_db.Handle, cf, compact, IntPtr.Zero, UIntPtr.Zero, IntPtr.Zero, UIntPtr.Zero);
                }
                finally
                {
                    Native.Instance.rocksdb_compactoptions_destroy(compact);
                }

                return true;
            }
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>Makes a manual compaction in progress return early (only when closing: it stays disabled).</summary>
    internal void AbortManualCompactions() => Native.Instance.rocksdb_disable_manual_compaction(_db.Handle);

    private unsafe ulong DbIntProperty(string name)
    {
        ulong value = 0;
        return Native.Instance.rocksdb_property_int(_db.Handle, name, (IntPtr)(&value)) == 0 ? value : 0;
    }

    private unsafe ulong IntProperty(IntPtr columnFamily, string name)
    {
        ulong value = 0;
        return Native.Instance.rocksdb_property_int_cf(_db.Handle, columnFamily, name, (IntPtr)(&value)) == 0 ? value : 0;
    }

    /// <summary>A RocksDB property (e.g. "rocksdb.block-cache-usage", "rocksdb.cur-size-all-mem-tables") for diagnostics.</summary>
    public string? GetProperty(string name)
    {
        EnterOperation();
        try
        {
            return _db.GetProperty(name);
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>A RocksDB property of one keyspace (e.g. "rocksdb.num-files-at-level0") for diagnostics.</summary>
    public string? GetProperty(Keyspace keyspace, string name)
    {
        var cf = Resolve(keyspace).Handle;
        EnterOperation();
        try
        {
            return _db.GetProperty(name, cf);
        }
        finally
        {
            ExitOperation();
        }
    }

    /// <summary>
    /// Closes the database. Waits (bounded) for in-flight operations and open scans; if some scan
    /// was never disposed the native database is left open rather than freed under its iterator.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // First, so no compaction starts or runs while the database closes.
        _idleCompaction?.Dispose();

        var deadline = Environment.TickCount64 + (long)_disposeWait.TotalMilliseconds;
        var spin = new SpinWait();
        while (Volatile.Read(ref _activeOperations) > 0)
        {
            if (Environment.TickCount64 > deadline)
            {
                // Freeing RocksDB under a live iterator would crash the process; leaking is the lesser evil.
                return;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }

        _db.Dispose();
        GC.KeepAlive(_keepAlive);
    }

    private void EnterOperation()
    {
        Interlocked.Increment(ref _activeOperations);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _activeOperations);
            throw new ObjectDisposedException(nameof(RocksDbStorageEngine));
        }
    }

    private void ExitOperation() => Interlocked.Decrement(ref _activeOperations);

    private Keyspace CreateKeyspace(string name, ColumnFamilyHandle handle) =>
        new(name, new RocksKeyspace(this, handle, Interlocked.Increment(ref _nextKeyspaceId)));

    private RocksKeyspace Resolve(Keyspace keyspace)
    {
        ArgumentNullException.ThrowIfNull(keyspace);
        if (keyspace.Handle is RocksKeyspace rocks && ReferenceEquals(rocks.Owner, this))
        {
            return rocks.Dropped
                ? throw new ArgumentException($"Keyspace '{keyspace.Name}' has been dropped.", nameof(keyspace))
                : rocks;
        }

        // A handle from another (possibly closed) engine would point at freed native memory.
        throw new ArgumentException($"Keyspace '{keyspace.Name}' does not belong to this storage engine.", nameof(keyspace));
    }

    private static (DbOptions Db, ColumnFamilyOptions ColumnFamily, object[] KeepAlive) BuildOptions(RocksDbStorageOptions options)
    {
        var native = Native.Instance;
        var cache = Cache.CreateLru((ulong)options.BlockCacheSizeBytes);

        var table = new BlockBasedTableOptions()
            .SetBlockCache(cache)
            .SetBlockSize(4 * 1024)
            .SetFormatVersion(6)
            // Index and filter blocks live in (and are bounded by) the block cache instead of growing
            // with the data; pinning L0's and giving them high priority keeps point reads at one I/O.
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true);
        native.rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(table.Handle, 1);
        if (options.BloomBitsPerKey > 0)
        {
            // Full (not block-based) bloom filters: a Get for an absent key (every conditional
            // "attribute_not_exists" put) usually skips the SST read entirely.
            table.SetFilterPolicy(native.rocksdb_filterpolicy_create_bloom_full(options.BloomBitsPerKey));
            native.rocksdb_block_based_options_set_optimize_filters_for_memory(table.Handle, 1);
        }

        var cfOptions = new ColumnFamilyOptions()
            .SetBlockBasedTableFactory(table)
            .SetWriteBufferSize((ulong)options.WriteBufferSizeBytes)
            .SetMaxWriteBufferNumber(3)
            .SetMinWriteBufferNumberToMerge(1)
            .SetLevel0FileNumCompactionTrigger(4)
            .SetTargetFileSizeBase(32UL << 20)
            .SetMaxBytesForLevelBase(128UL << 20)
            .SetLevelCompactionDynamicLevelBytes(true)
            // LZ4 is cheap enough for the write path on 2 cores; the bottommost level holds ~90% of
            // the data and is rewritten rarely, so it gets Zstd's better ratio.
            .SetCompression(Compression.Lz4);
        native.rocksdb_options_set_bottommost_compression(cfOptions.Handle, (int)Compression.Zstd);

        var dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetDbWriteBufferSize((ulong)options.TotalWriteBufferSizeBytes)
            .SetMaxTotalWalSize((ulong)options.MaxTotalWalSizeBytes)
            .SetMaxOpenFiles(options.MaxOpenFiles)
            .SetKeepLogFileNum(3)
            .SetMaxLogFileSize(8UL << 20)
            .SetInfoLogLevel(InfoLogLevel.Warn)
            .SetBytesPerSync(1UL << 20)
            // Point-in-time recovery (the default) replays the WAL up to the first damaged record:
            // after a process crash every acknowledged write is there; after a torn write at power
            // loss only the torn tail (never acknowledged with SyncWrites) is dropped.
            .SetWalRecoveryMode(Recovery.PointInTime);
        native.rocksdb_options_set_max_background_jobs(dbOptions.Handle, options.MaxBackgroundJobs);
        dbOptions.IncreaseParallelism(Math.Max(options.MaxBackgroundJobs, 1));
        // A writer that finds another's write group in progress waits for it. With adaptive yield
        // (RocksDB's default) it first spins and calls sched_yield for up to 100 µs, CPU that
        // on a small box the leader and the request threads need: off, it blocks after a short
        // spin. Measured in docs/ARCHITECTURE.md, Performance.
        native.rocksdb_options_set_enable_write_thread_adaptive_yield(dbOptions.Handle, 0);

        return (dbOptions, cfOptions, [cache, table, cfOptions]);
    }

    /// <summary>Engine-private state behind <see cref="Keyspace.Handle"/>.</summary>
    private sealed class RocksKeyspace(RocksDbStorageEngine owner, ColumnFamilyHandle handle, int id)
    {
        private volatile bool _dropped;
        private long _writes;

        public RocksDbStorageEngine Owner { get; } = owner;

        public ColumnFamilyHandle Handle { get; } = handle;

        /// <summary>Distinguishes keyspaces in the lock table's hash.</summary>
        public int Id { get; } = id;

        public bool Dropped => _dropped;

        /// <summary>Operations committed to this keyspace since the engine opened (for <see cref="IdleCompaction"/>).</summary>
        public long Writes => Volatile.Read(ref _writes);

        public void MarkDropped() => _dropped = true;

        public void CountWrites(int operations) => Interlocked.Add(ref _writes, operations);
    }

    /// <summary>
    /// Counts a batch's operations per keyspace and records them once it is committed: one
    /// interlocked add per keyspace, however its operations interleave (an item's put, then its
    /// index entry, then the next item's put). Two keyspaces fit inline, which covers a table
    /// with indexes; a third (TTL or stream entries) spills into a small list.
    /// </summary>
    private struct WriteTally
    {
        private RocksKeyspace? _first;
        private int _firstCount;
        private RocksKeyspace? _second;
        private int _secondCount;
        private List<(RocksKeyspace Keyspace, int Count)>? _more;

        public void Add(RocksKeyspace keyspace)
        {
            if (_first is null || ReferenceEquals(keyspace, _first))
            {
                _first = keyspace;
                _firstCount++;
            }
            else if (_second is null || ReferenceEquals(keyspace, _second))
            {
                _second = keyspace;
                _secondCount++;
            }
            else
            {
                _more ??= [];
                for (var i = 0; i < _more.Count; i++)
                {
                    if (ReferenceEquals(_more[i].Keyspace, keyspace))
                    {
                        _more[i] = (keyspace, _more[i].Count + 1);
                        return;
                    }
                }

                _more.Add((keyspace, 1));
            }
        }

        public readonly void Record()
        {
            _first?.CountWrites(_firstCount);
            _second?.CountWrites(_secondCount);
            if (_more is not null)
            {
                foreach (var (keyspace, count) in _more)
                {
                    keyspace.CountWrites(count);
                }
            }
        }
    }

    /// <summary>Native flush options, destroyed deterministically.</summary>
    private readonly struct FlushOptionsScope : IDisposable
    {
        public FlushOptionsScope()
        {
            Handle = Native.Instance.rocksdb_flushoptions_create();
            Native.Instance.rocksdb_flushoptions_set_wait(Handle, 1);
        }

        public IntPtr Handle { get; }

        public void Dispose() => Native.Instance.rocksdb_flushoptions_destroy(Handle);
    }
}
