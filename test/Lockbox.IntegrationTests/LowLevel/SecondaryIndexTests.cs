using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>
/// Query and Scan on global and local secondary indexes with the AWS SDK for .NET: every key
/// condition operator on an index sort key shared by many items, pagination through ties,
/// projections, and DynamoDB's errors for index reads and index declarations.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class SecondaryIndexTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    // 40 items: id 0..39, region "r" + (id % 2), level = id % 5 (many items share a level), name = "n" + id.
    public async Task InitializeAsync()
    {
        _table = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = _table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new("id", ScalarAttributeType.N), new("region", ScalarAttributeType.S), new("level", ScalarAttributeType.N),
            ],
            KeySchema = [new("id", KeyType.HASH)],
            GlobalSecondaryIndexes =
            [
                new()
                {
                    IndexName = "by-region-level",
                    KeySchema = [new("region", KeyType.HASH), new("level", KeyType.RANGE)],
                    Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY },
                },
            ],
        });
        // CreateTable answers CREATING for the table and its indexes; DescribeTable then shows them ACTIVE.
        Assert.Equal(IndexStatus.CREATING, Assert.Single(created.TableDescription.GlobalSecondaryIndexes).IndexStatus);
        var active = await Tables.WaitForActiveAsync(_client, _table);
        Assert.Equal(IndexStatus.ACTIVE, Assert.Single(active.GlobalSecondaryIndexes).IndexStatus);
        for (var id = 0; id < 40; id++)
        {
            await _client.PutItemAsync(_table, Av.Item(
                ("id", Av.N(id)), ("region", Av.S("r" + (id % 2).ToString(CultureInfo.InvariantCulture))),
                ("level", Av.N(id % 5)), ("name", Av.S("n" + id.ToString(CultureInfo.InvariantCulture)))));
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private async Task<List<int>> QueryIdsAsync(string condition, Dictionary<string, AttributeValue> values, int? limit = null, bool forward = true)
    {
        var ids = new List<int>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await _client.QueryAsync(new QueryRequest
            {
                TableName = _table,
                IndexName = "by-region-level",
                KeyConditionExpression = condition,
                ExpressionAttributeNames = condition.Contains("#l", StringComparison.Ordinal)
                    ? new() { ["#r"] = "region", ["#l"] = "level" }
                    : new() { ["#r"] = "region" },
                ExpressionAttributeValues = values,
                Limit = limit,
                ExclusiveStartKey = start,
                ScanIndexForward = forward,
            });
            ids.AddRange(response.Items.Select(i => int.Parse(i["id"].N, CultureInfo.InvariantCulture)));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return ids;
    }

    private static IEnumerable<int> Region0(Func<int, bool> level) =>
        Enumerable.Range(0, 40).Where(id => id % 2 == 0 && level(id % 5));

    [Fact]
    public async Task Query_EveryOperatorOnASharedIndexSortKey()
    {
        var r0 = Av.S("r0");
        Assert.Equal(Region0(l => l == 2).Order(), (await QueryIdsAsync("#r = :r AND #l = :l", Values(r0, 2))).Order());
        Assert.Equal(Region0(l => l < 2).Order(), (await QueryIdsAsync("#r = :r AND #l < :l", Values(r0, 2))).Order());
        Assert.Equal(Region0(l => l <= 2).Order(), (await QueryIdsAsync("#r = :r AND #l <= :l", Values(r0, 2))).Order());
        Assert.Equal(Region0(l => l > 2).Order(), (await QueryIdsAsync("#r = :r AND #l > :l", Values(r0, 2))).Order());
        Assert.Equal(Region0(l => l >= 2).Order(), (await QueryIdsAsync("#r = :r AND #l >= :l", Values(r0, 2))).Order());
        var between = Values(r0, 1);
        between[":h"] = Av.N(3);
        Assert.Equal(Region0(l => l is >= 1 and <= 3).Order(), (await QueryIdsAsync("#r = :r AND #l BETWEEN :l AND :h", between)).Order());
    }

    [Fact]
    public async Task Query_PagesThroughTiesWithoutLosingOrRepeatingItems()
    {
        var all = await QueryIdsAsync("#r = :r", Values(Av.S("r1")), limit: null);
        var paged = await QueryIdsAsync("#r = :r", Values(Av.S("r1")), limit: 3);
        Assert.Equal(20, all.Count);
        Assert.Equal(all, paged);
        var levels = all.Select(id => id % 5).ToList();
        Assert.Equal(levels.Order(), levels);

        var backwards = await QueryIdsAsync("#r = :r", Values(Av.S("r1")), limit: 4, forward: false);
        Assert.Equal(Enumerable.Reverse(all), backwards);
    }

    [Fact]
    public async Task Query_KeysOnlyIndex_ReturnsTableAndIndexKeys()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            IndexName = "by-region-level",
            KeyConditionExpression = "#r = :r AND #l = :l",
            ExpressionAttributeNames = new() { ["#r"] = "region", ["#l"] = "level" },
            ExpressionAttributeValues = new() { [":r"] = Av.S("r0"), [":l"] = Av.N(0) },
            Limit = 1,
        });
        var item = Assert.Single(response.Items);
        Assert.Equal(["id", "level", "region"], item.Keys.Order());
        Assert.Equal(["id", "level", "region"], response.LastEvaluatedKey.Keys.Order());
    }

    [Fact]
    public async Task Scan_IndexWithCountAndBadStartKey()
    {
        var count = await _client.ScanAsync(new ScanRequest { TableName = _table, IndexName = "by-region-level", Select = Select.COUNT });
        Assert.Equal(40, count.Count);

        await AwsAssert.ErrorAsync(() => _client.ScanAsync(new ScanRequest
        {
            TableName = _table,
            IndexName = "by-region-level",
            ExclusiveStartKey = new() { ["id"] = Av.N(1) },
        }), "ValidationException", "The provided starting key is invalid");
    }

    [Fact]
    public async Task CreateTable_IndexDeclarationErrors()
    {
        AttributeDefinition[] definitions = [new("a", ScalarAttributeType.S), new("b", ScalarAttributeType.S)];
        await AwsAssert.ErrorAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. definitions],
            KeySchema = [new("a", KeyType.HASH), new("b", KeyType.RANGE)],
            GlobalSecondaryIndexes =
            [
                new() { IndexName = "dup", KeySchema = [new("b", KeyType.HASH)], Projection = new() { ProjectionType = ProjectionType.ALL } },
                new() { IndexName = "dup", KeySchema = [new("a", KeyType.HASH)], Projection = new() { ProjectionType = ProjectionType.ALL } },
            ],
        }), "ValidationException", "One or more parameter values were invalid: Duplicate index name: dup");

        await AwsAssert.ErrorAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            AttributeDefinitions = [.. definitions],
            KeySchema = [new("a", KeyType.HASH)],
            ProvisionedThroughput = new ProvisionedThroughput(1, 1),
            GlobalSecondaryIndexes =
            [
                new() { IndexName = "gsi", KeySchema = [new("b", KeyType.HASH)], Projection = new() { ProjectionType = ProjectionType.ALL } },
            ],
        }), "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: gsi");

        await AwsAssert.ErrorAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. definitions],
            KeySchema = [new("a", KeyType.HASH), new("b", KeyType.RANGE)],
            LocalSecondaryIndexes =
            [
                new() { IndexName = "lsi", KeySchema = [new("b", KeyType.HASH), new("a", KeyType.RANGE)], Projection = new() { ProjectionType = ProjectionType.ALL } },
            ],
        }), "ValidationException",
            "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi. index hash key: b, table hash key: a");
    }

    [Fact]
    public async Task UpdateTable_SecondIndexCreateWhileOneIsPending_IsLimitExceeded()
    {
        var table = await Tables.CreateAsync(_client, sortKey: null);
        CreateGlobalSecondaryIndexAction Create(string name, string attribute) => new()
        {
            IndexName = name,
            KeySchema = [new(attribute, KeyType.HASH)],
            Projection = new() { ProjectionType = ProjectionType.ALL },
        };

        await AwsAssert.ErrorAsync(() => _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new("x", ScalarAttributeType.S), new("y", ScalarAttributeType.S)],
            GlobalSecondaryIndexUpdates = [new() { Create = Create("gsi-x", "x") }, new() { Create = Create("gsi-y", "y") }],
        }), "LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");

        await AwsAssert.ErrorAsync(() => _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = table,
            GlobalSecondaryIndexUpdates = [new() { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = "missing" } }],
        }), "ResourceNotFoundException");
    }

    private static Dictionary<string, AttributeValue> Values(AttributeValue region, int? level = null)
    {
        var values = new Dictionary<string, AttributeValue> { [":r"] = region };
        if (level is not null)
        {
            values[":l"] = Av.N(level.Value);
        }

        return values;
    }
}
