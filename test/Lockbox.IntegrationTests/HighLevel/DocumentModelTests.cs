using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DocumentModel;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.HighLevel;

/// <summary>Amazon.DynamoDBv2.DocumentModel: Table, Document, Search, DocumentBatchWrite.</summary>
[Collection(LockboxCollection.Name)]
public sealed class DocumentModelTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _name = "";
    private ITable _table = null!;

    public async Task InitializeAsync()
    {
        _name = await Tables.CreateAsync(_client, hint: "docmodel");
        _table = new TableBuilder(_client, _name)
            .AddHashKey("pk", DynamoDBEntryType.String)
            .AddRangeKey("sk", DynamoDBEntryType.String)
            .Build();
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PutGet_Document_AllEntryKinds()
    {
        var doc = new Document
        {
            ["pk"] = "doc",
            ["sk"] = "1",
            ["title"] = "Lockbox",
            ["count"] = 42,
            ["price"] = 12.5m,
            ["active"] = new DynamoDBBool(true),
            ["tags"] = new PrimitiveList(DynamoDBEntryType.String) { Entries = [new Primitive("a"), new Primitive("b")] },
            ["list"] = new DynamoDBList([new Primitive("x"), new Primitive("2", saveAsNumeric: true)]),
            ["nested"] = new Document { ["inner"] = "value" },
            ["nothing"] = DynamoDBNull.Null,
        };
        await _table.PutItemAsync(doc);

        var got = await _table.GetItemAsync("doc", "1");
        Assert.NotNull(got);
        Assert.Equal("Lockbox", got["title"].AsString());
        Assert.Equal(42, got["count"].AsInt());
        Assert.Equal(12.5m, got["price"].AsDecimal());
        Assert.True(got["active"].AsBoolean());
        Assert.Equal(["a", "b"], got["tags"].AsListOfString().Order(StringComparer.Ordinal));
        Assert.Equal("value", got["nested"].AsDocument()["inner"].AsString());
        Assert.Equal(2, got["list"].AsDynamoDBList().Entries.Count);
        Assert.IsType<DynamoDBNull>(got["nothing"]);

        // The same item through the low-level API.
        var raw = await _client.GetItemAsync(_name, Av.Key("doc", "1"));
        Assert.Equal("SS:[a,b]", Av.Show(raw.Item["tags"]));
        Assert.Equal("N:12.5", Av.Show(raw.Item["price"]));
    }

    [Fact]
    public async Task LoadTable_DescribesKeysFromServer()
    {
        var loaded = new TableBuilder(_client, _name).AddHashKey("pk", DynamoDBEntryType.String).AddRangeKey("sk", DynamoDBEntryType.String).Build();
        await loaded.PutItemAsync(new Document { ["pk"] = "lt", ["sk"] = "1", ["v"] = 1 });
        // LoadTable is obsolete in v4 but still widely used; it reads the key schema with DescribeTable.
#pragma warning disable CS0618
        var metadataTable = Table.LoadTable(_client, _name);
#pragma warning restore CS0618
        Assert.Equal("pk", Assert.Single(metadataTable.HashKeys));
        Assert.Equal("sk", Assert.Single(metadataTable.RangeKeys));
        var doc = await metadataTable.GetItemAsync("lt", "1");
        Assert.Equal(1, doc["v"].AsInt());
    }

    [Fact]
    public async Task UpdateAndDelete_Document()
    {
        await _table.PutItemAsync(new Document { ["pk"] = "upd", ["sk"] = "1", ["a"] = 1, ["b"] = "x" });
        var updated = await _table.UpdateItemAsync(
            new Document { ["pk"] = "upd", ["sk"] = "1", ["a"] = 2, ["c"] = "new" },
            new UpdateItemOperationConfig { ReturnValues = ReturnValues.AllNewAttributes });
        Assert.Equal(2, updated["a"].AsInt());
        Assert.Equal("x", updated["b"].AsString());
        Assert.Equal("new", updated["c"].AsString());

        await _table.DeleteItemAsync("upd", "1");
        Assert.Null(await _table.GetItemAsync("upd", "1"));
    }

    [Fact]
    public async Task BatchWrite_ThenQueryAndScan()
    {
        var batch = _table.CreateBatchWrite();
        for (var i = 0; i < 30; i++)
        {
            batch.AddDocumentToPut(new Document { ["pk"] = "batch", ["sk"] = i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), ["n"] = i });
        }
        await batch.ExecuteAsync(); // more than 25: the SDK splits into several BatchWriteItem calls

        var all = await _table.Query("batch", new QueryFilter()).GetRemainingAsync();
        Assert.Equal(30, all.Count);
        Assert.Equal("00", all[0]["sk"].AsString());

        var filter = new QueryFilter("sk", QueryOperator.BeginsWith, "1");
        var tens = await _table.Query("batch", filter).GetRemainingAsync();
        Assert.Equal(10, tens.Count);

        var paged = _table.Query(new QueryOperationConfig
        {
            KeyExpression = new Expression
            {
                ExpressionStatement = "pk = :p AND sk BETWEEN :lo AND :hi",
                ExpressionAttributeValues = { [":p"] = "batch", [":lo"] = "05", [":hi"] = "24" },
            },
            Limit = 6,
            BackwardSearch = true,
        });
        var pages = new List<List<Document>>();
        do
        {
            pages.Add(await paged.GetNextSetAsync());
        }
        while (!paged.IsDone);
        Assert.Equal(20, pages.Sum(p => p.Count));
        Assert.Equal("24", pages[0][0]["sk"].AsString());

        var scan = _table.Scan(new ScanOperationConfig
        {
            FilterExpression = new Expression
            {
                ExpressionStatement = "pk = :p AND n >= :min",
                ExpressionAttributeValues = { [":p"] = "batch", [":min"] = 25 },
            },
        });
        var scanned = await scan.GetRemainingAsync();
        Assert.Equal(5, scanned.Count);

        var delete = _table.CreateBatchWrite();
        foreach (var doc in all)
        {
            delete.AddItemToDelete(doc);
        }
        await delete.ExecuteAsync();
        Assert.Empty(await _table.Query("batch", new QueryFilter()).GetRemainingAsync());
    }

    [Fact]
    public async Task ConditionalPut_WithExpression()
    {
        await _table.PutItemAsync(new Document { ["pk"] = "cond", ["sk"] = "1", ["v"] = 1 });
        var config = new PutItemOperationConfig
        {
            ConditionalExpression = new Expression { ExpressionStatement = "attribute_not_exists(pk)" },
        };
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(
            () => _table.PutItemAsync(new Document { ["pk"] = "cond", ["sk"] = "1", ["v"] = 2 }, config));
        Assert.Equal(1, (await _table.GetItemAsync("cond", "1"))["v"].AsInt());
    }
}
