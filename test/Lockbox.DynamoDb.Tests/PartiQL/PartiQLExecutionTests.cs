using System.Text.Json;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.PartiQL;

/// <summary>ExecuteStatement and BatchExecuteStatement against a real storage engine, through the service's JSON interface.</summary>
public sealed class PartiQLExecutionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-partiql-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly DynamoDbService _service;

    public PartiQLExecutionTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        _service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        Invoke("CreateTable", """{"TableName":"music","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}""");
    }

    private string Invoke(string operation, string body) => ServiceCalls.Invoke(_service, operation, body);

    private JsonElement Execute(string statement, string? extra = null) =>
        JsonDocument.Parse(Invoke("ExecuteStatement", "{\"Statement\":" + JsonSerializer.Serialize(statement) + (extra is null ? "" : "," + extra) + "}")).RootElement;

    private AwsServiceException Fails(string statement, string? extra = null) =>
        Assert.ThrowsAny<AwsServiceException>(() => Execute(statement, extra));

    private void Seed()
    {
        foreach (var (pk, sk) in new[] { ("a", 1), ("a", 2), ("a", 3), ("b", 1), ("c", 7) })
        {
            Execute($"INSERT INTO \"music\" VALUE {{'pk': '{pk}', 'sk': {sk}, 'v': {sk * 10}}}");
        }
    }

    private static List<string> Keys(JsonElement response) =>
        response.GetProperty("Items").EnumerateArray().Select(i => i.GetProperty("pk").GetProperty("S").GetString() + i.GetProperty("sk").GetProperty("N").GetString()).ToList();

    [Fact]
    public void Insert_then_select_by_key_query_and_scan()
    {
        Seed();
        Assert.Equal(["a1", "a2", "a3"], Keys(Execute("SELECT * FROM music WHERE pk = 'a'")));
        Assert.Equal(["a2", "a3"], Keys(Execute("SELECT * FROM music WHERE pk = 'a' AND sk >= 2")));
        Assert.Equal(["a2"], Keys(Execute("SELECT * FROM music WHERE pk = 'a' AND sk BETWEEN 2 AND 2")));
        Assert.Equal(["b1", "c7"], Keys(Execute("SELECT * FROM music WHERE pk IN ['b', 'c', 'zz']")).Order());
        Assert.Equal(["a3", "c7"], Keys(Execute("SELECT * FROM music WHERE v > 25")).Order());
        Assert.Equal(5, Execute("SELECT * FROM music").GetProperty("Items").GetArrayLength());

        var projected = Execute("SELECT v FROM music WHERE pk = ? AND sk = ?", "\"Parameters\":[{\"S\":\"c\"},{\"N\":\"7\"}]");
        Assert.Equal("""[{"v":{"N":"70"}}]""", projected.GetProperty("Items").GetRawText());
    }

    [Fact]
    public void Limit_pages_with_next_token_through_every_item()
    {
        Seed();
        foreach (var statement in new[] { "SELECT * FROM music", "SELECT * FROM music WHERE pk IN ('a', 'c')" })
        {
            var seen = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var extra = "\"Limit\":2" + (token is null ? "" : ",\"NextToken\":" + JsonSerializer.Serialize(token));
                var page = Execute(statement, extra);
                seen.AddRange(Keys(page));
                token = page.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
                Assert.True(++pages < 10);
            }
            while (token is not null);

            Assert.Equal(statement.Contains("IN", StringComparison.Ordinal) ? 4 : 5, seen.Count);
            Assert.Equal(seen.Count, seen.Distinct().Count());
        }

        Assert.Equal("Invalid NextToken", Fails("SELECT * FROM music", "\"NextToken\":\"AAAA\"").ErrorMessage);
    }

    [Fact]
    public void Insert_of_an_existing_item_is_a_duplicate()
    {
        Seed();
        var error = Fails("INSERT INTO music VALUE {'pk': 'a', 'sk': 1}");
        Assert.Equal("DuplicateItemException", error.ErrorCode);
        Assert.Equal("Duplicate primary key exists in table", error.ErrorMessage);
    }

    [Fact]
    public void Update_needs_the_item_and_its_where_conditions()
    {
        Seed();
        var updated = Execute("UPDATE music SET v = v + 5, tags = set_add(tags, <<'x'>>) WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *");
        var item = updated.GetProperty("Items")[0];
        Assert.Equal("15", item.GetProperty("v").GetProperty("N").GetString());
        Assert.Equal("""["x"]""", item.GetProperty("tags").GetProperty("SS").GetRawText());

        var missing = Fails("UPDATE music SET v = 1 WHERE pk = 'zz' AND sk = 1");
        Assert.Equal("ConditionalCheckFailedException", missing.ErrorCode);
        Assert.Equal(0, Execute("SELECT * FROM music WHERE pk = 'zz'").GetProperty("Items").GetArrayLength());

        var failed = Fails("UPDATE music SET v = 1 WHERE pk = 'a' AND sk = 1 AND v = 999", "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"");
        Assert.Equal("ConditionalCheckFailedException", failed.ErrorCode);

        Assert.Equal("Where clause does not contain a mandatory equality on all key attributes",
            Fails("UPDATE music SET v = 1 WHERE pk = 'a'").ErrorMessage);
        Assert.Equal("One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
            Fails("UPDATE music SET sk = 1 WHERE pk = 'a' AND sk = 1").ErrorMessage);
    }

    [Fact]
    public void Delete_with_condition_and_of_missing_item()
    {
        Seed();
        Assert.Equal("ConditionalCheckFailedException", Fails("DELETE FROM music WHERE pk = 'a' AND sk = 2 AND v = 1").ErrorCode);
        var deleted = Execute("DELETE FROM music WHERE pk = 'a' AND sk = 2 AND v = 20 RETURNING ALL OLD *");
        Assert.Equal("20", deleted.GetProperty("Items")[0].GetProperty("v").GetProperty("N").GetString());
        Assert.Equal("[]", Execute("DELETE FROM music WHERE pk = 'a' AND sk = 2").GetProperty("Items").GetRawText());
        Assert.Equal(["a1", "a3"], Keys(Execute("SELECT * FROM music WHERE pk = 'a'")));
    }

    [Fact]
    public void Unknown_table_and_index()
    {
        Assert.Equal("ResourceNotFoundException", Fails("SELECT * FROM nope").ErrorCode);
        Assert.Equal("This operation is not supported on an index", Fails("DELETE FROM music.idx WHERE pk = 'a' AND sk = 1").ErrorMessage);
    }

    [Fact]
    public void Batch_reports_per_statement_results()
    {
        Seed();
        var writes = JsonDocument.Parse(Invoke("BatchExecuteStatement", """
            {"Statements":[
              {"Statement":"INSERT INTO music VALUE {'pk':'n','sk':1}"},
              {"Statement":"INSERT INTO music VALUE {'pk':'a','sk':1}"},
              {"Statement":"UPDATE music SET v = 0 WHERE pk = 'b' AND sk = 1 AND v = 5"},
              {"Statement":"DELETE FROM music WHERE pk = ? AND sk = ?","Parameters":[{"S":"c"},{"N":"7"}]},
              {"Statement":"DELETE FROM music WHERE"}
            ],"ReturnConsumedCapacity":"TOTAL"}
            """)).RootElement;
        var responses = writes.GetProperty("Responses");
        Assert.Equal("music", responses[0].GetProperty("TableName").GetString());
        Assert.False(responses[0].TryGetProperty("Error", out _));
        Assert.Equal("DuplicateItem", responses[1].GetProperty("Error").GetProperty("Code").GetString());
        Assert.Equal("ConditionalCheckFailed", responses[2].GetProperty("Error").GetProperty("Code").GetString());
        Assert.False(responses[3].TryGetProperty("Error", out _));
        Assert.Equal("ValidationError", responses[4].GetProperty("Error").GetProperty("Code").GetString());
        Assert.Equal(2, writes.GetProperty("ConsumedCapacity")[0].GetProperty("CapacityUnits").GetDouble());

        var reads = JsonDocument.Parse(Invoke("BatchExecuteStatement", """
            {"Statements":[
              {"Statement":"SELECT * FROM music WHERE pk = 'n' AND sk = 1"},
              {"Statement":"SELECT * FROM music WHERE pk = 'c' AND sk = 7"},
              {"Statement":"SELECT * FROM music WHERE pk = 'a'"}
            ]}
            """)).RootElement.GetProperty("Responses");
        Assert.Equal("n", reads[0].GetProperty("Item").GetProperty("pk").GetProperty("S").GetString());
        Assert.False(reads[1].TryGetProperty("Item", out _));
        Assert.Equal("Select statements within BatchExecuteStatement must specify the primary key in the where clause.",
            reads[2].GetProperty("Error").GetProperty("Message").GetString());

        var mixed = Assert.Throws<AwsServiceException>(() => Invoke("BatchExecuteStatement", """
            {"Statements":[{"Statement":"SELECT * FROM music WHERE pk = 'n' AND sk = 1"},{"Statement":"DELETE FROM music WHERE pk = 'n' AND sk = 1"}]}
            """));
        Assert.Equal("ValidationException", mixed.ErrorCode);

        var tooMany = Assert.Throws<AwsServiceException>(() => Invoke("BatchExecuteStatement",
            "{\"Statements\":[" + string.Join(",", Enumerable.Repeat("""{"Statement":"SELECT * FROM music WHERE pk = 'n' AND sk = 1"}""", 26)) + "]}"));
        Assert.Contains("Member must have length less than or equal to 25", tooMany.ErrorMessage, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _service.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
