using System.Text;

namespace Lockbox.Storage.Tests;

/// <summary>
/// Behaviour every <see cref="IStorageEngine"/> must have, whatever the backend. A backend's test
/// class derives from this and supplies <see cref="OpenEngine"/>, which must return an engine over
/// the same store each time it is called within one test (so reopening can be tested), and a fresh
/// empty store for every test.
/// </summary>
public abstract class StorageEngineConformance : IDisposable
{
    private IStorageEngine? _engine;

    /// <summary>Opens an engine on this test's store (the previous one has been disposed).</summary>
    protected abstract IStorageEngine OpenEngine();

    protected IStorageEngine Engine => _engine ??= OpenEngine();

    /// <summary>Disposes the current engine and opens a new one on the same store.</summary>
    protected IStorageEngine Reopen()
    {
        _engine?.Dispose();
        _engine = OpenEngine();
        return _engine;
    }

    public virtual void Dispose()
    {
        _engine?.Dispose();
        _engine = null;
        GC.SuppressFinalize(this);
    }

    protected static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    protected static byte[] B(params byte[] bytes) => bytes;

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    private static List<string> Keys(IEnumerable<StorageEntry> entries) => entries.Select(e => Hex(e.Key)).ToList();

    private static void Put(IStorageEngine engine, Keyspace ks, byte[] key, byte[] value) =>
        Assert.True(engine.Commit(new WriteBatch().Put(ks, key, value)).Committed);

    [Fact]
    public void Get_returns_null_for_absent_key()
    {
        var ks = Engine.OpenKeyspace("t");
        Assert.Null(Engine.Get(ks, B("nope")));
    }

    [Fact]
    public void Put_get_overwrite_delete()
    {
        var ks = Engine.OpenKeyspace("t");
        Put(Engine, ks, B("k"), B("v1"));
        Assert.Equal(B("v1"), Engine.Get(ks, B("k")));
        Put(Engine, ks, B("k"), B("v2"));
        Assert.Equal(B("v2"), Engine.Get(ks, B("k")));
        Assert.True(Engine.Commit(new WriteBatch().Delete(ks, B("k"))).Committed);
        Assert.Null(Engine.Get(ks, B("k")));

        // Deleting an absent key is not an error.
        Assert.True(Engine.Commit(new WriteBatch().Delete(ks, B("never"))).Committed);
    }

    [Fact]
    public void Empty_value_is_distinct_from_absent()
    {
        var ks = Engine.OpenKeyspace("t");
        Put(Engine, ks, B("k"), []);
        var value = Engine.Get(ks, B("k"));
        Assert.NotNull(value);
        Assert.Empty(value);
        Assert.Equal(1, Engine.Commit(new WriteBatch().Expect(ks, B("k"), []).Expect(ks, B("k"), null)).FailedConditionIndex);
    }

    [Fact]
    public void Large_values_round_trip()
    {
        var ks = Engine.OpenKeyspace("t");
        var value = new byte[1 << 20];
        new Random(7).NextBytes(value);
        Put(Engine, ks, B("big"), value);
        Assert.Equal(value, Engine.Get(ks, B("big")));
    }

    [Fact]
    public void OpenKeyspace_is_idempotent_and_keyspaces_are_isolated()
    {
        var a = Engine.OpenKeyspace("a");
        var b = Engine.OpenKeyspace("b");
        Put(Engine, a, B("k"), B("in a"));
        Put(Engine, b, B("k"), B("in b"));
        Assert.Equal(B("in a"), Engine.Get(Engine.OpenKeyspace("a"), B("k")));
        Assert.Equal(B("in b"), Engine.Get(b, B("k")));
        Assert.Single(Engine.Scan(a, KeyRange.All));
        Assert.True(Engine.Commit(new WriteBatch().DeleteRange(a, [], [0xFF, 0xFF])).Committed);
        Assert.Equal(B("in b"), Engine.Get(b, B("k")));
    }

