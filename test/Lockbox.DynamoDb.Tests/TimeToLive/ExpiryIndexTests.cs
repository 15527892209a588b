using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.TimeToLive;
using Lockbox.DynamoDb.Values;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.TimeToLive;

/// <summary>
/// The expiry index and the sweep that reads it, on a clock moved by hand: entries kept in the
/// items' own commits, built for items already there (and resumed after a restart), dropped on
/// disable and DeleteTable; sweeps that delete exactly the expired items; and UpdateTimeToLive's
/// status transitions, errors and cooldown.
/// </summary>
public sealed class ExpiryIndexTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-expiry-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly ManualTime _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private DynamoDbEngine _engine;
    private DynamoDbService _dynamo;

    public ExpiryIndexTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        (_engine, _dynamo) = Open(TimeSpan.FromHours(1));
    }

    public void Dispose()
    {
        _engine.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private (DynamoDbEngine, DynamoDbService) Open(TimeSpan cooldown)
    {
        var engine = new DynamoDbEngine(_storage, _masterKey, _time,
            new DynamoDbEngineOptions { TimeToLiveDutyCycle = 1, TimeToLiveChangeCooldown = cooldown });
        return (engine, new DynamoDbService(engine, new RootOnlyAuthorizer(), ownsEngine: false));
    }

    /// <summary>Stops this engine (as a server stop would) and opens a new one over the same storage.</summary>
    private void Restart(TimeSpan cooldown)
    {
        _engine.Dispose();
        (_engine, _dynamo) = Open(cooldown);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    private JsonElement Call(string operation, string body) =>
        JsonDocument.Parse(ServiceCalls.Invoke(_dynamo, operation, body)).RootElement.Clone();

    private AwsServiceException Fails(string operation, string body) =>
        Assert.Throws<AwsServiceException>(() => Call(operation, body));

    private void CreateTable(string name) =>
        Call("CreateTable", "{\"TableName\":\"" + name + "\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");

    private void Put(string table, string pk, string extra = "") =>
        Call("PutItem", "{\"TableName\":\"" + table + "\",\"Item\":{\"pk\":{\"S\":\"" + pk + "\"}" + extra + "}}");

    private bool Exists(string table, string pk) =>
        Call("GetItem", "{\"TableName\":\"" + table + "\",\"Key\":{\"pk\":{\"S\":\"" + pk + "\"}}}").TryGetProperty("Item", out _);

    private static string Exp(long seconds) => ",\"exp\":{\"N\":\"" + seconds + "\"}";

    private void UpdateTtl(string table, bool enabled, string attribute = "exp") =>
        Call("UpdateTimeToLive", "{\"TableName\":\"" + table + "\",\"TimeToLiveSpecification\":{\"AttributeName\":\"" + attribute + "\",\"Enabled\":" + (enabled ? "true" : "false") + "}}");

    private string UpdateTtlFails(string table, bool enabled, string attribute = "exp")
    {
        var error = Fails("UpdateTimeToLive", "{\"TableName\":\"" + table + "\",\"TimeToLiveSpecification\":{\"AttributeName\":\"" + attribute + "\",\"Enabled\":" + (enabled ? "true" : "false") + "}}");
        Assert.Equal("ValidationException", error.ErrorCode);
        return error.Message;
    }

    private (string Status, string? Attribute) Describe(string table)
    {
        var description = Call("DescribeTimeToLive", "{\"TableName\":\"" + table + "\"}").GetProperty("TimeToLiveDescription");
        return (description.GetProperty("TimeToLiveStatus").GetString()!,
            description.TryGetProperty("AttributeName", out var name) ? name.GetString() : null);
    }

    private TableRuntime Table(string name) => _engine.Catalog.Find("123456789012", "us-east-1", name)!;

    /// <summary>The expiry of every entry of the table's index, in key order (the build cursor excluded).</summary>
    private List<long> Entries(TableRuntime table)
    {
        var cursor = ExpiryIndex.CursorKey(table.StoragePrefix);
        return [.. _storage.Scan(_engine.Catalog.Expiry, KeyRange.Prefix(table.StoragePrefix))
            .Where(e => !e.Key.AsSpan().SequenceEqual(cursor))
            .Select(e => ExpiryIndex.Parse(e.Key).Seconds)];
    }

    private const string AlreadyEnabled = "TimeToLive is already enabled";
    private const string Cooldown = "Time to live has been modified multiple times within a fixed interval";

    [Theory]
    [InlineData("1000", 1000)]
    [InlineData("1000.999", 1000)]
    [InlineData("-0.5", -1)]
    [InlineData("-7", -7)]
    [InlineData("1E+3", 1000)]
    [InlineData("12345678901234567890", long.MaxValue - 1)]
    [InlineData("-1E+100", long.MinValue)]
    [InlineData("1E-100", 0)]
    public void Expiry_IsTheNumberRoundedDown_Clamped(string number, long expected) =>
        Assert.Equal(expected, ExpiryIndex.Floor(DynamoNumber.Parse(number)));

    [Fact]
    public void EntryKeys_SortByExpiry_NegativeBeforePositive()
    {
        byte[] prefix = [0, 0, 0, 0, 0, 0, 0, 9];
        long[] ordered = [long.MinValue, -1_000_000, -1, 0, 1, 1_800_000_000, long.MaxValue - 1];
        var keys = ordered.Select(s => ExpiryIndex.EntryKey(prefix, s, [1, 2])).ToList();
        var sorted = keys.OrderBy(k => k, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(keys, sorted);
        Assert.Equal(ordered, keys.Select(k => ExpiryIndex.Parse(k).Seconds));
        Assert.True(keys[^1].AsSpan().SequenceCompareTo(ExpiryIndex.CursorKey(prefix)) < 0);
    }

    [Fact]
    public void Enabling_BuildsTheIndexOfExistingNumberItems_ThenReportsEnabled()
    {
        CreateTable("build");
        Put("build", "n", Exp(Now + 100));
        Put("build", "fraction", ",\"exp\":{\"N\":\"" + (Now + 50) + ".5\"}");
        Put("build", "string", ",\"exp\":{\"S\":\"" + (Now - 100) + "\"}");
        Put("build", "set", ",\"exp\":{\"NS\":[\"1\"]}");
        Put("build", "none");
        Assert.Equal(("DISABLED", null), Describe("build"));

        UpdateTtl("build", enabled: true);
        Assert.Equal(("ENABLING", "exp"), Describe("build"));
        Assert.Empty(Entries(Table("build")));

        _engine.TimeToLive.ApplyChanges();
        Assert.Equal(("ENABLED", "exp"), Describe("build"));
        Assert.Equal([Now + 50, Now + 100], Entries(Table("build")));
    }

    [Fact]
    public void Writes_KeepTheIndexExact()
    {
        CreateTable("writes");
        UpdateTtl("writes", enabled: true);
        _engine.TimeToLive.ApplyChanges();
        var table = Table("writes");

        Put("writes", "a", Exp(Now + 10));
        Assert.Equal([Now + 10], Entries(table));
        Call("UpdateItem", "{\"TableName\":\"writes\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"UpdateExpression\":\"SET exp = :e\",\"ExpressionAttributeValues\":{\":e\":{\"N\":\"" + (Now + 20) + "\"}}}");
        Assert.Equal([Now + 20], Entries(table));
        Call("UpdateItem", "{\"TableName\":\"writes\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"UpdateExpression\":\"SET note = :o\",\"ExpressionAttributeValues\":{\":o\":{\"S\":\"x\"}}}");
        Assert.Equal([Now + 20], Entries(table));
        Call("UpdateItem", "{\"TableName\":\"writes\",\"Key\":{\"pk\":{\"S\":\"a\"}},\"UpdateExpression\":\"SET exp = :e\",\"ExpressionAttributeValues\":{\":e\":{\"S\":\"soon\"}}}");
        Assert.Empty(Entries(table));
        Put("writes", "a", Exp(Now + 30));
        Put("writes", "b", Exp(Now + 5));
        Assert.Equal([Now + 5, Now + 30], Entries(table));
        Call("DeleteItem", "{\"TableName\":\"writes\",\"Key\":{\"pk\":{\"S\":\"a\"}}}");
        Call("BatchWriteItem", "{\"RequestItems\":{\"writes\":[{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"b\"}}}}]}}");
        Assert.Empty(Entries(table));
    }

    [Fact]
    public void Sweep_DeletesExpiredItems_NeitherEarlyNorLate_AndLeavesOthersAlone()
    {
        CreateTable("sweep");
        UpdateTtl("sweep", enabled: true);
        Put("sweep", "soon", Exp(Now + 10));
        Put("sweep", "postponed", Exp(Now + 10));
        Put("sweep", "brought-forward", Exp(Now + 1000));
        Put("sweep", "string", ",\"exp\":{\"S\":\"1\"}");
        Put("sweep", "none");
        Put("sweep", "ancient", Exp(Now - (6L * 365 * 86400)));
        Assert.Equal(0, _engine.TimeToLive.SweepOnce());
        Assert.Equal("ENABLED", Describe("sweep").Status);

        Call("UpdateItem", "{\"TableName\":\"sweep\",\"Key\":{\"pk\":{\"S\":\"postponed\"}},\"UpdateExpression\":\"SET exp = :e\",\"ExpressionAttributeValues\":{\":e\":{\"N\":\"" + (Now + 100) + "\"}}}");
        Call("UpdateItem", "{\"TableName\":\"sweep\",\"Key\":{\"pk\":{\"S\":\"brought-forward\"}},\"UpdateExpression\":\"SET exp = :e\",\"ExpressionAttributeValues\":{\":e\":{\"N\":\"" + (Now + 10) + "\"}}}");
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, _engine.TimeToLive.SweepOnce()); // expiry == now is not yet expired
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _engine.TimeToLive.SweepOnce());
        Assert.False(Exists("sweep", "soon"));
        Assert.False(Exists("sweep", "brought-forward"));
        Assert.True(Exists("sweep", "postponed"));
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(1, _engine.TimeToLive.SweepOnce());
        Assert.False(Exists("sweep", "postponed"));
        Assert.True(Exists("sweep", "string"));
        Assert.True(Exists("sweep", "none"));
        Assert.True(Exists("sweep", "ancient"));
        Assert.Equal(0, _engine.TimeToLive.SweepOnce());
    }

    [Fact]
    public void Sweep_RemovesAnEntryThatNoLongerMatchesItsItem_WithoutDeletingTheItem()
    {
        CreateTable("stale");
        UpdateTtl("stale", enabled: true);
        _engine.TimeToLive.ApplyChanges();
        Put("stale", "kept", Exp(Now + 1000));
        var table = Table("stale");
        // An orphan entry, as a crash-era leftover would be: it claims the item expired long ago.
        var key = Lockbox.DynamoDb.Items.ItemStore.StorageKey(table, AttributeValue.FromString("kept"), null);
        _storage.Commit(new WriteBatch().Put(_engine.Catalog.Expiry, ExpiryIndex.EntryKey(table.StoragePrefix, Now - 5, key), []));
        Assert.Equal([Now - 5, Now + 1000], Entries(table));

        Assert.Equal(0, _engine.TimeToLive.SweepOnce());
        Assert.True(Exists("stale", "kept"));
        Assert.Equal([Now + 1000], Entries(table));
    }

    [Fact]
    public void ABuildInterruptedByAStop_ResumesWhereItStopped_AfterARestart()
    {
        CreateTable("resume");
        for (var i = 0; i < 600; i++)
        {
            Put("resume", "i" + i, Exp(i % 2 == 0 ? Now - 60 : Now + 3600));
        }

        UpdateTtl("resume", enabled: true);
        using (var stop = new CancellationTokenSource())
        {
            _engine.TimeToLive.AfterBuildChunk = stop.Cancel;
            _engine.TimeToLive.ApplyChanges(stop.Token);
        }

        Assert.Equal("ENABLING", Describe("resume").Status);
        var partial = Entries(Table("resume")).Count;
        Assert.InRange(partial, 1, 599);
        Assert.NotNull(_storage.Get(_engine.Catalog.Expiry, ExpiryIndex.CursorKey(Table("resume").StoragePrefix)));

        Restart(TimeSpan.FromHours(1));
        var chunks = 0;
        _engine.TimeToLive.AfterBuildChunk = () => chunks++;
        Assert.Equal(300, _engine.TimeToLive.SweepOnce());
        Assert.Equal(2, chunks); // 600 items, 256 per chunk: the first chunk was not read again
        Assert.Equal("ENABLED", Describe("resume").Status);
        Assert.Equal(300, Entries(Table("resume")).Count);
        Assert.Null(_storage.Get(_engine.Catalog.Expiry, ExpiryIndex.CursorKey(Table("resume").StoragePrefix)));
        Assert.Equal(300, Call("Scan", "{\"TableName\":\"resume\",\"Select\":\"COUNT\"}").GetProperty("Count").GetInt32());
    }

    [Fact]
    public void ATableEnabledBeforeTheIndexExisted_IsBuiltAtStart()
    {
        CreateTable("legacy");
        Put("legacy", "old", Exp(Now - 10));
        var table = Table("legacy");
        lock (table.DefinitionLock)
        {
            var legacy = TableCatalog.Copy(table.Definition);
            legacy.TimeToLiveAttribute = "exp"; // as an older version stored an enabled TTL: no status
            _engine.Catalog.Update(table, legacy);
        }

        Restart(TimeSpan.FromHours(1));
        Assert.Equal(("ENABLING", "exp"), Describe("legacy"));
        Assert.Equal(1, _engine.TimeToLive.SweepOnce());
        Assert.Equal("ENABLED", Describe("legacy").Status);
    }

    [Fact]
    public void Disabling_DropsTheIndex_AndWritesStopMaintainingIt()
    {
        Restart(TimeSpan.Zero);
        CreateTable("drop");
        Put("drop", "a", Exp(Now - 10));
        UpdateTtl("drop", enabled: true);
        _engine.TimeToLive.ApplyChanges();
        Assert.Single(Entries(Table("drop")));

        UpdateTtl("drop", enabled: false);
        Assert.Equal(("DISABLING", "exp"), Describe("drop"));
        _engine.TimeToLive.ApplyChanges();
        Assert.Equal(("DISABLED", null), Describe("drop"));
        Assert.Empty(Entries(Table("drop")));
        Put("drop", "b", Exp(Now - 10));
        Assert.Empty(Entries(Table("drop")));
        Assert.Equal(0, _engine.TimeToLive.SweepOnce());
        Assert.True(Exists("drop", "a"));
    }

    [Fact]
    public void DeleteTable_DropsTheIndex()
    {
        CreateTable("gone");
        UpdateTtl("gone", enabled: true);
        Put("gone", "a", Exp(Now + 10));
        var table = Table("gone");
        Assert.Single(Entries(table));
        Call("DeleteTable", "{\"TableName\":\"gone\"}");
        Assert.Empty(Entries(table));
    }

    [Fact]
    public void ARestoredTable_LeavesTtlBehind_AndGetsItsIndexBuiltWhenEnabled()
    {
        CreateTable("source");
        UpdateTtl("source", enabled: true);
        Put("source", "old", Exp(Now - 10));
        Put("source", "young", Exp(Now + 1000));
        var backup = Call("CreateBackup", "{\"TableName\":\"source\",\"BackupName\":\"snap\"}").GetProperty("BackupDetails").GetProperty("BackupArn").GetString();
        Call("RestoreTableFromBackup", "{\"BackupArn\":\"" + backup + "\",\"TargetTableName\":\"copy\"}");
        Assert.True(_dynamo.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));
        Assert.Equal(("DISABLED", null), Describe("copy"));
        Assert.Empty(Entries(Table("copy")));

        UpdateTtl("copy", enabled: true);
        Assert.Equal(2, _engine.TimeToLive.SweepOnce()); // "old" of both tables
        Assert.Equal(("ENABLED", "exp"), Describe("copy"));
        Assert.False(Exists("copy", "old"));
        Assert.True(Exists("copy", "young"));
        Assert.Equal([Now + 1000], Entries(Table("copy")));
    }

    [Fact]
    public void UpdateTimeToLive_ChecksContentFirst_ThenTheCooldown()
    {
        CreateTable("rules");
        Assert.Equal("TimeToLive is already disabled", UpdateTtlFails("rules", enabled: false));
        UpdateTtl("rules", enabled: true);

        // While ENABLING (and within the cooldown): content errors win over the cooldown.
        Assert.Equal(AlreadyEnabled, UpdateTtlFails("rules", enabled: true));
        Assert.Equal("TimeToLive is active on a different AttributeName: current AttributeName is exp", UpdateTtlFails("rules", enabled: true, "other"));
        Assert.Equal("TimeToLive is active on a different AttributeName: current AttributeName is exp", UpdateTtlFails("rules", enabled: false, "other"));
        Assert.Equal(Cooldown, UpdateTtlFails("rules", enabled: false));

        _engine.TimeToLive.ApplyChanges();
        Assert.Equal(AlreadyEnabled, UpdateTtlFails("rules", enabled: true));
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(Cooldown, UpdateTtlFails("rules", enabled: false));
        _time.Advance(TimeSpan.FromMinutes(1));
        UpdateTtl("rules", enabled: false);
        Assert.Equal(("DISABLING", "exp"), Describe("rules"));

        // A change still being applied refuses the next one even after the interval.
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal("TimeToLive is already disabled", UpdateTtlFails("rules", enabled: false));
        Assert.Equal(Cooldown, UpdateTtlFails("rules", enabled: true));
        _engine.TimeToLive.ApplyChanges();
        UpdateTtl("rules", enabled: true, "other");
        Assert.Equal(("ENABLING", "other"), Describe("rules"));
    }

    [Fact]
    public void TheCooldownSurvivesARestart_AndZeroAllowsAChangeOnceApplied()
    {
        CreateTable("cool");
        UpdateTtl("cool", enabled: true);
        Restart(TimeSpan.FromHours(1));
        _engine.TimeToLive.ApplyChanges();
        Assert.Equal(Cooldown, UpdateTtlFails("cool", enabled: false));

        Restart(TimeSpan.Zero);
        UpdateTtl("cool", enabled: false);
        Assert.Equal(Cooldown, UpdateTtlFails("cool", enabled: true));
        _engine.TimeToLive.ApplyChanges();
        UpdateTtl("cool", enabled: true);
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
