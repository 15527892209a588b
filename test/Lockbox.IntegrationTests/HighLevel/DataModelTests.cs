using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DataModel;
using Amazon.DynamoDBv2.DocumentModel;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.HighLevel;

[DynamoDBTable("Orders")]
public sealed class Order
{
    [DynamoDBHashKey("pk")]
    public string Customer { get; set; } = "";

    [DynamoDBRangeKey("sk")]
    public string OrderId { get; set; } = "";

    public int Quantity { get; set; }

    public decimal Total { get; set; }

    public bool Shipped { get; set; }

    public DateTime Created { get; set; }

    public List<string>? Notes { get; set; }

    public HashSet<string>? Labels { get; set; }

    public Address? ShipTo { get; set; }

    [DynamoDBVersion]
    public int? Version { get; set; }

    [DynamoDBIgnore]
    public string Scratch { get; set; } = "";
}

public sealed class Address
{
    public string Street { get; set; } = "";

    public string City { get; set; } = "";
}

/// <summary>Amazon.DynamoDBv2.DataModel: DynamoDBContext with attribute-mapped classes.</summary>
[Collection(LockboxCollection.Name)]
public sealed class DataModelTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private IDynamoDBContext _context = null!;
    private string _prefix = "";

    public async Task InitializeAsync()
    {
        // Each run gets its own "<prefix>Orders" table through TableNamePrefix.
        _prefix = Tables.UniqueName("dm") + "-";
        var tableName = _prefix + "Orders";
        await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
        });
        await Tables.WaitForActiveAsync(_client, tableName);
        _context = new DynamoDBContextBuilder()
            .WithDynamoDBClient(() => _client)
            .ConfigureContext(c => c.TableNamePrefix = _prefix)
            .Build();
    }

    public Task DisposeAsync()
    {
        _context.Dispose();
        _client.Dispose();
        return Task.CompletedTask;
    }

    private static Order NewOrder(string customer, string id, int quantity) => new()
    {
        Customer = customer,
        OrderId = id,
        Quantity = quantity,
        Total = 19.99m * quantity,
        Shipped = quantity % 2 == 0,
        Created = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc),
        Notes = ["fragile", "gift"],
        Labels = ["red", "blue"],
        ShipTo = new Address { Street = "1 Main St", City = "Springfield" },
        Scratch = "not stored",
    };

    [Fact]
    public async Task SaveLoadDelete_RoundTrip()
    {
        var order = NewOrder("alice", "o-1", 3);
        await _context.SaveAsync(order);
        Assert.Equal(0, order.Version);

        var loaded = await _context.LoadAsync<Order>("alice", "o-1");
        Assert.NotNull(loaded);
        Assert.Equal(3, loaded.Quantity);
        Assert.Equal(59.97m, loaded.Total);
        Assert.False(loaded.Shipped);
        Assert.Equal(order.Created, loaded.Created.ToUniversalTime());
        Assert.Equal(["fragile", "gift"], loaded.Notes);
        Assert.Equal(["blue", "red"], loaded.Labels!.Order(StringComparer.Ordinal));
        Assert.Equal("Springfield", loaded.ShipTo!.City);
        Assert.Equal("", loaded.Scratch);

        var raw = await _client.GetItemAsync(_prefix + "Orders", Av.Key("alice", "o-1"));
        Assert.False(raw.Item.ContainsKey("Scratch"));
        Assert.Equal("N:3", Av.Show(raw.Item["Quantity"]));

        await _context.DeleteAsync<Order>("alice", "o-1");
        Assert.Null(await _context.LoadAsync<Order>("alice", "o-1"));
    }

    [Fact]
    public async Task Version_PreventsStaleWrites()
    {
        var order = NewOrder("bob", "o-1", 1);
        await _context.SaveAsync(order);
        var copy = await _context.LoadAsync<Order>("bob", "o-1");
        Assert.NotNull(copy);

        order.Quantity = 2;
        await _context.SaveAsync(order);
        Assert.Equal(1, order.Version);

        copy.Quantity = 99;
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => _context.SaveAsync(copy));
        Assert.Equal(2, (await _context.LoadAsync<Order>("bob", "o-1"))!.Quantity);
    }

    [Fact]
    public async Task QueryAndScan_Typed()
    {
        var batch = _context.CreateBatchWrite<Order>(new BatchWriteConfig { SkipVersionCheck = true });
        batch.AddPutItems(Enumerable.Range(1, 12).Select(i => NewOrder("carol", "o-" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), i)));
        batch.AddPutItem(NewOrder("dave", "o-01", 100));
        await batch.ExecuteAsync();

        var carol = await _context.QueryAsync<Order>("carol").GetRemainingAsync();
        Assert.Equal(12, carol.Count);
        Assert.Equal("o-01", carol[0].OrderId);

        var later = await _context.QueryAsync<Order>("carol", QueryOperator.GreaterThan, ["o-09"]).GetRemainingAsync();
        Assert.Equal(["o-10", "o-11", "o-12"], later.Select(o => o.OrderId));

        var between = await _context.QueryAsync<Order>("carol", QueryOperator.Between, ["o-03", "o-05"]).GetRemainingAsync();
        Assert.Equal(3, between.Count);

        var big = await _context.ScanAsync<Order>([new ScanCondition("Quantity", ScanOperator.GreaterThanOrEqual, 10)]).GetRemainingAsync();
        Assert.Equal(["carol/o-10", "carol/o-11", "carol/o-12", "dave/o-01"], big.Select(o => o.Customer + "/" + o.OrderId).Order(StringComparer.Ordinal));

        var get = _context.CreateBatchGet<Order>();
        get.AddKey("carol", "o-01");
        get.AddKey("dave", "o-01");
        get.AddKey("nobody", "o-01");
        await get.ExecuteAsync();
        Assert.Equal(2, get.Results.Count);
    }
}
