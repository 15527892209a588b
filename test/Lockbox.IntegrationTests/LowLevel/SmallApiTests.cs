using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>DescribeEndpoints, DescribeLimits, table class, deletion protection and SSE settings.</summary>
[Collection(LockboxCollection.Name)]
public sealed class SmallApiTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();

    public void Dispose() => _client.Dispose();

    [LockboxFact("DynamoDB answers its own host name; Lockbox answers the host the client reached")]
    public async Task DescribeEndpoints_AnswersTheServersOwnAddress_ForADay()
    {
        var response = await _client.DescribeEndpointsAsync(new DescribeEndpointsRequest());
        var endpoint = Assert.Single(response.Endpoints);
        Assert.Equal(new Uri(fixture.Endpoint).Authority, endpoint.Address);
        Assert.Equal(1440, endpoint.CachePeriodInMinutes);
    }

    [Fact]
    public async Task DescribeLimits_ReportsAwsDefaultQuotas()
    {
        var limits = await _client.DescribeLimitsAsync(new DescribeLimitsRequest());
        Assert.Equal(80000, limits.AccountMaxReadCapacityUnits);
        Assert.Equal(80000, limits.AccountMaxWriteCapacityUnits);
        Assert.Equal(40000, limits.TableMaxReadCapacityUnits);
        Assert.Equal(40000, limits.TableMaxWriteCapacityUnits);
    }

    [Fact]
    public async Task TableClass_AtCreate_AndChangedByUpdateTable()
    {
        var name = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            TableClass = TableClass.STANDARD_INFREQUENT_ACCESS,
        });
        Assert.Equal(TableClass.STANDARD_INFREQUENT_ACCESS, created.TableDescription.TableClassSummary.TableClass);
        var described = await Tables.WaitForActiveAsync(_client, name);
        Assert.Equal(TableClass.STANDARD_INFREQUENT_ACCESS, described.TableClassSummary.TableClass);

        var before = DateTime.UtcNow.AddMinutes(-5);
        var updated = await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, TableClass = TableClass.STANDARD });
        Assert.Equal(TableClass.STANDARD, updated.TableDescription.TableClassSummary.TableClass);
        var summary = (await _client.DescribeTableAsync(name)).Table.TableClassSummary;
        Assert.Equal(TableClass.STANDARD, summary.TableClass);
        Assert.NotNull(summary.LastUpdateDateTime);
        Assert.InRange(summary.LastUpdateDateTime!.Value.ToUniversalTime(), before, DateTime.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task TableClass_Unknown_IsAConstraintError()
    {
        await AwsAssert.ValidationAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            TableClass = new TableClass("GLACIER"),
        }), "1 validation error detected: Value 'GLACIER' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]");
    }

    [Fact]
    public async Task DeletionProtection_RefusesDeleteTable_UntilTurnedOff()
    {
        var name = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            DeletionProtectionEnabled = true,
        });
        Assert.True(created.TableDescription.DeletionProtectionEnabled);
        await Tables.WaitForActiveAsync(_client, name);
        await _client.PutItemAsync(name, Av.Item(("pk", Av.S("kept"))));

        await AwsAssert.ValidationAsync(() => _client.DeleteTableAsync(name),
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
        var still = (await _client.DescribeTableAsync(name)).Table;
        Assert.True(still.DeletionProtectionEnabled);
        Assert.Equal(1, still.ItemCount);

        var updated = await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, DeletionProtectionEnabled = false });
        Assert.False(updated.TableDescription.DeletionProtectionEnabled);
        await _client.DeleteTableAsync(name);
        await Tables.WaitForDeletedAsync(_client, name);
    }

    [Fact]
    public async Task DeletionProtection_CanBeTurnedOnByUpdateTable()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        Assert.False((await _client.DescribeTableAsync(name)).Table.DeletionProtectionEnabled);
        await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, DeletionProtectionEnabled = true });
        await AwsAssert.ValidationAsync(() => _client.DeleteTableAsync(name),
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
        await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, DeletionProtectionEnabled = false });
        await _client.DeleteTableAsync(name);
    }

    [Fact]
    public async Task SseSpecification_IsKeptAndReportedAsSseDescription()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        // The AWS owned key (the default) shows no SSEDescription.
        Assert.Null((await _client.DescribeTableAsync(name)).Table.SSEDescription);

        var updated = await _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = name,
            SSESpecification = new SSESpecification { Enabled = true, SSEType = SSEType.KMS },
        });
        var sse = updated.TableDescription.SSEDescription;
        Assert.Equal(SSEStatus.ENABLED, sse.Status);
        Assert.Equal(SSEType.KMS, sse.SSEType);
        Assert.Matches(@"^arn:aws:kms:us-east-1:\d{12}:key/[0-9a-f-]{36}$", sse.KMSMasterKeyArn);
        var managedKey = sse.KMSMasterKeyArn;

        var keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
        await _client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = name,
            SSESpecification = new SSESpecification { Enabled = true, SSEType = SSEType.KMS, KMSMasterKeyId = keyId },
        });
        var described = (await _client.DescribeTableAsync(name)).Table.SSEDescription;
        Assert.Equal(managedKey[..managedKey.LastIndexOf('/')] + "/" + keyId, described.KMSMasterKeyArn);

        await _client.UpdateTableAsync(new UpdateTableRequest { TableName = name, SSESpecification = new SSESpecification { Enabled = false } });
        Assert.Null((await _client.DescribeTableAsync(name)).Table.SSEDescription);
    }

    [Fact]
    public async Task SseSpecification_AtCreateTable_IsReported()
    {
        var name = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            SSESpecification = new SSESpecification { Enabled = true },
        });
        Assert.Equal(SSEStatus.ENABLED, created.TableDescription.SSEDescription.Status);
        Assert.Equal(SSEType.KMS, (await Tables.WaitForActiveAsync(_client, name)).SSEDescription.SSEType);
    }
}
