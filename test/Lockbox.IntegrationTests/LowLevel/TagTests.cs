using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>TagResource, UntagResource and ListTagsOfResource on table ARNs, and tags given at CreateTable.</summary>
[Collection(LockboxCollection.Name)]
public sealed class TagTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task CreateTable_Tags_AreListed_AndTagUntagChangeThem()
    {
        var name = Tables.UniqueName();
        var created = await _client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            Tags = [new Tag { Key = "team", Value = "storage" }, new Tag { Key = "env", Value = "" }],
        });
        var arn = created.TableDescription.TableArn;

        Assert.Equal(["env=", "team=storage"], await AllTagsAsync(arn));

        await _client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn,
            Tags = [new Tag { Key = "team", Value = "platform" }, new Tag { Key = "cost-center", Value = "4711 / R+D" }],
        });
        Assert.Equal(["cost-center=4711 / R+D", "env=", "team=platform"], await AllTagsAsync(arn));

        // Removing a key that is not there is not an error.
        await _client.UntagResourceAsync(new UntagResourceRequest { ResourceArn = arn, TagKeys = ["env", "never-set"] });
        Assert.Equal(["cost-center=4711 / R+D", "team=platform"], await AllTagsAsync(arn));
    }

    [Fact]
    public async Task ListTagsOfResource_PagesWithNextToken()
    {
        var arn = await CreateTableAsync();
        var tags = Enumerable.Range(0, 25).Select(i => new Tag { Key = $"k{i:D2}", Value = $"v{i}" }).ToList();
        await _client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = tags });

        var first = await _client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn });
        Assert.Equal(10, first.Tags.Count);
        Assert.False(string.IsNullOrEmpty(first.NextToken));
        var all = await AllTagsAsync(arn);
        Assert.Equal(tags.Select(t => t.Key + "=" + t.Value).Order(StringComparer.Ordinal), all);
    }

    [Fact]
    public async Task TagResource_MoreThan50Tags_IsRefused_AndNothingChanges()
    {
        var arn = await CreateTableAsync();
        await _client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn,
            Tags = Enumerable.Range(0, 45).Select(i => new Tag { Key = "a" + i, Value = "x" }).ToList(),
        });
        await AwsAssert.ValidationAsync(() => _client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn,
            Tags = Enumerable.Range(0, 6).Select(i => new Tag { Key = "b" + i, Value = "x" }).ToList(),
        }), "One or more parameter values were invalid: The number of tags exceeds the limit of 50");
        Assert.Equal(45, (await AllTagsAsync(arn)).Count);

        // Replacing existing keys does not count twice.
        await _client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn,
            Tags = Enumerable.Range(0, 45).Select(i => new Tag { Key = "a" + i, Value = "y" }).Append(new Tag { Key = "b", Value = "x" }).ToList(),
        });
        Assert.Equal(46, (await AllTagsAsync(arn)).Count);
    }

    [Fact]
    public async Task TagResource_BadKeysAndValues_AreRefused()
    {
        var arn = await CreateTableAsync();
        await AwsAssert.ValidationAsync(() => Tag(arn, "aws:owner", "x"),
            "One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use");
        await AwsAssert.ValidationAsync(() => Tag(arn, "AWS:owner", "x"),
            "One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use");
        await AwsAssert.ValidationAsync(() => Tag(arn, "semi;colon", "x"),
            "One or more parameter values were invalid: Tag key 'semi;colon' contains characters that are not allowed");
        await AwsAssert.ValidationAsync(() => Tag(arn, "ok", "<html>"),
            "One or more parameter values were invalid: Tag value '<html>' contains characters that are not allowed");
        var longKey = new string('k', 129);
        await AwsAssert.ValidationAsync(() => Tag(arn, longKey, "x"),
            $"1 validation error detected: Value '{longKey}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128");
        var longValue = new string('v', 257);
        await AwsAssert.ValidationAsync(() => Tag(arn, "k", longValue),
            $"1 validation error detected: Value '{longValue}' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256");
        Assert.Empty(await AllTagsAsync(arn));
        // Unicode letters, digits, spaces and _ . : / = + - @ are allowed; the value may be empty.
        await Tag(arn, "Schlüssel _.:/=+-@ 1", "");
        Assert.Equal(["Schlüssel _.:/=+-@ 1="], await AllTagsAsync(arn));
    }

    [Fact]
    public async Task UnknownOrForeignTable_IsResourceNotFound()
    {
        var accountId = fixture.AccountId ?? "123456789012";
        var missing = $"arn:aws:dynamodb:us-east-1:{accountId}:table/{Tables.UniqueName()}";
        await AwsAssert.ErrorAsync(() => Tag(missing, "a", "b"), "ResourceNotFoundException",
            $"Requested resource not found: ResourcArn: {missing} not found");
        await AwsAssert.ErrorAsync(() => _client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = missing }),
            "ResourceNotFoundException", $"Requested resource not found: ResourcArn: {missing} not found");
        await AwsAssert.ErrorAsync(() => _client.UntagResourceAsync(new UntagResourceRequest { ResourceArn = missing, TagKeys = ["a"] }),
            "ResourceNotFoundException", "Requested resource not found");

        // The same table name in another account or region is another table.
        var arn = await CreateTableAsync();
        var otherAccount = arn.Replace($":{accountId}:", ":210987654321:", StringComparison.Ordinal);
        await AwsAssert.ErrorAsync(() => Tag(otherAccount, "a", "b"), "ResourceNotFoundException",
            $"Requested resource not found: ResourcArn: {otherAccount} not found");
        var otherRegion = arn.Replace(":us-east-1:", ":eu-west-1:", StringComparison.Ordinal);
        await AwsAssert.ErrorAsync(() => Tag(otherRegion, "a", "b"), "ResourceNotFoundException",
            $"Requested resource not found: ResourcArn: {otherRegion} not found");
    }

    [Theory]
    [InlineData("abcd")]
    [InlineData("a:b:c:d:e:f/g")]
    [InlineData("arn:aws:dynamodb:us-east-1:123456789012:table/ab")]
    [InlineData("arn:aws:dynamodb:us-east-1:123456789012:table/good-name/index/by-x")]
    [InlineData("arn:aws:s3:::bucket/table")]
    public async Task MalformedArn_IsInvalidTableArn(string arn)
    {
        await AwsAssert.ValidationAsync(() => Tag(arn, "a", "b"), "Invalid TableArn: Invalid ResourceArn provided as input " + arn);
        await AwsAssert.ValidationAsync(() => _client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn }),
            "Invalid TableArn: Invalid ResourceArn provided as input " + arn);
    }

    [LockboxFact("request bodies the SDK will not build (missing or empty lists)")]
    public async Task MissingAndEmptyMembers_GetDynamoDbsMessages()
    {
        var arn = await CreateTableAsync();
        using var raw = RawDynamoDbClient.For(fixture, TimeSpan.FromSeconds(30));
        await AssertRawValidation(raw, "TagResource", "{}", "Invalid TableArn");
        await AssertRawValidation(raw, "TagResource", $$"""{"ResourceArn":"{{arn}}"}""",
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
        await AssertRawValidation(raw, "TagResource", $$"""{"ResourceArn":"{{arn}}","Tags":[]}""", "Atleast one Tag needs to be provided as Input.");
        await AssertRawValidation(raw, "UntagResource", $$"""{"ResourceArn":"{{arn}}"}""",
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        await AssertRawValidation(raw, "UntagResource", $$"""{"ResourceArn":"{{arn}}","TagKeys":[]}""", "Atleast one Tag Key needs to be provided as Input.");
        await AssertRawValidation(raw, "ListTagsOfResource", "{}", "Invalid TableArn");
    }

    private static async Task AssertRawValidation(RawDynamoDbClient raw, string operation, string body, string message)
    {
        var response = await raw.SendAsync(operation, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("ValidationException", response.BodyText, StringComparison.Ordinal);
        Assert.Contains(message, response.BodyText, StringComparison.Ordinal);
    }

    private Task Tag(string arn, string key, string value) =>
        _client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [new Tag { Key = key, Value = value }] });

    private async Task<string> CreateTableAsync()
    {
        var name = await Tables.CreateAsync(_client, sortKey: null);
        return (await _client.DescribeTableAsync(name)).Table.TableArn;
    }

    /// <summary>Every tag of the resource as "key=value", following NextToken, sorted.</summary>
    private async Task<List<string>> AllTagsAsync(string arn)
    {
        var all = new List<string>();
        string? token = null;
        do
        {
            var page = await _client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn, NextToken = token });
            all.AddRange((page.Tags ?? []).Select(t => t.Key + "=" + t.Value));
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        all.Sort(StringComparer.Ordinal);
        return all;
    }
}
