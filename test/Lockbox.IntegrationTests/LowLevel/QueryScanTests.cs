using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

[Collection(LockboxCollection.Name)]
public sealed class QueryScanTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";
    private string _numbers = "";

    // _table: pk "p" holds sk a00..a19 and b00..b04 (25 items); pk "q" holds 5 more; attribute n = index.
    public async Task InitializeAsync()
    {
        _table = await Tables.CreateAsync(_client, hint: "query");
        var writes = new List<WriteRequest>();
        for (var i = 0; i < 20; i++)
        {
            writes.Add(Put("p", string.Create(CultureInfo.InvariantCulture, $"a{i:00}"), i));
        }
        for (var i = 0; i < 5; i++)
        {
            writes.Add(Put("p", string.Create(CultureInfo.InvariantCulture, $"b{i:00}"), 20 + i));
            writes.Add(Put("q", string.Create(CultureInfo.InvariantCulture, $"a{i:00}"), i));
        }
        foreach (var chunk in writes.Chunk(25))
        {
            await BatchWriteAllAsync(_table, [.. chunk]);
        }

        _numbers = await Tables.CreateAsync(_client, skType: ScalarAttributeType.N, hint: "numbers");
        foreach (var n in new[] { "100", "-10", "2", "0", "-1.5", "10", "1E+3", "-0.001" })
        {
            await _client.PutItemAsync(_numbers, Av.Item(("pk", Av.S("n")), ("sk", Av.N(n))));
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private static WriteRequest Put(string pk, string sk, int n) =>
        new(new PutRequest(Av.Item(("pk", Av.S(pk)), ("sk", Av.S(sk)), ("n", Av.N(n)), ("even", Av.Bool(n % 2 == 0)))));

    private async Task BatchWriteAllAsync(string table, WriteRequest[] writes)
    {
        var pending = new Dictionary<string, List<WriteRequest>> { [table] = [.. writes] };
        for (var attempt = 0; pending.Count > 0 && attempt < 20; attempt++)
        {
            var response = await _client.BatchWriteItemAsync(pending);
            pending = response.UnprocessedItems is { Count: > 0 } u ? u : [];
        }
        Assert.Empty(pending);
    }

    private async Task<List<string>> QuerySortKeysAsync(string condition, Dictionary<string, AttributeValue> values, bool forward = true)
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = condition,
            ExpressionAttributeValues = values,
            ScanIndexForward = forward,
        });
        return [.. response.Items.Select(i => i["sk"].S)];
    }

    [Fact]
    public async Task Query_EveryKeyConditionOperator()
    {
        var p = Av.S("p");
        Assert.Equal(25, (await QuerySortKeysAsync("pk = :p", new() { [":p"] = p })).Count);
        Assert.Equal(["a05"], await QuerySortKeysAsync("pk = :p AND sk = :s", new() { [":p"] = p, [":s"] = Av.S("a05") }));
        Assert.Equal(["a00", "a01"], await QuerySortKeysAsync("pk = :p AND sk < :s", new() { [":p"] = p, [":s"] = Av.S("a02") }));
        Assert.Equal(["a00", "a01", "a02"], await QuerySortKeysAsync("pk = :p AND sk <= :s", new() { [":p"] = p, [":s"] = Av.S("a02") }));
        Assert.Equal(["b03", "b04"], await QuerySortKeysAsync("pk = :p AND sk > :s", new() { [":p"] = p, [":s"] = Av.S("b02") }));
        Assert.Equal(["b02", "b03", "b04"], await QuerySortKeysAsync("pk = :p AND sk >= :s", new() { [":p"] = p, [":s"] = Av.S("b02") }));
        Assert.Equal(["a18", "a19", "b00"], await QuerySortKeysAsync("pk = :p AND sk BETWEEN :lo AND :hi", new() { [":p"] = p, [":lo"] = Av.S("a18"), [":hi"] = Av.S("b00") }));
        Assert.Equal(["a10", "a11", "a12", "a13", "a14", "a15", "a16", "a17", "a18", "a19"], await QuerySortKeysAsync("pk = :p AND begins_with(sk, :pre)", new() { [":p"] = p, [":pre"] = Av.S("a1") }));
        Assert.Equal(["a00", "a01", "a02", "a03", "a04"], await QueryNamesAsync());
        Assert.Empty(await QuerySortKeysAsync("pk = :p", new() { [":p"] = Av.S("nobody") }));
    }

    private async Task<List<string>> QueryNamesAsync()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "#k = :q AND #s >= :s",
            ExpressionAttributeNames = new() { ["#k"] = "pk", ["#s"] = "sk" },
            ExpressionAttributeValues = new() { [":q"] = Av.S("q"), [":s"] = Av.S("a") },
        });
        return [.. response.Items.Select(i => i["sk"].S)];
    }

    [Fact]
    public async Task Query_NumericSortKey_OrdersByValue()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _numbers,
            KeyConditionExpression = "pk = :p",
            ExpressionAttributeValues = new() { [":p"] = Av.S("n") },
        });
        Assert.Equal(
            new[] { "-10", "-1.5", "-0.001", "0", "2", "10", "100", "1000" }.Select(Av.CanonicalNumber),
            response.Items.Select(i => Av.CanonicalNumber(i["sk"].N)));

        var between = await _client.QueryAsync(new QueryRequest
        {
            TableName = _numbers,
            KeyConditionExpression = "pk = :p AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues = new() { [":p"] = Av.S("n"), [":lo"] = Av.N("-1.5"), [":hi"] = Av.N(10) },
            ScanIndexForward = false,
        });
        Assert.Equal(
            new[] { "10", "2", "0", "-0.001", "-1.5" }.Select(Av.CanonicalNumber),
            between.Items.Select(i => Av.CanonicalNumber(i["sk"].N)));
    }

    [Fact]
    public async Task Query_ScanIndexForwardFalse_ReversesOrder()
    {
        var keys = await QuerySortKeysAsync("pk = :p AND begins_with(sk, :b)", new() { [":p"] = Av.S("p"), [":b"] = Av.S("b") }, forward: false);
        Assert.Equal(["b04", "b03", "b02", "b01", "b00"], keys);
    }

    [Fact]
    public async Task Query_LimitAndLastEvaluatedKey_PagesThroughAll()
    {
        var seen = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        var pages = 0;
        do
        {
            var page = await _client.QueryAsync(new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = "pk = :p",
                ExpressionAttributeValues = new() { [":p"] = Av.S("p") },
                Limit = 7,
                ExclusiveStartKey = start,
                ScanIndexForward = false,
            });
            pages++;
            Assert.InRange(page.Items.Count, 0, 7);
            seen.AddRange(page.Items.Select(i => i["sk"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } lek ? lek : null;
            if (start is not null)
            {
                Assert.Equal("{pk=S:p,sk=S:" + page.Items[^1]["sk"].S + "}", Av.Show(start));
            }
        }
        while (start is not null && pages < 100);

        Assert.InRange(pages, 4, 5); // 25 items in pages of 7; a final empty page is allowed
        var expected = Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"a{i:00}"))
            .Concat(Enumerable.Range(0, 5).Select(i => string.Create(CultureInfo.InvariantCulture, $"b{i:00}")))
            .Reverse();
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Query_Paginator_YieldsAllItems()
    {
        var paginator = _client.Paginators.Query(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :p",
            ExpressionAttributeValues = new() { [":p"] = Av.S("p") },
            Limit = 4,
        });
        var count = 0;
        var pages = 0;
        await foreach (var page in paginator.Responses)
        {
            pages++;
            foreach (var item in page.Items)
            {
                Assert.Equal("p", item["pk"].S);
                count++;
            }
        }
        Assert.Equal(25, count);
        Assert.InRange(pages, 7, 8);
    }

    [Fact]
    public async Task Query_FilterExpression_CountsAndScannedCount()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :p AND begins_with(sk, :a)",
            FilterExpression = "even = :t AND n >= :min",
            ExpressionAttributeValues = new() { [":p"] = Av.S("p"), [":a"] = Av.S("a"), [":t"] = Av.Bool(true), [":min"] = Av.N(10) },
        });
        Assert.Equal(20, response.ScannedCount);
        Assert.Equal(5, response.Count);
        Assert.Equal(["a10", "a12", "a14", "a16", "a18"], response.Items.Select(i => i["sk"].S));

        // Limit applies before the filter.
        var limited = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :p",
            FilterExpression = "n >= :min",
            ExpressionAttributeValues = new() { [":p"] = Av.S("p"), [":min"] = Av.N(3) },
            Limit = 5,
        });
        Assert.Equal(5, limited.ScannedCount);
        Assert.Equal(2, limited.Count);
        Assert.NotNull(limited.LastEvaluatedKey);
    }

    [Fact]
    public async Task Query_SelectCount_ReturnsOnlyCounts()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :p",
            ExpressionAttributeValues = new() { [":p"] = Av.S("p") },
            Select = Select.COUNT,
        });
        Assert.Equal(25, response.Count);
        Assert.Equal(25, response.ScannedCount);
        Assert.True(response.Items is null || response.Items.Count == 0);
    }

    [Fact]
    public async Task Query_ProjectionExpression_AndConsistentRead()
    {
        var response = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :p AND sk = :s",
            ExpressionAttributeValues = new() { [":p"] = Av.S("q"), [":s"] = Av.S("a03") },
            ProjectionExpression = "n",
            ConsistentRead = true,
        });
        Assert.Equal("{n=N:3}", Av.Show(Assert.Single(response.Items)));
    }

    [Fact]
    public async Task Query_LegacyKeyConditions()
    {
        async Task<List<string>> Legacy(ComparisonOperator op, params AttributeValue[] values)
        {
            var response = await _client.QueryAsync(new QueryRequest
            {
                TableName = _table,
                KeyConditions = new()
                {
                    ["pk"] = new Condition { ComparisonOperator = ComparisonOperator.EQ, AttributeValueList = [Av.S("p")] },
                    ["sk"] = new Condition { ComparisonOperator = op, AttributeValueList = [.. values] },
                },
            });
            return [.. response.Items.Select(i => i["sk"].S)];
        }

        Assert.Equal(["a03"], await Legacy(ComparisonOperator.EQ, Av.S("a03")));
        Assert.Equal(["a00"], await Legacy(ComparisonOperator.LT, Av.S("a01")));
        Assert.Equal(["a00", "a01"], await Legacy(ComparisonOperator.LE, Av.S("a01")));
        Assert.Equal(["b04"], await Legacy(ComparisonOperator.GT, Av.S("b03")));
        Assert.Equal(["b03", "b04"], await Legacy(ComparisonOperator.GE, Av.S("b03")));
        Assert.Equal(["a05", "a06"], await Legacy(ComparisonOperator.BETWEEN, Av.S("a05"), Av.S("a06")));
        Assert.Equal(5, (await Legacy(ComparisonOperator.BEGINS_WITH, Av.S("b"))).Count);

        // QueryFilter (legacy filter) on a non-key attribute.
        var filtered = await _client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditions = new() { ["pk"] = new Condition { ComparisonOperator = ComparisonOperator.EQ, AttributeValueList = [Av.S("q")] } },
            QueryFilter = new() { ["n"] = new Condition { ComparisonOperator = ComparisonOperator.GT, AttributeValueList = [Av.N(2)] } },
        });
        Assert.Equal(["a03", "a04"], filtered.Items.Select(i => i["sk"].S));
    }

    [Fact]
    public async Task Scan_ParallelSegments_CoverEveryItemExactlyOnce()
    {
        const int totalSegments = 4;
        var seen = new List<string>();
        for (var segment = 0; segment < totalSegments; segment++)
        {
            Dictionary<string, AttributeValue>? start = null;
            var guard = 0;
            do
            {
                var page = await _client.ScanAsync(new ScanRequest
                {
                    TableName = _table,
                    Segment = segment,
                    TotalSegments = totalSegments,
                    Limit = 4,
                    ExclusiveStartKey = start,
                });
                seen.AddRange(page.Items.Select(i => i["pk"].S + "/" + i["sk"].S));
                start = page.LastEvaluatedKey is { Count: > 0 } lek ? lek : null;
            }
            while (start is not null && ++guard < 100);
        }
        Assert.Equal(30, seen.Count);
        Assert.Equal(30, seen.Distinct().Count());
    }

    [Fact]
    public async Task Scan_FilterAndPaging()
    {
        var matched = new List<string>();
        var scanned = 0;
        Dictionary<string, AttributeValue>? start = null;
        var guard = 0;
        do
        {
            var page = await _client.ScanAsync(new ScanRequest
            {
                TableName = _table,
                FilterExpression = "pk = :q OR n > :big",
                ExpressionAttributeValues = new() { [":q"] = Av.S("q"), [":big"] = Av.N(22) },
                Limit = 6,
                ExclusiveStartKey = start,
            });
            scanned += page.ScannedCount ?? 0;
            Assert.InRange(page.ScannedCount ?? 0, 0, 6);
            matched.AddRange(page.Items.Select(i => i["pk"].S + "/" + i["sk"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } lek ? lek : null;
        }
        while (start is not null && ++guard < 100);

        Assert.Equal(30, scanned);
        Assert.Equal(
            new[] { "p/b03", "p/b04", "q/a00", "q/a01", "q/a02", "q/a03", "q/a04" },
            matched.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Scan_SelectCount_AndSegmentValidation()
    {
        var count = await _client.ScanAsync(new ScanRequest { TableName = _table, Select = Select.COUNT });
        Assert.Equal(30, count.Count);
        Assert.True(count.Items is null || count.Items.Count == 0);

        await AwsAssert.ValidationAsync(
            () => _client.ScanAsync(new ScanRequest { TableName = _table, Segment = 1, TotalSegments = 1 }),
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 1 is not less than TotalSegments: 1");
    }
}
