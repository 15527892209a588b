using System.Buffers.Binary;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Operations;

/// <summary>Query and Scan: key-range reads with filters, projections, Limit and 1 MB pages.</summary>
internal sealed class ReadOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer, ThroughputLimiter limiter)
{
    /// <summary>DynamoDB stops a page once the items read add up to 1 MB.</summary>
    public const int MaxPageBytes = 1024 * 1024;

    private static readonly string[] SelectSet = ["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"];

    public void Query(QueryRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = ReadConstraints(request.TableName, request.IndexName, request.Select, request.ReturnConsumedCapacity,
            request.Limit, request.ConditionalOperator, request.AttributesToGet);
        errors.LegacyConditions(request.KeyConditions, "keyConditions");
        errors.LegacyConditions(request.QueryFilter, "queryFilter");
        errors.ThrowIfAny();

        var context = ExpressionInputs.Check(
            [("AttributesToGet", request.AttributesToGet is not null), ("QueryFilter", request.QueryFilter is not null),
             ("ConditionalOperator", request.ConditionalOperator is not null), ("KeyConditions", request.KeyConditions is not null)],
            [("ProjectionExpression", request.ProjectionExpression is not null), ("FilterExpression", request.FilterExpression is not null),
             ("KeyConditionExpression", request.KeyConditionExpression is not null)],
            request.ExpressionAttributeNames, request.ExpressionAttributeValues,
            [("FilterExpression", request.FilterExpression is not null), ("KeyConditionExpression", request.KeyConditionExpression is not null)]);
        var keyExpression = request.KeyConditionExpression is null ? null : ExpressionParser.ParseKeyCondition(request.KeyConditionExpression, context);
        var filter = ExpressionInputs.Condition(request.FilterExpression, context, "FilterExpression")
            ?? Legacy.Filter(request.QueryFilter, request.ConditionalOperator);
        var projection = ExpressionInputs.Projection(request.ProjectionExpression, context)
            ?? ExpressionInputs.AttributesToGet(request.AttributesToGet);
        context.EnsureAllUsed();

        if (request.KeyConditions is not null)
        {
            LegacyConditions.ValidateKeyConditions(request.KeyConditions);
        }

        var table = FindTable(request.TableName!, caller);
        var target = ReadTarget.Resolve(table, request.IndexName, store, catalog);
        var select = ResolveSelect(request.Select, request.AttributesToGet is not null, request.ProjectionExpression is not null, target);
        CheckConsistentRead(target, request.ConsistentRead);
        if (keyExpression is null && request.KeyConditions is null)
        {
            throw DynamoDbErrors.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
        }

        var keyCondition = keyExpression is not null
            ? keyExpression.Bind(target.PartitionKeyName, target.SortKeyName, target.PartitionKeyType, target.SortKeyType)
            : LegacyConditions.FromKeyConditions(request.KeyConditions!, target.PartitionKeyName, target.SortKeyName, target.PartitionKeyType, target.SortKeyType);

        if (filter is not null)
        {
            // Key attributes are matched by the key condition; DynamoDB refuses them in the filter.
            var keyInFilter = filter.TopLevelAttributes.FirstOrDefault(a => a == target.PartitionKeyName || a == target.SortKeyName);
            if (keyInFilter is not null)
            {
                var parameter = request.FilterExpression is not null ? "Filter Expression" : "QueryFilter";
                throw DynamoDbErrors.Validation($"{parameter} can only contain non-primary key attributes: Primary key attribute: {keyInFilter}");
            }
        }

        var startKey = request.ExclusiveStartKey is null ? null : target.StartKey(request.ExclusiveStartKey);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:Query", target.ResourceArn,
            IamConditionKeys.For(caller)?.PartitionValue(keyCondition.PartitionValue).Attributes(projection?.TopLevelAttributes)
                .Select(select).ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));
        AdmitRead(target);

        var partitionPrefix = target.PartitionPrefix(keyCondition.PartitionValue);
        var range = SortKeyRange(partitionPrefix, keyCondition.SortKey);
        var forward = request.ScanIndexForward ?? true;
        if (startKey is not null)
        {
            if (!startKey.AsSpan().StartsWith(partitionPrefix))
            {
                throw DynamoDbErrors.Validation("The provided starting key is invalid: The provided key element does not match the schema");
            }

            range = forward ? range with { Start = After(startKey) } : range with { End = startKey };
        }

        var beginsWith = keyCondition.SortKey?.Operator == SortKeyOperator.BeginsWith ? keyCondition : null;
        if (ReadsWholeItems(target, filter, projection) && beginsWith is null)
        {
            var encodedPage = WriteEncodedPage(writer, target, range, reverse: !forward, request.Limit, writeItems: select != "COUNT");
            WritePageEnd(writer, target, encodedPage, request.ReturnConsumedCapacity, request.ConsistentRead ?? false);
            return;
        }

        var page = ReadPage(target, target.Scan(range, reverse: !forward), request.Limit, filter, beginsWith);
        WritePage(writer, target, page, select, projection, request.ReturnConsumedCapacity, request.ConsistentRead ?? false);
    }

    public void Scan(ScanRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = ReadConstraints(request.TableName, request.IndexName, request.Select, request.ReturnConsumedCapacity,
            request.Limit, request.ConditionalOperator, request.AttributesToGet);
        errors.Min(request.Segment, "segment", 0);
        errors.Max(request.Segment, "segment", 999999);
        errors.Min(request.TotalSegments, "totalSegments", 1);
        errors.Max(request.TotalSegments, "totalSegments", 1000000);
        errors.LegacyConditions(request.ScanFilter, "scanFilter");
        errors.ThrowIfAny();

        var context = ExpressionInputs.Check(
            [("AttributesToGet", request.AttributesToGet is not null), ("ScanFilter", request.ScanFilter is not null),
             ("ConditionalOperator", request.ConditionalOperator is not null)],
            [("ProjectionExpression", request.ProjectionExpression is not null), ("FilterExpression", request.FilterExpression is not null)],
            request.ExpressionAttributeNames, request.ExpressionAttributeValues,
            [("FilterExpression", request.FilterExpression is not null)]);
        var filter = ExpressionInputs.Condition(request.FilterExpression, context, "FilterExpression")
            ?? Legacy.Filter(request.ScanFilter, request.ConditionalOperator);
        var projection = ExpressionInputs.Projection(request.ProjectionExpression, context)
            ?? ExpressionInputs.AttributesToGet(request.AttributesToGet);
        context.EnsureAllUsed();

        if (request.Segment is not null && request.TotalSegments is null)
        {
            throw DynamoDbErrors.Validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
        }

        if (request.TotalSegments is not null && request.Segment is null)
        {
            throw DynamoDbErrors.Validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
        }

        if (request.Segment >= request.TotalSegments)
        {
            throw DynamoDbErrors.Validation($"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {request.Segment} is not less than TotalSegments: {request.TotalSegments}");
        }

        var table = FindTable(request.TableName!, caller);
        var target = ReadTarget.Resolve(table, request.IndexName, store, catalog);
        var select = ResolveSelect(request.Select, request.AttributesToGet is not null, request.ProjectionExpression is not null, target);
        CheckConsistentRead(target, request.ConsistentRead);
        var startKey = request.ExclusiveStartKey is null ? null : target.StartKey(request.ExclusiveStartKey);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:Scan", target.ResourceArn,
            IamConditionKeys.For(caller)?.Attributes(projection?.TopLevelAttributes)
                .Select(select).ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));
        AdmitRead(target);

        var range = SegmentRange(target.StoragePrefix, request.Segment ?? 0, request.TotalSegments ?? 1);
        if (startKey is not null)
        {
            var inSegment = ByteCompare(startKey, range.Start) >= 0 && (range.End is null || ByteCompare(startKey, range.End) < 0);
            if (!inSegment)
            {
                throw DynamoDbErrors.Validation(
                    $"The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {request.TotalSegments} Segment: {request.Segment}");
            }

            range = range with { Start = After(startKey) };
        }

        if (ReadsWholeItems(target, filter, projection))
        {
            var encodedPage = WriteEncodedPage(writer, target, range, reverse: false, request.Limit, writeItems: select != "COUNT");
            WritePageEnd(writer, target, encodedPage, request.ReturnConsumedCapacity, request.ConsistentRead ?? false);
            return;
        }

        var page = ReadPage(target, target.Scan(range, reverse: false), request.Limit, filter, null);
        WritePage(writer, target, page, select, projection, request.ReturnConsumedCapacity, request.ConsistentRead ?? false);
    }

    /// <summary>The constraint checks Query and Scan share; the caller adds its own and throws.</summary>
    private static ConstraintErrors ReadConstraints(string? tableName, string? indexName, string? select,
        string? returnConsumedCapacity, int? limit, string? conditionalOperator, List<string>? attributesToGet)
    {
        var errors = new ConstraintErrors();
        errors.TableName(tableName);
        CheckIndexName(indexName, errors);
        errors.Enum(select, "select", SelectSet);
        errors.ReturnConsumedCapacity(returnConsumedCapacity);
        errors.Min(limit, "limit", 1);
        errors.Enum(conditionalOperator, "conditionalOperator", "AND", "OR");
        errors.NoNullElements(attributesToGet, "attributesToGet");
        return errors;
    }

    private static ReadResult ReadPage(ReadTarget target, IEnumerable<StoredItem> source, int? limit,
        ConditionExpression? filter, KeyCondition? beginsWith)
    {
        var result = new ReadResult();
        var matchedPrefix = false;
        foreach (var stored in source)
        {
            var item = target.AsStored(stored.Item);
            if (beginsWith is not null)
            {
                // Items whose sort key begins with the prefix are contiguous in key order: skip
                // up to the first one, stop after the last one.
                if (!SortKeyBeginsWith(target.SortKeyName!, item, beginsWith.SortKey!))
                {
                    if (matchedPrefix)
                    {
                        break;
                    }

                    continue;
                }

                matchedPrefix = true;
            }

            result.ScannedCount++;
            result.ScannedBytes += ItemSize.Of(item);
            if (filter is null || filter.Evaluate(item))
            {
                result.Items.Add(item);
            }

            if (result.ScannedCount == limit || result.ScannedBytes >= MaxPageBytes)
            {
                result.LastKey = target.LastKeyOf(item);
                break;
            }
        }

        // A page that ended exactly at the last item still reports LastEvaluatedKey, as DynamoDB
        // does when Limit is reached; the client's next call then returns an empty page.
        return result;
    }

    /// <summary>
    /// Whether a page is the table's items as stored (no index, filter or projection), so it can be
    /// read and written from the items' encodings without decoding them (<see cref="WriteEncodedPage"/>).
    /// </summary>
    private static bool ReadsWholeItems(ReadTarget target, ConditionExpression? filter, ProjectionExpression? projection) =>
        target.Index is null && filter is null && projection is null;

    /// <summary>
    /// <see cref="ReadPage"/> and the first half of <see cref="WritePage"/> for a page of whole table
    /// items: opens the answer and, unless <paramref name="writeItems"/> is false (Select COUNT),
    /// writes each item's JSON straight from its encoding as it is read, taking its size from that
    /// same pass; only the last item (for LastEvaluatedKey) is decoded. The caller finishes the
    /// answer with <see cref="WritePageEnd"/>. (A failure midway leaves a partial answer in the
    /// writer; the pipeline discards the output of a failed request.)
    /// </summary>
    private ReadResult WriteEncodedPage(Utf8JsonWriter writer, ReadTarget target, KeyRange range, bool reverse, int? limit, bool writeItems)
    {
        var result = new ReadResult();
        writer.WriteStartObject();
        if (writeItems)
        {
            writer.WriteStartArray("Items");
        }

        foreach (var stored in store.ScanEncoded(target.Table, range, reverse))
        {
            result.ScannedCount++;
            result.EncodedCount++;
            result.ScannedBytes += writeItems ? ItemCodec.WriteJson(stored.Encoded, writer) : ItemCodec.SizeOf(stored.Encoded);
            if (result.ScannedCount == limit || result.ScannedBytes >= MaxPageBytes)
            {
                result.LastKey = target.LastKeyOf(ItemCodec.Decode(stored.Encoded));
                break;
            }
        }

        if (writeItems)
        {
            writer.WriteEndArray();
        }

        return result;
    }

    private void WritePage(Utf8JsonWriter writer, ReadTarget target, ReadResult page, string select,
        ProjectionExpression? projection, string? returnConsumedCapacity, bool consistent)
    {
        writer.WriteStartObject();
        if (select != "COUNT")
        {
            // A local index fetches unprojected attributes from the table when asked for them
            // (ALL_ATTRIBUTES or a ProjectionExpression); ALL_PROJECTED_ATTRIBUTES returns the
            // index's projection only. A global index item already holds just its projection.
            var projectToIndex = select == "ALL_PROJECTED_ATTRIBUTES" && target.Projected is not null;
            writer.WriteStartArray("Items");
            foreach (var item in page.Items)
            {
                var shown = projection is not null ? projection.Apply(item)
                    : projectToIndex ? ReadTarget.Project(item, target.Projected!) : item;
                AttributeValueJson.WriteItem(writer, shown);
            }

            writer.WriteEndArray();
        }

        WritePageEnd(writer, target, page, returnConsumedCapacity, consistent);
    }

    /// <summary>The answer after its Items: counts, LastEvaluatedKey, the capacity charged (and reported if asked).</summary>
    private void WritePageEnd(Utf8JsonWriter writer, ReadTarget target, ReadResult page, string? returnConsumedCapacity, bool consistent)
    {
        var table = target.Table;

        // Query and Scan round the summed size of every item read (filtered out or not) up to 4 KB once.
        var units = ConsumedCapacity.ReadUnits(page.ScannedBytes, consistent);
        writer.WriteNumber("Count", page.Items.Count + page.EncodedCount);
        writer.WriteNumber("ScannedCount", page.ScannedCount);
        if (page.LastKey is not null)
        {
            writer.WritePropertyName("LastEvaluatedKey");
            AttributeValueJson.WriteItem(writer, page.LastKey);
        }

        // A read of an index consumes the index's capacity, not the table's (a local index shares
        // the table's provisioned throughput, so the limiter charges the table for it).
        var usage = new CapacityUsage(table.Definition.TableName, isRead: true);
        switch (target.Index)
        {
            case null:
                usage.TableUnits = units;
                break;
            case { IsGlobal: true } global:
                usage.AddGlobalIndex(global.IndexName, units);
                break;
            case { } local:
                usage.AddLocalIndex(local.IndexName, units);
                break;
        }

        limiter.Charge(table, usage);
        if (ConsumedCapacity.IsRequested(returnConsumedCapacity))
        {
            ConsumedCapacity.WriteProperty(writer, returnConsumedCapacity, usage);
        }

        writer.WriteEndObject();
    }

    /// <summary>Select's rules: COUNT and ALL_ATTRIBUTES exclude a projection; SPECIFIC_ATTRIBUTES needs one.</summary>
    private static string ResolveSelect(string? select, bool hasAttributesToGet, bool hasProjectionExpression, ReadTarget target)
    {
        var projected = hasAttributesToGet || hasProjectionExpression;
        var parameter = hasAttributesToGet ? "AttributesToGet" : "ProjectionExpression";
        var index = target.Index;
        switch (select)
        {
            case null:
                return projected ? "SPECIFIC_ATTRIBUTES" : index is null ? "ALL_ATTRIBUTES" : "ALL_PROJECTED_ATTRIBUTES";
            case "ALL_ATTRIBUTES" when index is { IsGlobal: true } && index.ProjectionType != "ALL":
                throw DynamoDbErrors.InvalidParameter(
                    $"Select type ALL_ATTRIBUTES is not supported for global secondary index {index.IndexName} because its projection type is not ALL");
            case "ALL_ATTRIBUTES" when projected:
                throw DynamoDbErrors.Validation($"Cannot specify the {parameter} when choosing to get ALL_ATTRIBUTES");
            case "COUNT" when projected:
                throw DynamoDbErrors.Validation($"Cannot specify the {parameter} when choosing to get only the COUNT");
            case "SPECIFIC_ATTRIBUTES" when !projected:
                throw DynamoDbErrors.InvalidParameter("Select type SPECIFIC_ATTRIBUTES requires AttributesToGet or ProjectionExpression");
            case "ALL_PROJECTED_ATTRIBUTES" when index is null:
                throw DynamoDbErrors.InvalidParameter("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
            default:
                return select;
        }
    }

    private static void CheckIndexName(string? indexName, ConstraintErrors errors)
    {
        errors.Pattern(indexName, "indexName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(indexName, "indexName", 3);
        errors.MaxLength(indexName, "indexName", 255);
    }

    /// <summary>Throttles a read of a spent table (or, for a global index, of the index's own capacity).</summary>
    private void AdmitRead(ReadTarget target)
    {
        if (target.Index is { IsGlobal: true } index)
        {
            limiter.AdmitIndexRead(target.Table, index);
        }
        else
        {
            limiter.AdmitRead(target.Table);
        }
    }

    private static void CheckConsistentRead(ReadTarget target, bool? consistentRead)
    {
        if (consistentRead == true && target.Index is { IsGlobal: true })
        {
            throw DynamoDbErrors.Validation("Consistent reads are not supported on global secondary indexes");
        }
    }

    internal static KeyRange SortKeyRange(byte[] partitionPrefix, SortKeyCondition? sortKey)
    {
        var partitionEnd = KeyRange.PrefixSuccessor(partitionPrefix);
        if (sortKey is null)
        {
            return new KeyRange(partitionPrefix, partitionEnd);
        }

        // Encoded sort keys are prefix-free, so the keys at a sort key value are exactly those that
        // start with its bound (one table item; for an index, every entry of that value).
        var bound = Concat(partitionPrefix, KeyEncoding.Encode(sortKey.Value));
        var pastBound = KeyRange.PrefixSuccessor(bound) ?? partitionEnd;
        return sortKey.Operator switch
        {
            SortKeyOperator.Equal => new KeyRange(bound, pastBound),
            SortKeyOperator.LessThan => new KeyRange(partitionPrefix, bound),
            SortKeyOperator.LessOrEqual => new KeyRange(partitionPrefix, pastBound),
            SortKeyOperator.GreaterThan => new KeyRange(pastBound, partitionEnd),
            SortKeyOperator.GreaterOrEqual => new KeyRange(bound, partitionEnd),
            SortKeyOperator.Between => new KeyRange(bound,
                KeyRange.PrefixSuccessor(Concat(partitionPrefix, KeyEncoding.Encode(sortKey.Upper!))) ?? partitionEnd),
            // Every encoding of a value that begins with the prefix sorts at or after the prefix's own
            // encoding; the scan starts there and stops at the partition's end, and ReadPage keeps
            // only the matching items (a run of them, since they are contiguous in order).
            SortKeyOperator.BeginsWith => new KeyRange(Concat(partitionPrefix, EncodedPrefix(sortKey.Value)), partitionEnd),
            _ => throw new InvalidOperationException("unknown sort key operator"),
        };
    }

    /// <summary>
    /// The bytes every encoded S or B value that begins with <paramref name="prefix"/> starts with:
    /// the prefix's own encoding without its two-byte terminator (KeyEncoding escapes bytes in
    /// place, so escaping preserves prefixes).
    /// </summary>
    private static byte[] EncodedPrefix(AttributeValue prefix)
    {
        var encoded = KeyEncoding.Encode(prefix);
        return encoded[..^2];
    }

    private static bool SortKeyBeginsWith(string sortKeyName, Dictionary<string, AttributeValue> item, SortKeyCondition condition)
    {
        var value = item[sortKeyName];
        return value.Type switch
        {
            AttributeType.S => value.AsString().StartsWith(condition.Value.AsString(), StringComparison.Ordinal),
            AttributeType.B => value.AsBinary().AsSpan().StartsWith(condition.Value.AsBinary()),
            _ => false,
        };
    }

    /// <summary>The slice of the table's hash space that one parallel-scan segment covers.</summary>
    private static KeyRange SegmentRange(byte[] storagePrefix, int segment, int totalSegments)
    {
        var start = new byte[16];
        storagePrefix.CopyTo(start, 0);
        BinaryPrimitives.WriteUInt64BigEndian(start.AsSpan(8), HashBoundary(segment, totalSegments));
        byte[]? end;
        if (segment + 1 == totalSegments)
        {
            end = KeyRange.PrefixSuccessor(storagePrefix);
        }
        else
        {
            end = new byte[16];
            storagePrefix.CopyTo(end, 0);
            BinaryPrimitives.WriteUInt64BigEndian(end.AsSpan(8), HashBoundary(segment + 1, totalSegments));
        }

        return new KeyRange(start, end);
    }

    private static ulong HashBoundary(int segment, int totalSegments) =>
        (ulong)(new System.Numerics.BigInteger(segment) * (System.Numerics.BigInteger.One << 64) / totalSegments);

    /// <summary>The smallest key after <paramref name="key"/> (no stored key lies between them).</summary>
    private static byte[] After(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }

    private static byte[] Concat(byte[] first, byte[] second)
    {
        var result = new byte[first.Length + second.Length];
        first.CopyTo(result, 0);
        second.CopyTo(result, first.Length);
        return result;
    }

    private static int ByteCompare(byte[] left, byte[]? right) =>
        right is null ? 1 : left.AsSpan().SequenceCompareTo(right);

    private TableRuntime FindTable(string tableName, CallerContext caller) =>
        catalog.FindActive(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();

    private sealed class ReadResult
    {
        public List<Dictionary<string, AttributeValue>> Items { get; } = [];

        /// <summary>How many items <see cref="WriteEncodedPage"/> returned (written straight from their encodings; then <see cref="Items"/> is empty).</summary>
        public int EncodedCount { get; set; }
        public int ScannedCount { get; set; }
        public long ScannedBytes { get; set; }
        public Dictionary<string, AttributeValue>? LastKey { get; set; }
    }
}
