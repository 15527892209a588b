using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lockbox.Bench.Load;

/// <summary>Creates, preloads and deletes the per-endpoint benchmark table.</summary>
internal static class TableSetup
{
    public static async Task CreateAsync(DynamoHttp http, Workload w, CancellationToken ct)
    {
        (int status, string body) = await http.CallAsync("CreateTable", w.CreateTableJson(), ct);
        if (status != 200)
        {
            throw new InvalidOperationException($"CreateTable {w.Table}: HTTP {status}: {Trim(body)}");
        }

        var sw = Stopwatch.StartNew();
        while (true)
        {
            (status, body) = await http.CallAsync("DescribeTable", w.TableOnlyJson(), ct);
            if (status == 200 && TableStatus(body) == "ACTIVE")
            {
                return;
            }

            if (status != 200 && status != 400)
            {
                throw new InvalidOperationException($"DescribeTable {w.Table}: HTTP {status}: {Trim(body)}");
            }

            if (sw.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"table {w.Table} not ACTIVE after 60 s: {Trim(body)}");
            }

            await Task.Delay(100, ct);
        }
    }

    private static string? TableStatus(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.TryGetProperty("Table", out JsonElement t) && t.TryGetProperty("TableStatus", out JsonElement s)
            ? s.GetString()
            : null;
    }

    /// <summary>Writes every item once with BatchWriteItem (25 per request, 8 in flight), retrying unprocessed items.</summary>
    public static async Task PreloadAsync(DynamoHttp http, Workload w, int seed, CancellationToken ct)
    {
        int batches = (w.Items + Workload.BatchSize - 1) / Workload.BatchSize;
        var opts = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, batches), opts, async (b, token) =>
        {
            var rng = new Random(seed + b);
            var sb = new StringBuilder(16 * 1024);
            int first = b * Workload.BatchSize;
            int count = Math.Min(Workload.BatchSize, w.Items - first);
            string json = Encoding.UTF8.GetString(w.BatchWrite(first, rng, sb, count));
            for (int attempt = 0; ; attempt++)
            {
                (int status, string body) = await http.CallAsync("BatchWriteItem", json, token);
                if (status != 200)
                {
                    throw new InvalidOperationException($"preload BatchWriteItem: HTTP {status}: {Trim(body)}");
                }

                using var doc = JsonDocument.Parse(body);
                if (!doc.RootElement.TryGetProperty("UnprocessedItems", out JsonElement u) ||
                    u.ValueKind != JsonValueKind.Object || !u.EnumerateObject().Any())
                {
                    return;
                }

                if (attempt >= 20)
                {
                    throw new InvalidOperationException("preload: items still unprocessed after 20 retries");
                }

                json = "{\"RequestItems\":" + u.GetRawText() + "}";
                await Task.Delay(Math.Min(1000, 20 << Math.Min(attempt, 6)), token);
            }
        });
    }

    /// <summary>Enables TTL on <paramref name="attribute"/> (UpdateTimeToLive).</summary>
    public static async Task EnableTimeToLiveAsync(DynamoHttp http, Workload w, string attribute, CancellationToken ct)
    {
        (int status, string body) = await http.CallAsync("UpdateTimeToLive",
            "{\"TableName\":\"" + w.Table + "\",\"TimeToLiveSpecification\":{\"AttributeName\":\"" + attribute + "\",\"Enabled\":true}}", ct);
        if (status != 200)
        {
            throw new InvalidOperationException($"UpdateTimeToLive {w.Table}: HTTP {status}: {Trim(body)}");
        }
    }

    /// <summary>Polls DescribeTimeToLive until the table's TTL is ENABLED (its expiry index built); returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForTimeToLiveEnabledAsync(DynamoHttp http, Workload w, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            (int status, string body) = await http.CallAsync("DescribeTimeToLive", "{\"TableName\":\"" + w.Table + "\"}", ct);
            if (status != 200)
            {
                throw new InvalidOperationException($"DescribeTimeToLive {w.Table}: HTTP {status}: {Trim(body)}");
            }

            if (body.Contains("\"ENABLED\"", StringComparison.Ordinal))
            {
                return watch.Elapsed;
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>Deletes the table, waiting out a table still CREATING (ResourceInUseException) for up to 30 s.</summary>
    public static async Task DeleteAsync(DynamoHttp http, Workload w)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                (int status, string body) = await http.CallAsync("DeleteTable", w.TableOnlyJson(), cts.Token);
                if (status == 200 || body.Contains("ResourceNotFoundException", StringComparison.Ordinal))
                {
                    return;
                }

                if (status == 400 && body.Contains("ResourceInUseException", StringComparison.Ordinal))
                {
                    await Task.Delay(250, cts.Token);
                    continue;
                }

                Console.Error.WriteLine($"warning: DeleteTable {w.Table} on {http.Uri}: HTTP {status}: {Trim(body)}");
                return;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            Console.Error.WriteLine($"warning: DeleteTable {w.Table} on {http.Uri}: {ex.Message}");
        }
    }

    public static string Trim(string s) => s.Length <= 400 ? s : s[..400] + "...";
}
