using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>The pre-expression parameters: Expected, AttributeUpdates, AttributesToGet, ScanFilter.</summary>
[Collection(LockboxCollection.Name)]
public sealed class LegacyApiTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    public async Task InitializeAsync() => _table = await Tables.CreateAsync(_client, sortKey: null, hint: "legacy");

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Expected_ExistsAndValue()
    {
        var item = Av.Item(("pk", Av.S("exp")), ("v", Av.N(1)));
        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = item,
            Expected = new() { ["pk"] = new ExpectedAttributeValue { Exists = false } },
        });
        await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = item,
            Expected = new() { ["pk"] = new ExpectedAttributeValue { Exists = false } },
        }), "The conditional request failed");

        await _client.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = Av.Item(("pk", Av.S("exp")), ("v", Av.N(2))),
            Expected = new() { ["v"] = new ExpectedAttributeValue { Value = Av.N(1) } },
        });
        await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("exp"),
            Expected = new() { ["v"] = new ExpectedAttributeValue { ComparisonOperator = ComparisonOperator.GT, AttributeValueList = [Av.N(5)] } },
        }), "The conditional request failed");
        await _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("exp"),
            Expected = new() { ["v"] = new ExpectedAttributeValue { ComparisonOperator = ComparisonOperator.LE, AttributeValueList = [Av.N(2)] } },
        });
        var gone = await _client.GetItemAsync(_table, Av.Key("exp"));
        Assert.True(gone.Item is null || gone.Item.Count == 0);
    }

    [LockboxFact("dynalite ignores ConditionalOperator OR in Expected (fails the condition)")]
    public async Task Expected_ConditionalOperatorOr()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("or")), ("v", Av.N(2))));
        await _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("or"),
            ConditionalOperator = ConditionalOperator.OR,
            Expected = new()
            {
                ["v"] = new ExpectedAttributeValue { ComparisonOperator = ComparisonOperator.GT, AttributeValueList = [Av.N(5)] },
                ["pk"] = new ExpectedAttributeValue { ComparisonOperator = ComparisonOperator.NOT_NULL },
            },
        });
        var gone = await _client.GetItemAsync(_table, Av.Key("or"));
        Assert.True(gone.Item is null || gone.Item.Count == 0);
    }

    [Fact]
    public async Task AttributeUpdates_PutAddDelete()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("au")), ("n", Av.N(1)), ("ss", Av.SS("a", "b")), ("gone", Av.S("x"))));
        var response = await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Av.Key("au"),
            AttributeUpdates = new()
            {
                ["n"] = new AttributeValueUpdate { Action = AttributeAction.ADD, Value = Av.N(41) },
                ["ss"] = new AttributeValueUpdate { Action = AttributeAction.DELETE, Value = Av.SS("a") },
                ["gone"] = new AttributeValueUpdate { Action = AttributeAction.DELETE },
                ["s"] = new AttributeValueUpdate { Action = AttributeAction.PUT, Value = Av.S("new") },
            },
            Expected = new() { ["n"] = new ExpectedAttributeValue { Value = Av.N(1) } },
            ReturnValues = ReturnValue.ALL_NEW,
        });
        Assert.Equal("{n=N:42,pk=S:au,s=S:new,ss=SS:[b]}", Av.Show(response.Attributes));
    }

    [Fact]
    public async Task AttributesToGet_OnGetItemAndScan()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("atg")), ("a", Av.N(1)), ("b", Av.N(2)), ("c", Av.N(3))));
        var got = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Av.Key("atg"), AttributesToGet = ["a", "c"] });
        Assert.Equal("{a=N:1,c=N:3}", Av.Show(got.Item));

        var scan = await _client.ScanAsync(new ScanRequest
        {
            TableName = _table,
            AttributesToGet = ["pk", "b"],
            ScanFilter = new() { ["pk"] = new Condition { ComparisonOperator = ComparisonOperator.EQ, AttributeValueList = [Av.S("atg")] } },
        });
        Assert.Equal("{b=N:2,pk=S:atg}", Av.Show(Assert.Single(scan.Items)));
    }
}
