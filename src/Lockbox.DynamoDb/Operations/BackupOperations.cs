using System.Globalization;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Backups;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.Kms.Envelope;
using Microsoft.Extensions.Logging;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// On-demand backups (CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
/// RestoreTableFromBackup) and point-in-time recovery (UpdateContinuousBackups,
/// DescribeContinuousBackups, RestoreTableToPointInTime).
/// </summary>
internal sealed partial class BackupOperations : IDisposable
{
    /// <summary>How far behind "now" the latest restorable time stays (see docs/ARCHITECTURE.md, "Backups").</summary>
    public static readonly TimeSpan LatestRestorableLag = TimeSpan.FromSeconds(2);

    private const int MaxRecoveryPeriodInDays = 35;

    /// <summary>
    /// What a restore does to its new table besides creating it: AWS's documented policy for
    /// restoring lists these item actions on the target table next to the restore action.
    /// </summary>
    private static readonly string[] RestoreTargetActions =
    [
        "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
        "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
    ];

    private readonly TableCatalog _catalog;
    private readonly IRequestAuthorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackupStore _backups;
    private readonly ChangeLog _changeLog;
    private readonly ITimer _trimTimer;
    private readonly Lock _backupLock = new();

    public BackupOperations(TableCatalog catalog, ItemStore store, MasterKey masterKey, IRequestAuthorizer authorizer,
        TimeProvider time, ILogger logger)
    {
        _catalog = catalog;
        _authorizer = authorizer;
        _time = time;
        _logger = logger;
        _backups = new BackupStore(catalog.Storage, masterKey, store);
        _changeLog = new ChangeLog(catalog.Storage, store, time);
        store.AddObserver(_changeLog);
        Jobs = new RestoreJobs(catalog, store, _backups, _changeLog, logger);

        // Start-up recovery: drop backups a crash left half-copied, resume interrupted restores,
        // and trim the change history; then trim it every hour.
        var removed = _backups.RemoveIncomplete();
        if (removed > 0)
        {
            LogIncompleteBackupsRemoved(logger, removed);
        }

        Jobs.ResumeInterrupted();
        TrimChangeLog();
        _trimTimer = time.CreateTimer(_ => TrimChangeLog(), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    }

    public RestoreJobs Jobs { get; }

    /// <summary>
    /// Called by DeleteTable before the table's data goes: a table with point-in-time recovery
    /// enabled leaves a SYSTEM backup named <c>{table}$DeletedTableBackup</c>, as DynamoDB does, so
    /// it can still be restored after it is deleted.
    /// </summary>
    public void KeepSystemBackup(TableRuntime table)
    {
        if (table.Definition.PointInTimeRecovery is { Enabled: true })
        {
            _backups.Create(table, table.Definition.TableName + "$DeletedTableBackup", "SYSTEM", _time.GetUtcNow());
        }
    }

    public void CreateBackup(CreateBackupRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckTableReference(request.TableName, "tableName", errors);
        CheckBackupName(request.BackupName, errors);
        errors.ThrowIfAny();

        var table = ResolveTable(request.TableName!, caller);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:CreateBackup", table.Definition.Arn));
        if (table.Definition.Restore is { InProgress: true })
        {
            throw BackupErrors.TableInUse(table.Definition.TableName);
        }

        var record = _backups.Create(table, request.BackupName!, "USER", _time.GetUtcNow());
        // The copy is done when this returns; CreateBackup still reports CREATING, as DynamoDB
        // does, and DescribeBackup reports AVAILABLE from then on.
        writer.WriteStartObject();
        writer.WritePropertyName("BackupDetails");
        WriteBackupDetails(writer, record, "CREATING");
        writer.WriteEndObject();
    }

    public void DescribeBackup(BackupArnRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var record = RequireBackup(request.BackupArn, caller);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeBackup", record.BackupArn));
        writer.WriteStartObject();
        writer.WritePropertyName("BackupDescription");
        WriteBackupDescription(writer, record, record.BackupStatus);
        writer.WriteEndObject();
    }

    public void DeleteBackup(BackupArnRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var record = RequireBackup(request.BackupArn, caller);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DeleteBackup", record.BackupArn));
        lock (_backupLock)
        {
            if (record.BackupStatus != "AVAILABLE" || Jobs.IsRestoringFrom(record.BackupArn))
            {
                throw BackupErrors.BackupInUse(record.BackupArn);
            }

            _backups.Delete(record);
        }

        writer.WriteStartObject();
        writer.WritePropertyName("BackupDescription");
        WriteBackupDescription(writer, record, "DELETED");
        writer.WriteEndObject();
    }

    public void ListBackups(ListBackupsRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        if (request.TableName is not null)
        {
            CheckTableReference(request.TableName, "tableName", errors);
        }

        errors.Min(request.Limit, "limit", 1);
        errors.Max(request.Limit, "limit", 100);
        errors.MinLength(request.ExclusiveStartBackupArn, "exclusiveStartBackupArn", 37);
        errors.MaxLength(request.ExclusiveStartBackupArn, "exclusiveStartBackupArn", 1024);
        errors.Enum(request.BackupType, "backupType", "USER", "SYSTEM", "AWS_BACKUP", "ALL");
        errors.ThrowIfAny();

        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:ListBackups", "*"));
        var type = request.BackupType ?? "USER";
        var tableName = request.TableName is { } reference ? TableNameOf(reference) : null;
        var selected = new List<BackupRecord>();
        foreach (var record in _backups.List(caller.Principal.AccountId, caller.Region))
        {
            if ((type == "ALL" || record.BackupType == type)
                && (tableName is null || record.Table.TableName == tableName)
                && (request.TimeRangeLowerBound is not { } lower || record.CreationDateTime >= lower)
                && (request.TimeRangeUpperBound is not { } upper || record.CreationDateTime < upper))
            {
                selected.Add(record);
            }
        }

        var first = 0;
        if (request.ExclusiveStartBackupArn is { } start)
        {
            var startKey = (ArnMillis(start), start);
            while (first < selected.Count && Compare((ArnMillis(selected[first].BackupArn), selected[first].BackupArn), startKey) <= 0)
            {
                first++;
            }
        }

        var limit = request.Limit ?? 100;
        var count = Math.Min(limit, selected.Count - first);
        writer.WriteStartObject();
        writer.WriteStartArray("BackupSummaries");
        for (var i = first; i < first + count; i++)
        {
            WriteBackupSummary(writer, selected[i]);
        }

        writer.WriteEndArray();
        if (first + count < selected.Count)
        {
            writer.WriteString("LastEvaluatedBackupArn", selected[first + count - 1].BackupArn);
        }

        writer.WriteEndObject();
    }

    public void RestoreTableFromBackup(RestoreTableFromBackupRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckTargetName(request.TargetTableName, errors);
        CheckBackupArn(request.BackupArn, errors);
        CheckOverrides(request.BillingModeOverride, request.ProvisionedThroughputOverride, request.SSESpecificationOverride, errors);
        errors.ThrowIfAny();

        var record = FindBackup(request.BackupArn!, caller) ?? throw BackupErrors.BackupNotFound(request.BackupArn!);
        var targetArn = TableArn(caller, request.TargetTableName!);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:RestoreTableFromBackup", record.BackupArn));
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:RestoreTableFromBackup", targetArn));
        AuthorizeTargetWrites(caller, targetArn);
        CheckIndexOverrideConstraints(request.GlobalSecondaryIndexOverride, request.LocalSecondaryIndexOverride, errors);

        TableRuntime target;
        lock (_backupLock)
        {
            if (record.BackupStatus != "AVAILABLE" || _backups.Find(record.BackupArn) is null)
            {
                throw BackupErrors.BackupInUse(record.BackupArn);
            }

            target = CreateTarget(record.Table, request.TargetTableName!, caller, new RestoreRecord
            {
                SourceBackupArn = record.BackupArn,
                SourceTableArn = record.Table.Arn,
                RestoreDateTime = record.CreationDateTime,
                InProgress = true,
            }, request.BillingModeOverride, request.ProvisionedThroughputOverride,
                request.GlobalSecondaryIndexOverride, request.LocalSecondaryIndexOverride);
            Jobs.Start(target);
        }

        WriteRestoreResponse(writer, target);
    }

    public void RestoreTableToPointInTime(RestoreTableToPointInTimeRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        if (request.SourceTableName is { } sourceName)
        {
            errors.Pattern(sourceName, "sourceTableName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
            errors.MinLength(sourceName, "sourceTableName", 3);
            errors.MaxLength(sourceName, "sourceTableName", 255);
        }

        if (request.SourceTableArn is { } sourceArn)
        {
            errors.MinLength(sourceArn, "sourceTableArn", 1);
            errors.MaxLength(sourceArn, "sourceTableArn", 1024);
        }

        CheckTargetName(request.TargetTableName, errors);
        CheckOverrides(request.BillingModeOverride, request.ProvisionedThroughputOverride, request.SSESpecificationOverride, errors);
        errors.ThrowIfAny();

        if ((request.SourceTableName is null) == (request.SourceTableArn is null))
        {
            throw DynamoDbErrors.Validation("Exactly one of SourceTableName or SourceTableArn must be specified");
        }

        var useLatest = request.UseLatestRestorableTime ?? false;
        if (useLatest && request.RestoreDateTime is not null)
        {
            throw DynamoDbErrors.Validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified");
        }

        if (!useLatest && request.RestoreDateTime is null)
        {
            throw DynamoDbErrors.Validation("RestoreDateTime must be specified when UseLatestRestorableTime is not true");
        }

        var source = ResolveTable(request.SourceTableName ?? request.SourceTableArn!, caller);
        var targetArn = TableArn(caller, request.TargetTableName!);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:RestoreTableToPointInTime", source.Definition.Arn));
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:RestoreTableToPointInTime", targetArn));
        AuthorizeTargetWrites(caller, targetArn);
        CheckIndexOverrideConstraints(request.GlobalSecondaryIndexOverride, request.LocalSecondaryIndexOverride, errors);

        if (source.Definition.PointInTimeRecovery is not { Enabled: true } recovery || source.Definition.Restore is { InProgress: true })
        {
            throw BackupErrors.PointInTimeRecoveryUnavailable(source.Definition.TableName);
        }

        var (earliest, latest) = RestorableWindow(recovery);
        var restoreTime = useLatest ? latest : request.RestoreDateTime!.Value;
        if (restoreTime < earliest || restoreTime > latest)
        {
            throw BackupErrors.InvalidRestoreTime(earliest, latest);
        }

        var target = CreateTarget(source.Definition, request.TargetTableName!, caller, new RestoreRecord
        {
            SourceTableArn = source.Definition.Arn,
            SourceStorageId = source.Definition.StorageId,
            RestoreDateTime = Math.Round(restoreTime * 1000) / 1000,
            InProgress = true,
        }, request.BillingModeOverride, request.ProvisionedThroughputOverride,
            request.GlobalSecondaryIndexOverride, request.LocalSecondaryIndexOverride);
        Jobs.Start(target);
        WriteRestoreResponse(writer, target);
    }

    public void UpdateContinuousBackups(UpdateContinuousBackupsRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckTableReference(request.TableName, "tableName", errors);
        errors.NotNull(request.PointInTimeRecoverySpecification, "pointInTimeRecoverySpecification");
        if (request.PointInTimeRecoverySpecification is { } specification)
        {
            errors.NotNull(specification.PointInTimeRecoveryEnabled, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
            errors.Min(specification.RecoveryPeriodInDays, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1);
            errors.Max(specification.RecoveryPeriodInDays, "pointInTimeRecoverySpecification.recoveryPeriodInDays", MaxRecoveryPeriodInDays);
        }

        errors.ThrowIfAny();
        var table = ResolveTable(request.TableName!, caller);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UpdateContinuousBackups", table.Definition.Arn));
        if (table.Definition.Restore is { InProgress: true })
        {
            throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ContinuousBackupsUnavailableException",
                $"Backups are being enabled for the table: {table.Definition.TableName}. Please retry later");
        }

        var wanted = request.PointInTimeRecoverySpecification!;
        lock (_backupLock)
        {
            var changed = TableCatalog.Copy(table.Definition);
            if (wanted.PointInTimeRecoveryEnabled!.Value)
            {
                if (changed.PointInTimeRecovery is not { Enabled: true })
                {
                    changed.PointInTimeRecovery = new PointInTimeRecoveryRecord
                    {
                        Enabled = true,
                        EnabledDateTime = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
                    };
                }

                changed.PointInTimeRecovery.RecoveryPeriodInDays = wanted.RecoveryPeriodInDays ?? changed.PointInTimeRecovery.RecoveryPeriodInDays;
                _catalog.Update(table, changed);
            }
            else
            {
                if (wanted.RecoveryPeriodInDays is not null)
                {
                    throw DynamoDbErrors.Validation("RecoveryPeriodInDays can only be specified when PointInTimeRecoveryEnabled is true");
                }

                changed.PointInTimeRecovery = changed.PointInTimeRecovery is null ? null : new PointInTimeRecoveryRecord { Enabled = false };
                _catalog.Update(table, changed);
                _changeLog.Drop(changed.StorageId);
            }
        }

        WriteContinuousBackups(writer, table.Definition);
    }

    public void DescribeContinuousBackups(TableNameRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckTableReference(request.TableName, "tableName", errors);
        errors.ThrowIfAny();
        var table = ResolveTable(request.TableName!, caller);
        _authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeContinuousBackups", table.Definition.Arn));
        WriteContinuousBackups(writer, table.Definition);
    }

    private (double Earliest, double Latest) RestorableWindow(PointInTimeRecoveryRecord recovery)
    {
        var now = _time.GetUtcNow();
        var earliest = Math.Max(recovery.EnabledDateTime, now.AddDays(-recovery.RecoveryPeriodInDays).ToUnixTimeMilliseconds() / 1000.0);
        var latest = Math.Max(earliest, (now - LatestRestorableLag).ToUnixTimeMilliseconds() / 1000.0);
        return (earliest, latest);
    }

    private TableRuntime CreateTarget(TableDefinition source, string targetName, CallerContext caller, RestoreRecord restore,
        string? billingOverride, ProvisionedThroughputDto? throughputOverride,
        List<SecondaryIndexDto>? globalIndexOverride, List<SecondaryIndexDto>? localIndexOverride)
    {
        if (_catalog.Find(caller.Principal.AccountId, caller.Region, targetName) is not null)
        {
            throw BackupErrors.TableAlreadyExists(targetName);
        }

        var billingMode = billingOverride ?? source.BillingMode;
        if (billingMode == "PAY_PER_REQUEST" && throughputOverride is not null)
        {
            throw DynamoDbErrors.InvalidParameter("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        }

        if (billingMode == "PROVISIONED" && source.BillingMode != "PROVISIONED" && throughputOverride is null)
        {
            throw DynamoDbErrors.InvalidParameter("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        try
        {
            return _catalog.Create(storageId =>
            {
                var definition = TableCatalog.Copy(source);
                definition.AccountId = caller.Principal.AccountId;
                definition.Region = caller.Region;
                definition.TableName = targetName;
                definition.TableId = Guid.NewGuid().ToString();
                definition.StorageId = storageId;
                definition.CreationDateTime = now;
                definition.BillingMode = billingMode;
                definition.ReadCapacityUnits = billingMode == "PAY_PER_REQUEST" ? 0 : throughputOverride?.ReadCapacityUnits ?? source.ReadCapacityUnits;
                definition.WriteCapacityUnits = billingMode == "PAY_PER_REQUEST" ? 0 : throughputOverride?.WriteCapacityUnits ?? source.WriteCapacityUnits;
                definition.LastIncreaseDateTime = null;
                definition.LastDecreaseDateTime = null;
                definition.NumberOfDecreasesToday = 0;
                definition.LastUpdateToPayPerRequestDateTime = billingMode == "PAY_PER_REQUEST" ? now : null;
                // Not restored, as in DynamoDB: tags, deletion protection, point-in-time recovery.
                definition.Tags = [];
                definition.DeletionProtectionEnabled = false;
                definition.PointInTimeRecovery = null;
                definition.Restore = restore;
                definition.WrappedDataKey = [];
                // Not restored either: the stream and TTL settings (set them again on the new table).
                definition.StreamViewType = null;
                definition.LatestStreamLabel = null;
                definition.TimeToLiveAttribute = null;
                definition.TimeToLiveStatus = null;
                definition.TimeToLiveChangeDateTime = null;
                // Nor resource-based policies: they belong to the source table and its streams.
                definition.ResourcePolicy = null;
                definition.StreamResourcePolicies = new(StringComparer.Ordinal);
                RestoreIndexes(definition, source, billingMode, globalIndexOverride, localIndexOverride);
                return definition;
            });
        }
        catch (AwsServiceException exception) when (exception.ErrorCode == "ResourceInUseException")
        {
            throw BackupErrors.TableAlreadyExists(targetName);
        }
    }

    private void AuthorizeTargetWrites(CallerContext caller, string targetArn)
    {
        foreach (var action in RestoreTargetActions)
        {
            _authorizer.Authorize(caller, new AuthorizationRequest(action, targetArn));
        }
    }

    private static void CheckIndexOverrideConstraints(List<SecondaryIndexDto>? global, List<SecondaryIndexDto>? local, ConstraintErrors errors)
    {
        IndexSchema.CheckConstraints(global, "globalSecondaryIndexOverride", errors);
        IndexSchema.CheckConstraints(local, "localSecondaryIndexOverride", errors);
        errors.ThrowIfAny();
    }

    /// <summary>
    /// The restored table's secondary indexes: the source's (or, with an override, the listed
    /// subset of them, as DynamoDB allows: an override may leave indexes out, not invent new ones),
    /// each with a fresh storage id so its entries never mix with the source index's. The restore
    /// writes every item through the item store, which builds the entries, so they start ACTIVE.
    /// </summary>
    private void RestoreIndexes(TableDefinition restored, TableDefinition source, string billingMode,
        List<SecondaryIndexDto>? globalIndexOverride, List<SecondaryIndexDto>? localIndexOverride)
    {
        restored.GlobalSecondaryIndexes = Select(source.GlobalSecondaryIndexes.Where(i => i.IndexStatus != "DELETING").ToList(), globalIndexOverride);
        restored.LocalSecondaryIndexes = Select(source.LocalSecondaryIndexes, localIndexOverride);
        foreach (var index in restored.SecondaryIndexes)
        {
            index.StorageId = _catalog.AllocateStorageId();
            index.IndexStatus = "ACTIVE";
            if (billingMode == "PAY_PER_REQUEST")
            {
                index.ReadCapacityUnits = 0;
                index.WriteCapacityUnits = 0;
            }
        }

        GlobalIndexUpdates.PruneAttributeDefinitions(restored);

        static List<SecondaryIndex> Select(List<SecondaryIndex> indexes, List<SecondaryIndexDto>? selection)
        {
            if (selection is null)
            {
                return indexes;
            }

            var selected = new List<SecondaryIndex>();
            foreach (var dto in selection)
            {
                var index = indexes.Find(i => i.IndexName == dto.IndexName)
                    ?? throw DynamoDbErrors.InvalidParameter($"Index {dto.IndexName} does not exist in the source table's definition");
                if (dto.ProvisionedThroughput is { ReadCapacityUnits: { } read, WriteCapacityUnits: { } write })
                {
                    index.ReadCapacityUnits = read;
                    index.WriteCapacityUnits = write;
                }

                selected.Add(index);
            }

            return selected;
        }
    }

    private TableRuntime ResolveTable(string reference, CallerContext caller)
    {
        var name = TableNameOf(reference);
        var prefix = $"arn:aws:dynamodb:{caller.Region}:{caller.Principal.AccountId}:table/";
        if (reference.StartsWith("arn:", StringComparison.Ordinal) && !reference.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw BackupErrors.TableNotFound(reference);
        }

        return _catalog.Find(caller.Principal.AccountId, caller.Region, name) ?? throw BackupErrors.TableNotFound(name);
    }

    /// <summary>A table name, or the name inside a table ARN.</summary>
    private static string TableNameOf(string reference)
    {
        if (!reference.StartsWith("arn:", StringComparison.Ordinal))
        {
            return reference;
        }

        var slash = reference.IndexOf(":table/", StringComparison.Ordinal);
        return slash < 0 ? reference : reference[(slash + ":table/".Length)..];
    }

    private BackupRecord RequireBackup(string? backupArn, CallerContext caller)
    {
        var errors = new ConstraintErrors();
        CheckBackupArn(backupArn, errors);
        errors.ThrowIfAny();
        return FindBackup(backupArn!, caller) ?? throw BackupErrors.BackupNotFound(backupArn!);
    }

    private BackupRecord? FindBackup(string backupArn, CallerContext caller) =>
        backupArn.StartsWith($"arn:aws:dynamodb:{caller.Region}:{caller.Principal.AccountId}:table/", StringComparison.Ordinal)
            ? _backups.Find(backupArn)
            : null;

    private static string TableArn(CallerContext caller, string tableName) =>
        $"arn:aws:dynamodb:{caller.Region}:{caller.Principal.AccountId}:table/{tableName}";

    private static void CheckTableReference(string? reference, string path, ConstraintErrors errors)
    {
        errors.NotNull(reference, path);
        errors.MinLength(reference, path, 1);
        errors.MaxLength(reference, path, 1024);
    }

    private static void CheckBackupName(string? name, ConstraintErrors errors)
    {
        errors.NotNull(name, "backupName");
        errors.Pattern(name, "backupName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(name, "backupName", 3);
        errors.MaxLength(name, "backupName", 255);
    }

    private static void CheckBackupArn(string? arn, ConstraintErrors errors)
    {
        errors.NotNull(arn, "backupArn");
        errors.MinLength(arn, "backupArn", 37);
        errors.MaxLength(arn, "backupArn", 1024);
    }

    private static void CheckTargetName(string? name, ConstraintErrors errors)
    {
        errors.NotNull(name, "targetTableName");
        errors.Pattern(name, "targetTableName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(name, "targetTableName", 3);
        errors.MaxLength(name, "targetTableName", 255);
    }

    private static void CheckOverrides(string? billing, ProvisionedThroughputDto? throughput, SseSpecificationDto? sse, ConstraintErrors errors)
    {
        errors.Enum(billing, "billingModeOverride", "PROVISIONED", "PAY_PER_REQUEST");
        if (throughput is not null)
        {
            errors.NotNull(throughput.WriteCapacityUnits, "provisionedThroughputOverride.writeCapacityUnits");
            errors.NotNull(throughput.ReadCapacityUnits, "provisionedThroughputOverride.readCapacityUnits");
            errors.Min(throughput.WriteCapacityUnits, "provisionedThroughputOverride.writeCapacityUnits", 1);
            errors.Min(throughput.ReadCapacityUnits, "provisionedThroughputOverride.readCapacityUnits", 1);
        }

        errors.Enum(sse?.SSEType, "sSESpecificationOverride.sSEType", "AES256", "KMS");
    }

    /// <summary>The epoch milliseconds in a backup ARN's id (…/backup/{millis}-{hex}); 0 if absent.</summary>
    private static long ArnMillis(string arn)
    {
        var at = arn.LastIndexOf("/backup/", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var id = arn.AsSpan(at + "/backup/".Length);
        var dash = id.IndexOf('-');
        return long.TryParse(dash < 0 ? id : id[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var millis) ? millis : 0;
    }

    private static int Compare((long Millis, string Arn) a, (long Millis, string Arn) b) =>
        a.Millis != b.Millis ? a.Millis.CompareTo(b.Millis) : string.CompareOrdinal(a.Arn, b.Arn);

    private void TrimChangeLog()
    {
        try
        {
            _changeLog.Trim(_catalog.All.ToList());
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogTrimFailed(_logger, exception);
        }
    }

    private static void WriteRestoreResponse(Utf8JsonWriter writer, TableRuntime target)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("TableDescription");
        TableDescriptionWriter.Write(writer, target, "CREATING");
        writer.WriteEndObject();
    }

    private void WriteContinuousBackups(Utf8JsonWriter writer, TableDefinition definition)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("ContinuousBackupsDescription");
        // Continuous backups are always on in DynamoDB; point-in-time recovery is the switch.
        writer.WriteString("ContinuousBackupsStatus", "ENABLED");
        writer.WriteStartObject("PointInTimeRecoveryDescription");
        if (definition.PointInTimeRecovery is { Enabled: true } recovery)
        {
            var (earliest, latest) = RestorableWindow(recovery);
            writer.WriteString("PointInTimeRecoveryStatus", "ENABLED");
            writer.WriteNumber("RecoveryPeriodInDays", recovery.RecoveryPeriodInDays);
            writer.WriteNumber("EarliestRestorableDateTime", earliest);
            writer.WriteNumber("LatestRestorableDateTime", latest);
        }
        else
        {
            writer.WriteString("PointInTimeRecoveryStatus", "DISABLED");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteBackupDetails(Utf8JsonWriter writer, BackupRecord record, string status)
    {
        writer.WriteStartObject();
        writer.WriteString("BackupArn", record.BackupArn);
        writer.WriteString("BackupName", record.BackupName);
        writer.WriteNumber("BackupSizeBytes", record.SizeBytes);
        writer.WriteString("BackupStatus", status);
        writer.WriteString("BackupType", record.BackupType);
        writer.WriteNumber("BackupCreationDateTime", record.CreationDateTime);
        if (record.ExpiryDateTime is { } expiry)
        {
            writer.WriteNumber("BackupExpiryDateTime", expiry);
        }

        writer.WriteEndObject();
    }

    private static void WriteBackupDescription(Utf8JsonWriter writer, BackupRecord record, string status)
    {
        var table = record.Table;
        writer.WriteStartObject();
        writer.WritePropertyName("BackupDetails");
        WriteBackupDetails(writer, record, status);
        writer.WriteStartObject("SourceTableDetails");
        writer.WriteString("TableName", table.TableName);
        writer.WriteString("TableId", table.TableId);
        writer.WriteString("TableArn", table.Arn);
        writer.WriteNumber("TableSizeBytes", record.SizeBytes);
        writer.WriteStartArray("KeySchema");
        WriteKeyElement(writer, table.PartitionKeyName, "HASH");
        if (table.SortKeyName is not null)
        {
            WriteKeyElement(writer, table.SortKeyName, "RANGE");
        }

        writer.WriteEndArray();
        writer.WriteNumber("TableCreationDateTime", table.CreationDateTime);
        writer.WriteStartObject("ProvisionedThroughput");
        writer.WriteNumber("ReadCapacityUnits", table.ReadCapacityUnits);
        writer.WriteNumber("WriteCapacityUnits", table.WriteCapacityUnits);
        writer.WriteEndObject();
        writer.WriteNumber("ItemCount", record.ItemCount);
        writer.WriteString("BillingMode", table.BillingMode);
        writer.WriteEndObject();
        // No secondary indexes, streams or TTL exist in this version, so there are no features to list.
        writer.WriteStartObject("SourceTableFeatureDetails");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteBackupSummary(Utf8JsonWriter writer, BackupRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("TableName", record.Table.TableName);
        writer.WriteString("TableId", record.Table.TableId);
        writer.WriteString("TableArn", record.Table.Arn);
        writer.WriteString("BackupArn", record.BackupArn);
        writer.WriteString("BackupName", record.BackupName);
        writer.WriteNumber("BackupCreationDateTime", record.CreationDateTime);
        if (record.ExpiryDateTime is { } expiry)
        {
            writer.WriteNumber("BackupExpiryDateTime", expiry);
        }

        writer.WriteString("BackupStatus", record.BackupStatus);
        writer.WriteString("BackupType", record.BackupType);
        writer.WriteNumber("BackupSizeBytes", record.SizeBytes);
        writer.WriteEndObject();
    }

    private static void WriteKeyElement(Utf8JsonWriter writer, string name, string keyType)
    {
        writer.WriteStartObject();
        writer.WriteString("AttributeName", name);
        writer.WriteString("KeyType", keyType);
        writer.WriteEndObject();
    }

    public void Dispose()
    {
        _trimTimer.Dispose();
        Jobs.Dispose();
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Removed {Count} backup(s) left incomplete by a crash")]
    private static partial void LogIncompleteBackupsRemoved(ILogger logger, int count);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Error, Message = "Trimming the point-in-time recovery history failed")]
    private static partial void LogTrimFailed(ILogger logger, Exception exception);
}
