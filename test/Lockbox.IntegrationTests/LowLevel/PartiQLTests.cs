using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>ExecuteStatement and BatchExecuteStatement through the AWS SDK for .NET.</summary>
[Collection(LockboxCollection.Name)]
public sealed class PartiQLTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    public async Task InitializeAsync() => _table = await Tables.CreateAsync(_client, hint: "partiql");

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private Task<ExecuteStatementResponse> Execute(string statement, params AttributeValue[] parameters) =>
        _client.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = statement.Replace("TABLE", "\"" + _table + "\"", StringComparison.Ordinal),
            Parameters = parameters.Length == 0 ? null : [.. parameters],
        });

    [Fact]
    public async Task Insert_select_update_delete_round_trip()
    {
        await Execute("INSERT INTO TABLE VALUE {'pk': ?, 'sk': 'one', 'n': 1, 'tags': <<'a'>>, 'doc': {'list': [1, 2]}}", Av.S("p"));
        await Execute("INSERT INTO TABLE VALUE {'pk': 'p', 'sk': 'two', 'n': 2}");

        var all = await Execute("SELECT * FROM TABLE WHERE pk = ?", Av.S("p"));
        Assert.Equal(["one", "two"], all.Items.Select(i => i["sk"].S));
        Assert.Equal(["a"], all.Items[0]["tags"].SS);

        var projected = await Execute("SELECT doc.list[1], n FROM TABLE WHERE pk = 'p' AND sk = 'one'");
        var item = Assert.Single(projected.Items);
        Assert.Equal("2", item["doc"].M["list"].L[0].N);
        Assert.Equal("1", item["n"].N);

        await Execute("UPDATE TABLE SET n = n + 10 SET tags = set_add(tags, <<'b'>>) SET doc.list = list_append(doc.list, [3]) WHERE pk = 'p' AND sk = 'one'");
        var updated = await _client.GetItemAsync(_table, Av.Key("p", "one"));
        Assert.Equal("11", updated.Item["n"].N);
        Assert.Equal(["a", "b"], updated.Item["tags"].SS.Order());
        Assert.Equal(3, updated.Item["doc"].M["list"].L.Count);

        await Execute("UPDATE TABLE REMOVE tags WHERE pk = 'p' AND sk = 'one'");
        Assert.False((await _client.GetItemAsync(_table, Av.Key("p", "one"))).Item.ContainsKey("tags"));

        await Execute("DELETE FROM TABLE WHERE pk = 'p' AND sk = 'two'");
        Assert.False((await _client.GetItemAsync(_table, Av.Key("p", "two"))).IsItemSet);
    }

    [Fact]
    public async Task Errors_have_dynamodb_types_and_messages()
    {
        await Execute("INSERT INTO TABLE VALUE {'pk': 'e', 'sk': '1', 'v': 1}");

        var duplicate = await Assert.ThrowsAsync<DuplicateItemException>(() => Execute("INSERT INTO TABLE VALUE {'pk': 'e', 'sk': '1'}"));
        Assert.Equal("Duplicate primary key exists in table", duplicate.Message);

        var failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(() =>
            Execute("UPDATE TABLE SET v = 2 WHERE pk = 'e' AND sk = '1' AND v = 5"));
        Assert.Equal("The conditional request failed", failed.Message);
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => Execute("UPDATE TABLE SET v = 2 WHERE pk = 'missing' AND sk = '1'"));

        var syntax = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => Execute("SELEC * FROM TABLE"));
        Assert.Equal("ValidationException", syntax.ErrorCode);
        Assert.Equal("Statement wasn't well formed, can't be processed: Expected data manipulation", syntax.Message);

        var noKey = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => Execute("DELETE FROM TABLE WHERE v = 1"));
        Assert.Equal("Where clause does not contain a mandatory equality on all key attributes", noKey.Message);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _client.ExecuteStatementAsync(new ExecuteStatementRequest { Statement = "SELECT * FROM \"no-such-table-xyz\"" }));
    }

    [Fact]
    public async Task Scan_pages_with_limit_and_next_token()
    {
        for (var i = 0; i < 7; i++)
        {
            await Execute($"INSERT INTO TABLE VALUE {{'pk': 'page{i}', 'sk': 's', 'v': {i}}}");
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await _client.ExecuteStatementAsync(new ExecuteStatementRequest
            {
                Statement = $"SELECT pk FROM \"{_table}\" WHERE begins_with(pk, 'page')",
                Limit = 3,
                NextToken = token,
            });
            seen.AddRange(page.Items.Select(i => i["pk"].S));
            token = page.NextToken;
        }
        while (token is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"page{i}").Order(), seen.Order());
    }

    [Fact]
    public async Task Batch_execute_statement_reports_each_statement()
    {
        var writes = await _client.BatchExecuteStatementAsync(new BatchExecuteStatementRequest
        {
            Statements =
            [
                new BatchStatementRequest { Statement = $"INSERT INTO \"{_table}\" VALUE {{'pk': 'b', 'sk': '1'}}" },
                new BatchStatementRequest { Statement = $"INSERT INTO \"{_table}\" VALUE {{'pk': 'b', 'sk': '2'}}" },
            ],
        });
        Assert.All(writes.Responses, r => Assert.Null(r.Error));

        var again = await _client.BatchExecuteStatementAsync(new BatchExecuteStatementRequest
        {
            Statements = [new BatchStatementRequest { Statement = $"INSERT INTO \"{_table}\" VALUE {{'pk': 'b', 'sk': '1'}}" }],
        });
        Assert.Equal(BatchStatementErrorCodeEnum.DuplicateItem, Assert.Single(again.Responses).Error.Code);

        var reads = await _client.BatchExecuteStatementAsync(new BatchExecuteStatementRequest
        {
            Statements =
            [
                new BatchStatementRequest { Statement = $"SELECT * FROM \"{_table}\" WHERE pk = ? AND sk = ?", Parameters = [Av.S("b"), Av.S("2")] },
                new BatchStatementRequest { Statement = $"SELECT * FROM \"{_table}\" WHERE pk = 'b' AND sk = '9'" },
            ],
        });
        Assert.Equal("2", reads.Responses[0].Item["sk"].S);
        Assert.True(reads.Responses[1].Item is null || reads.Responses[1].Item.Count == 0);
        Assert.Null(reads.Responses[1].Error);
    }
}
