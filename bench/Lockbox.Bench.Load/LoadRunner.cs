using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lockbox.Bench.Load;

/// <summary>Result of one measurement: one endpoint x connections x op x round.</summary>
internal sealed class RunResult
{
    public required string Label { get; init; }
    public required string Endpoint { get; init; }
    public required int Connections { get; init; }
    public required string Op { get; init; }
    public int Round { get; init; }
    public long Requests { get; set; }
    public double Seconds { get; set; }
    public double OpsPerSec { get; set; }
    public long Items { get; set; }
    public double ItemsPerSec { get; set; }
    public double MeanMs { get; set; }
    public double P50Ms { get; set; }
    public double P90Ms { get; set; }
    public double P99Ms { get; set; }
    public double MaxMs { get; set; }
    public long Errors { get; set; }
    public long Unprocessed { get; set; }
    public string? FirstError { get; set; }
    public double BenchCpuPct { get; set; }
    public double? ServerCpuPct { get; set; }
    public double? MachineCpuPct { get; set; }
    public bool Skipped { get; set; }
}

/// <summary>
/// Exactly N workers in a closed loop (each sends its next request when the previous answer is
/// read). Requests completing inside the measurement window are counted and their latency recorded.
/// </summary>
internal sealed class LoadRunner
{
    private readonly DynamoHttp _http;
    private readonly BenchClient _client;
    private readonly Workload? _workload;
    private readonly string _op;
    private readonly int _seed;
    private long _measureStart = long.MaxValue;
    private long _measureEnd = long.MaxValue;
    private volatile bool _stop;

    public LoadRunner(DynamoHttp http, Workload? workload, string op, int seed, BenchClient client)
    {
        _http = http;
        _client = client;
        _workload = workload;
        _op = op;
        _seed = seed;
    }

    private sealed class WorkerStats
    {
        public Histogram Hist { get; } = new();
        public long Errors { get; set; }
        public long Items { get; set; }
        public long Unprocessed { get; set; }
        public string? FirstError { get; set; }
        public ResponseBuffer Response { get; } = new();
    }

    public async Task<RunResult> RunAsync(string label, string endpoint, int connections, int round, double warmup, double duration, int serverPid)
    {
        var stats = new WorkerStats[connections];
        var tasks = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            var s = stats[i] = new WorkerStats();
            var rng = new Random(HashCode.Combine(_seed, round, connections, i));
            tasks[i] = Task.Run(() => WorkerAsync(s, rng));
        }

