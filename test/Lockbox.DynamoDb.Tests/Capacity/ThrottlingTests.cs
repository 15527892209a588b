using System.Buffers;
using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Capacity;

/// <summary>
/// Provisioned-throughput throttling through the service, on a clock that moves only when told
/// to and a one-second burst window, so every admission is deterministic.
/// </summary>
public sealed class ThrottlingTests : IDisposable
{
    private const string Message =
        "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-throttle-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly ManualTime _time = new();
    private readonly DynamoDbService _service;

    public ThrottlingTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        _service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), _time, new DynamoDbOptions { BurstSeconds = 1 });
    }

    [Fact]
    public void Writes_beyond_rate_and_burst_are_refused_until_capacity_refills()
    {
        CreateTable("tbl", read: 5, write: 5);
        for (var i = 0; i < 5; i++)
        {
            Put("tbl", "k" + i);
        }

        var error = Throttled(() => Put("tbl", "over"));
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
        Assert.Equal(Message, error.ErrorMessage);
        Assert.Equal(400, error.HttpStatus);
        Assert.Null(Get("tbl", "over"));

        _time.Advance(TimeSpan.FromMilliseconds(200)); // 1 unit at 5 per second
        Put("tbl", "later");
        Throttled(() => Put("tbl", "again"));
    }

    [Fact]
    public void Reads_and_writes_have_separate_buckets()
    {
        CreateTable("tbl", read: 1, write: 1);
        Put("tbl", "a");
        Throttled(() => Put("tbl", "b"));
        Assert.NotNull(Get("tbl", "a", consistent: true));
        Throttled(() => Get("tbl", "a", consistent: true));
    }

    [Fact]
    public void UpdateTable_changes_the_rate_at_once()
    {
        CreateTable("tbl", read: 5, write: 1);
        Put("tbl", "a");
        Throttled(() => Put("tbl", "b"));
        Invoke("UpdateTable", """{"TableName":"tbl","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":100}}""");
        _time.Advance(TimeSpan.FromMilliseconds(50)); // 5 units at the new rate, 0.05 at the old
        for (var i = 0; i < 5; i++)
        {
            Put("tbl", "n" + i);
        }

        Throttled(() => Put("tbl", "c"));

        Invoke("UpdateTable", """{"TableName":"tbl","BillingMode":"PAY_PER_REQUEST"}""");
        for (var i = 0; i < 50; i++)
        {
            Put("tbl", "free" + i);
        }
    }

    [Fact]
    public void On_demand_tables_are_never_throttled()
    {
        Invoke("CreateTable", """{"TableName":"odt","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""");
        for (var i = 0; i < 200; i++)
        {
            Put("odt", "k" + i);
            Assert.NotNull(Get("odt", "k" + i, consistent: true));
        }
    }

    [Fact]
    public void BatchWriteItem_returns_throttled_writes_as_unprocessed_and_throws_only_when_nothing_was_done()
    {
        CreateTable("tbl", read: 5, write: 5);
        var requests = string.Join(",", Enumerable.Range(0, 25).Select(i => "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"b" + i + "\"}}}}"));
        var response = JsonDocument.Parse(Invoke("BatchWriteItem", """{"RequestItems":{"tbl":[""" + (requests) + """]},"ReturnConsumedCapacity":"TOTAL"}""")).RootElement;
        var unprocessed = response.GetProperty("UnprocessedItems").GetProperty("tbl");
        Assert.Equal(20, unprocessed.GetArrayLength());
        Assert.Equal("b5", unprocessed[0].GetProperty("PutRequest").GetProperty("Item").GetProperty("pk").GetProperty("S").GetString());
        Assert.Equal(5, response.GetProperty("ConsumedCapacity")[0].GetProperty("CapacityUnits").GetDouble());
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(Get("tbl", "b" + i));
        }

        Assert.Null(Get("tbl", "b5"));

        var error = Throttled(() =>
            Invoke("BatchWriteItem", """{"RequestItems":{"tbl":[""" + (requests) + """]}}"""));
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
    }

    [Fact]
    public void BatchWriteItem_charges_a_delete_by_the_size_of_the_item_it_removes()
    {
        CreateTable("tbl", read: 5, write: 100);
        var big = new string('x', 3000);
        Invoke("PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"big\"},\"v\":{\"S\":\"" + (big) + "\"}}}");
        var response = JsonDocument.Parse(Invoke("BatchWriteItem",
            """{"RequestItems":{"tbl":[{"DeleteRequest":{"Key":{"pk":{"S":"big"}}}},{"PutRequest":{"Item":{"pk":{"S":"small"}}}}]},"ReturnConsumedCapacity":"INDEXES"}""")).RootElement;
        var consumed = response.GetProperty("ConsumedCapacity")[0];
        Assert.Equal(4, consumed.GetProperty("CapacityUnits").GetDouble()); // 3 KB delete + 1 unit put
        Assert.Equal(4, consumed.GetProperty("Table").GetProperty("CapacityUnits").GetDouble());
    }

    [Fact]
    public void BatchGetItem_returns_throttled_keys_as_unprocessed()
    {
        CreateTable("tbl", read: 1, write: 20);
        for (var i = 0; i < 10; i++)
        {
            Put("tbl", "g" + i);
        }

        // Eventually consistent reads cost half a unit: the one-unit bucket admits two.
        var keys = string.Join(",", Enumerable.Range(0, 10).Select(i => "{\"pk\":{\"S\":\"g" + i + "\"}}"));
        var response = JsonDocument.Parse(Invoke("BatchGetItem", """{"RequestItems":{"tbl":{"Keys":[""" + (keys) + """]}}}""")).RootElement;
        Assert.Equal(2, response.GetProperty("Responses").GetProperty("tbl").GetArrayLength());
        Assert.Equal(8, response.GetProperty("UnprocessedKeys").GetProperty("tbl").GetProperty("Keys").GetArrayLength());

        var error = Throttled(() => Invoke("BatchGetItem", """{"RequestItems":{"tbl":{"Keys":[""" + (keys) + """]}}}"""));
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
    }

    [Fact]
    public void A_large_query_puts_the_table_in_debt()
    {
        CreateTable("tbl", read: 2, write: 1000);
        var value = new string('x', 4000);
        for (var i = 0; i < 8; i++)
        {
            Invoke("PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"q" + i + "\"},\"v\":{\"S\":\"" + value + "\"}}}");
        }

        var scan = JsonDocument.Parse(Invoke("Scan", """{"TableName":"tbl","ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}""")).RootElement;
        Assert.Equal(8, scan.GetProperty("Count").GetInt32());
        Assert.Equal(8, scan.GetProperty("ConsumedCapacity").GetProperty("CapacityUnits").GetDouble());
        _time.Advance(TimeSpan.FromSeconds(2)); // repays 4 of the 6 units of debt
        Throttled(() => Invoke("Scan", """{"TableName":"tbl","Limit":1}"""));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Invoke("Scan", """{"TableName":"tbl","Limit":1}""");
    }

    /// <summary>Asserts the call was refused with ProvisionedThroughputExceededException.</summary>
    private static AwsServiceException Throttled(Action call)
    {
        var error = Assert.ThrowsAny<AwsServiceException>(call);
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
        return error;
    }

    [Fact]
    public void A_global_index_with_spent_write_capacity_throttles_writes_that_reach_it()
    {
        Invoke("CreateTable", """
            {"TableName":"gsi-tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
             "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":50,"WriteCapacityUnits":50},
             "GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},
                                        "ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}]}
            """);

        // One write reaches the index (1 unit of its 1 WCU); the table itself has plenty left.
        var first = JsonDocument.Parse(Invoke("PutItem",
            """{"TableName":"gsi-tbl","Item":{"pk":{"S":"a"},"g":{"S":"x"}},"ReturnConsumedCapacity":"INDEXES"}""")).RootElement;
        var consumed = first.GetProperty("ConsumedCapacity");
        Assert.Equal(2, consumed.GetProperty("CapacityUnits").GetDouble());
        Assert.Equal(1, consumed.GetProperty("Table").GetProperty("CapacityUnits").GetDouble());
        Assert.Equal(1, consumed.GetProperty("GlobalSecondaryIndexes").GetProperty("by-g").GetProperty("CapacityUnits").GetDouble());

        var error = Throttled(() => Invoke("PutItem", """{"TableName":"gsi-tbl","Item":{"pk":{"S":"b"},"g":{"S":"y"}}}"""));
        var thrown = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(thrown))
        {
            json.WriteStartObject();
            error.WriteExtraJsonMembers(json);
            json.WriteEndObject();
        }

        Assert.Contains("IndexWriteProvisionedThroughputExceeded", Encoding.UTF8.GetString(thrown.WrittenSpan), StringComparison.Ordinal);
        Assert.Contains("table/gsi-tbl/index/by-g", Encoding.UTF8.GetString(thrown.WrittenSpan), StringComparison.Ordinal);
        Assert.Equal("The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API.", error.ErrorMessage);
        Assert.Null(Get("gsi-tbl", "b"));

        // Reads of the index draw on the index's own read capacity (1 RCU; an eventually
        // consistent read of one small item costs 0.5), not on the table's 50.
        const string query = """{"TableName":"gsi-tbl","IndexName":"by-g","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}}}""";
        Invoke("Query", query);
        Invoke("Query", query);
        Throttled(() => Invoke("Query", query));
        Assert.NotNull(Get("gsi-tbl", "a", consistent: true));
    }

    private void CreateTable(string name, long read, long write) =>
        Invoke("CreateTable", "{\"TableName\":\"" + name + "\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"ProvisionedThroughput\":{\"ReadCapacityUnits\":" + read + ",\"WriteCapacityUnits\":" + write + "}}");

    private void Put(string table, string key) =>
        Invoke("PutItem", "{\"TableName\":\"" + (table) + "\",\"Item\":{\"pk\":{\"S\":\"" + (key) + "\"}}}");

    private JsonElement? Get(string table, string key, bool consistent = false)
    {
        var response = JsonDocument.Parse(Invoke("GetItem", "{\"TableName\":\"" + table + "\",\"Key\":{\"pk\":{\"S\":\"" + key + "\"}},\"ConsistentRead\":" + (consistent ? "true" : "false") + "}")).RootElement;
        return response.TryGetProperty("Item", out var item) ? item : null;
    }

    private string Invoke(string operation, string body) => ServiceCalls.Invoke(_service, operation, body);

    public void Dispose()
    {
        _service.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
