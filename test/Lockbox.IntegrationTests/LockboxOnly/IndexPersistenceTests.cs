using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// Secondary indexes across server restarts: an index and its counters survive a clean restart,
/// and a global index whose backfill is cut short by kill -9 is finished, exactly, after restart.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class IndexPersistenceTests(ITestOutputHelper output)
{
    private static AmazonDynamoDBClient Client(LockboxServer server) =>
        LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, 3);

    [ServerProcessFact]
    public async Task KillDash9_DuringBackfill_IndexIsCompleteAfterRestart()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            const int items = 40_000;
            string table;
            using (var client = Client(server))
            {
                table = await Tables.CreateAsync(client, sortKey: null);
                var writes = Enumerable.Range(0, items).Select(i => new WriteRequest(new PutRequest(Av.Item(
                    ("pk", Av.S(string.Create(CultureInfo.InvariantCulture, $"item-{i:000000}"))),
                    ("group", Av.S("g" + (i % 7).ToString(CultureInfo.InvariantCulture))),
                    ("n", Av.N(i)))))).ToList();
                await Parallel.ForEachAsync(writes.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
                {
                    var pending = new Dictionary<string, List<WriteRequest>> { [table] = [.. chunk] };
                    while (pending.Count > 0)
                    {
                        var response = await client.BatchWriteItemAsync(pending, ct);
                        pending = response.UnprocessedItems is { Count: > 0 } u ? u : [];
                    }
                });

                await client.UpdateTableAsync(new UpdateTableRequest
                {
                    TableName = table,
                    AttributeDefinitions = [new AttributeDefinition("group", ScalarAttributeType.S), new AttributeDefinition("n", ScalarAttributeType.N)],
                    GlobalSecondaryIndexUpdates =
                    [
                        new GlobalSecondaryIndexUpdate
                        {
                            Create = new CreateGlobalSecondaryIndexAction
                            {
                                IndexName = "by-group",
                                KeySchema = [new KeySchemaElement("group", KeyType.HASH), new KeySchemaElement("n", KeyType.RANGE)],
                                Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY },
                            },
                        },
                    ],
                });
            }

            // The backfill of 40,000 items has only just started when the process dies.
            server.Kill();
            await server.StartAsync();

            using var reader = Client(server);
            var index = await WaitForIndexActiveAsync(reader, table, "by-group");
            Assert.Equal(items, index.ItemCount);
            var counted = 0;
            for (var group = 0; group < 7; group++)
            {
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var page = await reader.QueryAsync(new QueryRequest
                    {
                        TableName = table,
                        IndexName = "by-group",
                        KeyConditionExpression = "#g = :g",
                        ExpressionAttributeNames = new() { ["#g"] = "group" },
                        ExpressionAttributeValues = new() { [":g"] = Av.S("g" + group.ToString(CultureInfo.InvariantCulture)) },
                        Select = Select.COUNT,
                        ExclusiveStartKey = start,
                    });
                    counted += page.Count ?? 0;
                    start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
                }
                while (start is not null);
            }

            Assert.Equal(items, counted);
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }

    [ServerProcessFact]
    public async Task Restart_KeepsIndexesTheirEntriesAndCounters()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            var table = Tables.UniqueName();
            using (var client = Client(server))
            {
                await client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = table,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("alt", ScalarAttributeType.N)],
                    KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
                    LocalSecondaryIndexes = [new() { IndexName = "lsi", KeySchema = [new("pk", KeyType.HASH), new("alt", KeyType.RANGE)], Projection = new() { ProjectionType = ProjectionType.ALL } }],
                    GlobalSecondaryIndexes = [new() { IndexName = "gsi", KeySchema = [new("alt", KeyType.HASH)], Projection = new() { ProjectionType = ProjectionType.ALL } }],
                });
                await Tables.WaitForActiveAsync(client, table);
                for (var i = 0; i < 10; i++)
                {
                    await client.PutItemAsync(table, Av.Item(("pk", Av.S("p")), ("sk", Av.S(i.ToString(CultureInfo.InvariantCulture))), ("alt", Av.N(i % 4))));
                }
            }

            await server.StopAsync();
            await server.StartAsync();

            using var reader = Client(server);
            var description = await Tables.WaitForActiveAsync(reader, table);
            Assert.Equal(10, Assert.Single(description.LocalSecondaryIndexes).ItemCount);
            Assert.Equal(10, Assert.Single(description.GlobalSecondaryIndexes).ItemCount);
            var viaGsi = await reader.QueryAsync(new QueryRequest
            {
                TableName = table,
                IndexName = "gsi",
                KeyConditionExpression = "alt = :a",
                ExpressionAttributeValues = new() { [":a"] = Av.N(1) },
            });
            Assert.Equal(["1", "5", "9"], viaGsi.Items.Select(i => i["sk"].S).Order().ToList());
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }

    private static async Task<GlobalSecondaryIndexDescription> WaitForIndexActiveAsync(IAmazonDynamoDB client, string table, string indexName)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var index = (await client.DescribeTableAsync(table)).Table.GlobalSecondaryIndexes.Single(i => i.IndexName == indexName);
            if (index.IndexStatus == IndexStatus.ACTIVE)
            {
                return index;
            }

            Assert.True(DateTime.UtcNow < deadline, $"index {indexName} still {index.IndexStatus}");
            await Task.Delay(250);
        }
    }
}
