using System.Text.Json.Serialization;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Backups;

/// <summary>
/// One backup as persisted in the backups keyspace: DynamoDB's BackupDetails, the source table's
/// full definition as it was (indexes and all, without its data key), and the backup's own data
/// key, wrapped by the master key with the backup ARN as context.
/// </summary>
public sealed class BackupRecord
{
    public required string BackupArn { get; set; }
    public required string BackupName { get; set; }
    /// <summary>USER (CreateBackup) or SYSTEM (kept when a table with point-in-time recovery is deleted).</summary>
    public required string BackupType { get; set; }
    /// <summary>CREATING while items are copied, then AVAILABLE.</summary>
    public required string BackupStatus { get; set; }
    /// <summary>Seconds since the epoch.</summary>
    public required double CreationDateTime { get; set; }
    /// <summary>Seconds since the epoch, for SYSTEM backups (35 days after creation).</summary>
    public double? ExpiryDateTime { get; set; }
    public long SizeBytes { get; set; }
    public long ItemCount { get; set; }
    /// <summary>Random 16 bytes that prefix this backup's item entries (after "data/").</summary>
    public required byte[] DataId { get; set; }
    public required byte[] WrappedDataKey { get; set; }
    /// <summary>The source table's definition when the backup was taken (its data key removed).</summary>
    public required TableDefinition Table { get; set; }
}

/// <summary>Source-generated serializer for backup records (no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackupRecord))]
internal sealed partial class BackupJsonContext : JsonSerializerContext
{
}
