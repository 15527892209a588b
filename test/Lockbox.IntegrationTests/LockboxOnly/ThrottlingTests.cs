using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// A server of its own whose tables keep one second of burst capacity
/// (<c>--dynamodb-burst-seconds 1</c>) instead of DynamoDB's 300, so a test can spend a
/// provisioned table's capacity in moments. Not started against LOCKBOX_TEST_ENDPOINT.
/// </summary>
public sealed class ThrottledServerFixture : IAsyncLifetime
{
    public const double BurstSeconds = 1;

    public LockboxServer? Server { get; private set; }

    public async Task InitializeAsync()
    {
        if (TestEnvironment.ExternalEndpoint is not null)
        {
            return;
        }

        var options = LockboxServerOptions.WithGeneratedCredentials();
        Server = await LockboxServer.StartNewAsync(new LockboxServerOptions
        {
            RootAccessKeyId = options.RootAccessKeyId,
            RootSecretAccessKey = options.RootSecretAccessKey,
            ExtraArguments = ["--dynamodb-burst-seconds", BurstSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        });
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public LockboxServer Require() => Server ?? throw new InvalidOperationException("no throttled server (external endpoint)");
}

/// <summary>
/// Provisioned-throughput throttling seen by real clients: the SDK for .NET without retries gets
/// ProvisionedThroughputExceededException, and boto3's batch_writer, whose retries and
/// UnprocessedItems handling absorb the throttling, gets every item in.
/// </summary>
public sealed class ThrottlingTests(ThrottledServerFixture fixture, ITestOutputHelper output) : IClassFixture<ThrottledServerFixture>
{
    private const string Message =
        "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";

    [ServerProcessFact]
    public async Task PutItem_BeyondProvisionedRate_WithoutRetries_ThrowsProvisionedThroughputExceeded()
    {
        var server = fixture.Require();
        using var client = LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, maxErrorRetry: 0);
        var name = await CreateProvisionedAsync(client, read: 5, write: 5);

        var written = 0;
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(async () =>
        {
            while (watch.Elapsed < TimeSpan.FromSeconds(20))
            {
                await client.PutItemAsync(name, Av.Item(("pk", Av.S("k" + written))));
                written++;
            }
        });
        Assert.Equal(Message, error.Message);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        // 5 units of burst plus 5 per second while the loop ran.
        Assert.InRange(written, 5, 5 + (int)Math.Ceiling(watch.Elapsed.TotalSeconds * 5) + 1);

        // On-demand tables are not throttled.
        var onDemand = await Tables.CreateAsync(client, sortKey: null);
        for (var i = 0; i < 3 * written; i++)
        {
            await client.PutItemAsync(onDemand, Av.Item(("pk", Av.S("k" + i))));
        }
    }

    [ServerProcessFact]
    public async Task BatchWriteItem_BeyondProvisionedRate_ReturnsUnprocessedItems_ThenThrows()
    {
        var server = fixture.Require();
        using var client = LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, maxErrorRetry: 0);
        var name = await CreateProvisionedAsync(client, read: 50, write: 5);

        // The first item costs 100 write units: the 5-unit burst admits it (a write is admitted
        // while the bucket is positive) and leaves the table 95 units in debt, 19 s to repay at 5
        // units/s, so the retry below is refused however slow the machine. The rest come back unprocessed.
        var requests = Enumerable.Range(0, 25)
            .Select(i => new WriteRequest(new PutRequest(Av.Item(("pk", Av.S("b" + i)), ("data", Av.S(new string('x', i == 0 ? 102_000 : 3500)))))))
            .ToList();
        var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new() { [name] = requests },
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        });
        var unprocessed = response.UnprocessedItems[name];

        // Nothing could be done now: the whole call is refused.
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new() { [name] = unprocessed },
        }));

        Assert.Equal(24, unprocessed.Count);
        Assert.Equal(100, response.ConsumedCapacity.Single().CapacityUnits);
        Assert.Equal(["b1", "b2"], unprocessed.Take(2).Select(r => r.PutRequest.Item["pk"].S));
        var scan = await client.ScanAsync(new ScanRequest { TableName = name, Select = Select.COUNT, ConsistentRead = true });
        Assert.Equal(1, scan.Count);
    }

    [PythonFact(NeedsServerProcess = true)]
    public Task Boto3BatchWriter_LoadsMoreThanTheProvisionedRate_AndEveryItemArrives()
    {
        var server = fixture.Require();
        return PythonCompatTests.RunScriptAsync("boto3_throttling_compat.py", server.Endpoint, server.AccessKey!, server.SecretKey!,
            "us-east-1", output, () => server.Output);
    }

    private static async Task<string> CreateProvisionedAsync(IAmazonDynamoDB client, long read, long write)
    {
        var name = Tables.UniqueName("throttle");
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            ProvisionedThroughput = new ProvisionedThroughput(read, write),
        });
        await Tables.WaitForActiveAsync(client, name);
        return name;
    }
}
