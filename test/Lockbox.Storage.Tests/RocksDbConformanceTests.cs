using Lockbox.Storage.RocksDb;

namespace Lockbox.Storage.Tests;

/// <summary>The conformance suite against RocksDB in a temporary directory, plus RocksDB-only behaviour.</summary>
public sealed class RocksDbConformanceTests : StorageEngineConformance
{
    private readonly TempDirectory _directory = new("lockbox-rocks");

    protected override IStorageEngine OpenEngine() => RocksDbStorageEngine.Open(_directory.Path, new RocksDbStorageOptions());

    private RocksDbStorageEngine Rocks => (RocksDbStorageEngine)Engine;

    public override void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void Existing_column_families_are_listed_after_reopen()
    {
        Engine.OpenKeyspace("one");
        Engine.OpenKeyspace("two");
        var reopened = (RocksDbStorageEngine)Reopen();
        Assert.Contains("one", reopened.KeyspaceNames);
        Assert.Contains("two", reopened.KeyspaceNames);
    }

    [Fact]
    public void Keyspaces_of_another_engine_are_rejected()
    {
        using var other = new TempDirectory("lockbox-rocks");
        using var otherEngine = RocksDbStorageEngine.Open(other.Path);
        var foreign = otherEngine.OpenKeyspace("t");
        Assert.Throws<ArgumentException>(() => Engine.Get(foreign, [1]));
        Assert.Throws<ArgumentException>(() => Engine.Commit(new WriteBatch().Put(foreign, [1], [1])));
        Assert.Throws<ArgumentException>(() => Engine.Get(new Keyspace("t", new object()), [1]));
    }

    [Fact]
    public void A_directory_open_in_another_engine_is_refused_with_a_clear_message()
    {
        Engine.OpenKeyspace("t");

        var error = Assert.Throws<IOException>(() => RocksDbStorageEngine.Open(_directory.Path));

        Assert.Contains("is in use by another process", error.Message, StringComparison.Ordinal);
        Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Use_after_dispose_throws()
    {
        var ks = Engine.OpenKeyspace("t");
        Engine.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Engine.Get(ks, [1]));
        Assert.Throws<ObjectDisposedException>(() => Engine.Scan(ks, KeyRange.All).ToList());
    }

    [Fact]
    public void Data_survives_flush_to_sst_and_is_compressed_and_sized()
    {
        var ks = Engine.OpenKeyspace("t");
        var batch = new WriteBatch();
        for (var i = 0; i < 20_000; i++)
        {
            batch.Put(ks, B($"key{i:D6}"), B(new string('x', 200)));
        }

        Assert.True(Engine.Commit(batch).Committed);
        Rocks.Flush();
        var size = Rocks.ApproximateSize(ks, KeyRange.All);
        Assert.InRange(size, 1, 20_000 * 200);
        Assert.True(Rocks.ApproximateSize(ks, new KeyRange(B("key000000"), B("key010000"))) < size);
        Assert.Equal(0, Rocks.ApproximateSize(Engine.OpenKeyspace("empty"), KeyRange.All));

        var reopened = Reopen();
        Assert.Equal(20_000, reopened.Scan(reopened.OpenKeyspace("t"), KeyRange.All).Count());
    }

    [Fact]
    public void ReadModifyWrite_reads_a_group_from_memtable_and_files_in_the_order_given()
    {
        // A group read is one batched MultiGet: values must come back in the caller's (unsorted)
        // order, whether they live in a flushed file or the memtable, absent and empty included.
        var ks = Engine.OpenKeyspace("group");
        var flushed = new WriteBatch();
        for (var i = 0; i < 30; i += 2)
        {
            flushed.Put(ks, B($"k{i:D2}"), B($"file-{i}-" + new string('v', i * 10)));
        }

        Assert.True(Engine.Commit(flushed).Committed);
        Rocks.Flush();
        Assert.True(Engine.Commit(new WriteBatch().Put(ks, B("k04"), B("memtable-4")).Put(ks, B("k07"), []).Put(ks, B("k29"), B("memtable-29"))).Committed);

        var keys = new[] { 29, 3, 0, 4, 7, 28, 11, 16 }.Select(i => B($"k{i:D2}")).ToArray();
        byte[]?[]? seen = null;
        Engine.ReadModifyWrite(ks, keys, current =>
        {
            seen = current;
            return null;
        });

        Assert.NotNull(seen);
        Assert.Equal(keys.Length, seen!.Length);
        Assert.Equal(B("memtable-29"), seen[0]);
        Assert.Null(seen[1]);
        Assert.Equal(B("file-0-"), seen[2]);
        Assert.Equal(B("memtable-4"), seen[3]);
        Assert.Empty(seen[4]!);
        Assert.Equal(B("file-28-" + new string('v', 280)), seen[5]);
        Assert.Null(seen[6]);
        Assert.Equal(B("file-16-" + new string('v', 160)), seen[7]);
    }

    [Fact]
    public void DropKeyspace_removes_its_data()
    {
        var ks = Engine.OpenKeyspace("gone");
        Assert.True(Engine.Commit(new WriteBatch().Put(ks, [1], [1])).Committed);
        Assert.True(Rocks.DropKeyspace("gone"));
        Assert.False(Rocks.DropKeyspace("gone"));
        Assert.Throws<ArgumentException>(() => Engine.Get(ks, [1]));
        var again = Engine.OpenKeyspace("gone");
        Assert.Null(Engine.Get(again, [1]));
        var reopened = (RocksDbStorageEngine)Reopen();
        Assert.Contains("gone", reopened.KeyspaceNames);
    }

    [Fact]
    public void Sync_writes_option_commits_durably()
    {
        using var directory = new TempDirectory("lockbox-rocks");
        using (var engine = RocksDbStorageEngine.Open(directory.Path, new RocksDbStorageOptions { SyncWrites = true }))
        {
            var ks = engine.OpenKeyspace("t");
            Assert.True(engine.Commit(new WriteBatch().Put(ks, [1], [2])).Committed);
        }

        using var again = RocksDbStorageEngine.Open(directory.Path);
        Assert.Equal([2], again.Get(again.OpenKeyspace("t"), [1]));
    }
}
