using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

[Collection(LockboxCollection.Name)]
public sealed class UpdateExpressionTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    public async Task InitializeAsync() => _table = await Tables.CreateAsync(_client, sortKey: null, hint: "update");

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private async Task<Dictionary<string, AttributeValue>> UpdateAsync(
        string pk, string expression, Dictionary<string, AttributeValue>? values = null, Dictionary<string, string>? names = null)
    {
        var response = await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Av.Key(pk),
            UpdateExpression = expression,
            ExpressionAttributeValues = values,
            ExpressionAttributeNames = names,
            ReturnValues = ReturnValue.ALL_NEW,
        });
        return response.Attributes;
    }

    [Fact]
    public async Task Set_CreatesItemAndArithmetic()
    {
        var item = await UpdateAsync("arith", "SET a = :five, b = :two", new() { [":five"] = Av.N(5), [":two"] = Av.N("2.5") });
        Assert.Equal("{a=N:5,b=N:2.5,pk=S:arith}", Av.Show(item));
        item = await UpdateAsync("arith", "SET a = a + b, b = b - :one, c = a - :one", new() { [":one"] = Av.N(1) });
        // Every operand is read from the item before the update.
        Assert.Equal("{a=N:7.5,b=N:1.5,c=N:4,pk=S:arith}", Av.Show(item));
    }

    [Fact]
    public async Task Set_IfNotExists_AndListAppend()
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":zero"] = Av.N(0),
            [":init"] = Av.L(Av.S("a")),
            [":more"] = Av.L(Av.S("b"), Av.S("c")),
            [":front"] = Av.L(Av.S("z")),
        };
        var item = await UpdateAsync("ine", "SET cnt = if_not_exists(cnt, :zero), l = if_not_exists(l, :init)", new() { [":zero"] = values[":zero"], [":init"] = values[":init"] });
        Assert.Equal("{cnt=N:0,l=L:[S:a],pk=S:ine}", Av.Show(item));
        item = await UpdateAsync("ine", "SET cnt = if_not_exists(cnt, :zero) + :one", new() { [":zero"] = Av.N(100), [":one"] = Av.N(1) });
        Assert.Equal("N:1", Av.Show(item["cnt"]));
        item = await UpdateAsync("ine", "SET l = list_append(l, :more)", new() { [":more"] = values[":more"] });
        Assert.Equal("L:[S:a,S:b,S:c]", Av.Show(item["l"]));
        item = await UpdateAsync("ine", "SET l = list_append(:front, l)", new() { [":front"] = values[":front"] });
        Assert.Equal("L:[S:z,S:a,S:b,S:c]", Av.Show(item["l"]));
    }

    [Fact]
    public async Task Remove_TopLevelNestedAndListIndex()
    {
        await _client.PutItemAsync(_table, Av.Item(
            ("pk", Av.S("rm")),
            ("a", Av.N(1)),
            ("m", Av.M(("x", Av.N(1)), ("y", Av.N(2)))),
            ("l", Av.L(Av.S("0"), Av.S("1"), Av.S("2"), Av.S("3")))));
        var item = await UpdateAsync("rm", "REMOVE a, m.x, l[1], notthere");
        Assert.Equal("{l=L:[S:0,S:2,S:3],m=M:{y=N:2},pk=S:rm}", Av.Show(item));
        // Removing past the end of a list is not an error.
        item = await UpdateAsync("rm", "REMOVE l[10]");
        Assert.Equal("L:[S:0,S:2,S:3]", Av.Show(item["l"]));
    }

    [Fact]
    public async Task Add_NumbersAndSets_Delete_FromSets()
    {
        var item = await UpdateAsync("add", "ADD n :three, ss :ab, ns :ns", new()
        {
            [":three"] = Av.N(3),
            [":ab"] = Av.SS("a", "b"),
            [":ns"] = Av.NS("1", "2"),
        });
        Assert.Equal("{n=N:3,ns=NS:[1,2],pk=S:add,ss=SS:[a,b]}", Av.Show(item));

        item = await UpdateAsync("add", "ADD n :minus, ss :bc", new() { [":minus"] = Av.N(-5), [":bc"] = Av.SS("b", "c") });
        Assert.Equal("N:-2", Av.Show(item["n"]));
        Assert.Equal("SS:[a,b,c]", Av.Show(item["ss"]));

        item = await UpdateAsync("add", "DELETE ss :ac, ns :ns", new() { [":ac"] = Av.SS("a", "c", "zz"), [":ns"] = Av.NS("1", "2") });
        Assert.Equal("SS:[b]", Av.Show(item["ss"]));
        // Deleting every element removes the attribute: DynamoDB has no empty sets.
        Assert.False(item.ContainsKey("ns"));
    }

    [Fact]
    public async Task Set_NestedPathsAndListIndexes()
    {
        await _client.PutItemAsync(_table, Av.Item(
            ("pk", Av.S("nested")),
            ("doc", Av.M(("profile", Av.M(("name", Av.S("old")))), ("scores", Av.L(Av.N(1), Av.N(2)))))));
        var item = await UpdateAsync("nested",
            "SET doc.profile.#n = :name, doc.profile.age = :age, doc.scores[0] = :ten, doc.scores[5] = :last, #odd.#dot = :v",
            new() { [":name"] = Av.S("new"), [":age"] = Av.N(30), [":ten"] = Av.N(10), [":last"] = Av.N(99), [":v"] = Av.S("dotted") },
            new() { ["#n"] = "name", ["#odd"] = "doc", ["#dot"] = "a.b" });
        // Writing past the end of a list appends.
        Assert.Equal(
            "M:{a.b=S:dotted,profile=M:{age=N:30,name=S:new},scores=L:[N:10,N:2,N:99]}",
            Av.Show(item["doc"]));
    }

    [Fact]
    public async Task Set_ThroughMissingParent_ValidationException()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("badpath")), ("a", Av.N(1))));
        await AwsAssert.ValidationAsync(
            () => UpdateAsync("badpath", "SET nope.child = :v", new() { [":v"] = Av.N(1) }),
            "The document path provided in the update expression is invalid for update");
    }

    [Fact]
    public async Task Arithmetic_OnMissingAttribute_ValidationException()
    {
        await AwsAssert.ValidationAsync(
            () => UpdateAsync("noattr", "SET a = b + :one", new() { [":one"] = Av.N(1) }),
            "The provided expression refers to an attribute that does not exist in the item");
    }

    [Fact]
    public async Task UpdatingKeyAttribute_ValidationException()
    {
        await AwsAssert.ValidationAsync(
            () => UpdateAsync("key", "SET pk = :v", new() { [":v"] = Av.S("other") }),
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
    }
}
