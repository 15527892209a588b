namespace Lockbox.Storage.RocksDb;

/// <summary>
/// Flushes and compacts a keyspace once its writes have stopped, so reads after a burst of
/// overwrites do not step over every version the burst left behind.
/// <para>Why: a burst that overwrites the same items leaves several versions of each key in
/// the memtable and a copy of every key in each level-0 file, and RocksDB keeps them until
/// its size triggers are met, which an idle keyspace never reaches. Until then every range
/// read (Scan, Query) merges all those sorted runs and skips the obsolete versions key by
/// key. Compacting while nobody writes costs CPU when it is free and leaves one sorted run.</para>
/// <para>A keyspace counts as idle when nothing has been committed to it for
/// <see cref="RocksDbStorageOptions.IdleCompactionDelay"/>; it is compacted at most once per
/// idle period, only while its files total at most
/// <see cref="RocksDbStorageOptions.IdleCompactionMaxBytes"/> (rewriting a large keyspace
/// would cost far more than its reads gain, because in a large keyspace a burst touches few
/// of its keys), and only after at least half as many writes since the last compaction as its
/// files hold entries (so a trickle of writes does not rewrite it after every pause).</para>
/// </summary>
internal sealed class IdleCompaction : IDisposable
{
    // Fewer writes than this since the last compaction never justify one.
    private const ulong MinWrittenEntries = 1_000;

    private readonly RocksDbStorageEngine _engine;
    private readonly TimeSpan _poll;
    private readonly int _idlePolls;
    private readonly ulong _maxBytes;
    private readonly Dictionary<string, KeyspaceActivity> _activity = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _compactions;

    public IdleCompaction(RocksDbStorageEngine engine, TimeSpan idleDelay, long maxBytes)
    {
        _engine = engine;
        // Several polls per idle period, so a keyspace is compacted at most a poll after it went idle.
        _poll = TimeSpan.FromTicks(Math.Max(idleDelay.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        _idlePolls = (int)Math.Max(1, idleDelay.Ticks / _poll.Ticks);
        _maxBytes = (ulong)Math.Max(0, maxBytes);
        _thread = new Thread(Run) { IsBackground = true, Name = "lockbox-idle-compaction" };
        _thread.Start();
    }

    /// <summary>Keyspaces compacted since the engine opened (for tests and diagnostics).</summary>
    public int Compactions => Volatile.Read(ref _compactions);

    public void Dispose()
    {
        _stop.Cancel();
        // A manual compaction in progress returns early once manual compactions are disabled.
        _engine.AbortManualCompactions();
        _thread.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.WaitHandle.WaitOne(_poll))
        {
            try
            {
                Poll(token);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (RocksDbSharp.RocksDbException)
            {
                // A failed flush (a full or failing disk) loses nothing: the writes are in the WAL,
                // and the write path reports the disk's state to clients. Try again next time.
            }
        }
    }

    private void Poll(CancellationToken token)
    {
        var states = _engine.KeyspaceStates();
        // Forget dropped keyspaces (a keyspace created again under the name starts afresh).
        if (_activity.Count > states.Count)
        {
            var present = states.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _activity.Keys.Where(n => !present.Contains(n)).ToList())
            {
                _activity.Remove(gone);
            }
        }

        foreach (var (name, state) in states)
        {
            if (token.IsCancellationRequested)
            {
                return;
            }

            if (!_activity.TryGetValue(name, out var activity))
            {
                // First sight (a new keyspace, or any keyspace after a restart): how much of it was
                // written since it was last merged is unknown, so all of it counts.
                activity = new KeyspaceActivity { Writes = state.Writes, WritesAtCompaction = state.Writes - (long)state.EstimatedKeys };
                _activity[name] = activity;
                continue;
            }

            if (state.Writes != activity.Writes)
            {
                activity.Writes = state.Writes;
                activity.QuietPolls = 0;
                activity.Settled = false;
                continue;
            }

            if (activity.Settled || ++activity.QuietPolls < _idlePolls)
            {
                continue;
            }

            // A flush or compaction under way: writes may only be stalled behind it (RocksDB holds
            // them while its memtables are full), or the burst's own merging is still running.
            if (state.ImmutableMemtables > 0 || state.BackgroundJobsRunning > 0)
            {
                continue;
            }

            activity.Settled = true;
            if (WorthCompacting(state, state.Writes - activity.WritesAtCompaction, _maxBytes) && _engine.FlushAndCompact(name))
            {
                Interlocked.Increment(ref _compactions);
                activity.WritesAtCompaction = state.Writes;
            }
        }
    }

    /// <summary>
    /// Something is unmerged, the rewrite is bounded, and enough was written since the last
    /// compaction: at least <see cref="MinWrittenEntries"/>, and half as many entries as the
    /// keyspace's files hold (which the compaction rewrites). So each entry written costs at most
    /// about two entries rewritten here, and a keyspace written a little at a time is left to
    /// RocksDB instead of being rewritten after every quiet moment.
    /// </summary>
    private static bool WorthCompacting(KeyspaceLsmState state, long written, ulong maxBytes)
    {
        var unmerged = state.MemtableEntries > 0 || state.Level0Files > 0;
        // RocksDB's key estimate counts the memtable's entries too; what the files hold is the rest.
        var fileEntries = state.EstimatedKeys > state.MemtableEntries ? state.EstimatedKeys - state.MemtableEntries : 0;
        return unmerged && state.FileBytes <= maxBytes && written >= (long)Math.Max(MinWrittenEntries, fileEntries / 2);
    }

    private sealed class KeyspaceActivity
    {
        /// <summary>The keyspace's write count at the last poll.</summary>
        public long Writes { get; set; }

        /// <summary>The write count when the keyspace was last compacted here.</summary>
        public long WritesAtCompaction { get; set; }

        public int QuietPolls { get; set; }

        public bool Settled { get; set; }
    }
}

/// <summary>
/// What <see cref="IdleCompaction"/> reads of one keyspace per poll: the engine's count of
/// operations committed to it, and RocksDB properties (<see cref="BackgroundJobsRunning"/>
/// counts the flushes and compactions of the whole database).
/// </summary>
internal readonly record struct KeyspaceLsmState(
    long Writes, ulong MemtableEntries, ulong ImmutableMemtables, ulong Level0Files, ulong FileBytes, ulong EstimatedKeys, ulong BackgroundJobsRunning);
