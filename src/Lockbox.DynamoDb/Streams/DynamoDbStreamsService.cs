using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Values;
using Lockbox.Protocols;

namespace Lockbox.DynamoDb.Streams;

/// <summary>
/// DynamoDB Streams (API version 2012-08-10, target prefix <c>DynamoDBStreams_20120810</c>,
/// signing name <c>dynamodb</c>) over the streams of a <see cref="DynamoDbEngine"/>: ListStreams,
/// DescribeStream, GetShardIterator and GetRecords. Every operation is authorized with its
/// <c>dynamodb:</c> action (ListStreams on "*", the others on the stream ARN) before it acts.
/// </summary>
public sealed class DynamoDbStreamsService(DynamoDbEngine engine, IRequestAuthorizer authorizer) : IJsonService
{
    /// <summary>GetRecords returns at most 1000 records or about 1 MB, as DynamoDB does.</summary>
    public const int MaxRecordsPerRead = 1000;

    private const int MaxBytesPerRead = 1024 * 1024;

    /// <summary>Every operation this service answers; the authorization meta-test walks this list.</summary>
    public static IReadOnlyList<string> Operations { get; } = ["ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"];

    public string TargetPrefix => "DynamoDBStreams_20120810";

    public string SigningName => "dynamodb";

    public bool HasOperation(string operation) => Operations.Contains(operation);

    public ValueTask InvokeAsync(string operation, ReadOnlyMemory<byte> body, CallerContext caller,
        IBufferWriter<byte> response, CancellationToken cancellationToken)
    {
        using var writer = new Utf8JsonWriter(response, new JsonWriterOptions { SkipValidation = true });
        var context = StreamsJsonContext.Default;
        switch (operation)
        {
            case "ListStreams":
                ListStreams(RequestReader.Read(body, context.ListStreamsRequest), caller, writer);
                break;
            case "DescribeStream":
                DescribeStream(RequestReader.Read(body, context.DescribeStreamRequest), caller, writer);
                break;
            case "GetShardIterator":
                GetShardIterator(RequestReader.Read(body, context.GetShardIteratorRequest), caller, writer);
                break;
            case "GetRecords":
                GetRecords(RequestReader.Read(body, context.GetRecordsRequest), caller, writer);
                break;
            default:
                throw new AwsServiceException(DynamoDbErrors.ServiceNamespace, "UnknownOperationException", null);
        }

        writer.Flush();
        return ValueTask.CompletedTask;
    }

