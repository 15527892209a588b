using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// kill -9 during a load of multi-item transactions: after the restart every transaction is on
/// all of its items or on none, every acknowledged one is there, and a token retried after the
/// crash is not applied twice.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class TransactionCrashTests(ITestOutputHelper output)
{
    private const int ItemsPerTransaction = 8;

    private static AmazonDynamoDBClient Client(LockboxServer server, int retries) =>
        LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, retries);

    [ServerProcessFact]
    public async Task KillDash9_DuringTransactions_EachIsAllOrNothing()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            string table;
            string other;
            using (var setup = Client(server, 1))
            {
                table = await Tables.CreateAsync(setup, sortKey: null, hint: "crash");
                other = await Tables.CreateAsync(setup, hint: "crash2");
            }

            // Each transaction writes its token to N new items of its own, spread over two tables.
            var acknowledged = new ConcurrentBag<string>();
            var failures = 0;
            using var stop = new CancellationTokenSource();
            var tasks = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                using var client = Client(server, retries: 0);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var token = string.Create(CultureInfo.InvariantCulture, $"w{w}-{i:000000}");
                    var items = Enumerable.Range(0, ItemsPerTransaction).Select(j => new TransactWriteItem
                    {
                        Put = j % 2 == 0
                            ? new Put { TableName = table, Item = Av.Item(("pk", Av.S(Key(token, j))), ("token", Av.S(token)), ("pad", Av.S(new string('p', 300)))) }
                            : new Put { TableName = other, Item = Av.Item(("pk", Av.S(Key(token, j))), ("sk", Av.S("x")), ("token", Av.S(token))) },
                    }).ToList();
                    try
                    {
                        await client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = token });
                        acknowledged.Add(token);
                    }
                    catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref failures);
                        return; // the server is gone
                    }
                }
            })).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(3));
            var ackedBeforeKill = acknowledged.Count;
            server.Kill();
            await Task.Delay(500);
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
            output.WriteLine($"{acknowledged.Count} transactions acknowledged ({ackedBeforeKill} before the kill), {failures} writers saw the kill");
            Assert.True(ackedBeforeKill > 20, $"only {ackedBeforeKill} transactions were acknowledged in 3 s; the load did not run");
            Assert.True(failures > 0, "no writer saw the server die; the kill did not happen mid-load");

            await server.StartAsync();
            using var reader = Client(server, retries: 3);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var name in new[] { table, other })
            {
                var scan = new ScanRequest { TableName = name, ConsistentRead = true };
                do
                {
                    var page = await reader.ScanAsync(scan);
                    foreach (var item in page.Items)
                    {
                        var token = item["token"].S;
                        counts[token] = counts.GetValueOrDefault(token) + 1;
                    }
                    scan.ExclusiveStartKey = page.LastEvaluatedKey;
                }
                while (scan.ExclusiveStartKey is { Count: > 0 });
            }

            var partial = counts.Where(c => c.Value != ItemsPerTransaction).ToList();
            Assert.True(partial.Count == 0,
                $"{partial.Count} transactions are partly written, e.g. {string.Join(", ", partial.Take(5).Select(p => p.Key + ": " + p.Value + " items"))}");
            var lost = acknowledged.Where(t => !counts.ContainsKey(t)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged transactions lost, e.g. {string.Join(", ", lost.Take(5))}");
            output.WriteLine($"{counts.Count} transactions found whole after the restart, none partial");

            // The token was committed with the items: after the crash the same request is recognised
            // (nothing written again) and another request with that token is refused.
            var last = acknowledged.First();
            var again = Enumerable.Range(0, ItemsPerTransaction).Select(j => new TransactWriteItem
            {
                Put = j % 2 == 0
                    ? new Put { TableName = table, Item = Av.Item(("pk", Av.S(Key(last, j))), ("token", Av.S(last)), ("pad", Av.S(new string('p', 300)))) }
                    : new Put { TableName = other, Item = Av.Item(("pk", Av.S(Key(last, j))), ("sk", Av.S("x")), ("token", Av.S(last))) },
            }).ToList();
            await AwsAssert.ErrorAsync(() => reader.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                ClientRequestToken = last,
                TransactItems = [new TransactWriteItem { Put = new Put { TableName = table, Item = Av.Item(("pk", Av.S("other-request")), ("token", Av.S("x"))) } }],
            }), "IdempotentParameterMismatchException");
            var refused = await reader.GetItemAsync(new GetItemRequest { TableName = table, Key = Av.Key("other-request"), ConsistentRead = true });
            Assert.True(refused.Item is null or { Count: 0 }, "the refused request wrote its item");
            await reader.TransactWriteItemsAsync(new TransactWriteItemsRequest { ClientRequestToken = last, TransactItems = again });
        }
        catch
        {
            output.WriteLine("--- server output ---");
            output.WriteLine(server.Output);
            throw;
        }
    }

    private static string Key(string token, int index) => string.Create(CultureInfo.InvariantCulture, $"{token}-{index}");
}
