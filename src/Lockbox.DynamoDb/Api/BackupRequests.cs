namespace Lockbox.DynamoDb.Api;

// Request shapes of the backup and point-in-time recovery operations, named as in the DynamoDB
// API model. Timestamps arrive as epoch seconds (awsJson), so they bind as doubles.

public sealed class CreateBackupRequest
{
    public string? TableName { get; set; }
    public string? BackupName { get; set; }
}

public sealed class BackupArnRequest
{
    public string? BackupArn { get; set; }
}

public sealed class ListBackupsRequest
{
    public string? TableName { get; set; }
    public int? Limit { get; set; }
    public double? TimeRangeLowerBound { get; set; }
    public double? TimeRangeUpperBound { get; set; }
    public string? ExclusiveStartBackupArn { get; set; }
    public string? BackupType { get; set; }
}

public sealed class RestoreTableFromBackupRequest
{
    public string? TargetTableName { get; set; }
    public string? BackupArn { get; set; }
    public string? BillingModeOverride { get; set; }
    public List<SecondaryIndexDto>? GlobalSecondaryIndexOverride { get; set; }
    public List<SecondaryIndexDto>? LocalSecondaryIndexOverride { get; set; }
    public ProvisionedThroughputDto? ProvisionedThroughputOverride { get; set; }
    public SseSpecificationDto? SSESpecificationOverride { get; set; }
}

public sealed class RestoreTableToPointInTimeRequest
{
    public string? SourceTableArn { get; set; }
    public string? SourceTableName { get; set; }
    public string? TargetTableName { get; set; }
    public bool? UseLatestRestorableTime { get; set; }
    public double? RestoreDateTime { get; set; }
    public string? BillingModeOverride { get; set; }
    public List<SecondaryIndexDto>? GlobalSecondaryIndexOverride { get; set; }
    public List<SecondaryIndexDto>? LocalSecondaryIndexOverride { get; set; }
    public ProvisionedThroughputDto? ProvisionedThroughputOverride { get; set; }
    public SseSpecificationDto? SSESpecificationOverride { get; set; }
}

public sealed class PointInTimeRecoverySpecificationDto
{
    public bool? PointInTimeRecoveryEnabled { get; set; }
    public int? RecoveryPeriodInDays { get; set; }
}

public sealed class UpdateContinuousBackupsRequest
{
    public string? TableName { get; set; }
    public PointInTimeRecoverySpecificationDto? PointInTimeRecoverySpecification { get; set; }
}
