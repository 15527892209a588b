using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

[Collection(LockboxCollection.Name)]
public sealed class ItemOperationsTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    public async Task InitializeAsync() => _table = await Tables.CreateAsync(_client, hint: "items");

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private static Dictionary<string, AttributeValue> AllTypesItem(string pk) => Av.Item(
        ("pk", Av.S(pk)),
        ("sk", Av.S("all")),
        ("s", Av.S("héllo wörld ✓")),
        ("emptyS", Av.S("")),
        ("n", Av.N("-12.5")),
        ("big", Av.N("12345678901234567890123456789012345678")),
        ("b", Av.B(0, 1, 2, 255)),
        ("t", Av.Bool(true)),
        ("f", Av.Bool(false)),
        ("nul", Av.Null()),
        ("ss", Av.SS("a", "b", "c")),
        ("ns", Av.NS("1", "2.5", "-3")),
        ("bs", Av.BS([1], [2, 3])),
        ("l", Av.L(Av.S("x"), Av.N(1), Av.L(Av.Bool(false)), Av.M(("k", Av.S("v"))))),
        ("m", Av.M(("inr", Av.M(("deep", Av.N(42)))), ("list", Av.L()), ("empty", Av.M()))));

    [Fact]
    public async Task PutGet_AllTypes_RoundTripExactly()
    {
        var item = AllTypesItem("types");
        await _client.PutItemAsync(_table, item);
        var got = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Av.Key("types", "all"), ConsistentRead = true });
        Assert.True(got.IsItemSet);
        Assert.Equal(Av.Show(item), Av.Show(got.Item));
    }

    [Fact]
    public async Task Number_38Digits_RoundTripExactly()
    {
        const string digits = "12345678901234567890123456789012345678";
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("n38")), ("sk", Av.S("1")), ("n", Av.N(digits)), ("neg", Av.N("-" + digits)), ("frac", Av.N("0.1234567890123456789012345678901234567"))));
        var got = (await _client.GetItemAsync(_table, Av.Key("n38", "1"))).Item;
        Assert.Equal(digits, got["n"].N);
        Assert.Equal("-" + digits, got["neg"].N);
        Assert.Equal("0.1234567890123456789012345678901234567", got["frac"].N);

        // Arithmetic keeps all 38 digits too.
        var updated = await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Av.Key("n38", "1"),
            UpdateExpression = "SET n = n + :one",
            ExpressionAttributeValues = new() { [":one"] = Av.N(1) },
            ReturnValues = ReturnValue.UPDATED_NEW,
        });
        Assert.Equal("12345678901234567890123456789012345679", updated.Attributes["n"].N);
    }

    [Fact]
    public async Task Number_ExtremeMagnitudes_KeepTheirValue()
    {
        var numbers = new Dictionary<string, string>
        {
            ["tiny"] = "1E-130",
            ["huge"] = "9.9999999999999999999999999999999999999E+125",
            ["negHuge"] = "-9.9999999999999999999999999999999999999E+125",
            ["negTiny"] = "-1E-130",
        };
        var item = Av.Item(("pk", Av.S("extreme")), ("sk", Av.S("1")));
        foreach (var (name, value) in numbers)
        {
            item[name] = Av.N(value);
        }
        await _client.PutItemAsync(_table, item);
        var got = (await _client.GetItemAsync(_table, Av.Key("extreme", "1"))).Item;
        foreach (var (name, value) in numbers)
        {
            Assert.Equal(Av.CanonicalNumber(value), Av.CanonicalNumber(got[name].N));
        }
    }

    [Fact]
    public async Task Number_IsNormalized()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("norm")), ("sk", Av.S("1")), ("a", Av.N("0001.500")), ("b", Av.N("1e2")), ("c", Av.N("-0"))));
        var got = (await _client.GetItemAsync(_table, Av.Key("norm", "1"))).Item;
        Assert.Equal("1.5", got["a"].N);
        Assert.Equal("100", got["b"].N);
        Assert.Equal("0", got["c"].N);
    }

    [Fact]
    public async Task GetItem_Missing_ReturnsNoItem()
    {
        var got = await _client.GetItemAsync(_table, Av.Key("nope", "nope"));
        Assert.True(got.Item is null || got.Item.Count == 0);
    }

    [Fact]
    public async Task PutItem_ConditionExpression_AttributeNotExists()
    {
        var item = Av.Item(("pk", Av.S("cond")), ("sk", Av.S("1")), ("v", Av.N(1)));
        await _client.PutItemAsync(new PutItemRequest { TableName = _table, Item = item, ConditionExpression = "attribute_not_exists(pk)" });
        var ex = await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(
            () => _client.PutItemAsync(new PutItemRequest { TableName = _table, Item = item, ConditionExpression = "attribute_not_exists(pk)" }),
            "The conditional request failed");
        Assert.True(ex.Item is null || ex.Item.Count == 0);
    }

    [LockboxFact("dynalite (2020) predates ReturnValuesOnConditionCheckFailure")]
    public async Task ConditionFailure_ReturnValuesOnConditionCheckFailure_AllOld_ReturnsItem()
    {
        var item = Av.Item(("pk", Av.S("ccf")), ("sk", Av.S("1")), ("v", Av.N(5)), ("tag", Av.S("old")));
        await _client.PutItemAsync(_table, item);

        var put = await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = Av.Item(("pk", Av.S("ccf")), ("sk", Av.S("1"))),
            ConditionExpression = "v > :min",
            ExpressionAttributeValues = new() { [":min"] = Av.N(10) },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        }), "The conditional request failed");
        Assert.Equal(Av.Show(item), Av.Show(put.Item));

        var update = await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Av.Key("ccf", "1"),
            UpdateExpression = "SET v = :x",
            ConditionExpression = "tag = :t",
            ExpressionAttributeValues = new() { [":x"] = Av.N(0), [":t"] = Av.S("new") },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        }));
        Assert.Equal(Av.Show(item), Av.Show(update.Item));

        var delete = await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("ccf", "1"),
            ConditionExpression = "attribute_not_exists(v)",
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        }));
        Assert.Equal(Av.Show(item), Av.Show(delete.Item));

        // Nothing changed.
        Assert.Equal(Av.Show(item), Av.Show((await _client.GetItemAsync(_table, Av.Key("ccf", "1"))).Item));
    }

    [Fact]
    public async Task ConditionExpression_Functions()
    {
        await _client.PutItemAsync(_table, Av.Item(
            ("pk", Av.S("fn")), ("sk", Av.S("1")), ("name", Av.S("lockbox")), ("tags", Av.SS("a", "b")), ("n", Av.N(7)), ("l", Av.L(Av.S("x"), Av.S("y")))));

        async Task<bool> Check(string condition, Dictionary<string, AttributeValue>? values = null, Dictionary<string, string>? names = null)
        {
            try
            {
                await _client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _table,
                    Key = Av.Key("fn", "1"),
                    UpdateExpression = "SET touched = :touched",
                    ConditionExpression = condition,
                    ExpressionAttributeValues = new(values ?? []) { [":touched"] = Av.Bool(true) },
                    ExpressionAttributeNames = names,
                });
                return true;
            }
            catch (ConditionalCheckFailedException)
            {
                return false;
            }
        }

        Assert.True(await Check("begins_with(#n, :p)", new() { [":p"] = Av.S("lock") }, new() { ["#n"] = "name" }));
        Assert.False(await Check("begins_with(#n, :p)", new() { [":p"] = Av.S("box") }, new() { ["#n"] = "name" }));
        Assert.True(await Check("contains(tags, :t)", new() { [":t"] = Av.S("a") }));
        Assert.False(await Check("contains(tags, :t)", new() { [":t"] = Av.S("z") }));
        Assert.True(await Check("size(l) = :two", new() { [":two"] = Av.N(2) }));
        Assert.True(await Check("attribute_type(n, :type)", new() { [":type"] = Av.S("N") }));
        Assert.True(await Check("n BETWEEN :lo AND :hi", new() { [":lo"] = Av.N(5), [":hi"] = Av.N(7) }));
        Assert.True(await Check("n IN (:a, :b)", new() { [":a"] = Av.N(1), [":b"] = Av.N(7) }));
        Assert.True(await Check("n <> :a AND (NOT attribute_exists(absent) OR n < :a)", new() { [":a"] = Av.N(1) }));
        Assert.False(await Check("l[1] = :v", new() { [":v"] = Av.S("x") }));
        Assert.True(await Check("l[1] = :v", new() { [":v"] = Av.S("y") }));
    }

    [Fact]
    public async Task ProjectionExpression_ReturnsOnlyRequestedPaths()
    {
        await _client.PutItemAsync(_table, AllTypesItem("proj"));
        var got = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = Av.Key("proj", "all"),
            ProjectionExpression = "s, m.inr.deep, l[2], #n, nothere",
            ExpressionAttributeNames = new() { ["#n"] = "n" },
        });
        Assert.Equal(
            "{l=L:[L:[BOOL:false]],m=M:{inr=M:{deep=N:42}},n=N:-12.5,s=S:héllo wörld ✓}",
            Av.Show(got.Item));
    }

    [Fact]
    public async Task ReturnValues_AllFive()
    {
        var key = Av.Key("rv", "1");
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("rv")), ("sk", Av.S("1")), ("a", Av.N(1)), ("b", Av.S("keep"))));

        UpdateItemRequest Update(ReturnValue rv) => new()
        {
            TableName = _table,
            Key = key,
            UpdateExpression = "SET a = a + :one, c = :c",
            ExpressionAttributeValues = new() { [":one"] = Av.N(1), [":c"] = Av.S("new") },
            ReturnValues = rv,
        };

        var none = await _client.UpdateItemAsync(Update(ReturnValue.NONE));
        Assert.True(none.Attributes is null || none.Attributes.Count == 0);

        var allOld = await _client.UpdateItemAsync(Update(ReturnValue.ALL_OLD));
        Assert.Equal("{a=N:2,b=S:keep,c=S:new,pk=S:rv,sk=S:1}", Av.Show(allOld.Attributes));

        var updatedOld = await _client.UpdateItemAsync(Update(ReturnValue.UPDATED_OLD));
        Assert.Equal("{a=N:3,c=S:new}", Av.Show(updatedOld.Attributes));

        var allNew = await _client.UpdateItemAsync(Update(ReturnValue.ALL_NEW));
        Assert.Equal("{a=N:5,b=S:keep,c=S:new,pk=S:rv,sk=S:1}", Av.Show(allNew.Attributes));

        var updatedNew = await _client.UpdateItemAsync(Update(ReturnValue.UPDATED_NEW));
        Assert.Equal("{a=N:6,c=S:new}", Av.Show(updatedNew.Attributes));

        // PutItem and DeleteItem support NONE and ALL_OLD only.
        var putOld = await _client.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = Av.Item(("pk", Av.S("rv")), ("sk", Av.S("1")), ("z", Av.N(0))),
            ReturnValues = ReturnValue.ALL_OLD,
        });
        Assert.Equal("{a=N:6,b=S:keep,c=S:new,pk=S:rv,sk=S:1}", Av.Show(putOld.Attributes));

        await AwsAssert.ValidationAsync(
            () => _client.PutItemAsync(new PutItemRequest { TableName = _table, Item = Av.Item(("pk", Av.S("rv")), ("sk", Av.S("1"))), ReturnValues = ReturnValue.ALL_NEW }),
            "ReturnValues can only be ALL_OLD or NONE");

        var deleted = await _client.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = key, ReturnValues = ReturnValue.ALL_OLD });
        Assert.Equal("{pk=S:rv,sk=S:1,z=N:0}", Av.Show(deleted.Attributes));
        var gone = await _client.GetItemAsync(_table, key);
        Assert.True(gone.Item is null || gone.Item.Count == 0);
    }

    [Fact]
    public async Task DeleteItem_WithCondition()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("del")), ("sk", Av.S("1")), ("v", Av.N(1))));
        await AwsAssert.ThrowsAsync<ConditionalCheckFailedException>(() => _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("del", "1"),
            ConditionExpression = "v = :two",
            ExpressionAttributeValues = new() { [":two"] = Av.N(2) },
        }), "The conditional request failed");
        await _client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _table,
            Key = Av.Key("del", "1"),
            ConditionExpression = "v = :one",
            ExpressionAttributeValues = new() { [":one"] = Av.N(1) },
        });
        // Deleting a missing item is not an error.
        await _client.DeleteItemAsync(_table, Av.Key("del", "1"));
        var gone = await _client.GetItemAsync(_table, Av.Key("del", "1"));
        Assert.True(gone.Item is null || gone.Item.Count == 0);
    }

    [Fact]
    public async Task PutItem_ReplacesWholeItem_ConsistentRead()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("rep")), ("sk", Av.S("1")), ("a", Av.N(1)), ("b", Av.N(2))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("rep")), ("sk", Av.S("1")), ("c", Av.N(3))));
        var got = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Av.Key("rep", "1"), ConsistentRead = true });
        Assert.Equal("{c=N:3,pk=S:rep,sk=S:1}", Av.Show(got.Item));
    }
}
