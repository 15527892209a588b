using System.Diagnostics;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Storage.Tests;

/// <summary>
/// A keyspace whose writes stop is flushed and compacted into one sorted run (RocksDB's
/// memtable and level 0 emptied), once per idle period; a keyspace being written, or over the
/// size limit, is left alone.
/// </summary>
public sealed class IdleCompactionTests : IDisposable
{
    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = new("lockbox-idle");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void An_idle_keyspace_is_flushed_and_compacted_once_and_keeps_its_latest_values()
    {
        using var engine = Open(TimeSpan.FromMilliseconds(300));
        var ks = engine.OpenKeyspace("items");
        // Five versions of every key: three in level-0 files, two in the memtable.
        for (var version = 0; version < 5; version++)
        {
            WriteVersion(engine, ks, version);
            if (version < 3)
            {
                engine.Flush();
            }
        }

        Assert.True(WaitFor(() => engine.IdleCompactions >= 1), "the idle keyspace was not compacted");
        Assert.Equal("0", engine.GetProperty(ks, "rocksdb.num-files-at-level0"));
        Assert.Equal("0", engine.GetProperty(ks, "rocksdb.num-entries-active-mem-table"));
        var entries = engine.Scan(ks, KeyRange.All).ToList();
        Assert.Equal(1_000, entries.Count);
        Assert.All(entries, e => Assert.Equal("v4", System.Text.Encoding.ASCII.GetString(e.Value)));

        // Nothing written since: the keyspace is not compacted again.
        Thread.Sleep(1_000);
        Assert.Equal(1, engine.IdleCompactions);
    }

    [Fact]
    public void Level_0_files_alone_are_compacted_once_the_memtable_is_flushed()
    {
        using var engine = Open(TimeSpan.FromMilliseconds(300));
        var ks = engine.OpenKeyspace("items");
        for (var version = 0; version < 3; version++)
        {
            WriteVersion(engine, ks, version);
            engine.Flush();
        }

        Assert.Equal("3", engine.GetProperty(ks, "rocksdb.num-files-at-level0"));
        Assert.True(WaitFor(() => engine.IdleCompactions >= 1), "the level-0 files were not compacted");
        Assert.Equal("0", engine.GetProperty(ks, "rocksdb.num-files-at-level0"));
        Assert.Equal("v2", ValueOf(engine, ks, "key00999"));
    }

    [Fact]
    public void A_trickle_of_writes_is_left_in_the_memtable_and_a_rewrite_of_half_the_keys_is_compacted_again()
    {
        using var engine = Open(TimeSpan.FromMilliseconds(300));
        var ks = engine.OpenKeyspace("items");
        WriteVersion(engine, ks, 0, keys: 4_000);
        Assert.True(WaitFor(() => engine.IdleCompactions == 1), "the loaded keyspace was not compacted");

        // 50 writes: under both the minimum and half of the 4,000 keys.
        WriteVersion(engine, ks, 1, keys: 50);
        Thread.Sleep(1_500);
        Assert.Equal(1, engine.IdleCompactions);
        Assert.Equal("50", engine.GetProperty(ks, "rocksdb.num-entries-active-mem-table"));

        // Another 2,000 writes: half the keys since the last compaction.
        WriteVersion(engine, ks, 2, keys: 2_000);
        Assert.True(WaitFor(() => engine.IdleCompactions == 2), "the rewritten keyspace was not compacted");
        Assert.Equal("0", engine.GetProperty(ks, "rocksdb.num-entries-active-mem-table"));
        Assert.Equal("v2", ValueOf(engine, ks, "key00000"));
        Assert.Equal("v0", ValueOf(engine, ks, "key03999"));
    }