    private void ListStreams(ListStreamsRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        if (request.TableName is not null)
        {
            errors.TableName(request.TableName);
        }

        errors.Min(request.Limit, "limit", 1);
        CheckStreamArn(request.ExclusiveStartStreamArn, "exclusiveStartStreamArn", errors);
        errors.ThrowIfAny();
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:ListStreams", "*"));

        var streams = engine.Streams.All
            .Where(s => s.Definition.AccountId == caller.Principal.AccountId && s.Definition.Region == caller.Region)
            .Where(s => request.TableName is null || s.Definition.TableName == request.TableName)
            .OrderBy(s => s.Definition.TableName, StringComparer.Ordinal)
            .ThenBy(s => s.Definition.Label, StringComparer.Ordinal)
            .ToList();
        if (request.TableName is not null && streams.Count == 0
            && engine.Catalog.Find(caller.Principal.AccountId, caller.Region, request.TableName) is null)
        {
            throw DynamoDbErrors.TableNotFound(request.TableName);
        }

        var first = 0;
        if (request.ExclusiveStartStreamArn is { } start)
        {
            var index = streams.FindIndex(s => s.Arn == start);
            first = index < 0 ? streams.Count(s => string.CompareOrdinal(s.Arn, start) <= 0) : index + 1;
        }

        var limit = Math.Min(request.Limit ?? 100, 100);
        var count = Math.Max(0, Math.Min(limit, streams.Count - first));
        writer.WriteStartObject();
        writer.WriteStartArray("Streams");
        for (var i = first; i < first + count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("StreamArn", streams[i].Arn);
            writer.WriteString("TableName", streams[i].Definition.TableName);
            writer.WriteString("StreamLabel", streams[i].Definition.Label);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (first + count < streams.Count)
        {
            writer.WriteString("LastEvaluatedStreamArn", streams[first + count - 1].Arn);
        }

        writer.WriteEndObject();
    }

    private void DescribeStream(DescribeStreamRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.StreamArn, "streamArn");
        CheckStreamArn(request.StreamArn, "streamArn", errors);
        errors.Min(request.Limit, "limit", 1);
        CheckShardId(request.ExclusiveStartShardId, "exclusiveStartShardId", errors);
        if (request.ShardFilter is { } filter)
        {
            errors.Enum(filter.Type, "shardFilter.type", "CHILD_SHARDS");
            CheckShardId(filter.ShardId, "shardFilter.shardId", errors);
        }

        errors.ThrowIfAny();
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeStream", request.StreamArn!));
        var stream = RequireStream(request.StreamArn!);
        var definition = stream.Definition;
        IEnumerable<ShardDefinition> shards = stream.SnapshotShards();
        if (request.ShardFilter is { Type: "CHILD_SHARDS", ShardId: { } parent })
        {
            shards = shards.Where(s => s.ParentShardId == parent);
        }

        var list = shards.ToList();
        var first = 0;
        if (request.ExclusiveStartShardId is { } startShard)
        {
            var index = list.FindIndex(s => s.ShardId == startShard);
            first = index < 0 ? list.Count : index + 1;
        }

        var limit = Math.Min(request.Limit ?? 100, 100);
        var count = Math.Max(0, Math.Min(limit, list.Count - first));

        writer.WriteStartObject();
        writer.WriteStartObject("StreamDescription");
        writer.WriteString("StreamArn", stream.Arn);
        writer.WriteString("StreamLabel", definition.Label);
        writer.WriteString("StreamStatus", stream.Enabled ? "ENABLED" : "DISABLED");
        writer.WriteString("StreamViewType", definition.ViewType);
        writer.WriteNumber("CreationRequestDateTime", definition.CreatedAt);
        writer.WriteString("TableName", definition.TableName);
        writer.WriteStartArray("KeySchema");
        WriteKeyElement(writer, definition.PartitionKeyName, "HASH");
        if (definition.SortKeyName is not null)
        {
            WriteKeyElement(writer, definition.SortKeyName, "RANGE");
        }

        writer.WriteEndArray();
        writer.WriteStartArray("Shards");
        for (var i = first; i < first + count; i++)
        {
            var shard = list[i];
            writer.WriteStartObject();
            writer.WriteString("ShardId", shard.ShardId);
            writer.WriteStartObject("SequenceNumberRange");
            writer.WriteString("StartingSequenceNumber", StreamRuntime.FormatSequence(shard.Start));
            if (shard.End is { } end && end >= shard.Start)
            {
                writer.WriteString("EndingSequenceNumber", StreamRuntime.FormatSequence(end));
            }

            writer.WriteEndObject();
            if (shard.ParentShardId is not null)
            {
                writer.WriteString("ParentShardId", shard.ParentShardId);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (first + count < list.Count)
        {
            writer.WriteString("LastEvaluatedShardId", list[first + count - 1].ShardId);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void GetShardIterator(GetShardIteratorRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.StreamArn, "streamArn");
        errors.NotNull(request.ShardId, "shardId");
        errors.NotNull(request.ShardIteratorType, "shardIteratorType");
        CheckStreamArn(request.StreamArn, "streamArn", errors);
        CheckShardId(request.ShardId, "shardId", errors);
        errors.Enum(request.ShardIteratorType, "shardIteratorType", "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER");
        errors.MinLength(request.SequenceNumber, "sequenceNumber", 21);
        errors.MaxLength(request.SequenceNumber, "sequenceNumber", 40);
        errors.ThrowIfAny();

        var type = request.ShardIteratorType!;
        var bySequence = type is "AT_SEQUENCE_NUMBER" or "AFTER_SEQUENCE_NUMBER";
        if (bySequence && request.SequenceNumber is null)
        {
            throw DynamoDbErrors.Validation("SequenceNumber is required when ShardIteratorType is AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER");
        }

        if (!bySequence && request.SequenceNumber is not null)
        {
            throw DynamoDbErrors.Validation("SequenceNumber may only be given when ShardIteratorType is AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER");
        }

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetShardIterator", request.StreamArn!));
        var stream = RequireStream(request.StreamArn!);
        var shard = RequireShard(stream, request.ShardId!);
        long position;
        switch (type)
        {
            case "TRIM_HORIZON":
                position = Math.Max(shard.Start, stream.TrimHorizon);
                break;
            case "LATEST":
                position = shard.End is { } end ? end + 1 : Math.Max(shard.Start, stream.VisibleLimit);
                break;
            default:
                if (!StreamRuntime.TryParseSequence(request.SequenceNumber, out var sequence)
                    || sequence < shard.Start || (shard.End is { } last && sequence > last))
                {
                    throw DynamoDbErrors.Validation($"Invalid SequenceNumber {request.SequenceNumber} for shard {shard.ShardId} in stream {stream.Arn}");
                }

                if (sequence < stream.TrimHorizon)
                {
                    throw TrimmedDataAccess();
                }

                position = type == "AT_SEQUENCE_NUMBER" ? sequence : sequence + 1;
                break;
        }

        var iterator = new ShardIterator(stream.Arn, shard.ShardId, position, engine.Time.GetUtcNow().ToUnixTimeMilliseconds());
        writer.WriteStartObject();
        writer.WriteString("ShardIterator", iterator.Encode(engine.Streams.IteratorKey));
        writer.WriteEndObject();
    }

    private void GetRecords(GetRecordsRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.ShardIterator, "shardIterator");
        errors.MinLength(request.ShardIterator, "shardIterator", 1);
        errors.MaxLength(request.ShardIterator, "shardIterator", 2048);
        errors.Min(request.Limit, "limit", 1);
        errors.Max(request.Limit, "limit", MaxRecordsPerRead);
        errors.ThrowIfAny();
        if (!ShardIterator.TryDecode(request.ShardIterator!, engine.Streams.IteratorKey, out var iterator))
        {
            throw DynamoDbErrors.Validation("Invalid ShardIterator");
        }

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetRecords", iterator.StreamArn));
        var nowMs = engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs - iterator.IssuedAtMs > (long)ShardIterator.Lifetime.TotalMilliseconds)
        {
            throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ExpiredIteratorException",
                $"Iterator expired. The iterator was created at time {FormatTime(iterator.IssuedAtMs)} while right now it is {FormatTime(nowMs)} which is further in the future than the tolerated delay of {(long)ShardIterator.Lifetime.TotalMilliseconds} milliseconds.");
        }

        var stream = RequireStream(iterator.StreamArn);
        var shard = RequireShard(stream, iterator.ShardId);
        if (iterator.Position < stream.TrimHorizon)
        {
            throw TrimmedDataAccess();
        }

        // Everything below the visible limit has committed or never will, so the next read can
        // start at the limit without skipping a record that commits later.
        var upper = stream.VisibleLimit;
        if (shard.End is { } end)
        {
            upper = Math.Min(upper, end + 1);
        }

        var records = engine.Streams.Read(stream, iterator.Position, upper, request.Limit ?? MaxRecordsPerRead, MaxBytesPerRead, out var truncated);
        var next = truncated ? records[^1].SequenceNumber + 1 : Math.Max(iterator.Position, upper);

        writer.WriteStartObject();
        writer.WriteStartArray("Records");
        foreach (var record in records)
        {
            WriteRecord(writer, stream, record, caller.Region);
        }

        writer.WriteEndArray();
        if (shard.End is not { } closedAt || next <= closedAt)
        {
            var following = iterator with { Position = next, IssuedAtMs = nowMs };
            writer.WriteString("NextShardIterator", following.Encode(engine.Streams.IteratorKey));
        }

        writer.WriteEndObject();
    }

