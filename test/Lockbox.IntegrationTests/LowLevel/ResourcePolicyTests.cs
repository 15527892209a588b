using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy on tables and streams, and CreateTable's ResourcePolicy.</summary>
[Collection(LockboxCollection.Name)]
public sealed class ResourcePolicyTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();
    private readonly string _account = fixture.AccountId!;

    public void Dispose() => _client.Dispose();

    private string Policy(string action) =>
        $$"""
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "s1", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::{{_account}}:root" },
              "Action": "{{action}}", "Resource": "*" }
          ]
        }
        """;

    [Fact]
    public async Task Put_Get_Replace_Delete_RoundTrip_WithRevisionIds()
    {
        var arn = await CreateTableAsync();
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn }),
            "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: " + arn);

        var first = await _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = Policy("dynamodb:GetItem") });
        Assert.True(long.TryParse(first.RevisionId, out _), first.RevisionId);

        var read = await _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn });
        Assert.Equal(first.RevisionId, read.RevisionId);
        Assert.DoesNotContain("\n", read.Policy, StringComparison.Ordinal); // stored minified
        Assert.Contains("\"Action\":\"dynamodb:GetItem\"", read.Policy, StringComparison.Ordinal);

        // The same document again is a no-op that keeps its revision.
        var again = await _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = Policy("dynamodb:GetItem") });
        Assert.Equal(first.RevisionId, again.RevisionId);

        var replaced = await _client.PutResourcePolicyAsync(new PutResourcePolicyRequest
        {
            ResourceArn = arn,
            Policy = Policy("dynamodb:Query"),
            ExpectedRevisionId = first.RevisionId,
        });
        Assert.True(long.Parse(replaced.RevisionId) > long.Parse(first.RevisionId));

        var deleted = await _client.DeleteResourcePolicyAsync(new DeleteResourcePolicyRequest { ResourceArn = arn });
        Assert.Equal(replaced.RevisionId, deleted.RevisionId);
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn }), "PolicyNotFoundException");

        // Deleting where there is no policy is an idempotent success.
        var none = await _client.DeleteResourcePolicyAsync(new DeleteResourcePolicyRequest { ResourceArn = arn });
        Assert.Null(none.RevisionId);
    }

    [Fact]
    public async Task ExpectedRevisionId_Mismatch_IsPolicyNotFound_AndChangesNothing()
    {
        var arn = await CreateTableAsync();
        var name = arn[(arn.LastIndexOf('/') + 1)..];
        await AwsAssert.ErrorAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest
        {
            ResourceArn = arn,
            Policy = Policy("dynamodb:GetItem"),
            ExpectedRevisionId = "123456789",
        }), "PolicyNotFoundException",
            $"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id 123456789, but table {name} has no associated policy.");

        var put = await _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = Policy("dynamodb:GetItem"), ExpectedRevisionId = "NO_POLICY" });

        await AwsAssert.ErrorAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest
        {
            ResourceArn = arn,
            Policy = Policy("dynamodb:Scan"),
            ExpectedRevisionId = "NO_POLICY",
        }), "PolicyNotFoundException",
            $"Resource-based policy not found for the provided ResourceArn: Requested policy update expecting none to be present for table {name}, but a policy exists with revision id {put.RevisionId}.");

        await AwsAssert.ErrorAsync(() => _client.DeleteResourcePolicyAsync(new DeleteResourcePolicyRequest
        {
            ResourceArn = arn,
            ExpectedRevisionId = "1",
        }), "PolicyNotFoundException",
            $"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id 1, but the policy associated to target table {name} has revision id {put.RevisionId}.");

        var read = await _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn });
        Assert.Equal(put.RevisionId, read.RevisionId);
        Assert.Contains("dynamodb:GetItem", read.Policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArnsAndDocuments_GetDynamoDbsErrors()
    {
        var arn = await CreateTableAsync();
        var name = arn[(arn.LastIndexOf('/') + 1)..];
        await AwsAssert.ValidationAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = name }),
            $"One or more parameter values were invalid: ARNs must start with 'arn:': {name}");
        await AwsAssert.ValidationAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn.Replace(_account, "210987654321", StringComparison.Ordinal) }),
            "This action is only supported by accounts that match the resource owner\u2019s account.");
        var otherRegion = arn.Replace(":us-east-1:", ":eu-west-1:", StringComparison.Ordinal);
        await AwsAssert.ValidationAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = otherRegion }),
            "One or more parameter values were invalid: Invalid resource Arn: " + otherRegion);
        await AwsAssert.ValidationAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn + "/index/by-x" }),
            "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + arn + "/index/by-x");
        await AwsAssert.ValidationAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn + "/backup/01700000000000-abcdef12" }),
            "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: " + arn + "/backup/01700000000000-abcdef12");
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn + "-missing" }),
            "ResourceNotFoundException", $"Requested resource not found: Table: {name}-missing not found");

        await AwsAssert.ValidationAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = "{not json" }),
            "One or more parameter values were invalid: Invalid policy document: This policy contains invalid Json");
        await AwsAssert.ValidationAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = """{"Version":"2012-10-17","Statement":[]}""" }),
            "One or more parameter values were invalid: Invalid policy document: Could not parse the policy: Statement is empty!");
        await AwsAssert.ValidationAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest
        {
            ResourceArn = arn,
            Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"dynamodb:GetItem"}]}""",
        }), "One or more parameter values were invalid: Invalid policy document: Missing required field Resource");
        // White space counts towards the 20,480 bytes.
        var padded = Policy("dynamodb:GetItem") + new string(' ', 20480);
        await AwsAssert.ValidationAsync(() => _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = arn, Policy = padded }),
            "One or more parameter values were invalid: Maximum policy size of 20480 bytes exceeded");
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn }), "PolicyNotFoundException");
    }

    [Fact]
    public async Task StreamPolicy_IsSeparateFromTheTables_AndGoesWithTheTable()
    {
        var arn = await CreateTableAsync(new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY });
        var streamArn = (await _client.DescribeTableAsync(arn[(arn.LastIndexOf('/') + 1)..])).Table.LatestStreamArn;
        var name = arn[(arn.LastIndexOf('/') + 1)..];

        await _client.PutResourcePolicyAsync(new PutResourcePolicyRequest { ResourceArn = streamArn, Policy = Policy("dynamodb:GetRecords") });
        Assert.Contains("GetRecords", (await _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = streamArn })).Policy, StringComparison.Ordinal);
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn }), "PolicyNotFoundException");

        var label = streamArn[(streamArn.LastIndexOf('/') + 1)..];
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn + "/stream/2000-01-01T00:00:00.000" }),
            "ResourceNotFoundException", $"Requested resource not found: Stream: 2000-01-01T00:00:00.000 not found for Table: {name}");
        Assert.NotEqual("2000-01-01T00:00:00.000", label);

        // The stream outlives its table for 24 hours; its policy does not.
        await _client.DeleteTableAsync(name);
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = streamArn }),
            "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: " + streamArn);
        await AwsAssert.ErrorAsync(() => _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = arn }),
            "ResourceNotFoundException", $"Requested resource not found: Table: {name} not found");
    }

    [Fact]
    public async Task CreateTable_ResourcePolicy_IsAttached_AndABadOneCreatesNoTable()
    {
        var name = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            ResourcePolicy = Policy("dynamodb:GetItem"),
        });
        var read = await _client.GetResourcePolicyAsync(new GetResourcePolicyRequest { ResourceArn = created.TableDescription.TableArn });
        Assert.Contains("dynamodb:GetItem", read.Policy, StringComparison.Ordinal);

        var refused = Tables.UniqueName();
        await AwsAssert.ValidationAsync(() => _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = refused,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            ResourcePolicy = "[]",
        }), "One or more parameter values were invalid: Invalid policy document: This policy contains invalid Json");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.DescribeTableAsync(refused));
    }

    private async Task<string> CreateTableAsync(StreamSpecification? stream = null)
    {
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Tables.UniqueName(),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            StreamSpecification = stream,
        });
        return created.TableDescription.TableArn;
    }
}
