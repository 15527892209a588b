using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>TransactWriteItems and TransactGetItems through the AWS SDK for .NET.</summary>
[Collection(LockboxCollection.Name)]
public sealed class TransactionTests(LockboxServerFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private string _table = "";
    private string _other = "";

    public async Task InitializeAsync()
    {
        _table = await Tables.CreateAsync(_client, sortKey: null, hint: "txn");
        _other = await Tables.CreateAsync(_client, hint: "txn2");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string table, Dictionary<string, AttributeValue> key)
    {
        var response = await _client.GetItemAsync(new GetItemRequest { TableName = table, Key = key, ConsistentRead = true });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    [Fact]
    public async Task Write_PutUpdateDeleteAndCheck_AcrossTables_AllApplied()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("upd")), ("n", Av.N(1))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("del")), ("n", Av.N(1))));
        await _client.PutItemAsync(_other, Av.Item(("pk", Av.S("chk")), ("sk", Av.S("1")), ("state", Av.S("open"))));

        var response = await _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            TransactItems =
            [
                new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("new")), ("v", Av.S("x"))), ConditionExpression = "attribute_not_exists(pk)" } },
                new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("upd"), UpdateExpression = "ADD n :one", ExpressionAttributeValues = new() { [":one"] = Av.N(1) } } },
                new TransactWriteItem { Delete = new Delete { TableName = _table, Key = Av.Key("del"), ConditionExpression = "n = :one", ExpressionAttributeValues = new() { [":one"] = Av.N(1) } } },
                new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = _other, Key = Av.Key("chk", "1"), ConditionExpression = "#s = :open", ExpressionAttributeNames = new() { ["#s"] = "state" }, ExpressionAttributeValues = new() { [":open"] = Av.S("open") } } },
            ],
        });

        Assert.Equal("x", (await GetAsync(_table, Av.Key("new")))!["v"].S);
        Assert.Equal("2", (await GetAsync(_table, Av.Key("upd")))!["n"].N);
        Assert.Null(await GetAsync(_table, Av.Key("del")));
        Assert.Equal("open", (await GetAsync(_other, Av.Key("chk", "1")))!["state"].S);

        // Transactional writes cost double: 3 small writes = 6 units on one table, 1 check = 2 on the other.
        var consumed = response.ConsumedCapacity.ToDictionary(c => c.TableName, c => c.CapacityUnits);
        Assert.Equal(6, consumed[_table]);
        Assert.Equal(2, consumed[_other]);
    }

    [Fact]
    public async Task Write_FailedConditions_CancelEverything_WithReasonsInRequestOrder()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("c-1")), ("n", Av.N(5))));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("c-2")), ("n", Av.N(7))));

        var error = await Assert.ThrowsAsync<TransactionCanceledException>(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("c-new"))) } },
                new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("c-1"), UpdateExpression = "SET n = :v", ConditionExpression = "n = :zero", ExpressionAttributeValues = new() { [":v"] = Av.N(6), [":zero"] = Av.N(0) }, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } },
                new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = _table, Key = Av.Key("c-2"), ConditionExpression = "attribute_not_exists(pk)" } },
                new TransactWriteItem { Delete = new Delete { TableName = _other, Key = Av.Key("c", "1") } },
            ],
        }));

        Assert.Equal("TransactionCanceledException", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed, None]", error.Message);
        Assert.Equal(["None", "ConditionalCheckFailed", "ConditionalCheckFailed", "None"], error.CancellationReasons.Select(r => r.Code));
        Assert.Equal("The conditional request failed", error.CancellationReasons[1].Message);
        Assert.Equal("5", error.CancellationReasons[1].Item["n"].N);
        Assert.True(error.CancellationReasons[2].Item is null or { Count: 0 }, "no item without ALL_OLD");

        Assert.Null(await GetAsync(_table, Av.Key("c-new")));
        Assert.Equal("5", (await GetAsync(_table, Av.Key("c-1")))!["n"].N);
    }

    [Fact]
    public async Task Write_UpdateInvalidForItem_CancelsWithValidationError()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("v-1")), ("s", Av.S("text"))));
        var error = await Assert.ThrowsAsync<TransactionCanceledException>(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("v-1"), UpdateExpression = "ADD s :one", ExpressionAttributeValues = new() { [":one"] = Av.N(1) } } },
                new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("v-2"))) } },
            ],
        }));
        Assert.Equal(["ValidationError", "None"], error.CancellationReasons.Select(r => r.Code));
        Assert.False(string.IsNullOrEmpty(error.CancellationReasons[0].Message));
        Assert.Null(await GetAsync(_table, Av.Key("v-2")));
    }

    [Fact]
    public async Task Write_Validation_MatchesDynamoDb()
    {
        await AwsAssert.ValidationAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("same"))) } },
                new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = _table, Key = Av.Key("same"), ConditionExpression = "attribute_exists(pk)" } },
            ],
        }), "Transaction request cannot include multiple operations on one item");

        await AwsAssert.ValidationAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem
                {
                    Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("two"))) },
                    Delete = new Delete { TableName = _table, Key = Av.Key("two") },
                },
            ],
        }), "TransactItems can only contain one of Check, Put, Update or Delete");

        var tooMany = Enumerable.Range(0, 101)
            .Select(i => new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("many" + i.ToString(CultureInfo.InvariantCulture)))) } })
            .ToList();
        await AwsAssert.ValidationAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = tooMany }),
            "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100");
        Assert.Null(await GetAsync(_table, Av.Key("many0")));

        // 100 actions is the limit, not beyond it.
        await _client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = tooMany.Take(100).ToList() });
        Assert.NotNull(await GetAsync(_table, Av.Key("many99")));

        await AwsAssert.ErrorAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [new TransactWriteItem { Put = new Put { TableName = Tables.UniqueName("missing"), Item = Av.Item(("pk", Av.S("x"))) } }],
        }), "ResourceNotFoundException", "Requested resource not found");

        await AwsAssert.ValidationAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("k"), UpdateExpression = "SET pk = :v", ExpressionAttributeValues = new() { [":v"] = Av.S("x") } } }],
        }), "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");

        // Each 400 KB item is fine alone; eleven of them exceed the transaction's 4 MB.
        var big = new string('b', 390 * 1024);
        await AwsAssert.ErrorAsync(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = Enumerable.Range(0, 11)
                .Select(i => new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("big" + i.ToString(CultureInfo.InvariantCulture))), ("b", Av.S(big))) } })
                .ToList(),
        }), "ValidationException");
        Assert.Null(await GetAsync(_table, Av.Key("big0")));
    }

    [Fact]
    public async Task Get_ReadsItemsAcrossTables_WithProjection_AndDoubleCapacity()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("g-1")), ("a", Av.S("A")), ("b", Av.S("B"))));
        await _client.PutItemAsync(_other, Av.Item(("pk", Av.S("g")), ("sk", Av.S("2")), ("c", Av.N(3))));

        var response = await _client.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            TransactItems =
            [
                new TransactGetItem { Get = new Get { TableName = _table, Key = Av.Key("g-1"), ProjectionExpression = "#a", ExpressionAttributeNames = new() { ["#a"] = "a" } } },
                new TransactGetItem { Get = new Get { TableName = _table, Key = Av.Key("g-absent") } },
                new TransactGetItem { Get = new Get { TableName = _other, Key = Av.Key("g", "2") } },
            ],
        });

        Assert.Equal(3, response.Responses.Count);
        Assert.Equal(["a"], response.Responses[0].Item.Keys);
        Assert.True(response.Responses[1].Item is null or { Count: 0 });
        Assert.Equal("3", response.Responses[2].Item["c"].N);
        var consumed = response.ConsumedCapacity.ToDictionary(c => c.TableName, c => c.CapacityUnits);
        Assert.Equal(4, consumed[_table]);
        Assert.Equal(2, consumed[_other]);

        await AwsAssert.ValidationAsync(() => _client.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            TransactItems =
            [
                new TransactGetItem { Get = new Get { TableName = _table, Key = Av.Key("g-1") } },
                new TransactGetItem { Get = new Get { TableName = _table, Key = Av.Key("g-1") } },
            ],
        }), "Transaction request cannot include multiple operations on one item");
    }

    [Fact]
    public async Task ClientRequestToken_SameRequestAppliesOnce_OtherRequestMismatches()
    {
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("idem")), ("n", Av.N(0))));
        var token = Guid.NewGuid().ToString();
        TransactWriteItemsRequest Increment(int by) => new()
        {
            ClientRequestToken = token,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            TransactItems = [new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("idem"), UpdateExpression = "ADD n :by", ExpressionAttributeValues = new() { [":by"] = Av.N(by) } } }],
        };

        var first = await _client.TransactWriteItemsAsync(Increment(1));
        var second = await _client.TransactWriteItemsAsync(Increment(1));
        Assert.Equal("1", (await GetAsync(_table, Av.Key("idem")))!["n"].N);
        Assert.Equal(2, first.ConsumedCapacity[0].WriteCapacityUnits);
        // The repeated call reads instead of writing, as DynamoDB documents.
        Assert.Equal(1, second.ConsumedCapacity[0].ReadCapacityUnits);

        await AwsAssert.ErrorAsync(() => _client.TransactWriteItemsAsync(Increment(5)), "IdempotentParameterMismatchException");
        Assert.Equal("1", (await GetAsync(_table, Av.Key("idem")))!["n"].N);

        // A cancelled transaction binds no token: the retry runs.
        var cancelledToken = Guid.NewGuid().ToString();
        TransactWriteItemsRequest Guarded() => new()
        {
            ClientRequestToken = cancelledToken,
            TransactItems = [new TransactWriteItem { Put = new Put { TableName = _table, Item = Av.Item(("pk", Av.S("guarded"))), ConditionExpression = "attribute_exists(pk)" } }],
        };
        await Assert.ThrowsAsync<TransactionCanceledException>(() => _client.TransactWriteItemsAsync(Guarded()));
        await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("guarded")), ("was", Av.S("here"))));
        await _client.TransactWriteItemsAsync(Guarded());
        Assert.False((await GetAsync(_table, Av.Key("guarded")))!.ContainsKey("was"));
    }

    /// <summary>
    /// Real contention: concurrent transfers between the same counters. Some transactions find an
    /// item held by another and are cancelled with TransactionConflict; the sum never changes, and a
    /// TransactGetItems snapshot taken during the load always sees it whole.
    /// </summary>
    [Fact]
    public async Task ConcurrentTransfers_SomeConflict_SumIsKept()
    {
        const int accounts = 3;
        const int start = 1000;
        for (var i = 0; i < accounts; i++)
        {
            await _client.PutItemAsync(_table, Av.Item(("pk", Av.S("acct" + i.ToString(CultureInfo.InvariantCulture))), ("balance", Av.N(start))));
        }

        var codes = new ConcurrentDictionary<string, int>();
        var committed = 0;
        var plainConflicts = 0;
        var snapshots = new ConcurrentBag<long>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            using var client = LockboxServerFixture.CreateClient(fixture.Endpoint, fixture.AccessKey, fixture.SecretKey, maxErrorRetry: 0);
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var from = random.Next(accounts);
                var to = (from + 1 + random.Next(accounts - 1)) % accounts;
                var amount = random.Next(1, 10);
                try
                {
                    if (w == 0)
                    {
                        // One reader takes consistent snapshots of every account.
                        var read = await client.TransactGetItemsAsync(new TransactGetItemsRequest
                        {
                            TransactItems = [.. Enumerable.Range(0, accounts).Select(i => new TransactGetItem { Get = new Get { TableName = _table, Key = Av.Key("acct" + i.ToString(CultureInfo.InvariantCulture)) } })],
                        });
                        snapshots.Add(read.Responses.Sum(r => long.Parse(r.Item["balance"].N, CultureInfo.InvariantCulture)));
                    }
                    else if (w == 1)
                    {
                        // One plain writer touches a counter's other attribute: it may meet a transaction.
                        await client.UpdateItemAsync(new UpdateItemRequest
                        {
                            TableName = _table, Key = Av.Key("acct" + from.ToString(CultureInfo.InvariantCulture)),
                            UpdateExpression = "ADD touched :one", ExpressionAttributeValues = new() { [":one"] = Av.N(1) },
                        });
                    }
                    else
                    {
                        await client.TransactWriteItemsAsync(new TransactWriteItemsRequest
                        {
                            TransactItems =
                            [
                                new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("acct" + from.ToString(CultureInfo.InvariantCulture)), UpdateExpression = "ADD balance :neg", ExpressionAttributeValues = new() { [":neg"] = Av.N(-amount) } } },
                                new TransactWriteItem { Update = new Update { TableName = _table, Key = Av.Key("acct" + to.ToString(CultureInfo.InvariantCulture)), UpdateExpression = "ADD balance :pos", ExpressionAttributeValues = new() { [":pos"] = Av.N(amount) } } },
                            ],
                        });
                        Interlocked.Increment(ref committed);
                    }
                }
                catch (TransactionCanceledException e)
                {
                    foreach (var reason in e.CancellationReasons)
                    {
                        codes.AddOrUpdate(reason.Code, 1, (_, n) => n + 1);
                    }
                }
                catch (TransactionConflictException)
                {
                    Interlocked.Increment(ref plainConflicts);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        var total = 0L;
        for (var i = 0; i < accounts; i++)
        {
            total += long.Parse((await GetAsync(_table, Av.Key("acct" + i.ToString(CultureInfo.InvariantCulture))))!["balance"].N, CultureInfo.InvariantCulture);
        }

        output.WriteLine($"committed {committed}, reasons {string.Join(", ", codes.Select(c => c.Key + "=" + c.Value))}, plain-write conflicts {plainConflicts}, snapshots {snapshots.Count}");
        Assert.Equal(accounts * start, total);
        Assert.True(committed > 20, $"only {committed} transfers committed");
        Assert.True(codes.GetValueOrDefault("TransactionConflict") > 0, "no transaction was cancelled with TransactionConflict under contention");
        Assert.DoesNotContain(codes.Keys, c => c is not ("TransactionConflict" or "None"));
        Assert.NotEmpty(snapshots);
        Assert.All(snapshots, s => Assert.Equal(accounts * start, s));
    }
}
