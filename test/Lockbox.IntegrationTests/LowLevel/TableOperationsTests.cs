using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

[Collection(LockboxCollection.Name)]
public sealed partial class TableOperationsTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task CreateTable_HashOnly_PayPerRequest_DescribesAllFields()
    {
        var name = Tables.UniqueName();
        var before = DateTime.UtcNow.AddMinutes(-5);
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        });
        Assert.Equal(name, created.TableDescription.TableName);
        Assert.Contains(created.TableDescription.TableStatus.Value, new[] { "CREATING", "ACTIVE" });

        var table = await Tables.WaitForActiveAsync(_client, name);
        Assert.Equal(TableStatus.ACTIVE, table.TableStatus);
        Assert.Equal(name, table.TableName);
        AssertArn(table.TableArn, name);
        Assert.Equal(0, table.ItemCount);
        Assert.Equal(0, table.TableSizeBytes);
        Assert.NotNull(table.CreationDateTime);
        Assert.InRange(table.CreationDateTime!.Value.ToUniversalTime(), before, DateTime.UtcNow.AddMinutes(5));
        Assert.NotNull(table.BillingModeSummary);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary.BillingMode);
        Assert.Single(table.KeySchema);
        Assert.Equal("pk", table.KeySchema[0].AttributeName);
        Assert.Equal(KeyType.HASH, table.KeySchema[0].KeyType);
        Assert.Single(table.AttributeDefinitions);
        Assert.Equal(ScalarAttributeType.S, table.AttributeDefinitions[0].AttributeType);
        // On-demand tables report zero provisioned capacity.
        Assert.Equal(0, table.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(0, table.ProvisionedThroughput.WriteCapacityUnits);
        Assert.False(string.IsNullOrEmpty(table.TableId));
    }

    [LockboxFact("dynalite's TableId is not a well-formed UUID (32 characters)")]
    public async Task DescribeTable_TableId_IsStableUuid()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        var first = (await _client.DescribeTableAsync(name)).Table.TableId;
        Assert.Matches(UuidRegex(), first);
        Assert.Equal(first, (await _client.DescribeTableAsync(name)).Table.TableId);
        var other = await Tables.CreateAsync(_client, sortKey: null);
        Assert.NotEqual(first, (await _client.DescribeTableAsync(other)).Table.TableId);
    }

    [Fact]
    public async Task CreateTable_HashRange_Provisioned_DescribesThroughput()
    {
        var name = Tables.UniqueName();
        await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions =
            [
                new AttributeDefinition("pk", ScalarAttributeType.S),
                new AttributeDefinition("sk", ScalarAttributeType.N),
            ],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            ProvisionedThroughput = new ProvisionedThroughput(5, 7),
        });
        var table = await Tables.WaitForActiveAsync(_client, name);
        AssertArn(table.TableArn, name);
        Assert.Equal(2, table.KeySchema.Count);
        Assert.Equal("sk", table.KeySchema.Single(k => k.KeyType == KeyType.RANGE).AttributeName);
        Assert.Equal(ScalarAttributeType.N, table.AttributeDefinitions.Single(a => a.AttributeName == "sk").AttributeType);
        Assert.Equal(5, table.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(7, table.ProvisionedThroughput.WriteCapacityUnits);
        // A provisioned table created without BillingMode either omits the summary or says PROVISIONED.
        if (table.BillingModeSummary is not null)
        {
            Assert.Equal(BillingMode.PROVISIONED, table.BillingModeSummary.BillingMode);
        }
    }

    [Fact]
    public async Task DescribeTable_ItemCountAndSizeReflectItems()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        for (var i = 0; i < 3; i++)
        {
            await _client.PutItemAsync(name, Av.Item(("pk", Av.S("k" + i)), ("v", Av.S(new string('x', 100)))));
        }
        // DynamoDB refreshes ItemCount/TableSizeBytes about every six hours; an exact server may be
        // immediate. Either way the numbers must be consistent: zero, or the real count and size.
        var table = (await _client.DescribeTableAsync(name)).Table;
        Assert.True(table.ItemCount is 0 or 3, "ItemCount " + table.ItemCount);
        if (table.ItemCount == 3)
        {
            Assert.InRange(table.TableSizeBytes ?? 0, 3 * 100, 3 * 200);
        }
    }

    [LockboxFact("dynalite answers ResourceInUseException with an empty message")]
    public async Task CreateTable_Existing_ResourceInUse()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        var ex = await Assert.ThrowsAsync<ResourceInUseException>(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        }));
        Assert.Equal("Table already exists: " + name, ex.Message);
    }

    [Fact]
    public async Task ListTables_PaginatesWithLimitAndExclusiveStartTableName()
    {
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add(await Tables.CreateAsync(_client, sortKey: null));
        }

        var all = new List<string>();
        string? start = null;
        var pages = 0;
        do
        {
            var page = await _client.ListTablesAsync(new ListTablesRequest { Limit = 2, ExclusiveStartTableName = start });
            pages++;
            var names = page.TableNames ?? [];
            Assert.InRange(names.Count, 0, 2);
            all.AddRange(names);
            start = page.LastEvaluatedTableName;
            if (start is not null)
            {
                Assert.Equal(names[^1], start);
            }
            Assert.True(pages < 10_000, "ListTables does not terminate");
        }
        while (start is not null);

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        foreach (var name in mine)
        {
            Assert.Contains(name, all);
        }

        // Starting after the 2nd of ours returns the 3rd next (our names sort in creation order).
        var sorted = mine.Order(StringComparer.Ordinal).ToList();
        var after = await _client.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = sorted[1], Limit = 1 });
        Assert.Equal(sorted[2], Assert.Single(after.TableNames));
    }

    [Fact]
    public async Task ListTables_LimitOutOfRange_ValidationException()
    {
        // Not a literal: the SDK's analyzer rejects constant out-of-range values at compile time.
        var tooMany = 100 + Environment.ProcessorCount / Environment.ProcessorCount;
        await AwsAssert.ValidationAsync(
            () => _client.ListTablesAsync(new ListTablesRequest { Limit = tooMany }),
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100");
    }

    [Fact]
    public async Task UpdateTable_ChangesThroughputAndBillingMode()
    {
        var name = Tables.UniqueName();
        await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            ProvisionedThroughput = new ProvisionedThroughput(1, 1),
        });
        await Tables.WaitForActiveAsync(_client, name);
        await _client.PutItemAsync(name, Av.Item(("pk", Av.S("keep")), ("v", Av.N(1))));

        var updated = await _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = name,
            ProvisionedThroughput = new ProvisionedThroughput(10, 20),
        });
        Assert.Equal(name, updated.TableDescription.TableName);
        var table = await Tables.WaitForActiveAsync(_client, name);
        Assert.Equal(10, table.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(20, table.ProvisionedThroughput.WriteCapacityUnits);

        await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, BillingMode = BillingMode.PAY_PER_REQUEST });
        table = await Tables.WaitForActiveAsync(_client, name);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary?.BillingMode);

        // Data survives table updates.
        var item = await _client.GetItemAsync(name, Av.Key("keep"));
        Assert.Equal("1", item.Item["v"].N);
    }

    [Fact]
    public async Task UpdateTable_ThroughputOnPayPerRequest_ValidationException()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        await AwsAssert.ValidationAsync(
            () => _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, ProvisionedThroughput = new ProvisionedThroughput(5, 5) }),
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    }

    [Fact]
    public async Task DeleteTable_ThenResourceNotFound()
    {
        var name = await Tables.CreateAsync(_client);
        await _client.PutItemAsync(name, Av.Item(("pk", Av.S("a")), ("sk", Av.S("b"))));
        var deleted = await _client.DeleteTableAsync(name);
        Assert.Equal(name, deleted.TableDescription.TableName);
        await Tables.WaitForDeletedAsync(_client, name);

        var describe = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.DescribeTableAsync(name));
        Assert.Equal($"Requested resource not found: Table: {name} not found", describe.Message);

        var delete = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.DeleteTableAsync(name));
        Assert.Equal($"Requested resource not found: Table: {name} not found", delete.Message);

        var get = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.GetItemAsync(name, Av.Key("a", "b")));
        Assert.Equal("Requested resource not found", get.Message);

        var listed = await _client.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = name[..^1], Limit = 100 });
        Assert.DoesNotContain(name, listed.TableNames ?? []);
    }

    [Fact]
    public async Task DataPlane_OnMissingTable_ResourceNotFound()
    {
        var missing = Tables.UniqueName();
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.PutItemAsync(missing, Av.Key("a")), "Requested resource not found");
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.QueryAsync(new QueryRequest
            {
                TableName = missing,
                KeyConditionExpression = "pk = :p",
                ExpressionAttributeValues = new() { [":p"] = Av.S("a") },
            }),
            "Requested resource not found");
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.ScanAsync(new ScanRequest { TableName = missing }), "Requested resource not found");
        await AwsAssert.ThrowsAsync<ResourceNotFoundException>(
            () => _client.UpdateTableAsync(new UpdateTableRequest { TableName = missing, BillingMode = BillingMode.PAY_PER_REQUEST }),
            $"Requested resource not found: Table: {missing} not found");
    }

    private void AssertArn(string arn, string name)
    {
        if (fixture.AccountId is { } account)
        {
            Assert.Equal($"arn:aws:dynamodb:us-east-1:{account}:table/{name}", arn);
        }
        else
        {
            Assert.Matches("^arn:aws:dynamodb:us-east-1:[0-9]{12}:table/" + Regex.Escape(name) + "$", arn);
        }
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex UuidRegex();
}
