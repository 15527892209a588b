using System.Buffers;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Tables;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Storage;

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
    private readonly TagOperations _tags;
    private readonly AccountOperations _account;

    public DynamoDbService(IStorageEngine storage, MasterKey masterKey, IRequestAuthorizer authorizer, TimeProvider time)
        : this(storage, masterKey, authorizer, time, new DynamoDbOptions())
    {
    }

    public DynamoDbService(IStorageEngine storage, MasterKey masterKey, IRequestAuthorizer authorizer, TimeProvider time, DynamoDbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _catalog = new TableCatalog(storage, masterKey);
        var store = new ItemStore(_catalog);
        Limiter = new ThroughputLimiter(time, options.BurstSeconds);
        _tables = new TableOperations(_catalog, store, authorizer, time, Limiter);
        _items = new ItemOperations(_catalog, store, authorizer, Limiter);
        _reads = new ReadOperations(_catalog, store, authorizer, Limiter);
        _batches = new BatchOperations(_catalog, store, authorizer, Limiter);
        _tags = new TagOperations(_catalog, authorizer);
        _account = new AccountOperations(authorizer);
    }

    /// <summary>Provisioned-throughput throttling, shared by every operation (transactions call it too).</summary>
    public ThroughputLimiter Limiter { get; }

    /// <summary>Every operation this service answers; the authorization meta-test walks this list.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable",
        "PutItem", "GetItem", "UpdateItem", "DeleteItem",
        "Query", "Scan", "BatchGetItem", "BatchWriteItem",
        "TagResource", "UntagResource", "ListTagsOfResource", "DescribeEndpoints", "DescribeLimits",
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
            case "TagResource":
                _tags.TagResource(RequestReader.Read(body, context.TagResourceRequest), caller, writer);
                break;
            case "UntagResource":
                _tags.UntagResource(RequestReader.Read(body, context.UntagResourceRequest), caller, writer);
                break;
            case "ListTagsOfResource":
                _tags.ListTagsOfResource(RequestReader.Read(body, context.ListTagsOfResourceRequest), caller, writer);
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

    public void Dispose() => _catalog.Dispose();
}