    [Fact]
    public void Scan_orders_keys_as_unsigned_bytes_shorter_prefix_first()
    {
        var ks = Engine.OpenKeyspace("t");
        byte[][] keys = [B(0xFF), B(0x00), B(0x80), B(0x7F), B(0x01, 0x00), B(0x01), B(0x00, 0x00), B(0xFF, 0x00)];
        var batch = new WriteBatch();
        foreach (var key in keys)
        {
            batch.Put(ks, key, key);
        }

        Assert.True(Engine.Commit(batch).Committed);
        var expected = new[] { "00", "0000", "01", "0100", "7F", "80", "FF", "FF00" };
        Assert.Equal(expected, Keys(Engine.Scan(ks, KeyRange.All)));
        Assert.Equal(expected.Reverse(), Keys(Engine.Scan(ks, KeyRange.All, reverse: true)));
        Assert.All(Engine.Scan(ks, KeyRange.All), e => Assert.Equal(e.Key, e.Value));
    }

    [Fact]
    public void Scan_bounds_are_start_inclusive_end_exclusive_in_both_directions()
    {
        var ks = Engine.OpenKeyspace("t");
        var batch = new WriteBatch();
        for (var i = 0; i < 10; i++)
        {
            batch.Put(ks, B($"k{i}"), B($"v{i}"));
        }

        Assert.True(Engine.Commit(batch).Committed);
        string[] Range(byte[]? start, byte[]? end, bool reverse) =>
            Engine.Scan(ks, new KeyRange(start, end), reverse).Select(e => Encoding.UTF8.GetString(e.Key)).ToArray();

        Assert.Equal(["k3", "k4", "k5"], Range(B("k3"), B("k6"), false));
        Assert.Equal(["k5", "k4", "k3"], Range(B("k3"), B("k6"), true));
        Assert.Equal(["k0", "k1"], Range(null, B("k2"), false));
        Assert.Equal(["k1", "k0"], Range(null, B("k2"), true));
        Assert.Equal(["k8", "k9"], Range(B("k8"), null, false));
        Assert.Equal(["k9", "k8"], Range(B("k8"), null, true));

        // Bounds that fall between keys.
        Assert.Equal(["k4", "k5"], Range(B("k3a"), B("k5a"), false));
        Assert.Equal(["k5", "k4"], Range(B("k3a"), B("k5a"), true));

        // Empty and inverted ranges yield nothing.
        Assert.Empty(Range(B("k4"), B("k4"), false));
        Assert.Empty(Range(B("k4"), B("k4"), true));
        Assert.Empty(Range(B("k6"), B("k3"), false));
        Assert.Empty(Range(B("k6"), B("k3"), true));
        Assert.Empty(Range(null, [], false));
        Assert.Equal(10, Range([], null, false).Length);
    }

