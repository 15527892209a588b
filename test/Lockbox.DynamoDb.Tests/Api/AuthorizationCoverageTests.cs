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
        ["ExecuteStatement"] = ("""{"Statement":"UPDATE \"authz-table\" SET v = 5 WHERE pk = 'k'"}""", TableArn),
        ["BatchExecuteStatement"] = ("""{"Statements":[{"Statement":"DELETE FROM \"authz-table\" WHERE pk = ?","Parameters":[{"S":"k"}]}]}""", TableArn),
        ["ExecuteTransaction"] = ("""{"TransactStatements":[{"Statement":"UPDATE \"authz-table\" SET v = 5 WHERE pk = 'k'"},{"Statement":"INSERT INTO \"authz-table\" VALUE {'pk': 'new'}"}]}""", TableArn),
        ["UpdateTimeToLive"] = ("""{"TableName":"authz-table","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}""", TableArn),
        ["DescribeTimeToLive"] = ("""{"TableName":"authz-table"}""", TableArn),
        // DynamoDB Streams: {stream}, {shard} and {iterator} are filled in from the set-up stream.
        ["ListStreams"] = ("{}", "*"),
        ["DescribeStream"] = ("""{"StreamArn":"{stream}"}""", "{stream}"),
        ["GetShardIterator"] = ("""{"StreamArn":"{stream}","ShardId":"{shard}","ShardIteratorType":"TRIM_HORIZON"}""", "{stream}"),
        ["GetRecords"] = ("""{"ShardIterator":"{iterator}"}""", "{stream}"),
        // No dynamodb:Transact* actions exist: each action is authorized with its own item action.
        ["TransactWriteItems"] = ("""{"TransactItems":[{"Update":{"TableName":"authz-table","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}},{"Put":{"TableName":"authz-table","Item":{"pk":{"S":"new"}}}}]}""", TableArn),
        ["TransactGetItems"] = ("""{"TransactItems":[{"Get":{"TableName":"authz-table","Key":{"pk":{"S":"k"}}}}]}""", TableArn),
        // {backup} is the ARN of the backup the constructor takes of authz-table.
        ["CreateBackup"] = ("""{"TableName":"authz-table","BackupName":"authz-backup-2"}""", TableArn),
        ["DescribeBackup"] = ("""{"BackupArn":"{backup}"}""", "{backup}"),
        ["ListBackups"] = ("{}", "*"),
        ["DeleteBackup"] = ("""{"BackupArn":"{backup}"}""", "{backup}"),
        ["RestoreTableFromBackup"] = ("""{"BackupArn":"{backup}","TargetTableName":"authz-restored"}""", "{backup}"),
        ["UpdateContinuousBackups"] = ("""{"TableName":"authz-table","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}""", TableArn),
        ["DescribeContinuousBackups"] = ("""{"TableName":"authz-table"}""", TableArn),
        ["RestoreTableToPointInTime"] = ("""{"SourceTableName":"authz-table","TargetTableName":"authz-restored","UseLatestRestorableTime":true}""", TableArn),
        ["TagResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table","Tags":[{"Key":"new","Value":"v"}]}""", TableArn),
        ["UntagResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table","TagKeys":["team"]}""", TableArn),
        ["ListTagsOfResource"] = ("""{"ResourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table"}""", TableArn),
        ["DescribeEndpoints"] = ("{}", "*"),
        ["DescribeLimits"] = ("{}", "*"),
        // The constructor attaches a policy to authz-table, so a refused delete or replace would show.
        ["PutResourcePolicy"] = ($$$"""{"ResourceArn":"{{{TableArn}}}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"dynamodb:Scan\",\"Resource\":\"*\"}]}"}""", TableArn),
        ["GetResourcePolicy"] = ($$"""{"ResourceArn":"{{TableArn}}"}""", TableArn),
        ["DeleteResourcePolicy"] = ($$"""{"ResourceArn":"{{TableArn}}"}""", TableArn),
    };

    /// <summary>The IAM action of operations whose action is not "dynamodb:" + the operation name.</summary>
    private static readonly Dictionary<string, string> Actions = new()
    {
        ["ExecuteStatement"] = "dynamodb:PartiQLUpdate",
        ["BatchExecuteStatement"] = "dynamodb:PartiQLDelete",
        ["ExecuteTransaction"] = "dynamodb:PartiQLUpdate",
        ["TransactWriteItems"] = "dynamodb:UpdateItem",
        ["TransactGetItems"] = "dynamodb:GetItem",
    };

    /// <summary>
    /// Operations that report a refusal per entry in their response (as BatchExecuteStatement
    /// does per statement) instead of failing the whole call.
    /// </summary>
    private static readonly HashSet<string> RefusedPerEntry = ["BatchExecuteStatement"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-authz-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly string _backupArn;

    public AuthorizationCoverageTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        using var setup = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        Invoke(setup, "CreateTable", """{"TableName":"authz-table","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"team","Value":"a"}]}""");
        Invoke(setup, "PutItem", """{"TableName":"authz-table","Item":{"pk":{"S":"k"},"v":{"N":"1"}}}""");
        var updated = Invoke(setup, "UpdateTable", """{"TableName":"authz-table","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}""");
        _stream = System.Text.Json.JsonDocument.Parse(updated).RootElement.GetProperty("TableDescription").GetProperty("LatestStreamArn").GetString()!;
        Invoke(setup, "PutItem", """{"TableName":"authz-table","Item":{"pk":{"S":"s"}}}""");
        using var engine = new DynamoDbEngine(_storage, _masterKey, TimeProvider.System);
        var streams = new Lockbox.DynamoDb.Streams.DynamoDbStreamsService(engine, new RootOnlyAuthorizer());
        var described = Invoke(streams, "DescribeStream", $$"""{"StreamArn":"{{_stream}}"}""");
        _shard = System.Text.Json.JsonDocument.Parse(described).RootElement.GetProperty("StreamDescription").GetProperty("Shards")[0].GetProperty("ShardId").GetString()!;
        var iterator = Invoke(streams, "GetShardIterator", Fill(Cases["GetShardIterator"].Body));
        _iterator = System.Text.Json.JsonDocument.Parse(iterator).RootElement.GetProperty("ShardIterator").GetString()!;
        var backup = Invoke(setup, "CreateBackup", """{"TableName":"authz-table","BackupName":"authz-backup"}""");
        Invoke(setup, "PutResourcePolicy", $$"""{"ResourceArn":"{{TableArn}}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"dynamodb:GetItem\",\"Resource\":\"*\"}]}"}""");
        _backupArn = System.Text.Json.JsonDocument.Parse(backup).RootElement.GetProperty("BackupDetails").GetProperty("BackupArn").GetString()!;
    }

    private static readonly IReadOnlyList<string> AllOperations =
        [.. DynamoDbService.Operations, .. Lockbox.DynamoDb.Streams.DynamoDbStreamsService.Operations];

    private readonly string _stream;
    private readonly string _shard;
    private readonly string _iterator = "";

    private string Fill(string text) =>
        text.Replace("{stream}", _stream, StringComparison.Ordinal).Replace("{shard}", _shard, StringComparison.Ordinal)
            .Replace("{iterator}", _iterator, StringComparison.Ordinal).Replace("{backup}", _backupArn, StringComparison.Ordinal);

    public static TheoryData<string> Operations => [.. AllOperations];

    [Fact]
    public void Every_operation_has_a_case()
    {
        Assert.Equal(AllOperations.Order(), Cases.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Operation_is_authorized_before_it_acts(string operation)
    {
        var before = Snapshot();
        var authorizer = new RefusingAuthorizer();
        using (var engine = new DynamoDbEngine(_storage, _masterKey, TimeProvider.System))
        {
            Lockbox.Protocols.IJsonService service = DynamoDbService.Operations.Contains(operation)
                ? new DynamoDbService(engine, authorizer, ownsEngine: false)
                : new Lockbox.DynamoDb.Streams.DynamoDbStreamsService(engine, authorizer);
            if (RefusedPerEntry.Contains(operation))
            {
                var response = Invoke(service, operation, Fill(Cases[operation].Body));
                Assert.Contains("\"Error\":{\"Code\":\"AccessDenied\",\"Message\":\"denied\"}", response, StringComparison.Ordinal);
            }
            else
            {
                var error = Assert.Throws<AwsServiceException>(() => Invoke(service, operation, Fill(Cases[operation].Body)));
                Assert.Equal("AccessDeniedException", error.ErrorCode);
            }
        }

        var request = Assert.Single(authorizer.Seen);
        Assert.Equal(Actions.GetValueOrDefault(operation, "dynamodb:" + operation), request.Action);
        Assert.Equal(Fill(Cases[operation].Resource), request.ResourceArn);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void TransactWriteItems_authorizes_every_action_with_its_own_action_before_writing()
    {
        var before = Snapshot();
        // Allows the first three, refuses the fourth: nothing may have been written by then.
        var authorizer = new RefusingAuthorizer(allow: 3);
        using (var service = new DynamoDbService(_storage, _masterKey, authorizer, TimeProvider.System))
        {
            var error = Assert.Throws<AwsServiceException>(() => Invoke(service, "TransactWriteItems", """
                {"TransactItems":[
                  {"Put":{"TableName":"authz-table","Item":{"pk":{"S":"a"}}}},
                  {"Update":{"TableName":"authz-table","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"9"}}}},
                  {"ConditionCheck":{"TableName":"arn:aws:dynamodb:us-east-1:123456789012:table/authz-table","Key":{"pk":{"S":"c"}},"ConditionExpression":"attribute_not_exists(pk)"}},
                  {"Delete":{"TableName":"authz-table","Key":{"pk":{"S":"d"}}}}]}
                """));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
        }

        Assert.Equal(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem"],
            authorizer.Seen.Select(r => r.Action));
        Assert.All(authorizer.Seen, r => Assert.Equal(TableArn, r.ResourceArn));
        Assert.All(authorizer.Seen, r => Assert.Equal("TransactWriteItems", Assert.Single(r.ConditionKeys!["dynamodb:EnclosingOperation"])));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void ExecuteTransaction_authorizes_every_statement_with_its_own_action_before_writing()
    {
        var before = Snapshot();
        // Allows the first three, refuses the fourth: nothing may have been written by then.
        var authorizer = new RefusingAuthorizer(allow: 3);
        using (var service = new DynamoDbService(_storage, _masterKey, authorizer, TimeProvider.System))
        {
            var error = Assert.Throws<AwsServiceException>(() => ServiceCalls.Invoke(service, "ExecuteTransaction", """
                {"TransactStatements":[
                  {"Statement":"INSERT INTO \"authz-table\" VALUE {'pk': 'a'}"},
                  {"Statement":"UPDATE \"authz-table\" SET v = 9 WHERE pk = 'k'"},
                  {"Statement":"EXISTS(SELECT * FROM \"authz-table\" WHERE pk = 's')"},
                  {"Statement":"DELETE FROM \"authz-table\" WHERE pk = ?","Parameters":[{"S":"d"}]}]}
                """, ServiceCalls.User));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
        }

        Assert.Equal(["dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLSelect", "dynamodb:PartiQLDelete"],
            authorizer.Seen.Select(r => r.Action));
        Assert.All(authorizer.Seen, r => Assert.Equal(TableArn, r.ResourceArn));
        Assert.All(authorizer.Seen, r => Assert.Equal("ExecuteTransaction", Assert.Single(r.ConditionKeys!["dynamodb:EnclosingOperation"])));
        Assert.Equal(["a", "k", "s", "d"], authorizer.Seen.Select(r => Assert.Single(r.ConditionKeys!["dynamodb:LeadingKeys"])));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void PartiQL_select_on_an_index_is_authorized_on_the_index_arn()
    {
        using (var setup = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System))
        {
            Invoke(setup, "CreateTable", """{"TableName":"authz-indexed","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],"BillingMode":"PAY_PER_REQUEST"}""");
            Invoke(setup, "PutItem", """{"TableName":"authz-indexed","Item":{"pk":{"S":"k"},"g":{"S":"x"}}}""");
        }

        var authorizer = new RefusingAuthorizer();
        using (var service = new DynamoDbService(_storage, _masterKey, authorizer, TimeProvider.System))
        {
            var error = Assert.Throws<AwsServiceException>(() => Invoke(service, "ExecuteStatement",
                """{"Statement":"SELECT * FROM \"authz-indexed\".\"by-g\" WHERE g = 'x'"}"""));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
        }

        var request = Assert.Single(authorizer.Seen);
        Assert.Equal("dynamodb:PartiQLSelect", request.Action);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/authz-indexed/index/by-g", request.ResourceArn);
    }

    /// <summary>Every table with its description and items, as root sees them.</summary>
    private string Snapshot()
    {
        using var service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        return Invoke(service, "ListTables", "{}") + Invoke(service, "Scan", """{"TableName":"authz-table"}""")
            + Invoke(service, "DescribeTimeToLive", """{"TableName":"authz-table"}""")
            + Invoke(service, "DescribeTable", """{"TableName":"authz-table"}""").Split("\"TableStatus\"")[0]
            + Invoke(service, "ListBackups", "{}")
            + Invoke(service, "DescribeContinuousBackups", """{"TableName":"authz-table"}""").Split("\"RecoveryPeriodInDays\"")[0]
            + Invoke(service, "ListTagsOfResource", $$"""{"ResourceArn":"{{TableArn}}"}""")
            + Invoke(service, "GetResourcePolicy", $$"""{"ResourceArn":"{{TableArn}}"}""");
    }

    private static string Invoke(Lockbox.Protocols.IJsonService service, string operation, string body) => ServiceCalls.Invoke(service, operation, body);

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Records what it is asked and refuses everything, as a policy with no allow would.</summary>
    private sealed class RefusingAuthorizer(int allow = 0) : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Seen { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Seen.Add(request);
            if (Seen.Count <= allow)
            {
                return;
            }

            throw new AwsServiceException("com.amazon.coral.service", "AccessDeniedException", "denied", capitalizedMessageMember: true);
        }
    }
}
