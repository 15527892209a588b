using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// A server of its own with a TTL change cooldown of <see cref="CooldownSeconds"/> seconds instead
/// of DynamoDB's hour (<c>--ttl-change-cooldown</c>) and half-second sweeps, so a test can walk
/// every TTL status transition. Not started against LOCKBOX_TEST_ENDPOINT.
/// </summary>
public sealed class ShortTtlCooldownServerFixture : IAsyncLifetime
{
    public const double CooldownSeconds = 4;

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
            ExtraArguments = ["--ttl-change-cooldown", CooldownSeconds.ToString(CultureInfo.InvariantCulture), "--ttl-sweep-interval", "0.5"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public LockboxServer Require() => Server ?? throw new InvalidOperationException("no server of its own (external endpoint)");
}

/// <summary>
/// UpdateTimeToLive / DescribeTimeToLive status transitions through the AWS SDK for .NET and boto3:
/// ENABLING until the expiry index of the items already there is built, then ENABLED; DISABLING,
/// then DISABLED; DynamoDB's content errors before the cooldown, the cooldown's own error, and a
/// change accepted once it is over.
/// </summary>
public sealed class TimeToLiveProcessTests(ShortTtlCooldownServerFixture fixture, ITestOutputHelper output)
    : IClassFixture<ShortTtlCooldownServerFixture>
{
    private const string Cooldown = "Time to live has been modified multiple times within a fixed interval";

    private static Task<UpdateTimeToLiveResponse> UpdateAsync(IAmazonDynamoDB client, string table, bool enabled, string attribute = "exp") =>
        client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = attribute, Enabled = enabled },
        });

    private static async Task<TimeToLiveDescription> DescribeAsync(IAmazonDynamoDB client, string table) =>
        (await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table })).TimeToLiveDescription;

    /// <summary>Polls until <paramref name="settled"/>; returns every status seen (all must be <paramref name="settled"/> or <paramref name="passing"/>).</summary>
    private static async Task<List<string>> WaitForAsync(IAmazonDynamoDB client, string table, string settled, string passing)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var status = (await DescribeAsync(client, table)).TimeToLiveStatus.Value;
            seen.Add(status);
            if (status == settled)
            {
                return seen;
            }

            Assert.Equal(passing, status);
            await Task.Delay(20);
        }

        Assert.Fail($"TTL never became {settled}: {string.Join(",", seen.TakeLast(5))}");
        return seen;
    }

    [ServerProcessFact]
    public async Task StatusTransitions_ContentErrors_AndTheCooldown_ThroughTheSdk()
    {
        var server = fixture.Require();
        try
        {
            using var client = LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!);
            var table = await Tables.CreateAsync(client);
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            // Enough items that building the expiry index takes a visible moment.
            for (var batch = 0; batch < 200; batch++)
            {
                var requests = Enumerable.Range(0, 25).Select(i => new WriteRequest(new PutRequest(
                    Av.Item(("pk", Av.S("p" + batch)), ("sk", Av.S("s" + i)), ("exp", Av.N(now + 86400)))))).ToList();
                await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = requests } });
            }

            await client.PutItemAsync(table, Av.Item(("pk", Av.S("t")), ("sk", Av.S("expired")), ("exp", Av.N(now - 60))));

            var enabled = await UpdateAsync(client, table, enabled: true);
            Assert.True(enabled.TimeToLiveSpecification.Enabled);
            Assert.Equal("exp", enabled.TimeToLiveSpecification.AttributeName);
            var first = await DescribeAsync(client, table);
            Assert.Equal("exp", first.AttributeName);
            Assert.Contains(first.TimeToLiveStatus.Value, new[] { "ENABLING", "ENABLED" });

            await AwsAssert.ValidationAsync(() => UpdateAsync(client, table, enabled: true), "TimeToLive is already enabled");
            await AwsAssert.ValidationAsync(() => UpdateAsync(client, table, enabled: true, "other"),
                "TimeToLive is active on a different AttributeName: current AttributeName is exp");
            await AwsAssert.ValidationAsync(() => UpdateAsync(client, table, enabled: false), Cooldown);
            var statuses = await WaitForAsync(client, table, "ENABLED", "ENABLING");
            output.WriteLine("statuses while enabling: " + string.Join(",", statuses));

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && (await client.GetItemAsync(table, Av.Key("t", "expired"))).IsItemSet)
            {
                await Task.Delay(100);
            }

            Assert.False((await client.GetItemAsync(table, Av.Key("t", "expired"))).IsItemSet);
            Assert.True((await client.GetItemAsync(table, Av.Key("p7", "s3"))).IsItemSet);

            // The cooldown runs from the enable; then the disable is accepted and applied.
            await Task.Delay(TimeSpan.FromSeconds(ShortTtlCooldownServerFixture.CooldownSeconds));
            var disabled = await UpdateAsync(client, table, enabled: false);
            Assert.False(disabled.TimeToLiveSpecification.Enabled);
            await AwsAssert.ValidationAsync(() => UpdateAsync(client, table, enabled: true), Cooldown);
            await WaitForAsync(client, table, "DISABLED", "DISABLING");
            var final = await DescribeAsync(client, table);
            Assert.Null(final.AttributeName);
            await AwsAssert.ValidationAsync(() => UpdateAsync(client, table, enabled: false), "TimeToLive is already disabled");
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }

    [PythonFact(NeedsServerProcess = true)]
    public Task Boto3_StatusTransitions_AndErrors()
    {
        var server = fixture.Require();
        return PythonCompatTests.RunScriptAsync("boto3_ttl_compat.py", server.Endpoint, server.AccessKey!, server.SecretKey!,
            "us-east-1", output, () => server.Output);
    }
}