    [Fact]
    public void Prefix_ranges_handle_0xFF_edges()
    {
        var ks = Engine.OpenKeyspace("t");
        byte[][] keys =
        [
            B(0x01, 0xFE), B(0x01, 0xFE, 0xFF), B(0x01, 0xFF), B(0x01, 0xFF, 0x00), B(0x01, 0xFF, 0xFF, 0xFF), B(0x02),
            B(0xFE, 0xFF), B(0xFF), B(0xFF, 0x00), B(0xFF, 0xFF), B(0xFF, 0xFF, 0xFF, 0x01),
        ];
        var batch = new WriteBatch();
        foreach (var key in keys)
        {
            batch.Put(ks, key, [1]);
        }

        Assert.True(Engine.Commit(batch).Committed);

        Assert.Equal(["01FF", "01FF00", "01FFFFFF"], Keys(Engine.Scan(ks, KeyRange.Prefix([0x01, 0xFF]))));
        Assert.Equal(["01FFFFFF", "01FF00", "01FF"], Keys(Engine.Scan(ks, KeyRange.Prefix([0x01, 0xFF]), reverse: true)));
        Assert.Equal(["01FE", "01FEFF"], Keys(Engine.Scan(ks, KeyRange.Prefix([0x01, 0xFE]))));
        Assert.Equal(["FF", "FF00", "FFFF", "FFFFFF01"], Keys(Engine.Scan(ks, KeyRange.Prefix([0xFF]))));
        Assert.Equal(["FFFFFF01", "FFFF", "FF00", "FF"], Keys(Engine.Scan(ks, KeyRange.Prefix([0xFF]), reverse: true)));
        Assert.Equal(["FFFF", "FFFFFF01"], Keys(Engine.Scan(ks, KeyRange.Prefix([0xFF, 0xFF]))));
        Assert.Equal(["FFFFFF01"], Keys(Engine.Scan(ks, KeyRange.Prefix([0xFF, 0xFF, 0xFF]), reverse: true)));
        Assert.Empty(Engine.Scan(ks, KeyRange.Prefix([0xFF, 0xFF, 0xFF, 0xFF])));
        Assert.Equal(keys.Length, Engine.Scan(ks, KeyRange.Prefix([])).Count());
    }

    [Fact]
    public void Scan_reads_a_snapshot_taken_when_enumeration_starts()
    {
        var ks = Engine.OpenKeyspace("t");
        Put(Engine, ks, B("a"), B("1"));
        Put(Engine, ks, B("c"), B("1"));

        using var enumerator = Engine.Scan(ks, KeyRange.All).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        Assert.Equal(B("a"), enumerator.Current.Key);
        Put(Engine, ks, B("b"), B("new"));
        Put(Engine, ks, B("c"), B("changed"));
        Assert.True(Engine.Commit(new WriteBatch().Put(ks, B("d"), B("new"))).Committed);
        Assert.True(enumerator.MoveNext());
        Assert.Equal(B("c"), enumerator.Current.Key);
        Assert.Equal(B("1"), enumerator.Current.Value);
        Assert.False(enumerator.MoveNext());
    }

    [Fact]
    public void Abandoned_partial_scans_release_their_resources()
    {
        var ks = Engine.OpenKeyspace("t");
        var batch = new WriteBatch();
        for (var i = 0; i < 100; i++)
        {
            batch.Put(ks, B($"k{i:D3}"), B("v"));
        }

        Assert.True(Engine.Commit(batch).Committed);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(3, Engine.Scan(ks, KeyRange.All, reverse: i % 2 == 0).Take(3).Count());
        }

