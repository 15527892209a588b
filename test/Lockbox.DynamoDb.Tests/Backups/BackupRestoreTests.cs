using System.Globalization;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Backups;

/// <summary>
/// Backups, restores and point-in-time recovery over a real RocksDB store, with a clock the test
/// moves: a restore interrupted part way is resumed at the next start (or dropped when it fails),
/// never left looking ACTIVE; the change history restores any moment of the window, across restarts.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-backup-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public BackupRestoreTests() => _storage = RocksDbStorageEngine.Open(_directory);

    [Fact]
    public void Interrupted_restore_stays_CREATING_and_is_resumed_at_the_next_start()
    {
        string backupArn;
        using (var service = Start())
        {
            CreateTableWithItems(service, "source", 450);
            backupArn = BackupArn(Invoke(service, "CreateBackup", """{"TableName":"source","BackupName":"bk1"}"""));
            // The server "stops" after 200 items: the job ends as at shutdown, leaving its partial table.
            service.RestoreJobs.AfterWrite = written =>
            {
                if (written >= 200)
                {
                    throw new OperationCanceledException();
                }
            };
            var restored = Invoke(service, "RestoreTableFromBackup", $$"""{"BackupArn":"{{backupArn}}","TargetTableName":"restored"}""");
            Assert.Equal("CREATING", Json(restored).GetProperty("TableDescription").GetProperty("TableStatus").GetString());
            Assert.True(service.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));

            var described = Json(Invoke(service, "DescribeTable", """{"TableName":"restored"}""")).GetProperty("Table");
            Assert.Equal("CREATING", described.GetProperty("TableStatus").GetString());
            Assert.True(described.GetProperty("RestoreSummary").GetProperty("RestoreInProgress").GetBoolean());
            var error = Assert.Throws<AwsServiceException>(() => Invoke(service, "Scan", """{"TableName":"restored"}"""));
            Assert.Equal("ResourceNotFoundException", error.ErrorCode);
            var busy = Assert.Throws<AwsServiceException>(() => Invoke(service, "DeleteTable", """{"TableName":"restored"}"""));
            Assert.Equal("ResourceInUseException", busy.ErrorCode);
        }

        using (var restarted = Start())
        {
            Assert.True(restarted.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));
            var described = Json(Invoke(restarted, "DescribeTable", """{"TableName":"restored"}""")).GetProperty("Table");
            Assert.Equal("ACTIVE", described.GetProperty("TableStatus").GetString());
            Assert.False(described.GetProperty("RestoreSummary").GetProperty("RestoreInProgress").GetBoolean());
            Assert.Equal(backupArn, described.GetProperty("RestoreSummary").GetProperty("SourceBackupArn").GetString());
            Assert.Equal(450, described.GetProperty("ItemCount").GetInt64());
            Assert.Equal(Items(restarted, "source"), Items(restarted, "restored"));
        }
    }

    [Fact]
    public void Failed_restore_drops_its_partial_table()
    {
        using var service = Start();
        CreateTableWithItems(service, "source", 300);
        var backupArn = BackupArn(Invoke(service, "CreateBackup", """{"TableName":"source","BackupName":"bk1"}"""));
        service.RestoreJobs.AfterWrite = written => throw new IOException("disk full");
        Invoke(service, "RestoreTableFromBackup", $$"""{"BackupArn":"{{backupArn}}","TargetTableName":"restored"}""");
        Assert.True(service.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));

        var error = Assert.Throws<AwsServiceException>(() => Invoke(service, "DescribeTable", """{"TableName":"restored"}"""));
        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.DoesNotContain("restored", Invoke(service, "ListTables", "{}"), StringComparison.Ordinal);
    }

    [Fact]
    public void Backup_is_a_snapshot_that_outlives_its_table_and_its_server()
    {
        string backupArn;
        using (var service = Start())
        {
            CreateTableWithItems(service, "source", 30);
            backupArn = BackupArn(Invoke(service, "CreateBackup", """{"TableName":"source","BackupName":"bk1"}"""));
            Invoke(service, "PutItem", """{"TableName":"source","Item":{"pk":{"S":"after"}}}""");
            Invoke(service, "DeleteTable", """{"TableName":"source"}""");
        }

        using var restarted = Start();
        var description = Json(Invoke(restarted, "DescribeBackup", $$"""{"BackupArn":"{{backupArn}}"}""")).GetProperty("BackupDescription");
        Assert.Equal("AVAILABLE", description.GetProperty("BackupDetails").GetProperty("BackupStatus").GetString());
        Assert.Equal(30, description.GetProperty("SourceTableDetails").GetProperty("ItemCount").GetInt64());
        Invoke(restarted, "RestoreTableFromBackup", $$"""{"BackupArn":"{{backupArn}}","TargetTableName":"source"}""");
        Assert.True(restarted.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));
        var items = Items(restarted, "source");
        Assert.Equal(30, items.Count);
        Assert.DoesNotContain(items, i => i.Contains("after", StringComparison.Ordinal));
    }

    [Fact]
    public void Point_in_time_restore_reaches_any_moment_of_the_window_across_restarts()
    {
        var t0 = _clock.Now;
        using (var service = Start())
        {
            CreateTableWithItems(service, "history", 0);
            Invoke(service, "UpdateContinuousBackups", """{"TableName":"history","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}""");
            _clock.Advance(TimeSpan.FromSeconds(10));
            Invoke(service, "PutItem", """{"TableName":"history","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}""");
            Invoke(service, "PutItem", """{"TableName":"history","Item":{"pk":{"S":"b"},"v":{"N":"1"}}}""");
            _clock.Advance(TimeSpan.FromSeconds(10));
            Invoke(service, "PutItem", """{"TableName":"history","Item":{"pk":{"S":"a"},"v":{"N":"2"}}}""");
            Invoke(service, "DeleteItem", """{"TableName":"history","Key":{"pk":{"S":"b"}}}""");
            _clock.Advance(TimeSpan.FromSeconds(10));
            Invoke(service, "PutItem", """{"TableName":"history","Item":{"pk":{"S":"c"},"v":{"N":"3"}}}""");
            Invoke(service, "DeleteItem", """{"TableName":"history","Key":{"pk":{"S":"a"}}}""");
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        using var restarted = Start();
        string[] RestoreAt(string target, TimeSpan offset)
        {
            var at = (t0 + offset).ToUnixTimeMilliseconds() / 1000.0;
            Invoke(restarted, "RestoreTableToPointInTime",
                $$"""{"SourceTableName":"history","TargetTableName":"{{target}}","RestoreDateTime":{{at.ToString(CultureInfo.InvariantCulture)}}}""");
            Assert.True(restarted.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));
            return Items(restarted, target).ToArray();
        }

        Assert.Empty(RestoreAt("at5", TimeSpan.FromSeconds(5)));
        Assert.Equal(["a=1", "b=1"], RestoreAt("at10", TimeSpan.FromSeconds(10)));
        Assert.Equal(["a=1", "b=1"], RestoreAt("at15", TimeSpan.FromSeconds(15)));
        Assert.Equal(["a=2"], RestoreAt("at25", TimeSpan.FromSeconds(25)));
        Assert.Equal(["c=3"], RestoreAt("at35", TimeSpan.FromSeconds(35)));

        var early = Assert.Throws<AwsServiceException>(() => RestoreAt("before", TimeSpan.FromSeconds(-1)));
        Assert.Equal("InvalidRestoreTimeException", early.ErrorCode);
        var late = Assert.Throws<AwsServiceException>(() => RestoreAt("future", TimeSpan.FromMinutes(2)));
        Assert.Equal("InvalidRestoreTimeException", late.ErrorCode);
        var taken = Assert.Throws<AwsServiceException>(() => RestoreAt("at5", TimeSpan.FromSeconds(5)));
        Assert.Equal("TableAlreadyExistsException", taken.ErrorCode);
    }

    [Fact]
    public void History_older_than_the_recovery_period_is_trimmed_and_no_longer_restorable()
    {
        var t0 = _clock.Now;
        using (var service = Start())
        {
            CreateTableWithItems(service, "aging", 0);
            Invoke(service, "UpdateContinuousBackups", """{"TableName":"aging","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":1}}""");
            Invoke(service, "PutItem", """{"TableName":"aging","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}""");
            _clock.Advance(TimeSpan.FromHours(20));
            Invoke(service, "PutItem", """{"TableName":"aging","Item":{"pk":{"S":"a"},"v":{"N":"2"}}}""");
            _clock.Advance(TimeSpan.FromHours(10));
        }

        using var restarted = Start();
        var window = Json(Invoke(restarted, "DescribeContinuousBackups", """{"TableName":"aging"}"""))
            .GetProperty("ContinuousBackupsDescription").GetProperty("PointInTimeRecoveryDescription");
        Assert.Equal("ENABLED", window.GetProperty("PointInTimeRecoveryStatus").GetString());
        Assert.Equal((t0 + TimeSpan.FromHours(6)).ToUnixTimeMilliseconds() / 1000.0, window.GetProperty("EarliestRestorableDateTime").GetDouble());
        var tooOld = (t0 + TimeSpan.FromHours(5)).ToUnixTimeMilliseconds() / 1000.0;
        var error = Assert.Throws<AwsServiceException>(() => Invoke(restarted, "RestoreTableToPointInTime",
            $$"""{"SourceTableName":"aging","TargetTableName":"old","RestoreDateTime":{{tooOld.ToString(CultureInfo.InvariantCulture)}}}"""));
        Assert.Equal("InvalidRestoreTimeException", error.ErrorCode);

        var earliest = window.GetProperty("EarliestRestorableDateTime").GetDouble();
        Invoke(restarted, "RestoreTableToPointInTime",
            $$"""{"SourceTableName":"aging","TargetTableName":"earliest","RestoreDateTime":{{earliest.ToString(CultureInfo.InvariantCulture)}}}""");
        Assert.True(restarted.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));
        Assert.Equal(["a=1"], Items(restarted, "earliest"));
        Assert.Equal(1, CountPitrEntries());
    }

    [Fact]
    public void Restore_is_authorized_on_the_backup_and_on_the_target_table()
    {
        using var setup = Start();
        CreateTableWithItems(setup, "source", 1);
        var backupArn = BackupArn(Invoke(setup, "CreateBackup", """{"TableName":"source","BackupName":"bk1"}"""));
        var authorizer = new RecordingAuthorizer();
        using var service = new DynamoDbService(_storage, _masterKey, authorizer, _clock);
        Invoke(service, "RestoreTableFromBackup", $$"""{"BackupArn":"{{backupArn}}","TargetTableName":"target"}""");
        Assert.True(service.RestoreJobs.WaitAll(TimeSpan.FromSeconds(30)));

        const string Target = "arn:aws:dynamodb:us-east-1:123456789012:table/target";
        Assert.Equal(
            [
                ("dynamodb:RestoreTableFromBackup", backupArn), ("dynamodb:RestoreTableFromBackup", Target),
                ("dynamodb:BatchWriteItem", Target), ("dynamodb:DeleteItem", Target), ("dynamodb:GetItem", Target),
                ("dynamodb:PutItem", Target), ("dynamodb:Query", Target), ("dynamodb:Scan", Target), ("dynamodb:UpdateItem", Target),
            ],
            authorizer.Seen.Select(r => (r.Action, r.ResourceArn)).ToArray());
    }

    private DynamoDbService Start() => new(_storage, _masterKey, new RootOnlyAuthorizer(), _clock);

    private long CountPitrEntries() => _storage.Scan(_storage.OpenKeyspace("dynamodb-pitr"), Storage.KeyRange.All).LongCount();

    private static void CreateTableWithItems(DynamoDbService service, string name, int count)
    {
        Invoke(service, "CreateTable", $$"""{"TableName":"{{name}}","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""");
        for (var i = 0; i < count; i += 25)
        {
            var puts = string.Join(",", Enumerable.Range(i, Math.Min(25, count - i))
                .Select(n => "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"item-" + n + "\"},\"v\":{\"N\":\"" + n + "\"}}}}"));
            Invoke(service, "BatchWriteItem", $$$"""{"RequestItems":{"{{{name}}}":[{{{puts}}}]}}""");
        }
    }

    /// <summary>Every item as "pk=v" (or its JSON when it has no v), sorted.</summary>
    private static List<string> Items(DynamoDbService service, string table)
    {
        var items = new List<string>();
        foreach (var item in Json(Invoke(service, "Scan", $$"""{"TableName":"{{table}}"}""")).GetProperty("Items").EnumerateArray())
        {
            items.Add(item.TryGetProperty("v", out var v)
                ? item.GetProperty("pk").GetProperty("S").GetString() + "=" + v.GetProperty("N").GetString()
                : item.GetRawText());
        }

        items.Sort(StringComparer.Ordinal);
        return items;
    }

    private static string BackupArn(string response) =>
        Json(response).GetProperty("BackupDetails").GetProperty("BackupArn").GetString()!;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static string Invoke(DynamoDbService service, string operation, string body) => ServiceCalls.Invoke(service, operation, body);

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public DateTimeOffset Now => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class RecordingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Seen { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request) => Seen.Add(request);
    }
}
