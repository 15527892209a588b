using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Lockbox.Storage.CrashWriter;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Storage.Tests;

/// <summary>
/// A commit acknowledged to the caller survives kill -9 of the process: a child process commits
/// sequential keys and prints each acknowledged one; the test SIGKILLs it mid-load, reopens the
/// directory and checks that every acknowledged key is there with its value.
/// </summary>
public sealed partial class CrashDurabilityTests
{
    private static string CrashWriterPath =>
        typeof(CrashDurabilityTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CrashWriterPath").Value!;

    [GeneratedRegex(@"^ack (\d+) ok$")]
    private static partial Regex AckLine();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Acknowledged_commits_survive_sigkill(bool syncWrites)
    {
        using var directory = new TempDirectory("lockbox-crash");
        long next = 0;

        // Several rounds: each reopens what the previous kill left behind and continues from there.
        // (An fsync per commit is slow, so the synced variant writes fewer keys before the kill.)
        var killAfterAcks = syncWrites ? 200 : 2000;
        for (var round = 0; round < 2; round++)
        {
            var acknowledged = await RunAndKill(directory.Path, next, syncWrites, killAfterAcks + (round * killAfterAcks / 2));
            Assert.True(acknowledged.Count >= killAfterAcks, $"round {round}: only {acknowledged.Count} acks before the kill");

            using var engine = RocksDbStorageEngine.Open(directory.Path);
            var keyspace = engine.OpenKeyspace("crash");
            foreach (var n in acknowledged)
            {
                var value = engine.Get(keyspace, CrashValues.Key(n));
                Assert.True(value is not null, $"round {round}: acknowledged key {n} is missing after kill -9");
                Assert.Equal(CrashValues.Value(n), value);
            }

            // Keys are written in order, so the stored ones are a contiguous run from 0; the last one
            // may be beyond the last ack (committed, killed before printing), never before it.
            var stored = engine.Scan(keyspace, KeyRange.All).Select(e => System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(e.Key)).ToList();
            Assert.Equal(Enumerable.Range(0, stored.Count).Select(i => (long)i), stored);
            Assert.True(stored.Count > acknowledged.Max());
            next = stored.Count;
        }
    }

    private static async Task<List<long>> RunAndKill(string directory, long firstKey, bool sync, int killAfterAcks)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CrashWriterPath);
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add(firstKey.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (sync)
        {
            start.ArgumentList.Add("sync");
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var acknowledged = new List<long>();
        var killed = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var match = AckLine().Match(line);
                if (match.Success)
                {
                    acknowledged.Add(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }

                if (!killed && acknowledged.Count >= killAfterAcks)
                {
                    // SIGKILL on Unix: no finally blocks, no RocksDB close, no flush of anything.
                    process.Kill();
                    killed = true;
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        await process.WaitForExitAsync();
        Assert.True(killed, $"the writer exited on its own ({process.ExitCode}): {await errors}");

        // Lines still in the pipe after the kill were written before it: their commits count too.
        return acknowledged;
    }
}
