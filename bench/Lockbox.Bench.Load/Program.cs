using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lockbox.Bench.Load;

Options o;
try
{
    o = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

if (o.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

if (o.BareServerPort is int barePort)
{
    return await BareServer.RunAsync(barePort);
}

if (o.Client == BenchClient.Raw && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    // Read when the first socket opens: the raw workers' continuations then run on the epoll
    // threads, one per core, instead of hopping to the thread pool after every answer.
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

if (o.SignCheck)
{
    // Fixed inputs so the signature can be compared with an independent SigV4 implementation.
    var signer = new SigV4Signer(o.AccessKey.Length > 0 ? o.AccessKey : "AKIDEXAMPLE", o.SecretKey.Length > 0 ? o.SecretKey : "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", o.Region);
    (string d, string auth) = signer.Sign("127.0.0.1:8000", "DynamoDB_20120810.GetItem", """{"TableName":"t"}"""u8, new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
    Console.WriteLine(d);
    Console.WriteLine(auth);
    return 0;
}

using var stopping = new CancellationTokenSource();
void RequestStop(string why)
{
    if (!stopping.IsCancellationRequested)
    {
        Console.Error.WriteLine($"{why}: finishing the current measurement, then cleaning up");
        stopping.Cancel();
    }
}

Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    RequestStop("interrupted");
};
using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    RequestStop("terminated");
});

var ops = o.Raw ? new List<string> { "raw" } : o.Ops;
int runs = o.Endpoints.Count * o.Connections.Count * ops.Count * o.Rounds;
double estimate = runs * (o.WarmupSeconds + o.DurationSeconds);
Console.Error.WriteLine(
    $"bench: {o.Endpoints.Count} endpoint(s) x connections [{string.Join(',', o.Connections)}] x ops [{string.Join(',', ops)}] x {o.Rounds} round(s) " +
    $"= {runs} runs of {o.WarmupSeconds}+{o.DurationSeconds} s, about {TimeSpan.FromSeconds(estimate):hh\\:mm\\:ss} plus setup; {Environment.ProcessorCount} cores; load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?")}");

var signer0 = new SigV4Signer(o.AccessKey, o.SecretKey, o.Region, sessionToken: o.SessionToken);
var workloads = new Workload?[o.Endpoints.Count];
var expiredWorkloads = new Workload?[o.Endpoints.Count];
var setupClients = new DynamoHttp[o.Endpoints.Count];
var failed = new bool[o.Endpoints.Count];
var failures = new List<string>();
var all = new List<RunResult>();
int exitCode = 0;

