using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>Streams across a restart, and the TTL sweeper of a real server, each on its own server.</summary>
[Collection(LockboxCollection.Name)]
public sealed class StreamsProcessTests(ITestOutputHelper output)
{
    private static AmazonDynamoDBClient Client(LockboxServer server) =>
        LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!);

    private static Task<JsonElement> StreamsCall(LockboxServer server, string operation, object body) =>
        StreamsApi.CallAsync(server.Endpoint, server.AccessKey!, server.SecretKey!, operation, body);

    private static async Task<string> TrimHorizonAsync(LockboxServer server, string arn)
    {
        var shard = (await StreamsCall(server, "DescribeStream", new { StreamArn = arn })).GetProperty("StreamDescription").GetProperty("Shards")[0].GetProperty("ShardId").GetString()!;
        return (await StreamsCall(server, "GetShardIterator", new { StreamArn = arn, ShardId = shard, ShardIteratorType = "TRIM_HORIZON" })).GetProperty("ShardIterator").GetString()!;
    }

    [ServerProcessFact]
    public async Task Stream_KeepsWorkingAcrossARestart_WithTheSameIterator()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            string table;
            string arn;
            string iterator;
            using (var client = Client(server))
            {
                table = await Tables.CreateAsync(client);
                arn = (await client.UpdateTableAsync(new UpdateTableRequest
                {
                    TableName = table,
                    StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_IMAGE },
                })).TableDescription.LatestStreamArn;
                await client.PutItemAsync(table, Av.Item(("pk", Av.S("r")), ("sk", Av.S("1"))));
                var page = await StreamsCall(server, "GetRecords", new { ShardIterator = await TrimHorizonAsync(server, arn) });
                Assert.Equal(1, page.GetProperty("Records").GetArrayLength());
                iterator = page.GetProperty("NextShardIterator").GetString()!;
            }

            await server.StopAsync();
            await server.StartAsync();

            using (var client = Client(server))
            {
                Assert.Equal(arn, (await client.DescribeTableAsync(table)).Table.LatestStreamArn);
                await client.PutItemAsync(table, Av.Item(("pk", Av.S("r")), ("sk", Av.S("2"))));
                var page = await StreamsCall(server, "GetRecords", new { ShardIterator = iterator });
                var record = Assert.Single(page.GetProperty("Records").EnumerateArray());
                Assert.Equal("2", record.GetProperty("dynamodb").GetProperty("Keys").GetProperty("sk").GetProperty("S").GetString());
                Assert.True(page.TryGetProperty("NextShardIterator", out _));
                var all = (await StreamsCall(server, "ListStreams", new { TableName = table })).GetProperty("Streams");
                Assert.Equal(arn, Assert.Single(all.EnumerateArray()).GetProperty("StreamArn").GetString());
            }
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }

    [ServerProcessFact]
    public async Task TimeToLive_SweeperDeletesExpiredItems_WithServiceRemoveRecords()
    {
        var options = LockboxServerOptions.WithGeneratedCredentials();
        await using var server = await LockboxServer.StartNewAsync(new LockboxServerOptions
        {
            RootAccessKeyId = options.RootAccessKeyId,
            RootSecretAccessKey = options.RootSecretAccessKey,
            ExtraArguments = ["--ttl-sweep-interval", "0.5"],
        });
        try
        {
            using var client = Client(server);
            var table = await Tables.CreateAsync(client);
            var arn = (await client.UpdateTableAsync(new UpdateTableRequest
            {
                TableName = table,
                StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES },
            })).TableDescription.LatestStreamArn;
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            await client.PutItemAsync(table, Av.Item(("pk", Av.S("t")), ("sk", Av.S("expired")), ("exp", Av.N(now - 60))));
            await client.PutItemAsync(table, Av.Item(("pk", Av.S("t")), ("sk", Av.S("future")), ("exp", Av.N(now + 3600))));
            await client.PutItemAsync(table, Av.Item(("pk", Av.S("t")), ("sk", Av.S("ancient")), ("exp", Av.N(now - (6L * 365 * 86400)))));
            await client.PutItemAsync(table, Av.Item(("pk", Av.S("t")), ("sk", Av.S("string")), ("exp", Av.S((now - 60).ToString(CultureInfo.InvariantCulture)))));
            Assert.True((await client.GetItemAsync(table, Av.Key("t", "expired"))).IsItemSet);

            await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = table,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = true },
            });
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && (await client.GetItemAsync(table, Av.Key("t", "expired"))).IsItemSet)
            {
                await Task.Delay(200);
            }

            Assert.False((await client.GetItemAsync(table, Av.Key("t", "expired"))).IsItemSet);
            Assert.True((await client.GetItemAsync(table, Av.Key("t", "future"))).IsItemSet);
            Assert.True((await client.GetItemAsync(table, Av.Key("t", "ancient"))).IsItemSet);
            Assert.True((await client.GetItemAsync(table, Av.Key("t", "string"))).IsItemSet);

            var records = (await StreamsCall(server, "GetRecords", new { ShardIterator = await TrimHorizonAsync(server, arn) })).GetProperty("Records").EnumerateArray().ToList();
            Assert.Equal(5, records.Count);
            var removal = records[^1];
            Assert.Equal("REMOVE", removal.GetProperty("eventName").GetString());
            Assert.Equal("expired", removal.GetProperty("dynamodb").GetProperty("Keys").GetProperty("sk").GetProperty("S").GetString());
            Assert.Equal("Service", removal.GetProperty("userIdentity").GetProperty("Type").GetString());
            Assert.Equal("dynamodb.amazonaws.com", removal.GetProperty("userIdentity").GetProperty("PrincipalId").GetString());
            Assert.All(records.Take(4), r => Assert.False(r.TryGetProperty("userIdentity", out _)));
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }
}