        if (warmup > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(warmup));
        }

        using var proc = Process.GetCurrentProcess();
        TimeSpan cpu0 = proc.TotalProcessorTime;
        double? srv0 = CpuSeconds(serverPid);
        double? all0 = MachineBusySeconds();
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _measureStart, start);

        await Task.Delay(TimeSpan.FromSeconds(duration));

        long end = Stopwatch.GetTimestamp();
        Volatile.Write(ref _measureEnd, end);
        proc.Refresh();
        TimeSpan cpu1 = proc.TotalProcessorTime;
        double? srv1 = CpuSeconds(serverPid);
        double? all1 = MachineBusySeconds();
        _stop = true;

        Task all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(40))) != all)
        {
            Console.Error.WriteLine($"warning: {label} {_op} c={connections}: workers did not stop within 40 s");
        }

        double seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        var h = new Histogram();
        var r = new RunResult { Label = label, Endpoint = endpoint, Connections = connections, Op = _op, Round = round };
        foreach (WorkerStats s in stats)
        {
            h.Add(s.Hist);
            r.Errors += s.Errors;
            r.Items += s.Items;
            r.Unprocessed += s.Unprocessed;
            r.FirstError ??= s.FirstError;
        }

        r.Seconds = seconds;
        r.Requests = h.Count;
        r.OpsPerSec = h.Count / seconds;
        r.ItemsPerSec = r.Items / seconds;
        r.MeanMs = h.Count == 0 ? 0 : h.SumMicros / h.Count / 1000.0;
        r.P50Ms = h.Percentile(0.50) / 1000.0;
        r.P90Ms = h.Percentile(0.90) / 1000.0;
        r.P99Ms = h.Percentile(0.99) / 1000.0;
        r.MaxMs = h.MaxMicros / 1000.0;
        r.BenchCpuPct = 100.0 * (cpu1 - cpu0).TotalSeconds / seconds;
        r.ServerCpuPct = srv0 is double a && srv1 is double b ? 100.0 * (b - a) / seconds : null;
        r.MachineCpuPct = all0 is double m0 && all1 is double m1 ? 100.0 * (m1 - m0) / seconds : null;
        return r;
    }

    private async Task WorkerAsync(WorkerStats s, Random rng)
    {
        var sb = new StringBuilder(16 * 1024);
        string? startKey = null;
        string target = _op == "raw" ? "" : Workload.Target(_op);
        using RawHttpConnection? connection = _client == BenchClient.Raw ? new RawHttpConnection(_http.Uri) : null;
        ResponseBuffer response = s.Response;
        while (!_stop)
        {
            byte[]? body = _op switch
            {
                "raw" => null,
                "get" => _workload!.GetItem(rng),
                "put" => _workload!.PutItem(rng, sb),
                "query" => _workload!.Query(rng),
                "batchwrite" => _workload!.BatchWrite(rng, sb),
                "scan" => _workload!.Scan(startKey),
                "transact10" => _workload!.TransactWrite(rng, sb),
                _ => throw new InvalidOperationException(_op),
            };

            int status;
            string? failure = null;
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                status = connection is not null
                    ? await SendRawAsync(connection, target, body, response)
                    : await SendWithHttpClientAsync(target, body, response);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                status = 0;
                failure = ex.GetType().Name + ": " + ex.Message;
            }

            long t1 = Stopwatch.GetTimestamp();
            bool counted = t1 >= Volatile.Read(ref _measureStart) && t1 <= Volatile.Read(ref _measureEnd);

            long items = 0;
            if (status == 200)
            {
                if (_op is "scan" or "query")
                {
                    (long count, string? lek) = ParsePage(response.Span);
                    items = count;
                    startKey = lek;
                }
                else if (_op == "transact10")
                {
                    items = Workload.TransactSize;
                }
                else if (_op == "batchwrite")
                {
                    items = Workload.BatchSize;
                    if (HasUnprocessed(response.Span) && counted)
                    {
                        s.Unprocessed++;
                    }
                }
            }
            else
            {
                startKey = null;
                if (status != 0)
                {
                    failure = $"HTTP {status}: {Encoding.UTF8.GetString(response.Span[..Math.Min(response.Length, 400)])}";
                }

                if (failure is not null && s.FirstError is null)
                {
                    s.FirstError = failure;
                }
            }

            if (counted)
            {
                if (status == 200)
                {
                    s.Hist.Record((long)Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds);
                    s.Items += items;
                }
                else
                {
                    s.Errors++;
                }
            }

            if (status == 0)
            {
                // Avoid a hot failure loop against a dead endpoint.
                await Task.Delay(10);
            }
        }
    }

    private ValueTask<int> SendRawAsync(RawHttpConnection connection, string target, byte[]? body, ResponseBuffer response)
    {
        if (body is null)
        {
            return connection.GetRootAsync(response);
        }

        (string amzDate, string authorization) = _http.Sign(target, body);
        return connection.PostAsync(target, amzDate, authorization, body, response, _http.SessionToken);
    }

    private async ValueTask<int> SendWithHttpClientAsync(string target, byte[]? body, ResponseBuffer response)
    {
        using HttpRequestMessage req = body is null ? _http.BuildHealth() : _http.Build(target, body);
        using HttpResponseMessage resp = await _http.Client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        using Stream stream = await resp.Content.ReadAsStreamAsync();
        response.Length = 0;
        byte[] chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk)) > 0)
            {
                response.Append(chunk.AsSpan(0, n));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return (int)resp.StatusCode;
    }

    /// <summary>Reads the top-level Count and LastEvaluatedKey (raw JSON) of a Query/Scan answer.</summary>
    private static (long Count, string? LastEvaluatedKey) ParsePage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        long count = 0;
        string? lek = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (0, null);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Count"u8))
            {
                reader.Read();
                count = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : 0;
            }
            else if (reader.ValueTextEquals("LastEvaluatedKey"u8))
            {
                reader.Read();
                int begin = (int)reader.TokenStartIndex;
                reader.Skip();
                lek = Encoding.UTF8.GetString(json[begin..(int)reader.BytesConsumed]);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (count, lek);
    }

    private static bool HasUnprocessed(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isUnprocessed = reader.ValueTextEquals("UnprocessedItems"u8);
            reader.Read();
            if (isUnprocessed)
            {
                return reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType != JsonTokenType.EndObject;
            }

            reader.Skip();
        }

        return false;
    }

    /// <summary>Busy CPU seconds of the whole machine (all cores) from /proc/stat; null when unknown.</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string? line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long busy = 0;
            // user nice system idle iowait irq softirq steal: everything but idle and iowait.
            for (int i = 1; i <= Math.Min(8, f.Length - 1); i++)
            {
                if (i is 4 or 5)
                {
                    continue;
                }

                busy += long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture);
            }

            return busy / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>utime+stime of a process from /proc (Linux), in seconds; null when unknown.</summary>
    public static double? CpuSeconds(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            string[] f = stat[(close + 2)..].Split(' ');
            // Fields after "(comm)": state=0 ... utime=11, stime=12 (1-based 14 and 15 in proc(5)).
            long ticks = long.Parse(f[11], System.Globalization.CultureInfo.InvariantCulture) +
                         long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
