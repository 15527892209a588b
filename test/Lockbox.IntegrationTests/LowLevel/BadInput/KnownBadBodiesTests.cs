using System.Globalization;
using System.Text;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel.BadInput;

/// <summary>
/// Minimal bodies reduced from what the mutation storm (<see cref="BadInputTests"/>) found: each
/// once answered 500. Each must now answer an ordinary 200/400 with a correct x-amz-crc32, and the
/// server must stay up. {T} is a table (pk S); "&lt;xNN&gt;" is the raw byte 0xNN (invalid UTF-8).
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class KnownBadBodiesTests(LockboxServerFixture fixture)
{
    [LockboxTheory("exact bodies that once made Lockbox answer 500; a development emulator is not held to them")]
    // SerializationException path re-reading member names: invalid UTF-8 / lone surrogate in a member name.
    [InlineData("DescribeTable", """{"x<xC8>":1,"TableName":{}}""")]
    [InlineData("DescribeTable", """{"a":{"\udfff":"x"},"TableName":{}}""")]
    [InlineData("GetItem", """{"TableName":"{T}","x":{"\ud800":1},"ConsistentRead":"5"}""")]
    // null where a structure is expected.
    [InlineData("CreateTable", """{"TableName":"{T}-new","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[null],"BillingMode":"PAY_PER_REQUEST"}""")]
    [InlineData("CreateTable", """{"TableName":"{T}-new","AttributeDefinitions":[null],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""")]
    [InlineData("CreateTable", """{"TableName":"{T}-new","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[null]}""")]
    [InlineData("GetItem", """{"TableName":"{T}","Key":{"pk":{"S":"a"}},"AttributesToGet":[null]}""")]
    [InlineData("Scan", """{"TableName":"{T}","AttributesToGet":[null]}""")]
    [InlineData("Scan", """{"TableName":"{T}","ScanFilter":{"v":null}}""")]
    [InlineData("Scan", """{"TableName":"{T}","ScanFilter":{"v":{"ComparisonOperator":"EQ","AttributeValueList":[null]}}}""")]
    [InlineData("Query", """{"TableName":"{T}","KeyConditions":{"pk":null}}""")]
    [InlineData("UpdateItem", """{"TableName":"{T}","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"x":null}}""")]
    [InlineData("PutItem", """{"TableName":"{T}","Item":{"pk":{"S":"a"}},"Expected":{"x":null}}""")]
    [InlineData("BatchGetItem", """{"RequestItems":{"{T}":null}}""")]
    [InlineData("BatchGetItem", """{"RequestItems":{"{T}":{"Keys":[null]}}}""")]
    [InlineData("BatchWriteItem", """{"RequestItems":{"{T}":null}}""")]
    [InlineData("BatchWriteItem", """{"RequestItems":{"{T}":[null]}}""")]
    public async Task Body_AnswersCleanly(string operation, string template)
    {
        using var raw = RawDynamoDbClient.For(fixture, TimeSpan.FromSeconds(10));
        var table = Tables.UniqueName("KnownBad");
        await GuardedTables.ExpectOkAsync(raw, "CreateTable",
            "{\"TableName\":" + GuardedTables.Json(table)
            + ",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
            + "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
        try
        {
            var body = ToBytes(template.Replace("{T}", table, StringComparison.Ordinal));
            var response = await raw.SendAsync(operation, body);
            var problem = BadInputTests.CheckAnswer(response, out _);
            Assert.True(problem is null,
                $"{operation} {template}\n=> {problem}\nHTTP {(int)response.Status}: {response.BodyText}");
            Assert.True(await raw.IsHealthyAsync(), "GET / no longer answers 200");
        }
        finally
        {
            await raw.SendAsync("DeleteTable", "{\"TableName\":" + GuardedTables.Json(table + "-new") + "}");
            await raw.SendAsync("DeleteTable", "{\"TableName\":" + GuardedTables.Json(table) + "}");
        }
    }

    /// <summary>UTF-8 of the text, with each "&lt;xNN&gt;" replaced by the single byte 0xNN.</summary>
    private static byte[] ToBytes(string text)
    {
        var bytes = new List<byte>();
        var i = 0;
        while (i < text.Length)
        {
            if (text.AsSpan(i).StartsWith("<x", StringComparison.Ordinal) && i + 5 <= text.Length && text[i + 4] == '>')
            {
                bytes.Add(byte.Parse(text.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 5;
                continue;
            }
            var end = text.IndexOf("<x", i + 1, StringComparison.Ordinal);
            var chunk = end < 0 ? text[i..] : text[i..end];
            bytes.AddRange(Encoding.UTF8.GetBytes(chunk));
            i += chunk.Length;
        }
        return [.. bytes];
    }
}
