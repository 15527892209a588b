using Lockbox.Common;

namespace Lockbox.DynamoDb.Backups;

/// <summary>
/// The backup and restore errors (all HTTP 400 in DynamoDB's namespace, member "message").
/// DynamoDB's exact texts were not available offline; these follow the wording its SDK
/// documentation and observed clients show (see docs/ARCHITECTURE.md, "Backups").
/// </summary>
internal static class BackupErrors
{
    private static AwsServiceException Error(string code, string message) =>
        new(DynamoDbErrors.DynamoDbNamespace, code, message);

    public static AwsServiceException BackupNotFound(string backupArn) =>
        Error("BackupNotFoundException", $"Backup not found: {backupArn}");

    public static AwsServiceException BackupInUse(string backupArn) =>
        Error("BackupInUseException", $"Backup is being created, deleted or restored to a table: {backupArn}");

    public static AwsServiceException TableNotFound(string tableName) =>
        Error("TableNotFoundException", $"Table not found: {tableName}");

    public static AwsServiceException TableAlreadyExists(string tableName) =>
        Error("TableAlreadyExistsException", $"Table already exists: {tableName}");

    public static AwsServiceException TableInUse(string tableName) =>
        Error("TableInUseException", $"Table is being restored: {tableName}");

    public static AwsServiceException PointInTimeRecoveryUnavailable(string tableName) =>
        Error("PointInTimeRecoveryUnavailableException", $"Point in time recovery is not enabled for table '{tableName}'");

    public static AwsServiceException InvalidRestoreTime(double earliest, double latest) =>
        Error("InvalidRestoreTimeException",
            $"Restore time must be between the earliest restorable date time ({Iso(earliest)}) and the latest restorable date time ({Iso(latest)})");

    private static string Iso(double epochSeconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)(epochSeconds * 1000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
