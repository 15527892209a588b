using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Iam;

/// <summary>
/// PartiQL statements carry DynamoDB's fine-grained keys: dynamodb:LeadingKeys and
/// dynamodb:Attributes for every statement, dynamodb:FullTableScan for SELECT, so the same
/// least-privilege policy that confines GetItem/PutItem confines PartiQL.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class PartiQLConditionKeyTests(LockboxServerFixture fixture)
{
    [LockboxFact("IAM is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task PartiQL_statements_are_confined_by_LeadingKeys_Attributes_and_FullTableScan()
    {
        using var root = fixture.CreateClient();
        var table = "partiql-keys-" + Guid.NewGuid().ToString("N")[..8];
        await root.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new AttributeDefinition("owner", ScalarAttributeType.S), new AttributeDefinition("id", ScalarAttributeType.N)],
            KeySchema = [new KeySchemaElement("owner", KeyType.HASH), new KeySchemaElement("id", KeyType.RANGE)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        var arn = (await root.DescribeTableAsync(table)).Table.TableArn;
        var iam = new IamForm(fixture);
        var user = "pq-" + Guid.NewGuid().ToString("N")[..8];
        await iam.CallAsync(("Action", "CreateUser"), ("UserName", user));
        await iam.CallAsync(("Action", "PutUserPolicy"), ("UserName", user), ("PolicyName", "own-items"), ("PolicyDocument", $$$$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["dynamodb:PartiQLSelect","dynamodb:PartiQLInsert","dynamodb:PartiQLUpdate","dynamodb:PartiQLDelete"],"Resource":"{{{{arn}}}}",
               "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"],"dynamodb:Attributes":["owner","id","note"]}}},
              {"Effect":"Deny","Action":"dynamodb:PartiQLSelect","Resource":"{{{{arn}}}}","Condition":{"Bool":{"dynamodb:FullTableScan":"true"}}}]}
            """));
        var (keyId, secret) = await iam.CreateAccessKeyAsync(user);
        using var client = fixture.CreateClient(keyId, secret);

        Task<ExecuteStatementResponse> Run(string statement) => client.ExecuteStatementAsync(new ExecuteStatementRequest { Statement = statement });
        await Run($"INSERT INTO \"{table}\" VALUE {{'owner': '{user}', 'id': 1, 'note': 'mine'}}");
        await Run($"UPDATE \"{table}\" SET note = 'changed' WHERE owner = '{user}' AND id = 1");
        var mine = await Run($"SELECT owner, id, note FROM \"{table}\" WHERE owner = '{user}'");
        Assert.Equal("changed", Assert.Single(mine.Items)["note"].S);

        async Task Denied(string statement, string action)
        {
            var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => Run(statement));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
            Assert.Contains($"perform: {action} on resource: {arn}", error.Message, StringComparison.Ordinal);
        }

        await Denied($"INSERT INTO \"{table}\" VALUE {{'owner': 'someone-else', 'id': 1}}", "dynamodb:PartiQLInsert");
        await Denied($"INSERT INTO \"{table}\" VALUE {{'owner': '{user}', 'id': 2, 'secret': 'x'}}", "dynamodb:PartiQLInsert");
        await Denied($"UPDATE \"{table}\" SET secret = 'x' WHERE owner = '{user}' AND id = 1", "dynamodb:PartiQLUpdate");
        await Denied($"SELECT * FROM \"{table}\" WHERE owner = 'someone-else'", "dynamodb:PartiQLSelect");
        await Denied($"SELECT owner FROM \"{table}\"", "dynamodb:PartiQLSelect");
        await Denied($"DELETE FROM \"{table}\" WHERE owner = 'someone-else' AND id = 1", "dynamodb:PartiQLDelete");

        var transaction = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ExecuteTransactionAsync(new ExecuteTransactionRequest
        {
            TransactStatements =
            [
                new ParameterizedStatement { Statement = $"UPDATE \"{table}\" SET note = 'tx' WHERE owner = '{user}' AND id = 1" },
                new ParameterizedStatement { Statement = $"INSERT INTO \"{table}\" VALUE {{'owner': 'someone-else', 'id': 9}}" },
            ],
        }));
        Assert.Equal("AccessDeniedException", transaction.ErrorCode);
        Assert.Equal("changed", (await root.GetItemAsync(table, new Dictionary<string, AttributeValue>
        {
            ["owner"] = new() { S = user }, ["id"] = new() { N = "1" },
        })).Item["note"].S);

        await Run($"DELETE FROM \"{table}\" WHERE owner = '{user}' AND id = 1");
        Assert.Equal(0, (await root.ScanAsync(new ScanRequest(table))).Count);
    }
}
