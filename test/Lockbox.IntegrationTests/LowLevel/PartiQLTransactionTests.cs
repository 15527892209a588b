using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>
/// PartiQL's ExecuteTransaction, PartiQL SELECT on secondary indexes, and TransactWriteItems'
/// item collection metrics, through the AWS SDK for .NET.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class PartiQLTransactionTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";
    private string _other = "";

    public async Task InitializeAsync()
    {
        _table = await Tables.CreateAsync(_client, sortKey: null, hint: "pqltx");
        _other = await Tables.CreateAsync(_client, hint: "pqltx2");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private string Q(string statement) =>
        statement.Replace("TABLE", "\"" + _table + "\"", StringComparison.Ordinal).Replace("OTHER", "\"" + _other + "\"", StringComparison.Ordinal);

    private static ParameterizedStatement S(string statement, params AttributeValue[] parameters) =>
        new() { Statement = statement, Parameters = parameters.Length == 0 ? null : [.. parameters] };

    private Task<ExecuteTransactionResponse> Transact(params ParameterizedStatement[] statements)
    {
        foreach (var statement in statements)
        {
            statement.Statement = Q(statement.Statement);
        }

        return _client.ExecuteTransactionAsync(new ExecuteTransactionRequest
        {
            TransactStatements = [.. statements],
            ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES,
        });
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string table, Dictionary<string, AttributeValue> key)
    {
        var response = await _client.GetItemAsync(new GetItemRequest { TableName = table, Key = key, ConsistentRead = true });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    [Fact]
    public async Task Write_InsertUpdateDeleteAndExists_AcrossTables_AllApplied()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("w-update")), ("n", Av.N(1))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("w-delete")), ("n", Av.N(2))));
        await _client.PutItemAsync(_other, Av.Item(("pk", Av.S("w")), ("sk", Av.S("check")), ("ok", Av.Bool(true))));

        var response = await Transact(
            S("INSERT INTO TABLE VALUE {'pk': ?, 'n': 10}", Av.S("w-insert")),
            S("UPDATE TABLE SET n = n + 5 WHERE pk = 'w-update' AND n = 1"),
            S("DELETE FROM TABLE WHERE pk = 'w-delete'"),
            S("DELETE FROM TABLE WHERE pk = 'w-never-existed'"),
            S("EXISTS(SELECT * FROM OTHER WHERE pk = 'w' AND sk = 'check' AND ok = true)"));

        Assert.Equal("10", (await GetAsync(_table, Av.Key("w-insert")))!["n"].N);
        Assert.Equal("6", (await GetAsync(_table, Av.Key("w-update")))!["n"].N);
        Assert.Null(await GetAsync(_table, Av.Key("w-delete")));
        Assert.Null(await GetAsync(_table, Av.Key("w-never-existed")));
        Assert.True(response.Responses is null or { Count: 0 }, "a write transaction returns no items");

        // Transactional writes cost double: 2 units per statement of at most 1 KB, per table.
        var byTable = response.ConsumedCapacity.ToDictionary(c => c.TableName);
        Assert.Equal(8, byTable[_table].CapacityUnits);
        Assert.Equal(8, byTable[_table].WriteCapacityUnits);
        Assert.Equal(2, byTable[_other].CapacityUnits);
    }

    [Fact]
    public async Task Write_Failures_CancelEverything_WithReasonsInStatementOrder()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("f-dup")), ("n", Av.N(1))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("f-upd")), ("n", Av.N(5))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("f-chk")), ("n", Av.N(5))));

        var error = await Assert.ThrowsAsync<TransactionCanceledException>(() => Transact(
            S("INSERT INTO TABLE VALUE {'pk': 'f-new'}"),
            S("INSERT INTO TABLE VALUE {'pk': 'f-dup'}"),
            new ParameterizedStatement { Statement = "UPDATE TABLE SET n = 6 WHERE pk = 'f-upd' AND n = 0", ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD },
            S("UPDATE TABLE SET n = 1 WHERE pk = 'f-missing'"),
            S("EXISTS(SELECT * FROM TABLE WHERE pk = 'f-chk' AND n > 100)"),
            S("DELETE FROM TABLE WHERE pk = 'f-absent' AND n = 1")));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem, ConditionalCheckFailed, ConditionalCheckFailed, ConditionalCheckFailed, None]",
            error.Message);
        Assert.Equal(["None", "DuplicateItem", "ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed", "None"],
            error.CancellationReasons.Select(r => r.Code));
        Assert.Equal("Duplicate primary key exists in table", error.CancellationReasons[1].Message);
        Assert.Equal("5", error.CancellationReasons[2].Item["n"].N);
        Assert.True(error.CancellationReasons[3].Item is null or { Count: 0 }, "no item without ALL_OLD");

        Assert.Null(await GetAsync(_table, Av.Key("f-new")));
        Assert.Equal("5", (await GetAsync(_table, Av.Key("f-upd")))!["n"].N);
        Assert.NotNull(await GetAsync(_table, Av.Key("f-dup")));
        Assert.Null(await GetAsync(_table, Av.Key("f-missing")));
    }

    [Fact]
    public async Task Read_ReturnsItemsInStatementOrder_WithProjectionAndWhere()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("r-1")), ("n", Av.N(1)), ("name", Av.S("one"))));
        await _client.PutItemAsync(_other, Av.Item(("pk", Av.S("r")), ("sk", Av.S("2")), ("n", Av.N(2))));
        await _client.PutItemAsync(_other, Av.Item(("pk", Av.S("r")), ("sk", Av.S("3")), ("n", Av.N(3))));

        var response = await Transact(
            S("SELECT name FROM TABLE WHERE pk = ?", Av.S("r-1")),
            S("SELECT * FROM OTHER WHERE pk = 'r' AND sk = '2'"),
            S("SELECT * FROM TABLE WHERE pk = 'r-absent'"),
            S("SELECT * FROM OTHER WHERE pk = 'r' AND sk = '3' AND n = 99"));

        Assert.Equal(4, response.Responses.Count);
        Assert.Equal(["name"], response.Responses[0].Item.Keys);
        Assert.Equal("one", response.Responses[0].Item["name"].S);
        Assert.Equal("2", response.Responses[1].Item["n"].N);
        Assert.True(response.Responses[2].Item is null or { Count: 0 });
        Assert.True(response.Responses[3].Item is null or { Count: 0 }, "a WHERE clause that does not hold reads as no item");
        var byTable = response.ConsumedCapacity.ToDictionary(c => c.TableName);
        Assert.Equal(4, byTable[_table].ReadCapacityUnits);
        Assert.Equal(4, byTable[_other].ReadCapacityUnits);
    }

    [Fact]
    public async Task ClientRequestToken_SameRequestAppliesOnce_OtherRequestMismatches()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("idem")), ("n", Av.N(0))));
        var token = Guid.NewGuid().ToString();
        ExecuteTransactionRequest Increment(int by) => new()
        {
            ClientRequestToken = token,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            TransactStatements = [S(Q("UPDATE TABLE SET n = n + ? WHERE pk = 'idem'"), Av.N(by))],
        };

        var first = await _client.ExecuteTransactionAsync(Increment(1));
        var second = await _client.ExecuteTransactionAsync(Increment(1));
        Assert.Equal("1", (await GetAsync(_table, Av.Key("idem")))!["n"].N);
        Assert.Equal(2, first.ConsumedCapacity[0].CapacityUnits);
        Assert.Equal(1, second.ConsumedCapacity[0].CapacityUnits);

        await AwsAssert.ErrorAsync(() => _client.ExecuteTransactionAsync(Increment(5)), "IdempotentParameterMismatchException");
        Assert.Equal("1", (await GetAsync(_table, Av.Key("idem")))!["n"].N);
    }

    [Fact]
    public async Task Validation_MatchesDynamoDb()
    {
        async Task<string> Refused(params ParameterizedStatement[] statements)
        {
            var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => Transact(statements));
            Assert.Equal("ValidationException", error.ErrorCode);
            return error.Message;
        }

        Assert.Equal("Transaction statements must be either all reads or all writes",
            await Refused(S("SELECT * FROM TABLE WHERE pk = 'a'"), S("DELETE FROM TABLE WHERE pk = 'b'")));
        Assert.Equal("Transaction request cannot include multiple operations on one item",
            await Refused(S("DELETE FROM TABLE WHERE pk = 'a'"), S("EXISTS(SELECT * FROM TABLE WHERE pk = 'a')")));
        Assert.Equal("Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.",
            await Refused(S("DELETE FROM TABLE WHERE pk = 'a' RETURNING ALL OLD *")));
        Assert.Equal("Where clause does not contain a mandatory equality on all key attributes",
            await Refused(S("EXISTS(SELECT * FROM TABLE WHERE n = 1)")));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.ExecuteTransactionAsync(new ExecuteTransactionRequest
        {
            TransactStatements = [S("DELETE FROM \"no-such-table-pqltx\" WHERE pk = 'a'")],
        }));

        var big = new string('x', 390_000);
        Assert.Equal("Transaction request size exceeds the maximum allowed size of 4 MB", await Refused(
            [.. Enumerable.Range(0, 11).Select(i => S("INSERT INTO TABLE VALUE {'pk': ?, 'big': ?}", Av.S("big-" + i.ToString(CultureInfo.InvariantCulture)), Av.S(big)))]));
        Assert.Null(await GetAsync(_table, Av.Key("big-0")));

        // EXISTS is a transaction-only condition check.
        var outside = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => _client.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = Q("EXISTS(SELECT * FROM TABLE WHERE pk = 'a')"),
        }));
        Assert.Equal("ValidationException", outside.ErrorCode);
    }

    [Fact]
    public async Task Select_OnGlobalAndLocalIndexes_ReadsLikeQueryAndScan()
    {
        var table = Tables.UniqueName();
        await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N), new("g", ScalarAttributeType.S), new("l", ScalarAttributeType.N)],
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
            GlobalSecondaryIndexes = [new() { IndexName = "by-g", KeySchema = [new("g", KeyType.HASH), new("sk", KeyType.RANGE)], Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY } }],
            LocalSecondaryIndexes = [new() { IndexName = "by-l", KeySchema = [new("pk", KeyType.HASH), new("l", KeyType.RANGE)], Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY } }],
        });
        await Tables.WaitForActiveAsync(_client, table);
        for (var i = 0; i < 12; i++)
        {
            // g: "a" for even, "b" for odd; l descends as sk grows; item 11 has no g (sparse).
            var item = Av.Item(("pk", Av.S("p")), ("sk", Av.N(i)), ("l", Av.N(100 - i)), ("extra", Av.S("x" + i.ToString(CultureInfo.InvariantCulture))));
            if (i != 11)
            {
                item["g"] = Av.S(i % 2 == 0 ? "a" : "b");
            }

            await _client.PutItemAsync(table, item);
        }

        async Task<List<Dictionary<string, AttributeValue>>> SelectAll(string statement, int? limit = null)
        {
            var items = new List<Dictionary<string, AttributeValue>>();
            string? next = null;
            do
            {
                var page = await _client.ExecuteStatementAsync(new ExecuteStatementRequest
                {
                    Statement = statement.Replace("@T", "\"" + table + "\"", StringComparison.Ordinal),
                    Limit = limit,
                    NextToken = next,
                });
                items.AddRange(page.Items);
                next = page.NextToken;
            }
            while (next is not null);
            return items;
        }

        static List<int> Sks(List<Dictionary<string, AttributeValue>> items) =>
            items.Select(i => int.Parse(i["sk"].N, CultureInfo.InvariantCulture)).ToList();

        // A Query of the GSI: its partition, in index sort key order, paged with NextToken.
        var evens = await SelectAll("SELECT * FROM @T.\"by-g\" WHERE g = 'a'", limit: 2);
        Assert.Equal([0, 2, 4, 6, 8, 10], Sks(evens));
        Assert.All(evens, i => Assert.Equal(["g", "pk", "sk"], i.Keys.Order()));
        Assert.Equal([3, 5], Sks(await SelectAll("SELECT * FROM @T.\"by-g\" WHERE g = 'b' AND sk BETWEEN 2 AND 6")));
        // A Scan of the GSI: sparse, so item 11 is not there.
        Assert.Equal(11, (await SelectAll("SELECT sk FROM @T.\"by-g\"", limit: 4)).Count);

        // The LSI orders the partition by l (descending sk); a named attribute is fetched from the table.
        var local = await SelectAll("SELECT sk, extra FROM @T.\"by-l\" WHERE pk = 'p' AND l >= 95", limit: 4);
        Assert.Equal([5, 4, 3, 2, 1, 0], Sks(local));
        Assert.Equal(["x5", "x4", "x3", "x2", "x1", "x0"], local.Select(i => i["extra"].S));
        var localAll = await SelectAll("SELECT * FROM @T.\"by-l\" WHERE pk = 'p' AND l = 100");
        Assert.Equal(["l", "pk", "sk"], Assert.Single(localAll).Keys.Order());

        // DynamoDB's errors for index reads.
        var unknown = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => SelectAll("SELECT * FROM @T.\"nope\""));
        Assert.Equal("The table does not have the specified index: nope", unknown.Message);
        var consistent = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => _client.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = $"SELECT * FROM \"{table}\".\"by-g\" WHERE g = 'a'",
            ConsistentRead = true,
        }));
        Assert.Equal("Consistent reads are not supported on global secondary indexes", consistent.Message);
        var write = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => SelectAll("DELETE FROM @T.\"by-g\" WHERE g = 'a'"));
        Assert.Equal("ValidationException", write.ErrorCode);
    }

    [Fact]
    public async Task TransactWriteItems_ReturnsItemCollectionMetrics_ForTablesWithLocalIndexes()
    {
        var table = Tables.UniqueName();
        await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("l", ScalarAttributeType.S)],
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
            LocalSecondaryIndexes = [new() { IndexName = "by-l", KeySchema = [new("pk", KeyType.HASH), new("l", KeyType.RANGE)], Projection = new() { ProjectionType = ProjectionType.ALL } }],
        });
        await Tables.WaitForActiveAsync(_client, table);
        await _client.PutItemAsync(table, Av.Item(("pk", Av.S("c")), ("sk", Av.S("check")), ("l", Av.S("z"))));

        var response = await _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.SIZE,
            TransactItems =
            [
                new TransactWriteItem { Put = new Put { TableName = table, Item = Av.Item(("pk", Av.S("a")), ("sk", Av.S("1")), ("l", Av.S("x"))) } },
                new TransactWriteItem { Put = new Put { TableName = table, Item = Av.Item(("pk", Av.S("a")), ("sk", Av.S("2"))) } },
                new TransactWriteItem { Update = new Update { TableName = table, Key = Av.Key("b", "1"), UpdateExpression = "SET l = :l", ExpressionAttributeValues = new() { [":l"] = Av.S("y") } } },
                new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = table, Key = Av.Key("c", "check"), ConditionExpression = "attribute_exists(pk)" } },
                // A table without local indexes has no item collections to report.
                new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("icm"))) } },
            ],
        });

        var metrics = Assert.Single(response.ItemCollectionMetrics);
        Assert.Equal(table, metrics.Key);
        Assert.Equal(["a", "b"], metrics.Value.Select(m => m.ItemCollectionKey["pk"].S));
        Assert.All(metrics.Value, m => Assert.Equal([0.0, 1.0], m.SizeEstimateRangeGB));

        var none = await _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [new TransactWriteItem { Delete = new Delete { TableName = table, Key = Av.Key("a", "2") } }],
        });
        Assert.True(none.ItemCollectionMetrics is null or { Count: 0 }, "metrics only when asked for");
    }
}
