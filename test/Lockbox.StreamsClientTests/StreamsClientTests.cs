using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.StreamsClientTests;

/// <summary>
/// The AWS SDK for .NET's own DynamoDB Streams client (AmazonDynamoDBStreamsClient) reads a
/// Lockbox table's stream end to end: ListStreams, DescribeStream, GetShardIterator (TRIM_HORIZON
/// and AFTER_SEQUENCE_NUMBER) and GetRecords with the images the view type keeps.
/// </summary>
public sealed class StreamsClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_SDK_streams_client_reads_inserts_modifies_and_removes_in_order()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            var credentials = new BasicAWSCredentials(server.AccessKey, server.SecretKey);
            using var dynamo = new AmazonDynamoDBClient(credentials,
                new AmazonDynamoDBConfig { ServiceURL = server.Endpoint, AuthenticationRegion = server.Region });
            using var streams = new AmazonDynamoDBStreamsClient(credentials,
                new AmazonDynamoDBStreamsConfig { ServiceURL = server.Endpoint, AuthenticationRegion = server.Region });

            const string table = "sdk-streams";
            var created = await dynamo.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
                StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES },
            });
            var streamArn = created.TableDescription.LatestStreamArn;
            Assert.StartsWith($"arn:aws:dynamodb:{server.Region}:{server.AccountId}:table/{table}/stream/", streamArn, StringComparison.Ordinal);

            await dynamo.PutItemAsync(table, new Dictionary<string, AttributeValue> { ["pk"] = new("k"), ["v"] = new() { N = "1" } });
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new("k") },
                UpdateExpression = "SET v = :v",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = new() { N = "2" } },
            });
            await dynamo.DeleteItemAsync(table, new Dictionary<string, AttributeValue> { ["pk"] = new("k") });

            var listed = await streams.ListStreamsAsync(new ListStreamsRequest { TableName = table });
            Assert.Equal(streamArn, Assert.Single(listed.Streams).StreamArn);

            var description = (await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = streamArn })).StreamDescription;
            Assert.Equal(StreamStatus.ENABLED, description.StreamStatus);
            Assert.Equal(StreamViewType.NEW_AND_OLD_IMAGES, description.StreamViewType);
            var shard = Assert.Single(description.Shards);

            var iterator = (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
            {
                StreamArn = streamArn,
                ShardId = shard.ShardId,
                ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
            })).ShardIterator;
            var page = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
            Assert.Equal(["INSERT", "MODIFY", "REMOVE"], page.Records.Select(r => r.EventName.Value));
            Assert.All(page.Records, r => Assert.Equal("aws:dynamodb", r.EventSource));
            Assert.Equal("1", page.Records[0].Dynamodb.NewImage["v"].N);
            Assert.Equal("1", page.Records[1].Dynamodb.OldImage["v"].N);
            Assert.Equal("2", page.Records[1].Dynamodb.NewImage["v"].N);
            Assert.Equal("2", page.Records[2].Dynamodb.OldImage["v"].N);
            Assert.Null(page.Records[2].Dynamodb.NewImage is { Count: > 0 } ? page.Records[2].Dynamodb.NewImage : null);
            Assert.Equal("k", page.Records[2].Dynamodb.Keys["pk"].S);
            var sequence = page.Records.Select(r => System.Numerics.BigInteger.Parse(r.Dynamodb.SequenceNumber, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(sequence.Order(), sequence);
            Assert.False(string.IsNullOrEmpty(page.NextShardIterator)); // the shard is still open

            var after = (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
            {
                StreamArn = streamArn,
                ShardId = shard.ShardId,
                ShardIteratorType = ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                SequenceNumber = page.Records[0].Dynamodb.SequenceNumber,
            })).ShardIterator;
            var rest = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = after, Limit = 1 });
            Assert.Equal("MODIFY", Assert.Single(rest.Records).EventName.Value);
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }
}