    private static void WriteRecord(Utf8JsonWriter writer, StreamRuntime stream, StreamRecord record, string region)
    {
        var definition = stream.Definition;
        writer.WriteStartObject();
        writer.WriteString("eventID", EventId(stream, record.SequenceNumber));
        writer.WriteString("eventName", record.EventName switch
        {
            StreamEventName.Insert => "INSERT",
            StreamEventName.Modify => "MODIFY",
            _ => "REMOVE",
        });
        writer.WriteString("eventVersion", "1.1");
        writer.WriteString("eventSource", "aws:dynamodb");
        writer.WriteString("awsRegion", region);
        writer.WriteStartObject("dynamodb");
        // DynamoDB reports the creation time in epoch seconds, rounded down.
        writer.WriteNumber("ApproximateCreationDateTime", record.CreatedAtMs / 1000);
        writer.WritePropertyName("Keys");
        AttributeValueJson.WriteItem(writer, record.Keys);
        var size = ItemSize.Of(record.Keys);
        if (record.NewImage is not null)
        {
            writer.WritePropertyName("NewImage");
            AttributeValueJson.WriteItem(writer, record.NewImage);
            size += ItemSize.Of(record.NewImage);
        }

        if (record.OldImage is not null)
        {
            writer.WritePropertyName("OldImage");
            AttributeValueJson.WriteItem(writer, record.OldImage);
            size += ItemSize.Of(record.OldImage);
        }

        writer.WriteString("SequenceNumber", StreamRuntime.FormatSequence(record.SequenceNumber));
        writer.WriteNumber("SizeBytes", Math.Max(1, size));
        writer.WriteString("StreamViewType", definition.ViewType);
        writer.WriteEndObject();
        if (record.ByTimeToLive)
        {
            writer.WriteStartObject("userIdentity");
            writer.WriteString("PrincipalId", "dynamodb.amazonaws.com");
            writer.WriteString("Type", "Service");
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>A stable 32-hex-digit id per record (the same on every read).</summary>
    private static string EventId(StreamRuntime stream, long sequence)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(stream.Arn + "#" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private StreamRuntime RequireStream(string arn) =>
        engine.Streams.Find(arn)
        ?? throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ResourceNotFoundException",
            $"Requested resource not found: Stream: {arn} not found");

    private static ShardDefinition RequireShard(StreamRuntime stream, string shardId) =>
        stream.SnapshotShards().FirstOrDefault(s => s.ShardId == shardId)
        ?? throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ResourceNotFoundException",
            $"Requested resource not found: Shard does not exist: {shardId} in stream {stream.Arn}");

    private static AwsServiceException TrimmedDataAccess() =>
        new(DynamoDbErrors.DynamoDbNamespace, "TrimmedDataAccessException",
            "The operation attempted to read past the oldest stream record in a shard.");

    private static void CheckStreamArn(string? arn, string path, ConstraintErrors errors)
    {
        errors.MinLength(arn, path, 37);
        errors.MaxLength(arn, path, 1024);
    }

    private static void CheckShardId(string? shardId, string path, ConstraintErrors errors)
    {
        errors.MinLength(shardId, path, 28);
        errors.MaxLength(shardId, path, 65);
    }

    private static string FormatTime(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteKeyElement(Utf8JsonWriter writer, string name, string keyType)
    {
        writer.WriteStartObject();
        writer.WriteString("AttributeName", name);
        writer.WriteString("KeyType", keyType);
        writer.WriteEndObject();
    }
}