        // Closing must not wait on (or crash under) scans that Take disposed early.
        var closing = System.Diagnostics.Stopwatch.StartNew();
        var reopened = Reopen();
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(100, reopened.Scan(reopened.OpenKeyspace("t"), KeyRange.All).Count());
    }

    [Fact]
    public void DeleteRange_removes_start_inclusive_to_end_exclusive()
    {
        var ks = Engine.OpenKeyspace("t");
        var batch = new WriteBatch();
        for (var i = 0; i < 10; i++)
        {
            batch.Put(ks, B($"k{i}"), B("v"));
        }

        Assert.True(Engine.Commit(batch).Committed);
        Assert.True(Engine.Commit(new WriteBatch().DeleteRange(ks, B("k2"), B("k5"))).Committed);
        Assert.Equal(["k0", "k1", "k5", "k6", "k7", "k8", "k9"], Engine.Scan(ks, KeyRange.All).Select(e => Encoding.UTF8.GetString(e.Key)));

        // An empty or inverted range deletes nothing.
        Assert.True(Engine.Commit(new WriteBatch().DeleteRange(ks, B("k7"), B("k7")).DeleteRange(ks, B("k9"), B("k6"))).Committed);
        Assert.Equal(7, Engine.Scan(ks, KeyRange.All).Count());

        // Puts after a DeleteRange in the same batch survive it.
        Assert.True(Engine.Commit(new WriteBatch().DeleteRange(ks, B("k"), B("l")).Put(ks, B("k8"), B("again"))).Committed);
        Assert.Equal(["k8"], Engine.Scan(ks, KeyRange.All).Select(e => Encoding.UTF8.GetString(e.Key)));
    }

    [Fact]
    public void Batches_apply_every_operation_across_keyspaces()
    {
        var a = Engine.OpenKeyspace("a");
        var b = Engine.OpenKeyspace("b");
        Put(Engine, a, B("old"), B("x"));
        var result = Engine.Commit(new WriteBatch()
            .Put(a, B("1"), B("one"))
            .Put(b, B("2"), B("two"))
            .Delete(a, B("old"))
            .Put(a, B("1"), B("one again")));
        Assert.Equal(CommitResult.Success, result);
        Assert.Equal(B("one again"), Engine.Get(a, B("1")));
        Assert.Equal(B("two"), Engine.Get(b, B("2")));
        Assert.Null(Engine.Get(a, B("old")));
    }

    [Fact]
    public void Conditions_on_present_absent_and_mismatched_values()
    {
        var ks = Engine.OpenKeyspace("t");
        Put(Engine, ks, B("k"), B("v1"));

        Assert.True(Engine.Commit(new WriteBatch().Expect(ks, B("k"), B("v1")).Put(ks, B("k"), B("v2"))).Committed);
        Assert.Equal(B("v2"), Engine.Get(ks, B("k")));

        Assert.Equal(CommitResult.ConditionFailed(0), Engine.Commit(new WriteBatch().Expect(ks, B("k"), B("v1")).Put(ks, B("k"), B("v3"))));
        Assert.Equal(CommitResult.ConditionFailed(0), Engine.Commit(new WriteBatch().Expect(ks, B("k"), B("v2x")).Put(ks, B("k"), B("v3"))));
        Assert.Equal(CommitResult.ConditionFailed(0), Engine.Commit(new WriteBatch().Expect(ks, B("k"), B("v")).Put(ks, B("k"), B("v3"))));
        Assert.Equal(CommitResult.ConditionFailed(0), Engine.Commit(new WriteBatch().Expect(ks, B("k"), null).Put(ks, B("k"), B("v3"))));
        Assert.Equal(B("v2"), Engine.Get(ks, B("k")));

        Assert.True(Engine.Commit(new WriteBatch().Expect(ks, B("new"), null).Put(ks, B("new"), B("n"))).Committed);
        Assert.Equal(CommitResult.ConditionFailed(0), Engine.Commit(new WriteBatch().Expect(ks, B("absent"), B("v")).Put(ks, B("absent"), B("n"))));
        Assert.Null(Engine.Get(ks, B("absent")));

        // Conditions alone (no operations) are a consistent multi-key check.
        Assert.True(Engine.Commit(new WriteBatch().Expect(ks, B("k"), B("v2")).Expect(ks, B("new"), B("n"))).Committed);
    }

    [Fact]
    public void A_failed_condition_reports_its_index_and_applies_nothing()
    {
        var a = Engine.OpenKeyspace("a");
        var b = Engine.OpenKeyspace("b");
        Put(Engine, a, B("x"), B("1"));
        Put(Engine, b, B("y"), B("2"));

        var batch = new WriteBatch()
            .Expect(a, B("x"), B("1"))
            .Expect(b, B("z"), null)
            .Expect(b, B("y"), B("wrong"))
            .Expect(a, B("x"), B("also wrong"))
            .Put(a, B("x"), B("changed"))
            .Put(b, B("new"), B("n"))
            .Delete(b, B("y"))
            .DeleteRange(a, [], [0xFF]);
        Assert.Equal(CommitResult.ConditionFailed(2), Engine.Commit(batch));
        Assert.Equal(B("1"), Engine.Get(a, B("x")));
        Assert.Equal(B("2"), Engine.Get(b, B("y")));
        Assert.Null(Engine.Get(b, B("new")));
    }

    [Fact]
    public void Concurrent_compare_and_set_increments_are_exact()
    {
        var ks = Engine.OpenKeyspace("counters");
        const int threads = 8;
        const int incrementsPerThread = 250;
        var conflicts = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < incrementsPerThread; i++)
            {
                while (true)
                {
                    var current = Engine.Get(ks, B("n"));
                    var next = (current is null ? 0 : BitConverter.ToInt64(current)) + 1;
                    var result = Engine.Commit(new WriteBatch().Expect(ks, B("n"), current).Put(ks, B("n"), BitConverter.GetBytes(next)));
                    if (result.Committed)
                    {
                        break;
                    }

                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        Assert.Equal(threads * incrementsPerThread, BitConverter.ToInt64(Engine.Get(ks, B("n"))));
    }

    [Fact]
    public void ReadModifyWrite_sees_current_values_and_applies_its_batch()
    {
        var ks = Engine.OpenKeyspace("rmw");
        Put(Engine, ks, B("a"), B("1"));
        byte[]?[]? seen = null;
        Engine.ReadModifyWrite(ks, [B("a"), B("b")], current =>
        {
            seen = current;
            return new WriteBatch().Delete(ks, B("a")).Put(ks, B("b"), B("2"));
        });

        Assert.NotNull(seen);
        Assert.Equal(B("1"), seen![0]);
        Assert.Null(seen[1]);
        Assert.Null(Engine.Get(ks, B("a")));
        Assert.Equal(B("2"), Engine.Get(ks, B("b")));
    }

    [Fact]
    public void ReadModifyWrite_that_throws_or_returns_null_writes_nothing()
    {
        var ks = Engine.OpenKeyspace("rmw-abandon");
        Put(Engine, ks, B("a"), B("1"));
        Assert.Throws<InvalidOperationException>(() => Engine.ReadModifyWrite(ks, [B("a")], _ =>
        {
            throw new InvalidOperationException("abandon");
        }));
        Engine.ReadModifyWrite(ks, [B("a")], _ => null);
        Assert.Equal(B("1"), Engine.Get(ks, B("a")));

        // The key is unlocked again: a plain commit goes through.
        Put(Engine, ks, B("a"), B("3"));
        Assert.Equal(B("3"), Engine.Get(ks, B("a")));
    }

    [Fact]
    public void ReadModifyWrite_commits_derived_keys_of_other_keyspaces_atomically()
    {
        var ks = Engine.OpenKeyspace("rmw-base");
        var derived = Engine.OpenKeyspace("rmw-derived");
        Engine.ReadModifyWrite(ks, [B("a")], _ =>
            new WriteBatch().Put(ks, B("a"), B("1")).Put(derived, B("a#idx"), B("x")));
        Assert.Equal(B("1"), Engine.Get(ks, B("a")));
        Assert.Equal(B("x"), Engine.Get(derived, B("a#idx")));

        Assert.Throws<ArgumentException>(() =>
            Engine.ReadModifyWrite(ks, [B("a")], _ =>
                new WriteBatch().Delete(derived, B("a#idx")).Put(ks, B("a"), null!)));
        Assert.Equal(B("x"), Engine.Get(derived, B("a#idx")));
        Assert.Equal(B("1"), Engine.Get(ks, B("a")));
    }

    [Fact]
    public void Concurrent_read_modify_write_increments_are_exact_and_exclude_plain_commits()
    {
        var ks = Engine.OpenKeyspace("rmw-counters");
        const int threads = 8;
        const int incrementsPerThread = 250;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < incrementsPerThread; i++)
            {
                if (t % 2 == 0)
                {
                    Engine.ReadModifyWrite(ks, [B("n")], current =>
                        new WriteBatch().Put(ks, B("n"), BitConverter.GetBytes((current[0] is null ? 0 : BitConverter.ToInt64(current[0])) + 1)));
                    continue;
                }

                // Compare-and-set commits on the same key interleave with the locked ones.
                while (true)
                {
                    var current = Engine.Get(ks, B("n"));
                    var next = (current is null ? 0 : BitConverter.ToInt64(current)) + 1;
                    if (Engine.Commit(new WriteBatch().Expect(ks, B("n"), current).Put(ks, B("n"), BitConverter.GetBytes(next))).Committed)
                    {
                        break;
                    }
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        Assert.Equal(threads * incrementsPerThread, BitConverter.ToInt64(Engine.Get(ks, B("n"))));
    }

    [Fact]
    public void Concurrent_multi_key_transactions_do_not_deadlock_and_conserve_totals()
    {
        // Transfers between accounts, each batch checking and writing two keys in varying order:
        // lock ordering must prevent deadlock, and the total must be conserved.
        var ks = Engine.OpenKeyspace("accounts");
        const int accounts = 10;
        var setup = new WriteBatch();
        for (var i = 0; i < accounts; i++)
        {
            setup.Put(ks, B($"acct{i}"), BitConverter.GetBytes(1000L));
        }

        Assert.True(Engine.Commit(setup).Committed);
        var workers = Enumerable.Range(0, 6).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            for (var n = 0; n < 300; n++)
            {
                var from = random.Next(accounts);
                var to = (from + 1 + random.Next(accounts - 1)) % accounts;
                while (true)
                {
                    var fromValue = Engine.Get(ks, B($"acct{from}"))!;
                    var toValue = Engine.Get(ks, B($"acct{to}"))!;
                    var batch = new WriteBatch()
                        .Expect(ks, B($"acct{from}"), fromValue)
                        .Expect(ks, B($"acct{to}"), toValue)
                        .Put(ks, B($"acct{to}"), BitConverter.GetBytes(BitConverter.ToInt64(toValue) + 1))
                        .Put(ks, B($"acct{from}"), BitConverter.GetBytes(BitConverter.ToInt64(fromValue) - 1));
                    if (Engine.Commit(batch).Committed)
                    {
                        break;
                    }
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        Assert.All(workers, t => Assert.True(t.Join(TimeSpan.FromSeconds(60)), "deadlock"));

        var total = Engine.Scan(ks, KeyRange.Prefix(B("acct"))).Sum(e => BitConverter.ToInt64(e.Value));
        Assert.Equal(accounts * 1000L, total);
    }

    [Fact]
    public void Reopen_keeps_data_and_keyspaces()
    {
        var a = Engine.OpenKeyspace("table-a");
        var b = Engine.OpenKeyspace("table-b/index.1");
        var batch = new WriteBatch();
        for (var i = 0; i < 1000; i++)
        {
            batch.Put(a, B($"a{i:D4}"), B($"value {i}"));
        }

        batch.Put(b, B("only"), B("b"));
        Assert.True(Engine.Commit(batch).Committed);
        Assert.True(Engine.Commit(new WriteBatch().Delete(a, B("a0500"))).Committed);

        var engine = Reopen();
        var a2 = engine.OpenKeyspace("table-a");
        var b2 = engine.OpenKeyspace("table-b/index.1");
        Assert.Equal(999, engine.Scan(a2, KeyRange.All).Count());
        Assert.Equal(B("value 999"), engine.Get(a2, B("a0999")));
        Assert.Null(engine.Get(a2, B("a0500")));
        Assert.Equal(B("b"), engine.Get(b2, B("only")));
        Assert.Empty(engine.Scan(engine.OpenKeyspace("table-c"), KeyRange.All));

        // And again, after more writes on the reopened engine.
        Assert.True(engine.Commit(new WriteBatch().Expect(b2, B("only"), B("b")).Put(b2, B("only"), B("b2"))).Committed);
        engine = Reopen();
        Assert.Equal(B("b2"), engine.Get(engine.OpenKeyspace("table-b/index.1"), B("only")));
    }
}
