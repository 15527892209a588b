using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Iam;

/// <summary>
/// Attribute-based access control with DynamoDB tags: aws:ResourceTag/KEY carries a table's tags
/// (for the table, its indexes and streams), aws:RequestTag/KEY and aws:TagKeys the tags a
/// CreateTable or TagResource sets; with ${aws:PrincipalTag/KEY} one policy serves every team.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class TagConditionTests(LockboxServerFixture fixture)
{
    [LockboxFact("IAM is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task A_team_reaches_tables_tagged_with_its_team_and_may_create_only_tables_tagged_so()
    {
        using var root = fixture.CreateClient();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var ours = "abac-ours-" + suffix;
        var theirs = "abac-theirs-" + suffix;
        foreach (var (name, team) in new[] { (ours, "red"), (theirs, "blue") })
        {
            await root.CreateTableAsync(new CreateTableRequest
            {
                TableName = name,
                AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("g", ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
                GlobalSecondaryIndexes = [new GlobalSecondaryIndex
                {
                    IndexName = "by-g",
                    KeySchema = [new KeySchemaElement("g", KeyType.HASH)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                }],
                BillingMode = BillingMode.PAY_PER_REQUEST,
                Tags = [new Tag { Key = "team", Value = team }],
            });
            await root.PutItemAsync(name, new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" }, ["g"] = new() { S = "x" } });
        }

        var iam = new IamForm(fixture);
        var user = "abac-" + suffix;
        await iam.CallAsync(("Action", "CreateUser"), ("UserName", user), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "red"));
        await iam.CallAsync(("Action", "PutUserPolicy"), ("UserName", user), ("PolicyName", "team-tables"), ("PolicyDocument", """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"OwnTeamTables","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"*",
               "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
              {"Sid":"CreateOwnTeamTables","Effect":"Allow","Action":["dynamodb:CreateTable","dynamodb:TagResource"],"Resource":"*",
               "Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}
            """));
        var (keyId, secret) = await iam.CreateAccessKeyAsync(user);
        using var client = fixture.CreateClient(keyId, secret);
        var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" } };

        Assert.True((await client.GetItemAsync(ours, key)).IsItemSet);
        var query = new QueryRequest
        {
            IndexName = "by-g", KeyConditionExpression = "g = :g",
            ExpressionAttributeValues = new() { [":g"] = new AttributeValue { S = "x" } },
        };
        query.TableName = ours;
        Assert.Equal(1, (await client.QueryAsync(query)).Count);

        var other = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.GetItemAsync(theirs, key));
        Assert.Equal("AccessDeniedException", other.ErrorCode);
        query.TableName = theirs;
        var otherIndex = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.QueryAsync(query));
        Assert.Contains($":table/{theirs}/index/by-g because no identity-based policy allows the dynamodb:Query action", otherIndex.Message, StringComparison.Ordinal);

        // Re-tagging the table moves it between teams on the next call.
        var theirsArn = (await root.DescribeTableAsync(theirs)).Table.TableArn;
        await root.TagResourceAsync(new TagResourceRequest { ResourceArn = theirsArn, Tags = [new Tag { Key = "team", Value = "red" }] });
        Assert.True((await client.GetItemAsync(theirs, key)).IsItemSet);

        CreateTableRequest NewTable(string name, params Tag[] tags) => new()
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
            Tags = [.. tags],
        };
        await client.CreateTableAsync(NewTable("abac-new-" + suffix, new Tag { Key = "team", Value = "red" }));
        var untagged = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.CreateTableAsync(NewTable("abac-untagged-" + suffix)));
        Assert.Contains("dynamodb:CreateTable", untagged.Message, StringComparison.Ordinal);
        var wrongTeam = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.CreateTableAsync(NewTable("abac-blue-" + suffix, new Tag { Key = "team", Value = "blue" })));
        Assert.Equal("AccessDeniedException", wrongTeam.ErrorCode);
        var extraKey = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.CreateTableAsync(NewTable("abac-extra-" + suffix,
            new Tag { Key = "team", Value = "red" }, new Tag { Key = "cost", Value = "1" })));
        Assert.Equal("AccessDeniedException", extraKey.ErrorCode);
        Assert.Equal("red", (await root.ListTagsOfResourceAsync(new ListTagsOfResourceRequest
        {
            ResourceArn = (await root.DescribeTableAsync("abac-new-" + suffix)).Table.TableArn,
        })).Tags.Single(t => t.Key == "team").Value);
        foreach (var refused in new[] { "abac-untagged-", "abac-blue-", "abac-extra-" })
        {
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => root.DescribeTableAsync(refused + suffix));
        }
    }
}
