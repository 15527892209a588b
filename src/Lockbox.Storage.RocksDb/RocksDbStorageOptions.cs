namespace Lockbox.Storage.RocksDb;

/// <summary>
/// Tuning and durability settings for <see cref="RocksDbStorageEngine"/>. The defaults target a
/// small box (2 cores) with bounded memory: a 1,000,000-item table should stay well under 300 MB
/// of process RSS. Memory used by RocksDB is roughly
/// <see cref="BlockCacheSizeBytes"/> + <see cref="TotalWriteBufferSizeBytes"/> + a few MB of
/// per-file metadata, because index and filter blocks are charged to the block cache.
/// </summary>
public sealed class RocksDbStorageOptions
{
    /// <summary>
    /// Durability of an acknowledged commit.
    /// <para>false (default): every commit is appended to the write-ahead log with a write() system
    /// call before <see cref="IStorageEngine.Commit"/> returns, but not fsync'ed. The bytes are then
    /// in the operating system's page cache, so the write survives a crash of the process (kill -9,
    /// an unhandled exception, OOM kill) but can be lost if the machine itself loses power or the
    /// kernel crashes within the few seconds before the OS writes the page cache back.</para>
    /// <para>true: the WAL is fsync'ed before each commit returns (RocksDB groups concurrent
    /// commits into one fsync), so the write also survives power loss and kernel crashes, at the
    /// cost of one disk flush per commit group (typically 0.1–10 ms depending on the device).</para>
    /// </summary>
    public bool SyncWrites { get; init; }

    /// <summary>Size of the LRU block cache shared by every keyspace (data, index and filter blocks). Default 64 MB.</summary>
    public long BlockCacheSizeBytes { get; init; } = 64L << 20;

    /// <summary>Memtable size of one keyspace before it is flushed to an SST file. Default 16 MB.</summary>
    public long WriteBufferSizeBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Upper bound on memtable memory summed over all keyspaces; past it the largest memtable is
    /// flushed. Keeps memory bounded when there are many tables (one or more keyspaces each). Default 64 MB.
    /// </summary>
    public long TotalWriteBufferSizeBytes { get; init; } = 64L << 20;

    /// <summary>Background flush + compaction threads. Default 2 (one per core on the target box).</summary>
    public int MaxBackgroundJobs { get; init; } = 2;

    /// <summary>
    /// Upper bound of WAL files kept on disk; when exceeded, keyspaces whose data pins old WAL files
    /// are flushed. Bounds recovery time and disk use with many rarely-written keyspaces. Default 256 MB.
    /// </summary>
    public long MaxTotalWalSizeBytes { get; init; } = 256L << 20;

    /// <summary>SST files kept open (their table readers are small because index/filter blocks live in the block cache). Default 1000.</summary>
    public int MaxOpenFiles { get; init; } = 1000;

    /// <summary>Bloom filter bits per key (10 ≈ 1% false positives). 0 disables filters. Default 10.</summary>
    public double BloomBitsPerKey { get; init; } = 10;

    /// <summary>
    /// How long a keyspace's writes must have stopped before it is flushed and compacted into one
    /// sorted run (see <see cref="IdleCompaction"/>). <see cref="TimeSpan.Zero"/> turns this off.
    /// Default 2 s.
    /// </summary>
    public TimeSpan IdleCompactionDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Keyspaces whose SST files total more than this are not compacted when idle: the rewrite
    /// would cost more than the reads gain. Default 64 MB (about half a second of one core).
    /// </summary>
    public long IdleCompactionMaxBytes { get; init; } = 64L << 20;
}
