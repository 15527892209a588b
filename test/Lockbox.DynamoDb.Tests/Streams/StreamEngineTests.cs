using System.Buffers;
using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Streams;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Streams;

/// <summary>
/// The stream engine under a controlled clock: concurrent writers against a tailing reader (no
/// record skipped or repeated), shard rolling, 24-hour trimming, iterator expiry and tampering,
/// and the TTL sweeper's deletions and their stream records.
/// </summary>
public sealed class StreamEngineTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-streams-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly DynamoDbEngine _engine;
    private readonly DynamoDbService _dynamo;
    private readonly DynamoDbStreamsService _streams;

    public StreamEngineTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        _engine = new DynamoDbEngine(_storage, _masterKey, _time, new DynamoDbEngineOptions { TimeToLiveDutyCycle = 1 });
        _dynamo = new DynamoDbService(_engine, new RootOnlyAuthorizer(), ownsEngine: false);
        _streams = new DynamoDbStreamsService(_engine, new RootOnlyAuthorizer());
    }

    public void Dispose()
    {
        _engine.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string CreateStreamTable(string name, string viewType = "NEW_AND_OLD_IMAGES")
    {
        var created = Call(_dynamo, "CreateTable", "{\"TableName\":\"" + name + "\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"" + viewType + "\"}}");
        return created.GetProperty("TableDescription").GetProperty("LatestStreamArn").GetString()!;
    }

    private void Put(string table, string pk, string extra = "") =>
        Call(_dynamo, "PutItem", "{\"TableName\":\"" + table + "\",\"Item\":{\"pk\":{\"S\":\"" + pk + "\"}" + extra + "}}");

    private JsonElement[] Shards(string arn) =>
        [.. Call(_streams, "DescribeStream", $$"""{"StreamArn":"{{arn}}"}""").GetProperty("StreamDescription").GetProperty("Shards").EnumerateArray()];

    private string Iterator(string arn, string shardId, string type = "TRIM_HORIZON") =>
        Call(_streams, "GetShardIterator", $$"""{"StreamArn":"{{arn}}","ShardId":"{{shardId}}","ShardIteratorType":"{{type}}"}""").GetProperty("ShardIterator").GetString()!;

    private JsonElement GetRecords(string iterator, int limit = 1000) =>
        Call(_streams, "GetRecords", JsonSerializer.Serialize(new { ShardIterator = iterator, Limit = limit }));

    [Fact]
    public async Task ConcurrentWriters_TailingReaderSeesEveryRecordOnceInOrder()
    {
        var arn = CreateStreamTable("concurrent");
        var iterator = Iterator(arn, Shards(arn)[0].GetProperty("ShardId").GetString()!);
        const int writers = 6;
        const int perWriter = 300;
        var seen = new List<long>();
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            // Tails the shard while the writers run, then drains what is left.
            var finished = false;
            while (true)
            {
                var page = GetRecords(iterator, 100);
                foreach (var record in page.GetProperty("Records").EnumerateArray())
                {
                    seen.Add(long.Parse(record.GetProperty("dynamodb").GetProperty("SequenceNumber").GetString()![1..], System.Globalization.CultureInfo.InvariantCulture));
                }

                iterator = page.GetProperty("NextShardIterator").GetString()!;
                if (finished && page.GetProperty("Records").GetArrayLength() == 0)
                {
                    return;
                }

                finished = done.IsCancellationRequested;
            }
        });
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                Put("concurrent", $"w{w}-{i}");
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await done.CancelAsync();
        await reader;

        Assert.Equal(writers * perWriter, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen.Order(), seen);
    }

    [Fact]
    public void Shards_RollAfterFourHours_WithLineage_AndClosedShardEndsWithNullIterator()
    {
        var arn = CreateStreamTable("rolling");
        Put("rolling", "a");
        _time.Advance(TimeSpan.FromHours(4.5));
        _engine.Streams.Maintain();
        Put("rolling", "b");
        var shards = Shards(arn);
        Assert.Equal(2, shards.Length);
        var parent = shards[0].GetProperty("ShardId").GetString()!;
        Assert.Equal(parent, shards[1].GetProperty("ParentShardId").GetString());
        Assert.True(shards[0].GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _));
        Assert.False(shards[1].GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _));

        var old = GetRecords(Iterator(arn, parent));
        Assert.Equal("a", old.GetProperty("Records")[0].GetProperty("dynamodb").GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString());
        Assert.False(old.TryGetProperty("NextShardIterator", out _));
        var child = GetRecords(Iterator(arn, shards[1].GetProperty("ShardId").GetString()!));
        Assert.Equal("b", child.GetProperty("Records")[0].GetProperty("dynamodb").GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString());
        var filtered = Call(_streams, "DescribeStream", "{\"StreamArn\":\"" + arn + "\",\"ShardFilter\":{\"Type\":\"CHILD_SHARDS\",\"ShardId\":\"" + parent + "\"}}");
        Assert.Single(filtered.GetProperty("StreamDescription").GetProperty("Shards").EnumerateArray());
    }

    [Fact]
    public void Records_AreTrimmedAfter24Hours_AndIteratorsExpireAfter15Minutes()
    {
        var arn = CreateStreamTable("trimmed");
        Put("trimmed", "old");
        var shard = Shards(arn)[0].GetProperty("ShardId").GetString()!;
        var early = Iterator(arn, shard);
        _time.Advance(TimeSpan.FromMinutes(16));
        var expired = Assert.Throws<AwsServiceException>(() => GetRecords(early));
        Assert.Equal("ExpiredIteratorException", expired.ErrorCode);

        _time.Advance(TimeSpan.FromHours(12));
        Put("trimmed", "new");
        _time.Advance(TimeSpan.FromMinutes((11 * 60) + 43));
        var beforeTrim = Iterator(arn, shard);
        _time.Advance(TimeSpan.FromMinutes(2));
        _engine.Streams.Maintain();
        var trimmed = Assert.Throws<AwsServiceException>(() => GetRecords(beforeTrim));
        Assert.Equal("TrimmedDataAccessException", trimmed.ErrorCode);
        var atTrimmed = Assert.Throws<AwsServiceException>(() => Call(_streams, "GetShardIterator",
            $$"""{"StreamArn":"{{arn}}","ShardId":"{{shard}}","ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"100000000000000000001"}"""));
        Assert.Equal("TrimmedDataAccessException", atTrimmed.ErrorCode);
        var records = GetRecords(Iterator(arn, shard)).GetProperty("Records");
        Assert.Equal("new", Assert.Single(records.EnumerateArray()).GetProperty("dynamodb").GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString());
    }

    [Fact]
    public void DisabledStream_IsReadableFor24Hours_ThenGone()
    {
        var arn = CreateStreamTable("disabled");
        Put("disabled", "x");
        Call(_dynamo, "DeleteTable", """{"TableName":"disabled"}""");
        var description = Call(_streams, "DescribeStream", $$"""{"StreamArn":"{{arn}}"}""").GetProperty("StreamDescription");
        Assert.Equal("DISABLED", description.GetProperty("StreamStatus").GetString());
        Assert.Single(GetRecords(Iterator(arn, Shards(arn)[0].GetProperty("ShardId").GetString()!)).GetProperty("Records").EnumerateArray());
        _time.Advance(TimeSpan.FromHours(25));
        _engine.Streams.Maintain();
        var gone = Assert.Throws<AwsServiceException>(() => Call(_streams, "DescribeStream", $$"""{"StreamArn":"{{arn}}"}"""));
        Assert.Equal("ResourceNotFoundException", gone.ErrorCode);
        Assert.Empty(Call(_streams, "ListStreams", "{}").GetProperty("Streams").EnumerateArray());
    }

    [Fact]
    public void Iterator_ForgedOrMovedToAnotherStream_IsRejected()
    {
        var first = CreateStreamTable("forge1");
        var second = CreateStreamTable("forge2");
        var iterator = Iterator(first, Shards(first)[0].GetProperty("ShardId").GetString()!);
        var moved = second + iterator[first.Length..];
        Assert.Equal("ValidationException", Assert.Throws<AwsServiceException>(() => GetRecords(moved)).ErrorCode);
        Assert.Equal("ValidationException", Assert.Throws<AwsServiceException>(() => GetRecords(iterator[..^2] + "AA")).ErrorCode);
    }

    [Fact]
    public void TimeToLiveSweep_DeletesOnlyExpiredItems_AndRecordsServiceRemovals()
    {
        var arn = CreateStreamTable("ttl");
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        Put("ttl", "gone", $$""","exp":{"N":"{{now + 10}}"}""");
        Put("ttl", "kept", $$""","exp":{"N":"{{now + 1000}}"}""");
        Put("ttl", "none");
        Call(_dynamo, "UpdateTimeToLive", """{"TableName":"ttl","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}""");
        Assert.Equal(0, _engine.TimeToLive.SweepOnce());
        _time.Advance(TimeSpan.FromSeconds(11));
        // Expired but not yet swept: still returned by reads.
        Assert.True(Call(_dynamo, "GetItem", """{"TableName":"ttl","Key":{"pk":{"S":"gone"}}}""").TryGetProperty("Item", out _));
        Assert.Equal(1, _engine.TimeToLive.SweepOnce());
        Assert.False(Call(_dynamo, "GetItem", """{"TableName":"ttl","Key":{"pk":{"S":"gone"}}}""").TryGetProperty("Item", out _));
        Assert.True(Call(_dynamo, "GetItem", """{"TableName":"ttl","Key":{"pk":{"S":"kept"}}}""").TryGetProperty("Item", out _));

        var records = GetRecords(Iterator(arn, Shards(arn)[0].GetProperty("ShardId").GetString()!)).GetProperty("Records").EnumerateArray().ToList();
        Assert.Equal(4, records.Count);
        var removal = records[^1];
        Assert.Equal("REMOVE", removal.GetProperty("eventName").GetString());
        Assert.Equal("Service", removal.GetProperty("userIdentity").GetProperty("Type").GetString());
        Assert.Equal("dynamodb.amazonaws.com", removal.GetProperty("userIdentity").GetProperty("PrincipalId").GetString());
        Assert.Equal("gone", removal.GetProperty("dynamodb").GetProperty("OldImage").GetProperty("pk").GetProperty("S").GetString());
    }

    [Fact]
    public void TimeToLiveSweep_OfManyItems_DeletesThemAll()
    {
        Call(_dynamo, "CreateTable", """{"TableName":"bulk","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""");
        var past = _time.GetUtcNow().ToUnixTimeSeconds() - 5;
        for (var i = 0; i < 450; i++)
        {
            Put("bulk", "i" + i, $$""","exp":{"N":"{{past}}"}""");
        }

        Call(_dynamo, "UpdateTimeToLive", """{"TableName":"bulk","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}""");
        Assert.Equal(450, _engine.TimeToLive.SweepOnce());
        Assert.Equal(0, Call(_dynamo, "Scan", """{"TableName":"bulk","Select":"COUNT"}""").GetProperty("Count").GetInt32());
    }

    private static JsonElement Call(Lockbox.Protocols.IJsonService service, string operation, string body)
    {
        var caller = new CallerContext
        {
            RequestId = "test",
            Principal = new Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AKIATEST", IsRoot: true),
            Region = "us-east-1",
            RequestTime = DateTimeOffset.UtcNow,
        };
        var output = new ArrayBufferWriter<byte>();
        service.InvokeAsync(operation, Encoding.UTF8.GetBytes(body), caller, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return JsonDocument.Parse(output.WrittenMemory).RootElement.Clone();
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