try
{
    for (int e = 0; e < o.Endpoints.Count; e++)
    {
        setupClients[e] = new DynamoHttp(o.Endpoints[e], 8, signer0);
        if (o.Raw)
        {
            continue;
        }

        string table = "bench_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 6));
        var w = new Workload(table, o.Items) { StreamViewType = o.StreamViewType, GlobalIndex = o.GlobalIndex };
        try
        {
            var sw = Stopwatch.StartNew();
            workloads[e] = w; // set first so that a half-created table is still deleted at the end
            await TableSetup.CreateAsync(setupClients[e], w, stopping.Token);
            double created = sw.Elapsed.TotalSeconds;
            await TableSetup.PreloadAsync(setupClients[e], w, o.Seed, stopping.Token);
            Console.Error.WriteLine(
                $"setup {o.Labels[e]}: table {table} ACTIVE after {created:F1} s, {w.Items} items preloaded in {sw.Elapsed.TotalSeconds - created:F1} s " +
                $"({w.Items / Math.Max(0.001, sw.Elapsed.TotalSeconds - created):F0} items/s)");
            if (o.ExpiredItems > 0)
            {
                var expired = new Workload(table + "_ttl", o.ExpiredItems) { ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + o.ExpiresIn };
                expiredWorkloads[e] = expired;
                await TableSetup.CreateAsync(setupClients[e], expired, stopping.Token);
                await TableSetup.PreloadAsync(setupClients[e], expired, o.Seed, stopping.Token);
                await TableSetup.EnableTimeToLiveAsync(setupClients[e], expired, "exp", stopping.Token);
                if (o.WaitForTimeToLive)
                {
                    var waited = await TableSetup.WaitForTimeToLiveEnabledAsync(setupClients[e], expired, stopping.Token);
                    Console.Error.WriteLine($"setup {o.Labels[e]}: TTL of {expired.Table} ENABLED after {waited.TotalSeconds:F1} s");
                }
                Console.Error.WriteLine($"setup {o.Labels[e]}: {o.ExpiredItems} expired items in {expired.Table}, TTL enabled (the server now sweeps them)");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            failed[e] = true;
            string msg = $"setup failed for {o.Labels[e]} ({o.Endpoints[e]}): {ex.Message}";
            failures.Add(msg);
            Console.Error.WriteLine(msg);
            exitCode = 1;
        }
    }

    // Interleaved: for the same round, connection count and op, every endpoint runs back to back.
    for (int round = 1; round <= o.Rounds; round++)
    {
        foreach (int conns in o.Connections)
        {
            foreach (string op in ops)
            {
                for (int e = 0; e < o.Endpoints.Count; e++)
                {
                    if (failed[e] || stopping.IsCancellationRequested)
                    {
                        all.Add(new RunResult { Label = o.Labels[e], Endpoint = o.Endpoints[e], Connections = conns, Op = op, Round = round, Skipped = true });
                        continue;
                    }

                    int pid = e < o.Pids.Count ? o.Pids[e] : 0;
                    using var http = new DynamoHttp(o.Endpoints[e], conns, signer0);
                    var runner = new LoadRunner(http, workloads[e], op, o.Seed, o.Client);
                    RunResult r = await runner.RunAsync(o.Labels[e], o.Endpoints[e], conns, round, o.WarmupSeconds, o.DurationSeconds, pid);
                    all.Add(r);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round} {o.Labels[e],-12} c={conns,-4} {op,-10} {r.OpsPerSec,9:F0} ops/s  p50 {r.P50Ms,7:F2} ms  p99 {r.P99Ms,7:F2} ms  errors {r.Errors}  cpu bench {r.BenchCpuPct:F0}% server {r.ServerCpuPct?.ToString("F0", CultureInfo.InvariantCulture) ?? "?"}% machine {r.MachineCpuPct?.ToString("F0", CultureInfo.InvariantCulture) ?? "?"}%"));
                }
            }
        }
    }
}
finally
{
    for (int e = 0; e < o.Endpoints.Count; e++)
    {
        if (expiredWorkloads[e] is Workload expiredTable && !o.KeepTables)
        {
            await TableSetup.DeleteAsync(setupClients[e], expiredTable);
        }

        if (workloads[e] is Workload w && !o.KeepTables)
        {
            await TableSetup.DeleteAsync(setupClients[e], w);
        }

        setupClients[e]?.Dispose();
    }
}

List<RunResult> summary = Report.Summarize(all);
Console.WriteLine();
Console.WriteLine(Report.Table(summary, o.Rounds));
string ratios = Report.Ratios(summary, o.Labels);
if (ratios.Length > 0)
{
    Console.WriteLine(ratios);
}

var errs = new StringBuilder();
foreach (RunResult r in summary.Where(r => r.FirstError is not null))
{
    errs.AppendLine(CultureInfo.InvariantCulture, $"  {r.Label} c={r.Connections} {r.Op}: {r.FirstError}");
}

if (errs.Length > 0)
{
    Console.WriteLine("First error per run:");
    Console.Write(errs);
}

foreach (string f in failures)
{
    Console.WriteLine(f);
}

if (o.JsonPath is not null)
{
    Report.WriteJson(o.JsonPath, o, summary, all, failures);
    Console.Error.WriteLine($"wrote {o.JsonPath}");
}

return exitCode;
