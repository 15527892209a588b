using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>BatchGetItem and BatchWriteItem, authorized per table.</summary>
internal sealed class BatchOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer, ItemCollections collections)
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
            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:BatchGetItem", plan.Table.Definition.Arn));
        }

        long responseBytes = 0;
        writer.WriteStartObject();
        writer.WriteStartObject("Responses");
        var unprocessed = new List<(string TableName, KeysAndAttributesDto Request, List<Dictionary<string, AttributeValue>> Keys)>();
        var consumed = new List<(string TableName, double Units)>();
        foreach (var (table, keysRequest, projection) in plans)
        {
            var tableName = table.Definition.TableName;
            var consistent = keysRequest.ConsistentRead ?? false;
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

                var item = store.Get(table, ItemStore.StorageKey(table, key));
                var size = item is null ? 0 : ItemSize.Of(item);
                units += ConsumedCapacity.ReadUnits(size, consistent);
                if (item is not null)
                {
                    responseBytes += size;
                    AttributeValueJson.WriteItem(writer, projection is null ? item : projection.Apply(item));
                }
            }

            writer.WriteEndArray();
            consumed.Add((tableName, units));
            if (left is not null)
            {
                unprocessed.Add((tableName, keysRequest, left));
            }
        }

        writer.WriteEndObject();
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
        WriteConsumed(writer, request.ReturnConsumedCapacity, consumed, isRead: true);
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
                    var path = $"requestItems.{tableName}.member.{i + 1}.member";
                    if (writes![i] is null)
                    {
                        continue;
                    }

                    if (writes[i].DeleteRequest is { Key: null })
                    {
                        errors.NotNull(null, path + ".deleteRequest.key");
                    }

                    if (writes[i].PutRequest is { Item: null })
                    {
                        errors.NotNull(null, path + ".putRequest.item");
                    }
                }
            }
        }

        errors.ThrowIfAny();

        foreach (var writes in request.RequestItems!.Values)
        {
            foreach (var write in writes)
            {
                if ((write.PutRequest is null) == (write.DeleteRequest is null))
                {
                    throw DynamoDbErrors.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
                }

                if (write.PutRequest is { Item: { } item } && ItemSize.Of(item) > ItemOperations.MaxItemBytes)
                {
                    throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
                }
            }
        }

        if (request.RequestItems.Values.Sum(w => w.Count) > MaxWriteRequests)
        {
            throw DynamoDbErrors.Validation("Too many items requested for the BatchWriteItem call");
        }

        var pending = new List<PendingWrite>();
        var tables = new List<(TableRuntime Table, double Units)>();
        foreach (var (tableName, writes) in request.RequestItems)
        {
            var table = catalog.FindActive(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            double units = 0;
            foreach (var write in writes)
            {
                byte[] storageKey;
                if (write.PutRequest is { } put)
                {
                    KeyValidation.CheckItemKey(table.Definition, put.Item!);
                    storageKey = ItemStore.StorageKey(table, put.Item!);
                    units += ConsumedCapacity.WriteUnits(ItemSize.Of(put.Item!));
                    pending.Add(new PendingWrite(table, storageKey, put.Item));
                }
                else
                {
                    KeyValidation.CheckKey(table.Definition, write.DeleteRequest!.Key!);
                    storageKey = ItemStore.StorageKey(table, write.DeleteRequest.Key!);
                    units += ConsumedCapacity.WriteUnits(0);
                    pending.Add(new PendingWrite(table, storageKey, null));
                }

                if (!seen.Add(Convert.ToBase64String(storageKey)))
                {
                    throw DynamoDbErrors.Validation("Provided list of item keys contains duplicates");
                }
            }

            tables.Add((table, units));
        }

        foreach (var (table, _) in tables)
        {
            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:BatchWriteItem", table.Definition.Arn));
        }

        store.WriteMany(pending);

        writer.WriteStartObject();
        writer.WriteStartObject("UnprocessedItems");
        writer.WriteEndObject();
        WriteConsumed(writer, request.ReturnConsumedCapacity, tables.Select(t => (t.Table.Definition.TableName, t.Units)).ToList(), isRead: false);
        if (request.ReturnItemCollectionMetrics == "SIZE")
        {
            WriteCollectionMetrics(writer, request.RequestItems, tables.Select(t => t.Table).ToList());
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
                var key = (write.PutRequest?.Item ?? write.DeleteRequest!.Key)!;
                if (partitions.Add(Convert.ToBase64String(ItemStore.PartitionPrefix(table, key[definition.PartitionKeyName]))))
                {
                    ItemOperations.WriteCollectionMetric(writer, collections, table, key);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteConsumed(Utf8JsonWriter writer, string? mode, List<(string TableName, double Units)> consumed, bool isRead)
    {
        if (!ConsumedCapacity.IsRequested(mode))
        {
            return;
        }

        writer.WriteStartArray("ConsumedCapacity");
        foreach (var (tableName, units) in consumed)
        {
            ConsumedCapacity.WriteValue(writer, mode!, tableName, units, isRead);
        }

        writer.WriteEndArray();
    }
}
