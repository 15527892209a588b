using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lockbox.Bench.Load;

internal static class Report
{
    private static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0)
        {
            return 0;
        }

        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>One row per endpoint x connections x op: medians across rounds, errors summed.</summary>
    public static List<RunResult> Summarize(IReadOnlyList<RunResult> all)
    {
        var rows = new List<RunResult>();
        foreach (IGrouping<(string Label, string Endpoint, int Connections, string Op), RunResult> g in
                 all.GroupBy(r => (r.Label, r.Endpoint, r.Connections, r.Op)))
        {
            RunResult[] rs = g.Where(r => !r.Skipped).ToArray();
            var s = new RunResult { Label = g.Key.Label, Endpoint = g.Key.Endpoint, Connections = g.Key.Connections, Op = g.Key.Op, Round = rs.Length };
            if (rs.Length == 0)
            {
                s.Skipped = true;
                rows.Add(s);
                continue;
            }

            s.Requests = rs.Sum(r => r.Requests);
            s.Seconds = rs.Sum(r => r.Seconds);
            s.Items = rs.Sum(r => r.Items);
            s.OpsPerSec = Median(rs.Select(r => r.OpsPerSec));
            s.ItemsPerSec = Median(rs.Select(r => r.ItemsPerSec));
            s.MeanMs = Median(rs.Select(r => r.MeanMs));
            s.P50Ms = Median(rs.Select(r => r.P50Ms));
            s.P90Ms = Median(rs.Select(r => r.P90Ms));
            s.P99Ms = Median(rs.Select(r => r.P99Ms));
            s.MaxMs = rs.Max(r => r.MaxMs);
            s.Errors = rs.Sum(r => r.Errors);
            s.Unprocessed = rs.Sum(r => r.Unprocessed);
            s.FirstError = rs.Select(r => r.FirstError).FirstOrDefault(e => e is not null);
            s.BenchCpuPct = Median(rs.Select(r => r.BenchCpuPct));
            double[] srv = rs.Where(r => r.ServerCpuPct.HasValue).Select(r => r.ServerCpuPct!.Value).ToArray();
            s.ServerCpuPct = srv.Length > 0 ? Median(srv) : null;
            double[] mach = rs.Where(r => r.MachineCpuPct.HasValue).Select(r => r.MachineCpuPct!.Value).ToArray();
            s.MachineCpuPct = mach.Length > 0 ? Median(mach) : null;
            rows.Add(s);
        }

        return rows;
    }

    public static string Table(IReadOnlyList<RunResult> rows, int rounds)
    {
        var header = new[] { "label", "endpoint", "conns", "op", "ops/s", "items/s", "p50 ms", "p99 ms", "max ms", "errors", "bench cpu%", "server cpu%", "machine cpu%" };
        var lines = new List<string[]> { header };
        foreach (RunResult r in rows)
        {
            lines.Add(r.Skipped
                ? [r.Label, r.Endpoint, r.Connections.ToString(CultureInfo.InvariantCulture), r.Op, "skipped", "", "", "", "", "", "", "", ""]
                :
                [
                    r.Label, r.Endpoint, r.Connections.ToString(CultureInfo.InvariantCulture), r.Op,
                    F(r.OpsPerSec, 0),
                    r.Op is "scan" or "query" or "batchwrite" or "transact10" ? F(r.ItemsPerSec, 0) : "",
                    F(r.P50Ms, 2), F(r.P99Ms, 2), F(r.MaxMs, 1),
                    r.Errors.ToString(CultureInfo.InvariantCulture) + (r.Unprocessed > 0 ? $" (+{r.Unprocessed} unproc)" : ""),
                    F(r.BenchCpuPct, 0),
                    r.ServerCpuPct is double c ? F(c, 0) : "",
                    r.MachineCpuPct is double m ? F(m, 0) : "",
                ]);
        }

        var sb = new StringBuilder();
        sb.AppendLine(rounds > 1 ? $"Results (median of {rounds} rounds; cpu% is of one core: {Environment.ProcessorCount * 100}% = all cores)" : $"Results (cpu% is of one core: {Environment.ProcessorCount * 100}% = all cores)");
        Render(sb, lines, left: [0, 1, 3]);
        return sb.ToString();
    }

    /// <summary>First endpoint against each other: ops/s ratio (&gt;1: first is faster) and p99 ratio (&lt;1: first answers sooner).</summary>
    public static string Ratios(IReadOnlyList<RunResult> rows, IReadOnlyList<string> labels)
    {
        if (labels.Count < 2)
        {
            return "";
        }

        var header = new List<string> { "conns", "op" };
        for (int j = 1; j < labels.Count; j++)
        {
            header.Add($"ops/s {labels[0]}/{labels[j]}");
            header.Add($"p99 {labels[0]}/{labels[j]}");
        }

        var lines = new List<string[]> { header.ToArray() };
        foreach (var key in rows.Select(r => (r.Connections, r.Op)).Distinct())
        {
            RunResult? first = rows.FirstOrDefault(r => r.Label == labels[0] && r.Connections == key.Connections && r.Op == key.Op);
            var line = new List<string> { key.Connections.ToString(CultureInfo.InvariantCulture), key.Op };
            for (int j = 1; j < labels.Count; j++)
            {
                RunResult? other = rows.FirstOrDefault(r => r.Label == labels[j] && r.Connections == key.Connections && r.Op == key.Op);
                bool ok = first is { Skipped: false } && other is { Skipped: false };
                line.Add(ok && other!.OpsPerSec > 0 ? F(first!.OpsPerSec / other.OpsPerSec, 2) : "-");
                line.Add(ok && other!.P99Ms > 0 ? F(first!.P99Ms / other.P99Ms, 2) : "-");
            }

            lines.Add(line.ToArray());
        }

        var sb = new StringBuilder();
        sb.AppendLine($"Ratios of {labels[0]} to each other endpoint (ops/s > 1: {labels[0]} is faster; p99 < 1: {labels[0]} has lower tail latency)");
        Render(sb, lines, left: [1]);
        return sb.ToString();
    }

    private static void Render(StringBuilder sb, List<string[]> lines, int[] left)
    {
        int cols = lines[0].Length;
        int[] w = new int[cols];
        foreach (string[] l in lines)
        {
            for (int i = 0; i < cols; i++)
            {
                w[i] = Math.Max(w[i], l[i].Length);
            }
        }

        for (int n = 0; n < lines.Count; n++)
        {
            string[] l = lines[n];
            for (int i = 0; i < cols; i++)
            {
                sb.Append(left.Contains(i) ? l[i].PadRight(w[i]) : l[i].PadLeft(w[i]));
                sb.Append(i == cols - 1 ? "" : "  ");
            }

            sb.AppendLine();
            if (n == 0)
            {
                sb.AppendLine(new string('-', w.Sum() + (2 * (cols - 1))));
            }
        }
    }

    public static void WriteJson(string path, Options o, IReadOnlyList<RunResult> summary, IReadOnlyList<RunResult> all, IReadOnlyList<string> failures)
    {
        using FileStream fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("generatedAt", DateTimeOffset.UtcNow);
        w.WriteStartObject("machine");
        w.WriteNumber("processorCount", Environment.ProcessorCount);
        w.WriteString("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        w.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
        w.WriteString("loadAverageAtEnd", File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "");
        w.WriteEndObject();
        w.WriteStartObject("settings");
        w.WriteNumber("durationSeconds", o.DurationSeconds);
        w.WriteNumber("warmupSeconds", o.WarmupSeconds);
        w.WriteNumber("rounds", o.Rounds);
        w.WriteNumber("items", o.Items);
        w.WriteBoolean("raw", o.Raw);
        w.WriteString("region", o.Region);
        w.WriteEndObject();
        w.WriteStartArray("failures");
        foreach (string f in failures)
        {
            w.WriteStringValue(f);
        }

        w.WriteEndArray();
        w.WriteStartArray("results");
        foreach (RunResult r in summary)
        {
            WriteResult(w, r);
        }

        w.WriteEndArray();
        w.WriteStartArray("runs");
        foreach (RunResult r in all)
        {
            WriteResult(w, r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter w, RunResult r)
    {
        w.WriteStartObject();
        w.WriteString("label", r.Label);
        w.WriteString("endpoint", r.Endpoint);
        w.WriteNumber("connections", r.Connections);
        w.WriteString("op", r.Op);
        w.WriteNumber("round", r.Round);
        w.WriteBoolean("skipped", r.Skipped);
        w.WriteNumber("requests", r.Requests);
        w.WriteNumber("seconds", Math.Round(r.Seconds, 3));
        w.WriteNumber("opsPerSec", Math.Round(r.OpsPerSec, 1));
        w.WriteNumber("items", r.Items);
        w.WriteNumber("itemsPerSec", Math.Round(r.ItemsPerSec, 1));
        w.WriteNumber("meanMs", Math.Round(r.MeanMs, 3));
        w.WriteNumber("p50Ms", Math.Round(r.P50Ms, 3));
        w.WriteNumber("p90Ms", Math.Round(r.P90Ms, 3));
        w.WriteNumber("p99Ms", Math.Round(r.P99Ms, 3));
        w.WriteNumber("maxMs", Math.Round(r.MaxMs, 3));
        w.WriteNumber("errors", r.Errors);
        w.WriteNumber("unprocessed", r.Unprocessed);
        w.WriteNumber("benchCpuPct", Math.Round(r.BenchCpuPct, 1));
        if (r.ServerCpuPct is double c)
        {
            w.WriteNumber("serverCpuPct", Math.Round(c, 1));
        }
        else
        {
            w.WriteNull("serverCpuPct");
        }

        if (r.MachineCpuPct is double m)
        {
            w.WriteNumber("machineCpuPct", Math.Round(m, 1));
        }
        else
        {
            w.WriteNull("machineCpuPct");
        }

        if (r.FirstError is null)
        {
            w.WriteNull("firstError");
        }
        else
        {
            w.WriteString("firstError", r.FirstError);
        }

        w.WriteEndObject();
    }
}
