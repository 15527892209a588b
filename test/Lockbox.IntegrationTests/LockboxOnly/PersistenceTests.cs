using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// Server-process behaviour: restart persistence, the generated root credentials file, and
/// durability of acknowledged writes across kill -9. Each test starts its own server(s) so the
/// shared one is never disturbed. Skipped against LOCKBOX_TEST_ENDPOINT; CI always runs them.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class PersistenceTests(ITestOutputHelper output)
{
    private static AmazonDynamoDBClient Client(LockboxServer server, int retries = 1) =>
        LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, retries);

    private async Task<T> WithDiagnostics<T>(LockboxServer server, Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch
        {
            output.WriteLine("--- server output ---");
            output.WriteLine(server.Output);
            throw;
        }
    }

    [ServerProcessFact]
    public async Task Restart_OnSameDataDirectory_KeepsTablesAndItems()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        await WithDiagnostics(server, async () =>
        {
            string table;
            string provisioned;
            var item = Av.Item(
                ("pk", Av.S("persist")), ("sk", Av.S("1")),
                ("n", Av.N("12345678901234567890123456789012345678")),
                ("ss", Av.SS("a", "b")), ("m", Av.M(("x", Av.L(Av.Bool(true), Av.Null())))), ("b", Av.B(1, 2, 3)));
            using (var client = Client(server))
            {
                table = await Tables.CreateAsync(client);
                provisioned = Tables.UniqueName();
                await client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = provisioned,
                    AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.N)],
                    KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
                    ProvisionedThroughput = new ProvisionedThroughput(3, 4),
                });
                await Tables.WaitForActiveAsync(client, provisioned);
                await client.PutItemAsync(table, item);
                for (var i = 0; i < 50; i++)
                {
                    await client.PutItemAsync(table, Av.Item(("pk", Av.S("many")), ("sk", Av.S(i.ToString("000", CultureInfo.InvariantCulture)))));
                }
                await client.DeleteItemAsync(table, Av.Key("many", "007"));
            }

            await server.StopAsync();
            await server.StartAsync();

            using (var client = Client(server))
            {
                var described = await Tables.WaitForActiveAsync(client, table);
                Assert.Equal(2, described.KeySchema.Count);
                var p = (await client.DescribeTableAsync(provisioned)).Table;
                Assert.Equal(3, p.ProvisionedThroughput.ReadCapacityUnits);
                Assert.Equal(4, p.ProvisionedThroughput.WriteCapacityUnits);
                Assert.Equal(ScalarAttributeType.N, Assert.Single(p.AttributeDefinitions).AttributeType);

                var got = await client.GetItemAsync(new GetItemRequest { TableName = table, Key = Av.Key("persist", "1"), ConsistentRead = true });
                Assert.Equal(Av.Show(item), Av.Show(got.Item));
                var many = await client.QueryAsync(new QueryRequest
                {
                    TableName = table,
                    KeyConditionExpression = "pk = :p",
                    ExpressionAttributeValues = new() { [":p"] = Av.S("many") },
                });
                Assert.Equal(49, many.Count);
                Assert.DoesNotContain(many.Items, i => i["sk"].S == "007");

                var tables = await client.ListTablesAsync(new ListTablesRequest());
                Assert.Contains(table, tables.TableNames);
                Assert.Contains(provisioned, tables.TableNames);
            }
            return true;
        });
    }

    [ServerProcessFact]
    public async Task Sigint_and_sigterm_each_stop_the_server_cleanly_and_it_restarts_with_its_items()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        await WithDiagnostics(server, async () =>
        {
            string table;
            using (var client = Client(server))
            {
                table = await Tables.CreateAsync(client);
            }

            string[] signals = ["INT", "TERM"];
            for (var i = 0; i < signals.Length; i++)
            {
                using (var client = Client(server))
                {
                    await client.PutItemAsync(table, Av.Item(("pk", Av.S("signal")), ("sk", Av.S(signals[i]))));
                }

                await server.StopAsync(signal: signals[i]);

                // Exit code 0 and the shutdown logged once more: not killed after the grace period.
                Assert.Equal(0, server.LastExitCode);
                Assert.Equal(i + 1, server.Output.Split("Lockbox.Host[1004] Stopped").Length - 1);
                await server.StartAsync();
            }

            using (var client = Client(server))
            {
                foreach (var signal in signals)
                {
                    var got = await client.GetItemAsync(new GetItemRequest { TableName = table, Key = Av.Key("signal", signal), ConsistentRead = true });
                    Assert.True(got.IsItemSet, $"the item written before SIG{signal} is missing after the restart");
                }
            }
            return true;
        });
    }

    [ServerProcessFact]
    public async Task RootCredentialsCsv_WrittenOnceWithMode0600_WhenNoEnvCredentials()
    {
        await using var server = await LockboxServer.StartNewAsync(new LockboxServerOptions());
        await WithDiagnostics(server, async () =>
        {
            var path = Path.Combine(server.DataDirectory, "root-credentials.csv");
            Assert.True(File.Exists(path), "root-credentials.csv was not written to " + server.DataDirectory);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
            var first = await File.ReadAllTextAsync(path);
            var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Equal("Access key ID,Secret access key", lines[0]);
            Assert.Equal(2, lines.Length);
            var fields = lines[1].Split(',');
            Assert.Equal(2, fields.Length);
            Assert.Matches("^AKIA[A-Z0-9]{16}$", fields[0]);
            Assert.Equal(40, fields[1].Length);

            using (var client = LockboxServerFixture.CreateClient(server.Endpoint, fields[0], fields[1]))
            {
                await client.ListTablesAsync(new ListTablesRequest());
            }
            using (var wrong = LockboxServerFixture.CreateClient(server.Endpoint, fields[0], fields[1][..^1] + (fields[1][^1] == 'A' ? "B" : "A")))
            {
                await AwsAssert.ErrorAsync(() => wrong.ListTablesAsync(new ListTablesRequest()), "InvalidSignatureException");
            }

            // Written once: a restart keeps the same root key.
            await server.StopAsync();
            await server.StartAsync();
            Assert.Equal(first, await File.ReadAllTextAsync(path));
            using (var client = LockboxServerFixture.CreateClient(server.Endpoint, fields[0], fields[1]))
            {
                await client.ListTablesAsync(new ListTablesRequest());
            }
            return true;
        });
    }

    [ServerProcessFact]
    public async Task EnvCredentials_NoCsvWritten()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "root-credentials.csv")), server.Output);
    }

    [ServerProcessFact]
    public async Task KillDash9_DuringLoad_EveryAcknowledgedWriteSurvives()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        await WithDiagnostics(server, async () =>
        {
            string table;
            using (var setup = Client(server))
            {
                table = await Tables.CreateAsync(setup, sortKey: null);
            }

            const int writers = 4;
            var acknowledged = new ConcurrentBag<string>();
            var failures = new ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                // No SDK retries: a success is exactly one acknowledged PutItem.
                using var client = Client(server, retries: 0);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var key = string.Create(CultureInfo.InvariantCulture, $"w{w}-{i:000000}");
                    try
                    {
                        var response = await client.PutItemAsync(table, Av.Item(("pk", Av.S(key)), ("writer", Av.N(w)), ("seq", Av.N(i)), ("pad", Av.S(new string('p', 200)))));
                        if (response.HttpStatusCode == System.Net.HttpStatusCode.OK)
                        {
                            acknowledged.Add(key);
                        }
                    }
                    catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TaskCanceledException)
                    {
                        failures.Add(key + ": " + ex.GetType().Name);
                        return; // the server is gone
                    }
                }
            })).ToArray();

            var watch = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var ackedBeforeKill = acknowledged.Count;
            server.Kill();
            var killedAt = watch.Elapsed;
            await Task.Delay(500);
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
            output.WriteLine($"acknowledged {acknowledged.Count} writes ({ackedBeforeKill} counted just before the kill at {killedAt.TotalSeconds:F1} s); {failures.Count} writers saw the kill");
            Assert.True(ackedBeforeKill > 50, $"only {ackedBeforeKill} writes were acknowledged in 3 s; the load did not run");
            Assert.True(failures.Count > 0, "no writer saw the server die; the kill did not happen mid-load");

            await server.StartAsync();
            using var reader = Client(server, retries: 3);
            var missing = new List<string>();
            foreach (var chunk in acknowledged.Distinct().Chunk(100))
            {
                var request = new Dictionary<string, KeysAndAttributes>
                {
                    [table] = new KeysAndAttributes { Keys = [.. chunk.Select(Av.Key)], ConsistentRead = true },
                };
                var found = new HashSet<string>();
                for (var attempt = 0; request.Count > 0 && attempt < 50; attempt++)
                {
                    var response = await reader.BatchGetItemAsync(request);
                    foreach (var item in response.Responses[table])
                    {
                        found.Add(item["pk"].S);
                    }
                    request = response.UnprocessedKeys is { Count: > 0 } u ? u : [];
                }
                missing.AddRange(chunk.Where(k => !found.Contains(k)));
            }
            Assert.True(missing.Count == 0,
                $"{missing.Count} of {acknowledged.Count} acknowledged writes were lost after kill -9, e.g. {string.Join(", ", missing.Take(10))}");
            return true;
        });
    }
}