    [Fact]
    public void A_keyspace_is_not_compacted_while_it_is_written_but_after_its_writes_stop()
    {
        using var engine = Open(TimeSpan.FromSeconds(1));
        var ks = engine.OpenKeyspace("items");
        var writing = Stopwatch.StartNew();
        var version = 0;
        while (writing.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            WriteVersion(engine, ks, version++, keys: 100);
            Thread.Sleep(20);
        }

        Assert.Equal(0, engine.IdleCompactions);
        Assert.True(WaitFor(() => engine.IdleCompactions == 1), "the keyspace was not compacted after its writes stopped");
        Assert.Equal("0", engine.GetProperty(ks, "rocksdb.num-entries-active-mem-table"));
    }

    [Fact]
    public void Closing_during_an_idle_compaction_does_not_hang_and_keeps_every_write()
    {
        using (var engine = Open(TimeSpan.FromMilliseconds(100)))
        {
            var ks = engine.OpenKeyspace("items");
            for (var version = 0; version < 2; version++)
            {
                for (var start = 0; start < 150_000; start += 5_000)
                {
                    var batch = new WriteBatch();
                    for (var i = start; i < start + 5_000; i++)
                    {
                        // Incompressible values, so the compaction has about 60 MB to rewrite.
                        var value = new byte[200];
                        Random.Shared.NextBytes(value);
                        value[0] = (byte)version;
                        batch.Put(ks, System.Text.Encoding.ASCII.GetBytes($"key{i:D6}"), value);
                    }

                    Assert.True(engine.Commit(batch).Committed);
                }

                engine.Flush();
            }

            // RocksDB's own level-0 compaction may run first; the idle one starts once it is done
            // and takes several hundred milliseconds, so closing usually interrupts one of them.
            Thread.Sleep(200);
            var closing = Stopwatch.StartNew();
            engine.Dispose();
            Assert.True(closing.Elapsed < TimeSpan.FromSeconds(10), $"closing took {closing.Elapsed}");
        }

        using var reopened = Open(TimeSpan.Zero);
        var entries = reopened.Scan(reopened.OpenKeyspace("items"), KeyRange.All).ToList();
        Assert.Equal(150_000, entries.Count);
        Assert.All(entries, e => Assert.Equal(1, e.Value[0]));
    }

    [Fact]
    public void A_keyspace_over_the_size_limit_is_left_alone()
    {
        using var engine = Open(TimeSpan.FromMilliseconds(300), maxBytes: 1);
        var ks = engine.OpenKeyspace("items");
        WriteVersion(engine, ks, 0);
        engine.Flush();
        WriteVersion(engine, ks, 1);

        Thread.Sleep(1_500);
        Assert.Equal(0, engine.IdleCompactions);
        Assert.Equal("1", engine.GetProperty(ks, "rocksdb.num-files-at-level0"));
    }

    [Fact]
    public void Idle_compaction_can_be_turned_off()
    {
        using var engine = Open(TimeSpan.Zero);
        var ks = engine.OpenKeyspace("items");
        WriteVersion(engine, ks, 0);

        Thread.Sleep(1_000);
        Assert.Equal(0, engine.IdleCompactions);
        Assert.Equal("1000", engine.GetProperty(ks, "rocksdb.num-entries-active-mem-table"));
    }

    private RocksDbStorageEngine Open(TimeSpan delay, long maxBytes = 64L << 20) =>
        RocksDbStorageEngine.Open(_directory.Path, new RocksDbStorageOptions { IdleCompactionDelay = delay, IdleCompactionMaxBytes = maxBytes });

    private static void WriteVersion(RocksDbStorageEngine engine, Keyspace ks, int version, int keys = 1_000)
    {
        var batch = new WriteBatch();
        for (var i = 0; i < keys; i++)
        {
            batch.Put(ks, System.Text.Encoding.ASCII.GetBytes($"key{i:D5}"), System.Text.Encoding.ASCII.GetBytes($"v{version}"));
        }

        Assert.True(engine.Commit(batch).Committed);
    }

    private static string ValueOf(RocksDbStorageEngine engine, Keyspace ks, string key) =>
        System.Text.Encoding.ASCII.GetString(engine.Get(ks, System.Text.Encoding.ASCII.GetBytes(key))!);

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > _wait)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }
}
