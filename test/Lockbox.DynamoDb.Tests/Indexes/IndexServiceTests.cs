using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Indexes;

/// <summary>
/// Secondary index behaviour that needs the service in process: reads of an index are authorized
/// against the index's ARN, and the item collection limit of tables with local indexes refuses a
/// write that would exceed it and writes nothing.
/// </summary>
public sealed class IndexServiceTests : IDisposable
{
    private const string TableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/lsi-table";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-index-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);

    public IndexServiceTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        using var setup = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        Invoke(setup, "CreateTable", """
            {"TableName":"lsi-table","BillingMode":"PAY_PER_REQUEST",
             "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"alt","AttributeType":"S"}],
             "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
             "LocalSecondaryIndexes":[{"IndexName":"by-alt","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"alt","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}
            """);
    }

    [Theory]
    [InlineData("Query", """{"TableName":"lsi-table","IndexName":"by-alt","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"k"}}}""")]
    [InlineData("Scan", """{"TableName":"lsi-table","IndexName":"by-alt"}""")]
    public void Index_reads_are_authorized_against_the_index_arn(string operation, string body)
    {
        var authorizer = new RecordingAuthorizer();
        using var service = new DynamoDbService(_storage, _masterKey, authorizer, TimeProvider.System);
        Assert.Throws<AwsServiceException>(() => Invoke(service, operation, body));
        var request = Assert.Single(authorizer.Seen);
        Assert.Equal("dynamodb:" + operation, request.Action);
        Assert.Equal(TableArn + "/index/by-alt", request.ResourceArn);
    }

    [Fact]
    public void A_write_that_would_grow_an_item_collection_past_the_limit_is_refused_and_writes_nothing()
    {
        using var service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        service.ItemCollections.LimitBytes = 2_000;
        var padding = new string('x', 300);
        var written = 0;
        AwsServiceException? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            try
            {
                Invoke(service, "PutItem", "{\"TableName\":\"lsi-table\",\"Item\":{\"pk\":{\"S\":\"full\"},\"sk\":{\"S\":\"" + i + "\"},\"alt\":{\"S\":\"a\"},\"pad\":{\"S\":\"" + padding + "\"}}}");
                written++;
            }
            catch (AwsServiceException exception)
            {
                refused = exception;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal("ItemCollectionSizeLimitExceededException", refused!.ErrorCode);
        Assert.Equal("Collection size exceeded.", refused.ErrorMessage);
        Assert.InRange(written, 1, 5);

        var counted = JsonDocument.Parse(Invoke(service, "Query",
            """{"TableName":"lsi-table","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"full"}},"Select":"COUNT"}"""));
        Assert.Equal(written, counted.RootElement.GetProperty("Count").GetInt32());

        // Shrinking the collection is allowed, and another collection is unaffected.
        Invoke(service, "DeleteItem", """{"TableName":"lsi-table","Key":{"pk":{"S":"full"},"sk":{"S":"0"}}}""");
        var metrics = JsonDocument.Parse(Invoke(service, "PutItem",
            "{\"TableName\":\"lsi-table\",\"Item\":{\"pk\":{\"S\":\"other\"},\"sk\":{\"S\":\"0\"},\"pad\":{\"S\":\"" + padding + "\"}},\"ReturnItemCollectionMetrics\":\"SIZE\"}"));
        var collection = metrics.RootElement.GetProperty("ItemCollectionMetrics");
        Assert.Equal("other", collection.GetProperty("ItemCollectionKey").GetProperty("pk").GetProperty("S").GetString());
        Assert.Equal("[0,1]", collection.GetProperty("SizeEstimateRangeGB").GetRawText());
    }

    private static string Invoke(DynamoDbService service, string operation, string body) => ServiceCalls.Invoke(service, operation, body);

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class RecordingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Seen { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Seen.Add(request);
            throw new AwsServiceException("com.amazon.coral.service", "AccessDeniedException", "denied", capitalizedMessageMember: true);
        }
    }
}
