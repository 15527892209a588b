using System.Buffers;
using System.Text;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Api;

/// <summary>
/// Every DynamoDB operation describes itself to the authorization stage before it touches
/// anything: called with valid input by a caller the authorizer refuses, each one must fail with
/// the authorizer's error, name its own IAM action and the table's ARN, and change nothing.
/// An operation added to <see cref="DynamoDbService.Operations"/> without a case here fails.
/// </summary>
public sealed class AuthorizationCoverageTests : IDisposable
{
    // The requests below name this table and the key {"pk":{"S":"k"}} literally.
    private const string TableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/authz-table";

    /// <summary>A valid request per operation, and the resource it must be authorized against.</summary>
    private static readonly Dictionary<string, (string Body, string Resource)> Cases = new()
    {
        ["CreateTable"] = ("""{"TableName":"authz-new","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""",
            "arn:aws:dynamodb:us-east-1:123456789012:table/authz-new"),
        ["DescribeTable"] = ("""{"TableName":"authz-table"}""", TableArn),
        ["ListTables"] = ("{}", "*"),
        ["UpdateTable"] = ("""{"TableName":"authz-table","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}""", TableArn),
        ["DeleteTable"] = ("""{"TableName":"authz-table"}""", TableArn),
        ["PutItem"] = ("""{"TableName":"authz-table","Item":{"pk":{"S":"new"}}}""", TableArn),
        ["GetItem"] = ("""{"TableName":"authz-table","Key":{"pk":{"S":"k"}}}""", TableArn),
        ["UpdateItem"] = ("""{"TableName":"authz-table","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}""", TableArn),
        ["DeleteItem"] = ("""{"TableName":"authz-table","Key":{"pk":{"S":"k"}}}""", TableArn),
        ["Query"] = ("""{"TableName":"authz-table","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"k"}}}""", TableArn),
        ["Scan"] = ("""{"TableName":"authz-table"}""", TableArn),
        ["BatchGetItem"] = ("""{"RequestItems":{"authz-table":{"Keys":[{"pk":{"S":"k"}}]}}}""", TableArn),
        ["BatchWriteItem"] = ("""{"RequestItems":{"authz-table":[{"PutRequest":{"Item":{"pk":{"S":"new"}}}}]}}""", TableArn),
        ["TagResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table","Tags":[{"Key":"new","Value":"v"}]}""", TableArn),
        ["UntagResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table","TagKeys":["team"]}""", TableArn),
        ["ListTagsOfResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table"}""", TableArn),
        ["DescribeEndpoints"] = ("{}", "*"),
        ["DescribeLimits"] = ("{}", "*"),
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-authz-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);

    public AuthorizationCoverageTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        using var setup = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        Invoke(setup, "CreateTable", """{"TableName":"authz-table","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"team","Value":"a"}]}""");
        Invoke(setup, "PutItem", """{"TableName":"authz-table","Item":{"pk":{"S":"k"},"v":{"N":"1"}}}""");
    }

    public static TheoryData<string> Operations => [.. DynamoDbService.Operations];

    [Fact]
    public void Every_operation_has_a_case()
    {
        Assert.Equal(DynamoDbService.Operations.Order(), Cases.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Operation_is_authorized_before_it_acts(string operation)
    {
        var before = Snapshot();
        var authorizer = new RefusingAuthorizer();
        using (var service = new DynamoDbService(_storage, _masterKey, authorizer, TimeProvider.System))
        {
            var error = Assert.Throws<AwsServiceException>(() => Invoke(service, operation, Cases[operation].Body));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
        }

        var request = Assert.Single(authorizer.Seen);
        Assert.Equal("dynamodb:" + operation, request.Action);
        Assert.Equal(Cases[operation].Resource, request.ResourceArn);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>Every table with its description and items, as root sees them.</summary>
    private string Snapshot()
    {
        using var service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        return Invoke(service, "ListTables", "{}") + Invoke(service, "Scan", """{"TableName":"authz-table"}""")
            + Invoke(service, "DescribeTable", """{"TableName":"authz-table"}""").Split("\"TableStatus\"")[0]
            + Invoke(service, "ListTagsOfResource", $$"""{"ResourceArn":"{{TableArn}}"}""");
    }

    private static string Invoke(DynamoDbService service, string operation, string body)
    {
        var caller = new CallerContext
        {
            RequestId = "test",
            Principal = new Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AKIATEST", IsRoot: true),
            Region = "us-east-1",
            RequestTime = DateTimeOffset.UtcNow,
        };
        var output = new ArrayBufferWriter<byte>();
        service.InvokeAsync(operation, Encoding.UTF8.GetBytes(body), caller, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Records what it is asked and refuses everything, as a policy with no allow would.</summary>
    private sealed class RefusingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Seen { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Seen.Add(request);
            throw new AwsServiceException("com.amazon.coral.service", "AccessDeniedException", "denied", capitalizedMessageMember: true);
        }
    }
}
