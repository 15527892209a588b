using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>Query and Scan stop a page once the items read reach 1 MB, as DynamoDB does.</summary>
[Collection(LockboxCollection.Name)]
public sealed class PageSizeTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private const int ItemCount = 30;
    private const int PayloadBytes = 100 * 1024;
    private const int OneMegabyte = 1024 * 1024;

    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";

    // 30 items of about 100 KB in one partition: about 3 MB, so at least three pages.
    public async Task InitializeAsync()
    {
        _table = await Tables.CreateAsync(_client, hint: "pages");
        var payload = new string('x', PayloadBytes);
        for (var i = 0; i < ItemCount; i++)
        {
            var sk = i.ToString("00", CultureInfo.InvariantCulture);
            await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("big")), ("sk", Av.S(sk)), ("data", Av.S(payload))));
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Query_WithoutLimit_StopsAtOneMegabyte_AndPagesThroughAll()
    {
        var pages = new List<QueryResponse>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _client.QueryAsync(new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = "pk = :p",
                ExpressionAttributeValues = new() { [":p"] = Av.S("big") },
                ExclusiveStartKey = start,
            });
            pages.Add(page);
            start = page.LastEvaluatedKey is { Count: > 0 } lek ? lek : null;
        }
        while (start is not null);

        AssertPaged(pages.Select(p => p.Items ?? []).ToList(), pages[0].LastEvaluatedKey);
    }

    [Fact]
    public async Task Scan_WithoutLimit_StopsAtOneMegabyte_AndPagesThroughAll()
    {
        var pages = new List<ScanResponse>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _client.ScanAsync(new ScanRequest { TableName = _table, ExclusiveStartKey = start });
            pages.Add(page);
            start = page.LastEvaluatedKey is { Count: > 0 } lek ? lek : null;
        }
        while (start is not null);

        AssertPaged(pages.Select(p => p.Items ?? []).ToList(), pages[0].LastEvaluatedKey);
    }

    private static void AssertPaged(List<List<Dictionary<string, AttributeValue>>> pages, Dictionary<string, AttributeValue>? firstKey)
    {
        Assert.NotNull(firstKey);
        Assert.True(pages.Count >= 3, $"expected at least 3 pages, got {pages.Count}");
        foreach (var page in pages)
        {
            // A page holds at most 1 MB of items plus the one that crossed the limit.
            Assert.True(page.Count * PayloadBytes <= OneMegabyte + PayloadBytes + 4096,
                $"a page held {page.Count} items of {PayloadBytes} bytes");
        }

        var keys = pages.SelectMany(p => p).Select(item => item["sk"].S).ToList();
        Assert.Equal(ItemCount, keys.Count);
        Assert.Equal(ItemCount, keys.Distinct().Count());
    }
}
