using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>
/// Exact error types and messages, copied from the reference catalogue of real DynamoDB errors
/// (dynamodb-error-examples.json / dynamodb-errors.md).
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class ValidationErrorTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _hash = "";
    private string _range = "";

    public async Task InitializeAsync()
    {
        _hash = await Tables.CreateAsync(_client, sortKey: null, hint: "valid");
        _range = await Tables.CreateAsync(_client, hint: "validr");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PutItem_Over400KB_ItemSizeExceeded()
    {
        var item = Av.Item(("pk", Av.S("big")), ("data", Av.S(new string('x', 400 * 1024))));
        await AwsAssert.ValidationAsync(() => _client.PutItemAsync(_hash, item), "Item size has exceeded the maximum allowed size");
    }

    [Fact]
    public async Task PutItem_JustUnder400KB_Succeeds()
    {
        // Size = attribute name lengths + value lengths: "pk"(2) + "big2"(4) + "data"(4) + value.
        var item = Av.Item(("pk", Av.S("big2")), ("data", Av.S(new string('x', (400 * 1024) - 10))));
        await _client.PutItemAsync(_hash, item);
        var got = await _client.GetItemAsync(_hash, Av.Key("big2"));
        Assert.Equal((400 * 1024) - 10, got.Item["data"].S.Length);
    }

    [Fact]
    public async Task UpdateItem_GrowingPast400KB_ValidationException()
    {
        await _client.PutItemAsync(_hash, Av.Item(("pk", Av.S("grow")), ("a", Av.S(new string('x', 300 * 1024)))));
        await AwsAssert.ValidationAsync(
            () => _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _hash,
                Key = Av.Key("grow"),
                UpdateExpression = "SET b = :b",
                ExpressionAttributeValues = new() { [":b"] = Av.S(new string('y', 200 * 1024)) },
            }),
            "Item size to update has exceeded the maximum allowed size");
    }

    [Fact]
    public async Task PutItem_EmptyStringKey()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(_hash, Av.Item(("pk", Av.S("")))),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk");
    }

    [Fact]
    public async Task GetItem_EmptyStringKey()
    {
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(_hash, Av.Key("")),
            "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk");
    }

    [Fact]
    public async Task PutItem_KeyTypeMismatch()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(_hash, Av.Item(("pk", Av.N(1)))),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");
    }

    [Fact]
    public async Task PutItem_MissingKey()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(_hash, Av.Item(("other", Av.S("x")))),
            "One or more parameter values were invalid: Missing the key pk in the item");
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(_range, Av.Item(("pk", Av.S("x")))),
            "One or more parameter values were invalid: Missing the key sk in the item");
    }

    [Fact]
    public async Task Keys_at_the_size_limits_round_trip_and_one_byte_more_is_refused()
    {
        // 2,048 and 1,024 UTF-8 bytes (two-byte characters): past the key encoder's stack buffer.
        var partition = new string('\u00e9', 1024);
        var sort = new string('s', 1022) + "\u00e9";
        await _client.PutItemAsync(_range, Av.Item(("pk", Av.S(partition)), ("sk", Av.S(sort)), ("v", Av.S("at the limit"))));

        var got = await _client.GetItemAsync(_range, Av.Key(partition, sort));
        Assert.Equal("at the limit", got.Item["v"].S);
        var queried = await _client.QueryAsync(new QueryRequest
        {
            TableName = _range,
            KeyConditionExpression = "pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues = new() { [":p"] = Av.S(partition), [":s"] = Av.S(sort[..1000]) },
        });
        Assert.Equal(sort, Assert.Single(queried.Items)["sk"].S);

        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(_range, Av.Item(("pk", Av.S(partition + "x")), ("sk", Av.S("s")))),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(_range, Av.Key("p", sort + "x")),
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
    }

    [Fact]
    public async Task GetItem_KeyDoesNotMatchSchema()
    {
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(_range, Av.Key("only-hash")),
            "The provided key element does not match the schema");
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(_hash, Av.Item(("pk", Av.N(1)))),
            "The provided key element does not match the schema");
    }

    [Fact]
    public async Task UnusedExpressionAttributeValues()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(new PutItemRequest
            {
                TableName = _hash,
                Item = Av.Key("unused"),
                ConditionExpression = "attribute_not_exists(pk)",
                ExpressionAttributeValues = new() { [":c"] = Av.S("a") },
            }),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}");
    }

    [Fact]
    public async Task UnusedExpressionAttributeNames()
    {
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(new GetItemRequest
            {
                TableName = _hash,
                Key = Av.Key("x"),
                ProjectionExpression = "pk",
                ExpressionAttributeNames = new() { ["#a"] = "a" },
            }),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}");
    }

    [Fact]
    public async Task ReservedWord_InExpressions()
    {
        await AwsAssert.ValidationAsync(
            () => _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _hash,
                Key = Av.Key("rw"),
                UpdateExpression = "SET status = :s",
                ExpressionAttributeValues = new() { [":s"] = Av.S("x") },
            }),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
        await AwsAssert.ValidationAsync(
            () => _client.ScanAsync(new ScanRequest
            {
                TableName = _hash,
                FilterExpression = "size > :n",
                ExpressionAttributeValues = new() { [":n"] = Av.N(1) },
            }),
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: size");
        await AwsAssert.ValidationAsync(
            () => _client.GetItemAsync(new GetItemRequest { TableName = _hash, Key = Av.Key("rw"), ProjectionExpression = "pk, name" }),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name");
    }

    [Fact]
    public async Task UndefinedExpressionAttributeValue()
    {
        await AwsAssert.ValidationAsync(
            () => _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _hash,
                Key = Av.Key("undef"),
                UpdateExpression = "SET a = :missing",
            }),
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :missing");
    }

    [Fact]
    public async Task EmptyConditionExpression()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(new PutItemRequest { TableName = _hash, Item = Av.Key("e"), ConditionExpression = "" }),
            "Invalid ConditionExpression: The expression can not be empty;");
    }

    [Fact]
    public async Task ExpressionAndLegacyParameters_Together()
    {
        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(new PutItemRequest
            {
                TableName = _hash,
                Item = Av.Key("mix"),
                ConditionExpression = "attribute_not_exists(pk)",
                Expected = new() { ["pk"] = new ExpectedAttributeValue { Exists = false } },
            }),
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}");
    }

    [Fact]
    public async Task Query_KeyConditionOnNonKey_And_MissingHash()
    {
        await AwsAssert.ValidationAsync(
            () => _client.QueryAsync(new QueryRequest
            {
                TableName = _range,
                KeyConditionExpression = "sk = :s",
                ExpressionAttributeValues = new() { [":s"] = Av.S("a") },
            }),
            "Query condition missed key schema element: pk");
    }

    [Fact]
    public async Task Query_NonexistentIndex()
    {
        await AwsAssert.ValidationAsync(
            () => _client.QueryAsync(new QueryRequest
            {
                TableName = _range,
                IndexName = "whatever",
                KeyConditionExpression = "pk = :p",
                ExpressionAttributeValues = new() { [":p"] = Av.S("a") },
            }),
            "The table does not have the specified index: whatever");
    }

    [Fact]
    public async Task TableNameTooShort()
    {
        await AwsAssert.ValidationAsync(
            () => _client.DescribeTableAsync("ab"),
            "TableName must be at least 3 characters long and at most 255 characters long");
    }

    [Fact]
    public async Task Query_FilterOnKeyAttribute_IsRefused()
    {
        await AwsAssert.ValidationAsync(
            () => _client.QueryAsync(new QueryRequest
            {
                TableName = _range,
                KeyConditionExpression = "pk = :p",
                FilterExpression = "sk = :s",
                ExpressionAttributeValues = new() { [":p"] = Av.S("a"), [":s"] = Av.S("b") },
            }),
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk");
    }
}
