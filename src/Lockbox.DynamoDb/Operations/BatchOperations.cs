using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>BatchGetItem and BatchWriteItem, authorized per table.</summary>
internal sealed class BatchOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer, ThroughputLimiter limiter,
    ItemCollections collections)
{
    public const int MaxGetKeys = 100;
    public const int MaxWriteRequests = 25;
    /// <summary>BatchGetItem returns at most 16 MB; keys beyond that come back as UnprocessedKeys.</summary>
    public const int MaxGetResponseBytes = 16 * 1024 * 1024;

    public void BatchGetItem(BatchGetItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.NotNull(request.RequestItems, "requestItems");
        errors.MinCount(request.RequestItems, "requestItems", 1, "{}");
        errors.MaxCount(request.RequestItems, "requestItems", 100, "{...}");
        errors.TableNameMapKeys(request.RequestItems, "requestItems");
        if (request.RequestItems is { } constrained)
        {
            foreach (var (tableName, keys) in constrained)
            {
                if (keys is null)
                {
                    errors.NotNull(keys, $"requestItems.{tableName}.member");
                    continue;
                }

                errors.NotNull(keys.Keys, $"requestItems.{tableName}.member.keys");
                errors.NoNullElements(keys.Keys, $"requestItems.{tableName}.member.keys");
                errors.NoNullElements(keys.AttributesToGet, $"requestItems.{tableName}.member.attributesToGet");
                errors.MinCount(keys.Keys, $"requestItems.{tableName}.member.keys", 1, "[]");
                errors.MaxCount(keys.Keys, $"requestItems.{tableName}.member.keys", MaxGetKeys, "[...]");
            }
        }

        errors.ThrowIfAny();

        var parsed = new List<(string TableName, KeysAndAttributesDto Request, ProjectionExpression? Projection)>();
        foreach (var (tableName, keys) in request.RequestItems!)
        {
            var context = ExpressionInputs.Check(
                [("AttributesToGet", keys.AttributesToGet is not null)],
                [("ProjectionExpression", keys.ProjectionExpression is not null)],
                keys.ExpressionAttributeNames, null, []);
            var projection = ExpressionInputs.Projection(keys.ProjectionExpression, context)
                ?? ExpressionInputs.AttributesToGet(keys.AttributesToGet);
            context.EnsureAllUsed();
            parsed.Add((tableName, keys, projection));
        }

        if (parsed.Sum(p => p.Request.Keys!.Count) > MaxGetKeys)
        {
            throw DynamoDbErrors.Validation("Too many items requested for the BatchGetItem call");
        }

        var plans = new List<(TableRuntime Table, KeysAndAttributesDto Request, ProjectionExpression? Projection)>();
        foreach (var (tableName, keysRequest, projection) in parsed)
        {
            var table = catalog.FindActive(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in keysRequest.Keys!)
            {
                KeyValidation.CheckKey(table.Definition, key);
                if (!seen.Add(Convert.ToBase64String(ItemStore.StorageKey(table, key))))
                {
                    throw DynamoDbErrors.Validation("Provided list of item keys contains duplicates");
                }
            }

            plans.Add((table, keysRequest, projection));
        }

        foreach (var plan in plans)
        {
            var iamKeys = IamConditionKeys.For(caller);
            if (iamKeys is not null)
            {
                foreach (var itemKey in plan.Request.Keys!)
                {
                    iamKeys.Key(plan.Table.Definition, itemKey);
                }

                iamKeys.Attributes(plan.Projection?.TopLevelAttributes).Select(plan.Projection is null ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES")
                    .ReturnConsumedCapacity(request.ReturnConsumedCapacity);
            }

            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:BatchGetItem", plan.Table.Definition.Arn, iamKeys?.Build()));
        }

        long responseBytes = 0;
        writer.WriteStartObject();
        writer.WriteStartObject("Responses");
        var unprocessed = new List<(string TableName, KeysAndAttributesDto Request, List<Dictionary<string, AttributeValue>> Keys)>();
        var consumed = new List<CapacityUsage>();
        var processed = 0;
        TableRuntime? throttled = null;
        foreach (var (table, keysRequest, projection) in plans)
        {
            var tableName = table.Definition.TableName;
            var consistent = keysRequest.ConsistentRead ?? false;
            var minimum = ConsumedCapacity.ReadUnits(0, consistent);
            double units = 0;
            writer.WriteStartArray(tableName);
            List<Dictionary<string, AttributeValue>>? left = null;
            foreach (var key in keysRequest.Keys!)
            {
                if (responseBytes >= MaxGetResponseBytes)
                {
                    (left ??= []).Add(key);
                    continue;
                }

                // A provisioned table whose read capacity is spent leaves its remaining keys unprocessed.
                if (!limiter.TryTake(table, minimum, isRead: true))
                {
                    throttled ??= table;
                    (left ??= []).Add(key);
                    continue;
                }

                processed++;
                var item = store.Get(table, ItemStore.StorageKey(table, key));
                var size = item is null ? 0 : ItemSize.Of(item);
                var itemUnits = ConsumedCapacity.ReadUnits(size, consistent);
                limiter.Charge(table, itemUnits - minimum, isRead: true);
                units += itemUnits;
                if (item is not null)
                {
                    responseBytes += size;
                    AttributeValueJson.WriteItem(writer, projection is null ? item : projection.Apply(item));
                }
            }

            writer.WriteEndArray();
            consumed.Add(CapacityUsage.ForTable(tableName, units, isRead: true));
            if (left is not null)
            {
                unprocessed.Add((tableName, keysRequest, left));
            }
        }

        writer.WriteEndObject();
        if (processed == 0 && throttled is not null)
        {
            // DynamoDB throws only when throttling left nothing to return.
            throw DynamoDbErrors.ProvisionedThroughputExceeded(throttled.Definition.Arn, isRead: true);
        }

        writer.WriteStartObject("UnprocessedKeys");
        foreach (var (tableName, keysRequest, keys) in unprocessed)
        {
            writer.WriteStartObject(tableName);
            writer.WriteStartArray("Keys");
            foreach (var key in keys)
            {
                AttributeValueJson.WriteItem(writer, key);
            }

            writer.WriteEndArray();
            if (keysRequest.ProjectionExpression is not null)
            {
                writer.WriteString("ProjectionExpression", keysRequest.ProjectionExpression);
            }

            if (keysRequest.ExpressionAttributeNames is not null)
            {
                writer.WriteStartObject("ExpressionAttributeNames");
                foreach (var (placeholder, name) in keysRequest.ExpressionAttributeNames)
                {
                    writer.WriteString(placeholder, name);
                }

                writer.WriteEndObject();
            }

            if (keysRequest.AttributesToGet is not null)
            {
                writer.WriteStartArray("AttributesToGet");
                foreach (var name in keysRequest.AttributesToGet)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            if (keysRequest.ConsistentRead is { } consistentRead)
            {
                writer.WriteBoolean("ConsistentRead", consistentRead);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        ConsumedCapacity.WriteArrayProperty(writer, request.ReturnConsumedCapacity, consumed);
        writer.WriteEndObject();
    }

    public void BatchWriteItem(BatchWriteItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Enum(request.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.NotNull(request.RequestItems, "requestItems");
        errors.MinCount(request.RequestItems, "requestItems", 1, "{}");
        errors.TableNameMapKeys(request.RequestItems, "requestItems");
        errors.MapValueCounts(request.RequestItems, "requestItems", 1, MaxWriteRequests);
        if (request.RequestItems is { } constrained)
        {
            foreach (var (tableName, writes) in constrained)
            {
                errors.NotNull(writes, $"requestItems.{tableName}.member");
                errors.NoNullElements(writes, $"requestItems.{tableName}.member");
                for (var i = 0; i < (writes?.Count ?? 0); i++)
                {
                    if (writes![i] is null)
                    {
                        continue;
                    }

                    if (writes[i].DeleteRequest is { Key: null })
                    {
                        errors.NotNull(null, $"requestItems.{tableName}.member.{i + 1}.member.deleteRequest.key");
                    }

                    if (writes[i].PutRequest is { Item: null })
                    {
                        errors.NotNull(null, $"requestItems.{tableName}.member.{i + 1}.member.putRequest.item");
                    }
                }
            }
        }

        errors.ThrowIfAny();

        // Each put's item size, computed once (in request order) for the limit and the capacity estimate.
        var writeCount = request.RequestItems!.Values.Sum(w => w.Count);
        var itemSizes = new Queue<int>(writeCount);
        foreach (var writes in request.RequestItems!.Values)
        {
            foreach (var write in writes)
            {
                if ((write.PutRequest is null) == (write.DeleteRequest is null))
                {
                    throw DynamoDbErrors.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
                }

                var size = write.PutRequest is { Item: { } item } ? item.Size : 0;
                if (size > ItemOperations.MaxItemBytes)
                {
                    throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
                }

                itemSizes.Enqueue(size);
            }
        }

        if (writeCount > MaxWriteRequests)
        {
            throw DynamoDbErrors.Validation("Too many items requested for the BatchWriteItem call");
        }

        var plans = new List<(TableRuntime Table, List<(WriteRequestDto Request, byte[] StorageKey)> Writes)>();
        foreach (var (tableName, writes) in request.RequestItems)
        {
            var table = catalog.FindActive(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();
            var seen = new HashSet<byte[]>(writes.Count, ByteArrayComparer.Instance);
            var planned = new List<(WriteRequestDto, byte[])>(writes.Count);
            foreach (var write in writes)
            {
                byte[] storageKey;
                if (write.PutRequest is { } put)
                {
                    // Only the key attributes are decoded (the item stays in its encoding).
                    var keyAttributes = put.Item!.Attributes(table.Definition.PartitionKeyName, table.Definition.SortKeyName);
                    KeyValidation.CheckItemKey(table.Definition, keyAttributes);
                    storageKey = ItemStore.StorageKey(table, keyAttributes);
                }
                else
                {
                    KeyValidation.CheckKey(table.Definition, write.DeleteRequest!.Key!);
                    storageKey = ItemStore.StorageKey(table, write.DeleteRequest.Key!);
                }

                if (!seen.Add(storageKey))
                {
                    throw DynamoDbErrors.Validation("Provided list of item keys contains duplicates");
                }

                planned.Add((write, storageKey));
            }

            plans.Add((table, planned));
        }

        foreach (var (table, planned) in plans)
        {
            var iamKeys = IamConditionKeys.For(caller);
            if (iamKeys is not null)
            {
                foreach (var (write, _) in planned)
                {
                    if (write.PutRequest is { } put)
                    {
                        iamKeys.Key(table.Definition, put.Item!.Item).Attributes(put.Item.Item.Keys);
                    }
                    else
                    {
                        iamKeys.Key(table.Definition, write.DeleteRequest!.Key!);
                    }
                }

                iamKeys.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
            }

            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:BatchWriteItem", table.Definition.Arn, iamKeys?.Build()));
        }

        // Admission: each write takes its estimated units (the new item's size) from its table's
        // bucket; once a provisioned table's write capacity is spent, its remaining writes come
        // back as UnprocessedItems. The estimate is corrected after the write (old item's size).
        var admitted = new List<ItemWrite>(writeCount);
        var estimates = new List<double>(writeCount);
        var unprocessed = new List<(string TableName, List<WriteRequestDto> Writes)>();
        TableRuntime? throttled = null;
        foreach (var (table, writes) in plans)
        {
            List<WriteRequestDto>? left = null;
            foreach (var (write, storageKey) in writes)
            {
                var item = write.PutRequest?.Item;
                var size = itemSizes.Dequeue();
                var estimate = ConsumedCapacity.WriteUnits(size);
                if (!limiter.TryTake(table, estimate, isRead: false))
                {
                    throttled ??= table;
                    (left ??= []).Add(write);
                    continue;
                }

                admitted.Add(item is null
                    ? new ItemWrite(table, storageKey, _ => null) { Blind = true }
                    : ItemWrite.BlindPut(table, storageKey, item));
                estimates.Add(estimate);
            }

            if (left is not null)
            {
                unprocessed.Add((table.Definition.TableName, left));
            }
        }

        if (admitted.Count == 0 && throttled is not null)
        {
            // DynamoDB throws only when throttling left nothing that could be done.
            throw DynamoDbErrors.ProvisionedThroughputExceeded(throttled.Definition.Arn, isRead: false);
        }

        IReadOnlyList<WriteOutcome> outcomes;
        try
        {
            outcomes = store.WriteAtomically(admitted);
        }
        catch
        {
            for (var i = 0; i < admitted.Count; i++)
            {
                limiter.Charge(admitted[i].Table, -estimates[i], isRead: false);
            }

            throw;
        }

        var usages = new Dictionary<TableRuntime, CapacityUsage>();
        foreach (var (table, _) in plans)
        {
            usages[table] = new CapacityUsage(table.Definition.TableName, isRead: false);
        }

        for (var i = 0; i < admitted.Count; i++)
        {
            var units = ConsumedCapacity.WriteUnits(outcomes[i].OldSize, outcomes[i].NewSize);
            var table = admitted[i].Table;
            usages[table].TableUnits += units;
            limiter.Charge(table, units - estimates[i], isRead: false);
        }

        writer.WriteStartObject();
        writer.WriteStartObject("UnprocessedItems");
        foreach (var (tableName, writes) in unprocessed)
        {
            writer.WriteStartArray(tableName);
            foreach (var write in writes)
            {
                writer.WriteStartObject();
                if (write.PutRequest is { } put)
                {
                    writer.WriteStartObject("PutRequest");
                    writer.WritePropertyName("Item");
                    AttributeValueJson.WriteItem(writer, put.Item!.Item);
                }
                else
                {
                    writer.WriteStartObject("DeleteRequest");
                    writer.WritePropertyName("Key");
                    AttributeValueJson.WriteItem(writer, write.DeleteRequest!.Key!);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        ConsumedCapacity.WriteArrayProperty(writer, request.ReturnConsumedCapacity, plans.Select(p => usages[p.Table]));
        if (request.ReturnItemCollectionMetrics == "SIZE")
        {
            WriteCollectionMetrics(writer, request.RequestItems, plans.Select(p => p.Table).ToList());
        }

        writer.WriteEndObject();
    }
    /// <summary>ItemCollectionMetrics per table with local secondary indexes: one entry per collection written.</summary>
    private void WriteCollectionMetrics(Utf8JsonWriter writer, Dictionary<string, List<WriteRequestDto>> requestItems, List<TableRuntime> tables)
    {
        var withCollections = tables.Where(t => ItemCollections.Applies(t.Definition)).ToList();
        if (withCollections.Count == 0)
        {
            return;
        }

        writer.WriteStartObject("ItemCollectionMetrics");
        foreach (var table in withCollections)
        {
            var definition = table.Definition;
            writer.WriteStartArray(definition.TableName);
            var partitions = new HashSet<string>(StringComparer.Ordinal);
            foreach (var write in requestItems[definition.TableName])
            {
                var key = (write.PutRequest?.Item?.Item ?? write.DeleteRequest!.Key)!;
                if (partitions.Add(Convert.ToBase64String(ItemStore.PartitionPrefix(table, key[definition.PartitionKeyName]))))
                {
                    ItemOperations.WriteCollectionMetric(writer, collections, table, key);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

}
