using System.Buffers;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Tables;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.DynamoDb;

/// <summary>
/// DynamoDB (API version 2012-08-10) as an awsJson 1.0 service: parses each operation's request,
/// validates it, describes it to the authorizer, runs it against the table catalog and item
/// store, and writes the response. Operations are a switch over the X-Amz-Target name.
/// </summary>
public sealed class DynamoDbService : IJsonService, IDisposable
{
    private readonly TableCatalog _catalog;
    private readonly TableOperations _tables;
    private readonly ItemOperations _items;
    private readonly ReadOperations _reads;
    private readonly BatchOperations _batches;
    private readonly BackupOperations _backups;

    public DynamoDbService(IStorageEngine storage, MasterKey masterKey, IRequestAuthorizer authorizer, TimeProvider time,
        ILoggerFactory? loggerFactory = null)
    {
        _catalog = new TableCatalog(storage, masterKey);
        var store = new ItemStore(_catalog);
        _tables = new TableOperations(_catalog, store, authorizer, time);
        _items = new ItemOperations(_catalog, store, authorizer);
        _reads = new ReadOperations(_catalog, store, authorizer);
        _batches = new BatchOperations(_catalog, store, authorizer);
        _backups = new BackupOperations(_catalog, store, masterKey, authorizer, time,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Lockbox.DynamoDb.Backups"));
    }

    /// <summary>Background restores (tests wait on them and inject faults through them).</summary>
    internal Backups.RestoreJobs RestoreJobs => _backups.Jobs;

    /// <summary>Every operation this service answers; the authorization meta-test walks this list.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable",
        "PutItem", "GetItem", "UpdateItem", "DeleteItem",
        "Query", "Scan", "BatchGetItem", "BatchWriteItem",
        "CreateBackup", "DescribeBackup", "ListBackups", "DeleteBackup", "RestoreTableFromBackup",
        "UpdateContinuousBackups", "DescribeContinuousBackups", "RestoreTableToPointInTime",
    ];

    public string TargetPrefix => "DynamoDB_20120810";

    public string SigningName => "dynamodb";

    public bool HasOperation(string operation) => Operations.Contains(operation);

    public ValueTask InvokeAsync(string operation, ReadOnlyMemory<byte> body, CallerContext caller,
        IBufferWriter<byte> response, CancellationToken cancellationToken)
    {
        using var writer = new Utf8JsonWriter(response, new JsonWriterOptions { SkipValidation = true });
        var context = DynamoDbJsonContext.Default;
        switch (operation)
        {
            case "CreateTable":
                _tables.CreateTable(RequestReader.Read(body, context.CreateTableRequest), caller, writer);
                break;
            case "DescribeTable":
                _tables.DescribeTable(RequestReader.Read(body, context.TableNameRequest), caller, writer);
                break;
            case "ListTables":
                _tables.ListTables(RequestReader.Read(body, context.ListTablesRequest), caller, writer);
                break;
            case "UpdateTable":
                _tables.UpdateTable(RequestReader.Read(body, context.UpdateTableRequest), caller, writer);
                break;
            case "DeleteTable":
                _tables.DeleteTable(RequestReader.Read(body, context.TableNameRequest), caller, writer);
                break;
            case "PutItem":
                _items.PutItem(RequestReader.Read(body, context.PutItemRequest), caller, writer);
                break;
            case "GetItem":
                _items.GetItem(RequestReader.Read(body, context.GetItemRequest), caller, writer);
                break;
            case "UpdateItem":
                _items.UpdateItem(RequestReader.Read(body, context.UpdateItemRequest), caller, writer);
                break;
            case "DeleteItem":
                _items.DeleteItem(RequestReader.Read(body, context.DeleteItemRequest), caller, writer);
                break;
            case "Query":
                _reads.Query(RequestReader.Read(body, context.QueryRequest), caller, writer);
                break;
            case "Scan":
                _reads.Scan(RequestReader.Read(body, context.ScanRequest), caller, writer);
                break;
            case "BatchGetItem":
                _batches.BatchGetItem(RequestReader.Read(body, context.BatchGetItemRequest), caller, writer);
                break;
            case "BatchWriteItem":
                _batches.BatchWriteItem(RequestReader.Read(body, context.BatchWriteItemRequest), caller, writer);
                break;
            case "CreateBackup":
                _backups.CreateBackup(RequestReader.Read(body, context.CreateBackupRequest), caller, writer);
                break;
            case "DescribeBackup":
                _backups.DescribeBackup(RequestReader.Read(body, context.BackupArnRequest), caller, writer);
                break;
            case "ListBackups":
                _backups.ListBackups(RequestReader.Read(body, context.ListBackupsRequest), caller, writer);
                break;
            case "DeleteBackup":
                _backups.DeleteBackup(RequestReader.Read(body, context.BackupArnRequest), caller, writer);
                break;
            case "RestoreTableFromBackup":
                _backups.RestoreTableFromBackup(RequestReader.Read(body, context.RestoreTableFromBackupRequest), caller, writer);
                break;
            case "UpdateContinuousBackups":
                _backups.UpdateContinuousBackups(RequestReader.Read(body, context.UpdateContinuousBackupsRequest), caller, writer);
                break;
            case "DescribeContinuousBackups":
                _backups.DescribeContinuousBackups(RequestReader.Read(body, context.TableNameRequest), caller, writer);
                break;
            case "RestoreTableToPointInTime":
                _backups.RestoreTableToPointInTime(RequestReader.Read(body, context.RestoreTableToPointInTimeRequest), caller, writer);
                break;
            default:
                throw new AwsServiceException(DynamoDbErrors.ServiceNamespace, "UnknownOperationException", null);
        }

        writer.Flush();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        // Restores stop first (they resume at the next start); then the data keys go.
        _backups.Dispose();
        _catalog.Dispose();
    }
}
