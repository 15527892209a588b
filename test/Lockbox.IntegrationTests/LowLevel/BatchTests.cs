using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

[Collection(LockboxCollection.Name)]
public sealed class BatchTests(LockboxServerFixture fixture) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";
    private string _other = "";

    public async Task InitializeAsync()
    {
        _table = await Tables.CreateAsync(_client, sortKey: null, hint: "batch");
        _other = await Tables.CreateAsync(_client, hint: "batch2");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private static string K(int i) => string.Create(CultureInfo.InvariantCulture, $"k{i:000}");

    [Fact]
    public async Task BatchWrite_PutsAndDeletes_AcrossTables_ThenBatchGet()
    {
        var puts = Enumerable.Range(0, 20)
            .Select(i => new WriteRequest(new PutRequest(Av.Item(("pk", Av.S(K(i))), ("v", Av.N(i))))))
            .ToList();
        var response = await _client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                [_table] = puts,
                [_other] = [new WriteRequest(new PutRequest(Av.Item(("pk", Av.S("x")), ("sk", Av.S("y")), ("v", Av.S("other")))))],
            },
        });
        Assert.True(response.UnprocessedItems is null || response.UnprocessedItems.Count == 0);

        await _client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                [_table] =
                [
                    new WriteRequest(new DeleteRequest(Av.Key(K(0)))),
                    new WriteRequest(new DeleteRequest(Av.Key(K(1)))),
                    new WriteRequest(new PutRequest(Av.Item(("pk", Av.S(K(2))), ("v", Av.S("replaced"))))),
                ],
            },
        });

        var get = await _client.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new()
            {
                [_table] = new KeysAndAttributes
                {
                    Keys = [Av.Key(K(0)), Av.Key(K(1)), Av.Key(K(2)), Av.Key(K(3)), Av.Key("missing")],
                    ConsistentRead = true,
                },
                [_other] = new KeysAndAttributes
                {
                    Keys = [Av.Key("x", "y")],
                    ProjectionExpression = "#v",
                    ExpressionAttributeNames = new() { ["#v"] = "v" },
                },
            },
        });
        Assert.True(get.UnprocessedKeys is null || get.UnprocessedKeys.Count == 0);
        var items = get.Responses[_table].OrderBy(i => i["pk"].S, StringComparer.Ordinal).ToList();
        Assert.Equal(["{pk=S:k002,v=S:replaced}", "{pk=S:k003,v=N:3}"], items.Select(Av.Show));
        Assert.Equal("{v=S:other}", Av.Show(Assert.Single(get.Responses[_other])));
    }

    [Fact]
    public async Task BatchGet_HundredKeys()
    {
        for (var start = 0; start < 100; start += 25)
        {
            await _client.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new()
                {
                    [_table] = [.. Enumerable.Range(start, 25).Select(i => new WriteRequest(new PutRequest(Av.Item(("pk", Av.S("h" + K(i))), ("v", Av.N(i))))))],
                },
            });
        }
        var found = new List<Dictionary<string, AttributeValue>>();
        var request = new Dictionary<string, KeysAndAttributes>
        {
            [_table] = new KeysAndAttributes { Keys = [.. Enumerable.Range(0, 100).Select(i => Av.Key("h" + K(i)))] },
        };
        for (var attempt = 0; request.Count > 0 && attempt < 20; attempt++)
        {
            var response = await _client.BatchGetItemAsync(request);
            found.AddRange(response.Responses[_table]);
            request = response.UnprocessedKeys is { Count: > 0 } u ? u : [];
        }
        Assert.Equal(100, found.Select(i => i["pk"].S).Distinct().Count());
    }

    [Fact]
    public async Task BatchWrite_MoreThan25_ValidationException()
    {
        var writes = Enumerable.Range(0, 26)
            .Select(i => new WriteRequest(new PutRequest(Av.Item(("pk", Av.S(K(i)))))))
            .ToList();
        var ex = await AwsAssert.ErrorAsync(
            () => _client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [_table] = writes } }),
            "ValidationException");
        // The message embeds the request map; its fixed parts are:
        Assert.StartsWith("1 validation error detected: Value '{", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            "}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
            ex.Message,
            StringComparison.Ordinal);
        // Nothing was written.
        var get = await _client.GetItemAsync(_table, Av.Key(K(25)));
        Assert.True(get.Item is null || get.Item.Count == 0);
    }

    [Fact]
    public async Task BatchWrite_DuplicateKeys_ValidationException()
    {
        await AwsAssert.ValidationAsync(
            () => _client.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new()
                {
                    [_table] =
                    [
                        new WriteRequest(new PutRequest(Av.Item(("pk", Av.S("dup")), ("v", Av.N(1))))),
                        new WriteRequest(new DeleteRequest(Av.Key("dup"))),
                    ],
                },
            }),
            "Provided list of item keys contains duplicates");
    }

    [Fact]
    public async Task BatchGet_DuplicateKeys_ValidationException()
    {
        await AwsAssert.ValidationAsync(
            () => _client.BatchGetItemAsync(new BatchGetItemRequest
            {
                RequestItems = new() { [_table] = new KeysAndAttributes { Keys = [Av.Key("dup"), Av.Key("dup")] } },
            }),
            "Provided list of item keys contains duplicates");
    }

    [Fact]
    public async Task BatchGet_MoreThan100Keys_ValidationException()
    {
        await AwsAssert.ValidationAsync(
            () => _client.BatchGetItemAsync(new BatchGetItemRequest
            {
                // 50 + 51 keys: each table's list is within its own limit of 100, the call is not.
                RequestItems = new()
                {
                    [_table] = new KeysAndAttributes { Keys = [.. Enumerable.Range(0, 50).Select(i => Av.Key(K(i)))] },
                    [_other] = new KeysAndAttributes { Keys = [.. Enumerable.Range(0, 51).Select(i => Av.Key(K(i), "s"))] },
                },
            }),
            "Too many items requested for the BatchGetItem call");
    }

    [Fact]
    public async Task Batch_MissingTable_ResourceNotFound()
    {
        var missing = Tables.UniqueName();
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [missing] = [new WriteRequest(new PutRequest(Av.Key("a")))] },
            }),
            "Requested resource not found");
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.BatchGetItemAsync(new BatchGetItemRequest
            {
                RequestItems = new() { [missing] = new KeysAndAttributes { Keys = [Av.Key("a")] } },
            }),
            "Requested resource not found");
    }
}
