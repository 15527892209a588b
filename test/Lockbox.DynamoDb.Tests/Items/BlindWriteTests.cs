using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Streams;
using Lockbox.DynamoDb.Values;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Items;

/// <summary>
/// Unconditional puts and deletes do not decode the item they replace unless something needs it;
/// what they report and record must be exactly what a decoding write reported.
/// </summary>
public sealed class BlindWriteTests : IDisposable
{
    private static readonly string Large = new('x', 1500);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-blind-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly DynamoDbEngine _engine;
    private readonly DynamoDbService _service;

    public BlindWriteTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        _engine = new DynamoDbEngine(_storage, MasterKey.FromBytes(new byte[32]), TimeProvider.System);
        _service = new DynamoDbService(_engine, new RootOnlyAuthorizer(), ownsEngine: false);
    }

    [Fact]
    public void Overwrites_and_deletes_report_old_items_capacity_and_table_counters_exactly()
    {
        CreateTable("blind", stream: null);
        Call("BatchWriteItem", """{"RequestItems":{"blind":[{"PutRequest":{"Item":{"pk":{"S":"a"},"v":{"S":"LARGE"}}}},{"PutRequest":{"Item":{"pk":{"S":"b"},"v":{"S":"b1"}}}},{"PutRequest":{"Item":{"pk":{"S":"c"},"v":{"S":"c1"}}}}]}}""".Replace("LARGE", Large, StringComparison.Ordinal));

        // The replaced item is 1,504 bytes (2 write units); the new one 9: the larger counts.
        var put = Call("PutItem", """{"TableName":"blind","Item":{"pk":{"S":"a"},"v":{"S":"small"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}""");
        Assert.Equal(Large, put.GetProperty("Attributes").GetProperty("v").GetProperty("S").GetString());
        Assert.Equal(2, put.GetProperty("ConsumedCapacity").GetProperty("CapacityUnits").GetDouble());

        var quiet = Call("PutItem", """{"TableName":"blind","Item":{"pk":{"S":"a"},"v":{"S":"small"}},"ReturnConsumedCapacity":"TOTAL"}""");
        Assert.False(quiet.TryGetProperty("Attributes", out _));

        var batch = Call("BatchWriteItem", """{"RequestItems":{"blind":[{"PutRequest":{"Item":{"pk":{"S":"b"},"v":{"S":"b2"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"c"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"never"}}}}]},"ReturnConsumedCapacity":"TOTAL"}""");
        Assert.Equal(3, batch.GetProperty("ConsumedCapacity")[0].GetProperty("CapacityUnits").GetDouble());

        var deleted = Call("DeleteItem", """{"TableName":"blind","Key":{"pk":{"S":"b"}},"ReturnValues":"ALL_OLD"}""");
        Assert.Equal("b2", deleted.GetProperty("Attributes").GetProperty("v").GetProperty("S").GetString());
        var missing = Call("DeleteItem", """{"TableName":"blind","Key":{"pk":{"S":"b"}},"ReturnValues":"ALL_OLD"}""");
        Assert.False(missing.TryGetProperty("Attributes", out _));

        // Left: a = {"pk":"a","v":"small"}: 2 + 1 + 1 + 5 bytes.
        var table = Call("DescribeTable", """{"TableName":"blind"}""").GetProperty("Table");
        Assert.Equal(1, table.GetProperty("ItemCount").GetInt64());
        Assert.Equal(9, table.GetProperty("TableSizeBytes").GetInt64());
    }

    [Fact]
    public void A_stream_still_gets_the_old_image_of_an_unconditional_overwrite()
    {
        var arn = CreateTable("blind-stream", stream: "NEW_AND_OLD_IMAGES");
        Call("PutItem", """{"TableName":"blind-stream","Item":{"pk":{"S":"k"},"v":{"N":"1"}}}""");
        Call("BatchWriteItem", """{"RequestItems":{"blind-stream":[{"PutRequest":{"Item":{"pk":{"S":"k"},"v":{"N":"2"}}}}]}}""");
        Call("DeleteItem", """{"TableName":"blind-stream","Key":{"pk":{"S":"k"}}}""");

        var streams = new DynamoDbStreamsService(_engine, new RootOnlyAuthorizer());
        var shard = Parse(ServiceCalls.Invoke(streams, "DescribeStream", $$"""{"StreamArn":"{{arn}}"}"""))
            .GetProperty("StreamDescription").GetProperty("Shards")[0].GetProperty("ShardId").GetString();
        var iterator = Parse(ServiceCalls.Invoke(streams, "GetShardIterator", $$"""{"StreamArn":"{{arn}}","ShardId":"{{shard}}","ShardIteratorType":"TRIM_HORIZON"}"""))
            .GetProperty("ShardIterator").GetString();
        var records = Parse(ServiceCalls.Invoke(streams, "GetRecords", $$"""{"ShardIterator":"{{iterator}}"}""")).GetProperty("Records");

        Assert.Equal(["INSERT", "MODIFY", "REMOVE"], records.EnumerateArray().Select(r => r.GetProperty("eventName").GetString()));
        Assert.Equal("1", records[1].GetProperty("dynamodb").GetProperty("OldImage").GetProperty("v").GetProperty("N").GetString());
        Assert.Equal("2", records[1].GetProperty("dynamodb").GetProperty("NewImage").GetProperty("v").GetProperty("N").GetString());
        Assert.Equal("2", records[2].GetProperty("dynamodb").GetProperty("OldImage").GetProperty("v").GetProperty("N").GetString());
    }

    [Fact]
    public void A_stored_value_carries_the_item_size_bound_to_it_and_values_without_a_size_stay_readable()
    {
        CreateTable("sized", stream: null);
        Call("PutItem", """{"TableName":"sized","Item":{"pk":{"S":"new"},"v":{"S":"LARGE"}}}""".Replace("LARGE", Large, StringComparison.Ordinal));
        var table = _engine.Catalog.FindActive("123456789012", "us-east-1", "sized")!;
        var newKey = ItemStore.StorageKey(table, AttributeValue.FromString("new"), null);

        // Header: 0xA5, then the DynamoDB size (2 + 3 + 1 + 1,500 bytes), little-endian.
        var stored = _storage.Get(_engine.Catalog.Items, newKey)!;
        Assert.Equal(0xA5, stored[0]);
        Assert.Equal(1506, BinaryPrimitives.ReadInt32LittleEndian(stored.AsSpan(1, 4)));
        Assert.Equal(1506, ItemCodec.SizeOf(ItemStore.OpenStored(table, newKey, stored)));

        // The size is authenticated: a changed header no longer opens.
        var tampered = (byte[])stored.Clone();
        tampered[1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => ItemStore.OpenStored(table, newKey, tampered));

        // A value in the earlier form (the sealed encoding alone) is read, replaced and sized as before.
        var oldKey = ItemStore.StorageKey(table, AttributeValue.FromString("old"), null);
        var oldItem = new Dictionary<string, AttributeValue> { ["pk"] = AttributeValue.FromString("old"), ["v"] = AttributeValue.FromString(Large) };
        _storage.Commit(new WriteBatch().Put(_engine.Catalog.Items, oldKey, table.DataKey.Seal(ItemCodec.Encode(oldItem), oldKey)));
        var got = Call("GetItem", """{"TableName":"sized","Key":{"pk":{"S":"old"}}}""");
        Assert.Equal(Large, got.GetProperty("Item").GetProperty("v").GetProperty("S").GetString());
        var batch = Call("BatchWriteItem", """{"RequestItems":{"sized":[{"PutRequest":{"Item":{"pk":{"S":"old"},"v":{"S":"small"}}}}]},"ReturnConsumedCapacity":"TOTAL"}""");
        Assert.Equal(2, batch.GetProperty("ConsumedCapacity")[0].GetProperty("CapacityUnits").GetDouble());
        var replaced = Call("PutItem", """{"TableName":"sized","Item":{"pk":{"S":"old"},"v":{"S":"again"}},"ReturnValues":"ALL_OLD"}""");
        Assert.Equal("small", replaced.GetProperty("Attributes").GetProperty("v").GetProperty("S").GetString());
    }

    public void Dispose()
    {
        _service.Dispose();
        _engine.Dispose();
        _storage.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string? CreateTable(string name, string? stream)
    {
        var spec = stream is null ? "" : $$""","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"{{stream}}"}""";
        var created = Call("CreateTable", $$"""{"TableName":"{{name}}","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"{{spec}}}""");
        return created.GetProperty("TableDescription").TryGetProperty("LatestStreamArn", out var arn) ? arn.GetString() : null;
    }

    private JsonElement Call(string operation, string body) => Parse(ServiceCalls.Invoke(_service, operation, body));

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
