using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Streams;

/// <summary>
/// Streams and TTL through the AWS SDK for .NET's DynamoDB client: StreamSpecification,
/// LatestStreamArn/Label, UpdateTimeToLive/DescribeTimeToLive. (AWSSDK.DynamoDBv2 4.x no longer
/// carries the Streams client, and its AWSSDK.DynamoDBStreams package cannot be restored here: the
/// Streams API is covered by test/compat/boto3_streams_compat.py and the engine tests.)
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed partial class StreamsTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();

    public void Dispose() => _client.Dispose();

    [GeneratedRegex(@"^arn:aws:dynamodb:us-east-1:\d{12}:table/[^/]+/stream/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")]
    private static partial Regex StreamArnPattern();

    private async Task<(string Table, string StreamArn)> CreateStreamTableAsync(string viewType, [System.Runtime.CompilerServices.CallerMemberName] string hint = "s")
    {
        var name = Tables.UniqueName(hint);
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = viewType },
        });
        Assert.Matches(StreamArnPattern(), created.TableDescription.LatestStreamArn);
        Assert.EndsWith("/stream/" + created.TableDescription.LatestStreamLabel, created.TableDescription.LatestStreamArn);
        return (name, created.TableDescription.LatestStreamArn);
    }

    [Fact]
    public async Task StreamSpecification_ShowsInDescribeTable_AndEnablingTwiceIsRefused()
    {
        var (table, arn) = await CreateStreamTableAsync("NEW_AND_OLD_IMAGES");
        var described = (await _client.DescribeTableAsync(table)).Table;
        Assert.True(described.StreamSpecification.StreamEnabled);
        Assert.Equal(StreamViewType.NEW_AND_OLD_IMAGES, described.StreamSpecification.StreamViewType);
        Assert.Equal(arn, described.LatestStreamArn);
        await AwsAssert.ValidationAsync(() => _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = table,
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY },
        }), $"Table already has an enabled stream: TableName: {table}");
        await _client.UpdateTableAsync(new UpdateTableRequest { TableName = table, StreamSpecification = new StreamSpecification { StreamEnabled = false } });
        var disabled = (await _client.DescribeTableAsync(table)).Table;
        Assert.True(disabled.StreamSpecification is null || disabled.StreamSpecification.StreamEnabled != true);
        Assert.Equal(arn, disabled.LatestStreamArn);
        await AwsAssert.ValidationAsync(() => _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = table,
            StreamSpecification = new StreamSpecification { StreamEnabled = false },
        }), $"Table does not have a stream to disable: TableName: {table}");
        var reenabled = await _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = table,
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY },
        });
        Assert.NotEqual(arn, reenabled.TableDescription.LatestStreamArn);
    }

    [Fact]
    public async Task CreateTable_StreamValidation()
    {
        await AwsAssert.ValidationAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true },
        }), "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true");
        var bad = await AwsAssert.ErrorAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = "ALL" },
        }), "ValidationException");
        Assert.Contains("streamSpecification.streamViewType", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeToLive_EnableDescribeDisable_WithDynamoDbsValidations()
    {
        var table = await Tables.CreateAsync(_client);
        var initial = (await _client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table })).TimeToLiveDescription;
        Assert.Equal(TimeToLiveStatus.DISABLED, initial.TimeToLiveStatus);
        await AwsAssert.ValidationAsync(() => _client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = false },
        }), "TimeToLive is already disabled");

        var enabled = await _client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = true },
        });
        Assert.True(enabled.TimeToLiveSpecification.Enabled);
        Assert.Equal("exp", enabled.TimeToLiveSpecification.AttributeName);
        // ENABLING while the (here empty) expiry index is built, then ENABLED.
        var described = (await _client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table })).TimeToLiveDescription;
        for (var i = 0; i < 100 && described.TimeToLiveStatus == TimeToLiveStatus.ENABLING; i++)
        {
            await Task.Delay(50);
            described = (await _client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table })).TimeToLiveDescription;
        }

        Assert.Equal(TimeToLiveStatus.ENABLED, described.TimeToLiveStatus);
        Assert.Equal("exp", described.AttributeName);
        await AwsAssert.ValidationAsync(() => _client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = true },
        }), "TimeToLive is already enabled");
        await AwsAssert.ValidationAsync(() => _client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "other", Enabled = true },
        }), "TimeToLive is active on a different AttributeName: current AttributeName is exp");
        await AwsAssert.ErrorAsync(() => _client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table + "-missing" }),
            "ResourceNotFoundException", $"Requested resource not found: Table: {table}-missing not found");

        // The shared server keeps DynamoDB's one-hour cooldown (TimeToLiveProcessTests walks the
        // rest of the transitions on a server with a short one).
        await AwsAssert.ValidationAsync(() => _client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = false },
        }), "Time to live has been modified multiple times within a fixed interval");
    }
}
