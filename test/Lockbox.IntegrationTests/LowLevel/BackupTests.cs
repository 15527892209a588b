using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel;

/// <summary>On-demand backups and point-in-time recovery through the AWS SDK for .NET.</summary>
[Collection(LockboxCollection.Name)]
public sealed partial class BackupTests(LockboxServerFixture fixture) : IDisposable
{
    private readonly AmazonDynamoDBClient _client = fixture.CreateClient();

    public void Dispose() => _client.Dispose();

    [GeneratedRegex(@"^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/(?<table>[A-Za-z0-9_.-]+)/backup/\d{14}-[0-9a-f]{8}$")]
    private static partial Regex BackupArn();

    [Fact]
    public async Task Deleting_a_table_with_point_in_time_recovery_leaves_a_restorable_system_backup()
    {
        var table = await Tables.CreateAsync(_client);
        await _client.UpdateContinuousBackupsAsync(new UpdateContinuousBackupsRequest
        {
            TableName = table,
            PointInTimeRecoverySpecification = new PointInTimeRecoverySpecification { PointInTimeRecoveryEnabled = true },
        });
        for (var i = 0; i < 5; i++)
        {
            await _client.PutItemAsync(table, Av.Item(("pk", Av.S("p")), ("sk", Av.S(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        }

        var plain = await Tables.CreateAsync(_client);
        await _client.DeleteTableAsync(table);
        await _client.DeleteTableAsync(plain);

        var system = await _client.ListBackupsAsync(new ListBackupsRequest { TableName = table, BackupType = BackupTypeFilter.SYSTEM });
        var backup = Assert.Single(system.BackupSummaries);
        Assert.Equal(table + "$DeletedTableBackup", backup.BackupName);
        Assert.Equal(BackupType.SYSTEM, backup.BackupType);
        Assert.Empty((await _client.ListBackupsAsync(new ListBackupsRequest { TableName = table })).BackupSummaries); // USER by default
        Assert.Empty((await _client.ListBackupsAsync(new ListBackupsRequest { TableName = plain, BackupType = BackupTypeFilter.ALL })).BackupSummaries);

        var target = table + "-back";
        await _client.RestoreTableFromBackupAsync(new RestoreTableFromBackupRequest { BackupArn = backup.BackupArn, TargetTableName = target });
        Assert.Equal(5, (await Tables.WaitForActiveAsync(_client, target)).ItemCount);
        await _client.DeleteTableAsync(target);
    }

    [Fact]
    public async Task Backup_Describe_List_Restore_Delete()
    {
        var table = await Tables.CreateAsync(_client);
        for (var i = 0; i < 30; i++)
        {
            await _client.PutItemAsync(table, Av.Item(("pk", Av.S("p" + (i % 3))), ("sk", Av.S(i.ToString("00", System.Globalization.CultureInfo.InvariantCulture))), ("n", Av.N(i))));
        }

        var created = (await _client.CreateBackupAsync(new CreateBackupRequest { TableName = table, BackupName = "snap-1" })).BackupDetails;
        var match = BackupArn().Match(created.BackupArn);
        Assert.True(match.Success, created.BackupArn);
        Assert.Equal(table, match.Groups["table"].Value);
        Assert.Equal(BackupType.USER, created.BackupType);
        Assert.Contains(created.BackupStatus.Value, new[] { "CREATING", "AVAILABLE" });
        Assert.InRange(created.BackupCreationDateTime!.Value.ToUniversalTime(), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));

        // Changes after the backup are not in it.
        await _client.PutItemAsync(table, Av.Item(("pk", Av.S("later")), ("sk", Av.S("x"))));
        await _client.DeleteItemAsync(table, Av.Key("p0", "00"));

        var description = (await _client.DescribeBackupAsync(new DescribeBackupRequest { BackupArn = created.BackupArn })).BackupDescription;
        Assert.Equal(BackupStatus.AVAILABLE, description.BackupDetails.BackupStatus);
        Assert.Equal(table, description.SourceTableDetails.TableName);
        Assert.Equal(30, description.SourceTableDetails.ItemCount);
        Assert.Equal(description.BackupDetails.BackupSizeBytes, description.SourceTableDetails.TableSizeBytes);
        Assert.True(description.BackupDetails.BackupSizeBytes > 0);
        Assert.Equal(2, description.SourceTableDetails.KeySchema.Count);
        Assert.EndsWith(":table/" + table, description.SourceTableDetails.TableArn, StringComparison.Ordinal);

        var listed = await _client.ListBackupsAsync(new ListBackupsRequest { TableName = table });
        Assert.Equal(created.BackupArn, Assert.Single(listed.BackupSummaries).BackupArn);
        var none = await _client.ListBackupsAsync(new ListBackupsRequest { TableName = table, TimeRangeUpperBound = DateTime.UtcNow.AddDays(-1) });
        Assert.Empty(none.BackupSummaries);

        var target = table + "-r";
        var restore = await _client.RestoreTableFromBackupAsync(new RestoreTableFromBackupRequest { BackupArn = created.BackupArn, TargetTableName = target });
        Assert.Equal(TableStatus.CREATING, restore.TableDescription.TableStatus);
        var restored = await Tables.WaitForActiveAsync(_client, target);
        Assert.Equal(created.BackupArn, restored.RestoreSummary.SourceBackupArn);
        Assert.False(restored.RestoreSummary.RestoreInProgress);
        Assert.Equal(30, restored.ItemCount);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, restored.BillingModeSummary.BillingMode);
        var got = await _client.GetItemAsync(target, Av.Key("p0", "00"));
        Assert.Equal("0", got.Item["n"].N);
        var later = (await _client.GetItemAsync(target, Av.Key("later", "x"))).Item;
        Assert.True(later is null || later.Count == 0, "an item written after the backup was restored");

        await Assert.ThrowsAsync<TableAlreadyExistsException>(() =>
            _client.RestoreTableFromBackupAsync(new RestoreTableFromBackupRequest { BackupArn = created.BackupArn, TargetTableName = target }));

        var deleted = await _client.DeleteBackupAsync(new DeleteBackupRequest { BackupArn = created.BackupArn });
        Assert.Equal(BackupStatus.DELETED, deleted.BackupDescription.BackupDetails.BackupStatus);
        await Assert.ThrowsAsync<BackupNotFoundException>(() =>
            _client.DescribeBackupAsync(new DescribeBackupRequest { BackupArn = created.BackupArn }));
        await _client.DeleteTableAsync(target);
        await _client.DeleteTableAsync(table);
    }

    [Fact]
    public async Task ListBackups_Pages_With_Limit_And_ExclusiveStartBackupArn()
    {
        var table = await Tables.CreateAsync(_client);
        var arns = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            arns.Add((await _client.CreateBackupAsync(new CreateBackupRequest { TableName = table, BackupName = "page-" + i })).BackupDetails.BackupArn);
        }

        var seen = new List<string>();
        string? start = null;
        var pages = 0;
        do
        {
            var page = await _client.ListBackupsAsync(new ListBackupsRequest { TableName = table, Limit = 2, ExclusiveStartBackupArn = start });
            seen.AddRange(page.BackupSummaries.Select(b => b.BackupArn));
            start = page.LastEvaluatedBackupArn;
            pages++;
        }
        while (start is not null);

        Assert.Equal(arns, seen);
        Assert.Equal(3, pages);
        foreach (var arn in arns)
        {
            await _client.DeleteBackupAsync(new DeleteBackupRequest { BackupArn = arn });
        }

        await _client.DeleteTableAsync(table);
    }

    [Fact]
    public async Task PointInTimeRecovery_Restores_The_Table_As_It_Was()
    {
        var table = await Tables.CreateAsync(_client, sortKey: null);
        var before = await _client.DescribeContinuousBackupsAsync(new DescribeContinuousBackupsRequest { TableName = table });
        Assert.Equal(ContinuousBackupsStatus.ENABLED, before.ContinuousBackupsDescription.ContinuousBackupsStatus);
        Assert.Equal(PointInTimeRecoveryStatus.DISABLED, before.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus);
        await Assert.ThrowsAsync<PointInTimeRecoveryUnavailableException>(() => _client.RestoreTableToPointInTimeAsync(
            new RestoreTableToPointInTimeRequest { SourceTableName = table, TargetTableName = table + "-p", UseLatestRestorableTime = true }));

        var enabled = await _client.UpdateContinuousBackupsAsync(new UpdateContinuousBackupsRequest
        {
            TableName = table,
            PointInTimeRecoverySpecification = new PointInTimeRecoverySpecification { PointInTimeRecoveryEnabled = true, RecoveryPeriodInDays = 7 },
        });
        var recovery = enabled.ContinuousBackupsDescription.PointInTimeRecoveryDescription;
        Assert.Equal(PointInTimeRecoveryStatus.ENABLED, recovery.PointInTimeRecoveryStatus);
        Assert.Equal(7, recovery.RecoveryPeriodInDays);
        Assert.NotNull(recovery.EarliestRestorableDateTime);

        await Task.Delay(1200);
        await _client.PutItemAsync(table, Av.Item(("pk", Av.S("a")), ("v", Av.N(1))));
        await _client.PutItemAsync(table, Av.Item(("pk", Av.S("b")), ("v", Av.N(1))));
        await Task.Delay(1200);
        var moment = DateTime.UtcNow;
        await Task.Delay(1200);
        await _client.PutItemAsync(table, Av.Item(("pk", Av.S("a")), ("v", Av.N(2))));
        await _client.DeleteItemAsync(table, new Dictionary<string, AttributeValue> { ["pk"] = Av.S("b") });
        await Task.Delay(2500);

        var description = (await _client.DescribeTableAsync(table)).Table;
        var target = table + "-p";
        var restore = await _client.RestoreTableToPointInTimeAsync(new RestoreTableToPointInTimeRequest
        {
            SourceTableArn = description.TableArn,
            TargetTableName = target,
            RestoreDateTime = moment,
        });
        Assert.Equal(TableStatus.CREATING, restore.TableDescription.TableStatus);
        var restored = await Tables.WaitForActiveAsync(_client, target);
        Assert.Equal(description.TableArn, restored.RestoreSummary.SourceTableArn);
        Assert.Null(restored.RestoreSummary.SourceBackupArn);
        var items = (await _client.ScanAsync(new ScanRequest { TableName = target })).Items
            .ToDictionary(i => i["pk"].S, i => i["v"].N);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" }, items);

        await Assert.ThrowsAsync<InvalidRestoreTimeException>(() => _client.RestoreTableToPointInTimeAsync(new RestoreTableToPointInTimeRequest
        {
            SourceTableName = table,
            TargetTableName = table + "-early",
            RestoreDateTime = DateTime.UtcNow.AddDays(-1),
        }));
        await Assert.ThrowsAsync<TableNotFoundException>(() => _client.DescribeContinuousBackupsAsync(
            new DescribeContinuousBackupsRequest { TableName = table + "-missing" }));

        await _client.UpdateContinuousBackupsAsync(new UpdateContinuousBackupsRequest
        {
            TableName = table,
            PointInTimeRecoverySpecification = new PointInTimeRecoverySpecification { PointInTimeRecoveryEnabled = false },
        });
        var after = await _client.DescribeContinuousBackupsAsync(new DescribeContinuousBackupsRequest { TableName = table });
        Assert.Equal(PointInTimeRecoveryStatus.DISABLED, after.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus);
        await _client.DeleteTableAsync(target);
        await _client.DeleteTableAsync(table);
    }
}
