using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Iam;

/// <summary>
/// IAM policies enforced on DynamoDB calls made with the AWS SDK for .NET as an IAM user (IAM itself
/// is driven with signed awsQuery forms, as in <see cref="IamUserKeyTests"/>).
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class IamEnforcementTests(LockboxServerFixture fixture)
{
    private static readonly XNamespace Ns = IamForm.Ns;
    private readonly IamForm _iam = new(fixture);

    private Task<XDocument> IamAsync(params (string Name, string Value)[] parameters) => _iam.CallAsync(parameters);

    private static Dictionary<string, AttributeValue> Key(string pk) => new() { ["pk"] = new AttributeValue { S = pk } };

    [LockboxFact("IAM is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task A_table_scoped_CRUD_policy_allows_item_calls_and_refuses_Scan_and_other_tables_until_it_is_removed()
    {
        using var root = fixture.CreateClient();
        var table = "iam-crud-" + Guid.NewGuid().ToString("N")[..8];
        var other = table + "-other";
        foreach (var name in new[] { table, other })
        {
            await root.CreateTableAsync(new CreateTableRequest
            {
                TableName = name,
                AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
            });
        }

        var arn = (await root.DescribeTableAsync(table)).Table.TableArn;
        var otherArn = (await root.DescribeTableAsync(other)).Table.TableArn;
        var user = "sdk-crud-" + Guid.NewGuid().ToString("N")[..8];
        var userArn = (await IamAsync(("Action", "CreateUser"), ("UserName", user))).Descendants(Ns + "Arn").Single().Value;
        await IamAsync(("Action", "PutUserPolicy"), ("UserName", user), ("PolicyName", "crud"), ("PolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem"],"Resource":"{{arn}}"}]}"""));
        var key = await IamAsync(("Action", "CreateAccessKey"), ("UserName", user));
        using var client = fixture.CreateClient(key.Descendants(Ns + "AccessKeyId").Single().Value, key.Descendants(Ns + "SecretAccessKey").Single().Value);

        await client.PutItemAsync(table, new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" }, ["n"] = new() { N = "1" } });
        await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table, Key = Key("a"), UpdateExpression = "SET n = n + :one",
            ExpressionAttributeValues = new() { [":one"] = new AttributeValue { N = "1" } },
        });
        Assert.Equal("2", (await client.GetItemAsync(table, Key("a"))).Item["n"].N);

        var scan = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ScanAsync(new ScanRequest(table)));
        Assert.Equal("AccessDeniedException", scan.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, scan.StatusCode);
        Assert.Equal($"User: {userArn} is not authorized to perform: dynamodb:Scan on resource: {arn} because no identity-based policy allows the dynamodb:Scan action", scan.Message);
        var elsewhere = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.PutItemAsync(other, Key("a")));
        Assert.Equal($"User: {userArn} is not authorized to perform: dynamodb:PutItem on resource: {otherArn} because no identity-based policy allows the dynamodb:PutItem action", elsewhere.Message);
        Assert.Equal(0, (await root.ScanAsync(new ScanRequest(other))).Count);

        await client.DeleteItemAsync(table, Key("a"));
        Assert.False((await root.GetItemAsync(table, Key("a"))).IsItemSet);

        // The next call after an IAM change sees it.
        await IamAsync(("Action", "DeleteUserPolicy"), ("UserName", user), ("PolicyName", "crud"));
        var gone = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.GetItemAsync(table, Key("a")));
        Assert.Equal("AccessDeniedException", gone.ErrorCode);

        await root.DeleteTableAsync(table);
        await root.DeleteTableAsync(other);
    }
}
