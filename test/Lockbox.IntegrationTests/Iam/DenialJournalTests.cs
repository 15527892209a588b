using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Iam;

/// <summary>
/// Issue 4 §6: for each denial the server records why — the policy type that lacked an allow, or
/// the policy and statement that denied — and an administrator reads it with <c>lockbox denials</c>.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class DenialJournalTests(LockboxServerFixture fixture)
{
    [LockboxFact("The denial journal is Lockbox's own addition")]
    public async Task Lockbox_denials_names_the_missing_allow_and_the_denying_statement()
    {
        using var root = fixture.CreateClient();
        var table = "denials-" + Guid.NewGuid().ToString("N")[..8];
        await root.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        var arn = (await root.DescribeTableAsync(table)).Table.TableArn;
        var iam = new IamForm(fixture);
        var user = "denied-" + Guid.NewGuid().ToString("N")[..8];
        await iam.CallAsync(("Action", "CreateUser"), ("UserName", user));
        await iam.CallAsync(("Action", "PutUserPolicy"), ("UserName", user), ("PolicyName", "reads"), ("PolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"{{arn}}"},{"Sid":"NoDeletes","Effect":"Deny","Action":"dynamodb:DeleteItem","Resource":"*"}]}"""));
        var (keyId, secret) = await iam.CreateAccessKeyAsync(user);
        using var client = fixture.CreateClient(keyId, secret);

        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync(new ListTablesRequest()));
        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.DeleteItemAsync(table,
            new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" } }));

        // The journal is appended in the background; the command must show both within moments.
        JsonElement[] records = [];
        for (var attempt = 0; attempt < 50 && records.Length < 2; attempt++)
        {
            var run = await LockboxCommand.RunAsync(["denials", "--data", fixture.DataDirectory, "--principal", "user/" + user, "--json"]);
            Assert.True(run.ExitCode == 0, run.StandardError);
            records = [.. run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
            if (records.Length < 2)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(2, records.Length);
        var list = records[0];
        Assert.Equal("dynamodb:ListTables", list.GetProperty("action").GetString());
        Assert.Equal("implicitDeny", list.GetProperty("decision").GetString());
        Assert.Equal("IdentityBased", list.GetProperty("policyType").GetString());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("policyId").ValueKind);
        var delete = records[1];
        Assert.Equal("dynamodb:DeleteItem", delete.GetProperty("action").GetString());
        Assert.Equal(arn, delete.GetProperty("resource").GetString());
        Assert.Equal("explicitDeny", delete.GetProperty("decision").GetString());
        Assert.Equal($"user/{user}/inline/reads", delete.GetProperty("policyId").GetString());
        Assert.Equal("NoDeletes", delete.GetProperty("sid").GetString());
        Assert.EndsWith(":user/" + user, delete.GetProperty("principal").GetString(), StringComparison.Ordinal);

        var text = await LockboxCommand.RunAsync(["denials", "--data", fixture.DataDirectory, "--action", "dynamodb:deleteitem", "--since", "10m"]);
        Assert.Contains($"dynamodb:DeleteItem  {arn}  explicit deny in identity-based policy user/{user}/inline/reads (Sid NoDeletes)", text.StandardOutput, StringComparison.Ordinal);
        var none = await LockboxCommand.RunAsync(["denials", "--data", fixture.DataDirectory, "--principal", "user/nobody-" + user]);
        Assert.Equal("No denials recorded that match.", none.StandardOutput.Trim());
        var bad = await LockboxCommand.RunAsync(["denials", "--data", fixture.DataDirectory, "--since", "yesterday"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--since 'yesterday' is not valid", bad.StandardError, StringComparison.Ordinal);
    }
}
