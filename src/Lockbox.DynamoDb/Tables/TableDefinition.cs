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
    /// <summary>The table's data key, sealed by the server's master key.</summary>
    public required byte[] WrappedDataKey { get; set; }

    public string Arn => $"arn:aws:dynamodb:{Region}:{AccountId}:table/{TableName}";
}
