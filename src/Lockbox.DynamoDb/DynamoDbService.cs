using System.Buffers;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.PartiQL;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Transactions;
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
    private readonly DynamoDbEngine _engine;
    private readonly bool _ownsEngine;
    private readonly TableOperations _tables;
    private readonly TimeToLiveOperations _timeToLive;
    private readonly ItemOperations _items;
    private readonly ReadOperations _reads;
    private readonly BatchOperations _batches;
    private readonly PartiQLOperations _partiql;
    private readonly PartiQLTransactionOperations _partiqlTransactions;
    private readonly TransactionOperations _transactions;
    private readonly BackupOperations _backups;
    private readonly TagOperations _tags;
    private readonly ResourcePolicyOperations _resourcePolicies;
    private readonly AccountOperations _account;

    /// <summary>A service over an engine of its own (no background work), disposed with the service.</summary>
    public DynamoDbService(IStorageEngine storage, MasterKey masterKey, IRequestAuthorizer authorizer, TimeProvider time)
        : this(storage, masterKey, authorizer, time, new DynamoDbOptions())
    {
    }

    /// <summary>A service over an engine of its own (no background work) with these settings.</summary>
    public DynamoDbService(IStorageEngine storage, MasterKey masterKey, IRequestAuthorizer authorizer, TimeProvider time, DynamoDbOptions options)
        : this(new DynamoDbEngine(storage, masterKey, time, new DynamoDbEngineOptions { BurstSeconds = options.BurstSeconds, TimeToLiveChangeCooldown = options.TimeToLiveChangeCooldown }),
            authorizer, ownsEngine: true)
    {
    }

    /// <summary>A service over a shared engine (the DynamoDB Streams service uses the same one).</summary>
    public DynamoDbService(DynamoDbEngine engine, IRequestAuthorizer authorizer, bool ownsEngine, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _ownsEngine = ownsEngine;
        var catalog = engine.Catalog;
        var store = engine.Items;
        _tables = new TableOperations(catalog, store, authorizer, engine.Time, engine.Limiter, engine.IndexBackfill) { Streams = engine.Streams };
        _timeToLive = new TimeToLiveOperations(catalog, authorizer, engine.TimeToLive, engine.Time, engine.TimeToLiveChangeCooldown);
        _items = new ItemOperations(catalog, store, authorizer, engine.Limiter, engine.ItemCollections);
        _reads = new ReadOperations(catalog, store, authorizer, engine.Limiter);
        _batches = new BatchOperations(catalog, store, authorizer, engine.Limiter, engine.ItemCollections);
        _tags = new TagOperations(catalog, authorizer);
        _resourcePolicies = new ResourcePolicyOperations(catalog, engine.Streams, authorizer, engine.Time);
        _tables.ResourcePolicies = _resourcePolicies;
        _account = new AccountOperations(authorizer);
        _partiql = new PartiQLOperations(catalog, store, authorizer);
        _transactions = new TransactionOperations(catalog, engine.Transactions, authorizer) { ItemCollections = engine.ItemCollections };
        _partiqlTransactions = new PartiQLTransactionOperations(_partiql, engine.Transactions, authorizer);
        _backups = new BackupOperations(catalog, store, engine.MasterKey, authorizer, engine.Time,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Lockbox.DynamoDb.Backups"));
        _tables.BeforeDelete = _backups.KeepSystemBackup;
    }

    /// <summary>Background restores (tests wait on them and inject faults through them).</summary>
    internal Backups.RestoreJobs RestoreJobs => _backups.Jobs;

    /// <summary>Provisioned-throughput throttling, shared by every operation (transactions call it too).</summary>
    public ThroughputLimiter Limiter => _engine.Limiter;

    /// <summary>Every operation this service answers; the authorization meta-test walks this list.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable",
        "PutItem", "GetItem", "UpdateItem", "DeleteItem",
        "Query", "Scan", "BatchGetItem", "BatchWriteItem",
        "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
        "UpdateTimeToLive", "DescribeTimeToLive",
        "TransactWriteItems", "TransactGetItems",
        "CreateBackup", "DescribeBackup", "ListBackups", "DeleteBackup", "RestoreTableFromBackup",
        "UpdateContinuousBackups", "DescribeContinuousBackups", "RestoreTableToPointInTime",
        "TagResource", "UntagResource", "ListTagsOfResource", "DescribeEndpoints", "DescribeLimits",
        "PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy",
    ];

    /// <summary>Item collection accounting (tests lower its limit).</summary>
    internal ItemCollections ItemCollections => _engine.ItemCollections;

    /// <summary>The transaction engine (PartiQL's ExecuteTransaction runs its statements through it).</summary>
    public TransactionEngine Transactions => _engine.Transactions;

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
            case "ExecuteStatement":
                _partiql.ExecuteStatement(RequestReader.Read(body, PartiQLJsonContext.Default.ExecuteStatementRequest), caller, writer);
                break;
            case "BatchExecuteStatement":
                _partiql.BatchExecuteStatement(RequestReader.Read(body, PartiQLJsonContext.Default.BatchExecuteStatementRequest), caller, writer);
                break;
            case "ExecuteTransaction":
                _partiqlTransactions.ExecuteTransaction(RequestReader.Read(body, PartiQLJsonContext.Default.ExecuteTransactionRequest), body.Span, caller, writer);
                break;
            case "UpdateTimeToLive":
                _timeToLive.UpdateTimeToLive(RequestReader.Read(body, context.UpdateTimeToLiveRequest), caller, writer);
                break;
            case "DescribeTimeToLive":
                _timeToLive.DescribeTimeToLive(RequestReader.Read(body, context.TableNameRequest), caller, writer);
                break;
            case "TransactWriteItems":
                _transactions.TransactWriteItems(RequestReader.Read(body, context.TransactWriteItemsRequest), body.Span, caller, writer);
                break;
            case "TransactGetItems":
                _transactions.TransactGetItems(RequestReader.Read(body, context.TransactGetItemsRequest), caller, writer);
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
            case "TagResource":
                _tags.TagResource(RequestReader.Read(body, context.TagResourceRequest), caller, writer);
                break;
            case "UntagResource":
                _tags.UntagResource(RequestReader.Read(body, context.UntagResourceRequest), caller, writer);
                break;
            case "ListTagsOfResource":
                _tags.ListTagsOfResource(RequestReader.Read(body, context.ListTagsOfResourceRequest), caller, writer);
                break;
            case "PutResourcePolicy":
                _resourcePolicies.PutResourcePolicy(RequestReader.Read(body, context.PutResourcePolicyRequest), caller, writer);
                break;
            case "GetResourcePolicy":
                _resourcePolicies.GetResourcePolicy(RequestReader.Read(body, context.GetResourcePolicyRequest), caller, writer);
                break;
            case "DeleteResourcePolicy":
                _resourcePolicies.DeleteResourcePolicy(RequestReader.Read(body, context.DeleteResourcePolicyRequest), caller, writer);
                break;
            case "DescribeEndpoints":
                _account.DescribeEndpoints(RequestReader.Read(body, context.EmptyRequest), caller, writer);
                break;
            case "DescribeLimits":
                _account.DescribeLimits(RequestReader.Read(body, context.EmptyRequest), caller, writer);
                break;
            default:
                throw new AwsServiceException(DynamoDbErrors.ServiceNamespace, "UnknownOperationException", null);
        }

        writer.Flush();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        // Restores stop first (they resume at the next start); then the engine and its data keys go.
        _backups.Dispose();
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }
}
