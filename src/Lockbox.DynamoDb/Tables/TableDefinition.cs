using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// Everything Lockbox stores about one table (persisted as JSON in the catalog keyspace).
/// The data key is stored only in wrapped form; <see cref="TableRuntime"/> holds it unwrapped.
/// </summary>
public sealed class TableDefinition
{
    public required string AccountId { get; set; }
    public required string Region { get; set; }
    public required string TableName { get; set; }
    /// <summary>The TableId DynamoDB reports (a UUID).</summary>
    public required string TableId { get; set; }
    /// <summary>Dense numeric id that prefixes every storage key of this table.</summary>
    public required long StorageId { get; set; }
    public required List<AttributeDefinitionDto> AttributeDefinitions { get; set; }
    public required string PartitionKeyName { get; set; }
    public required AttributeType PartitionKeyType { get; set; }
    public string? SortKeyName { get; set; }
    public AttributeType? SortKeyType { get; set; }
    /// <summary>PROVISIONED or PAY_PER_REQUEST.</summary>
    public required string BillingMode { get; set; }
    public long ReadCapacityUnits { get; set; }
    public long WriteCapacityUnits { get; set; }
    public double? LastIncreaseDateTime { get; set; }
    public double? LastDecreaseDateTime { get; set; }
    public long NumberOfDecreasesToday { get; set; }
    public double? LastUpdateToPayPerRequestDateTime { get; set; }
    /// <summary>Seconds since the epoch, as DynamoDB's JSON timestamps are.</summary>
    public required double CreationDateTime { get; set; }
    public List<TagDto> Tags { get; set; } = [];
    public string TableClass { get; set; } = "STANDARD";
    /// <summary>True once a table class was given (CreateTable or UpdateTable): DescribeTable then reports TableClassSummary.</summary>
    public bool TableClassSpecified { get; set; }
    /// <summary>When UpdateTable last changed the table class (seconds since the epoch).</summary>
    public double? TableClassLastUpdateDateTime { get; set; }
    /// <summary>
    /// Server-side encryption as requested (SSESpecification): false = AWS owned key (DynamoDB then
    /// reports no SSEDescription), true = KMS with <see cref="SseKmsKeyArn"/>. Kept and reported only;
    /// every table is sealed with its own data key either way until the KMS issue.
    /// </summary>
    public bool SseEnabled { get; set; }
    public string? SseKmsKeyArn { get; set; }
    public bool DeletionProtectionEnabled { get; set; }
    public List<SecondaryIndex> LocalSecondaryIndexes { get; set; } = [];
    public List<SecondaryIndex> GlobalSecondaryIndexes { get; set; } = [];
    /// <summary>The view type of the table's enabled stream; null when no stream is enabled.</summary>
    public string? StreamViewType { get; set; }
    /// <summary>The label of the table's latest stream (enabled or not); null if it never had one.</summary>
    public string? LatestStreamLabel { get; set; }
    /// <summary>The TTL attribute while Time to Live is enabled (or being enabled or disabled); null when disabled.</summary>
    public string? TimeToLiveAttribute { get; set; }
    /// <summary>
    /// ENABLING / DISABLING while a TTL change is being applied (the expiry index built or dropped),
    /// then ENABLED / DISABLED. Null in definitions written before the expiry index existed; see
    /// <see cref="TimeToLiveState"/>.
    /// </summary>
    public string? TimeToLiveStatus { get; set; }
    /// <summary>When UpdateTimeToLive last changed the setting (seconds since the epoch): the cooldown starts there.</summary>
    public double? TimeToLiveChangeDateTime { get; set; }

    /// <summary>The table's resource-based policy (PutResourcePolicy), if any.</summary>
    public ResourcePolicyRecord? ResourcePolicy { get; set; }

    /// <summary>Resource-based policies of the table's streams, by stream label; they go with the table.</summary>
    public Dictionary<string, ResourcePolicyRecord> StreamResourcePolicies { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The table's data key, sealed by the server's master key.</summary>
    public required byte[] WrappedDataKey { get; set; }
    /// <summary>Set on a table created by a restore; <c>InProgress</c> until every item is in.</summary>
    public RestoreRecord? Restore { get; set; }
    /// <summary>Point-in-time recovery settings; null = never enabled.</summary>
    public PointInTimeRecoveryRecord? PointInTimeRecovery { get; set; }

    public string Arn => $"arn:aws:dynamodb:{Region}:{AccountId}:table/{TableName}";

    /// <summary>
    /// The TTL status: <see cref="TimeToLiveStatus"/>, or for a definition written before it existed,
    /// DISABLED without an attribute and ENABLING with one (its expiry index still has to be built).
    /// </summary>
    public string TimeToLiveState() => TimeToLiveStatus ?? (TimeToLiveAttribute is null ? "DISABLED" : "ENABLING");

    /// <summary>Every secondary index, local ones first.</summary>
    public IEnumerable<SecondaryIndex> SecondaryIndexes => LocalSecondaryIndexes.Concat(GlobalSecondaryIndexes);

    public bool HasSecondaryIndexes => LocalSecondaryIndexes.Count > 0 || GlobalSecondaryIndexes.Count > 0;

    public SecondaryIndex? FindIndex(string name) =>
        LocalSecondaryIndexes.Find(i => i.IndexName == name) ?? GlobalSecondaryIndexes.Find(i => i.IndexName == name);
    /// <summary>arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL of the latest stream, if any.</summary>
    public string? LatestStreamArn => LatestStreamLabel is null ? null : Arn + "/stream/" + LatestStreamLabel;
}

/// <summary>Where a restored table came from (DynamoDB's RestoreSummary) and whether its items are all in.</summary>
/// <summary>A resource-based policy as stored: the document and its revision id (epoch milliseconds of the change, as DynamoDB's).</summary>
public sealed class ResourcePolicyRecord
{
    public required string Document { get; set; }
    public required string RevisionId { get; set; }
}

public sealed class RestoreRecord
{
    public string? SourceBackupArn { get; set; }
    public string? SourceTableArn { get; set; }
    /// <summary>For a point-in-time restore, the source table's storage id (its change log is keyed by it).</summary>
    public long? SourceStorageId { get; set; }
    /// <summary>Seconds since the epoch: the backup's creation time, or the point in time restored to.</summary>
    public required double RestoreDateTime { get; set; }
    public bool InProgress { get; set; }
}

/// <summary>A table's point-in-time recovery settings.</summary>
public sealed class PointInTimeRecoveryRecord
{
    public bool Enabled { get; set; }
    /// <summary>Seconds since the epoch when recovery was (last) enabled: nothing before is restorable.</summary>
    public double EnabledDateTime { get; set; }
    public int RecoveryPeriodInDays { get; set; } = 35;
}
