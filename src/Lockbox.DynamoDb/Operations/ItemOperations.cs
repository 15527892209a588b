using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>PutItem, GetItem, UpdateItem and DeleteItem.</summary>
internal sealed class ItemOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer, ThroughputLimiter limiter,
    ItemCollections collections)
{
    public const int MaxItemBytes = 400 * 1024;

    private static readonly string[] ReturnValuesSet = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];

    public void GetItem(GetItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.TableName(request.TableName);
        errors.NotNull(request.Key, "key");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.NoNullElements(request.AttributesToGet, "attributesToGet");
        errors.ThrowIfAny();

        var context = ExpressionInputs.Check(
            [("AttributesToGet", request.AttributesToGet is not null)],
            [("ProjectionExpression", request.ProjectionExpression is not null)],
            request.ExpressionAttributeNames, null, []);
        var projection = ExpressionInputs.Projection(request.ProjectionExpression, context)
            ?? ExpressionInputs.AttributesToGet(request.AttributesToGet);
        context.EnsureAllUsed();

        var table = FindTable(request.TableName!, caller);
        KeyValidation.CheckKey(table.Definition, request.Key!);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetItem", table.Definition.Arn,
            IamConditionKeys.For(caller)?.Key(table.Definition, request.Key!).Attributes(projection?.TopLevelAttributes)
                .Select(projection is null ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES").ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));
        limiter.AdmitRead(table);

        var storageKey = ItemStore.StorageKey(table, request.Key!);
        var consistent = request.ConsistentRead ?? false;
        double units;
        writer.WriteStartObject();
        if (projection is null)
        {
            // The whole item: its JSON is written straight from its encoding (no decode).
            var encoded = store.GetEncoded(table, storageKey);
            var size = 0;
            if (encoded is not null)
            {
                writer.WritePropertyName("Item");
                size = ItemCodec.WriteJson(encoded, writer);
            }

            units = ConsumedCapacity.ReadUnits(size, consistent);
        }
        else
        {
            var item = store.Get(table, storageKey);
            units = ConsumedCapacity.ReadUnits(item is null ? 0 : ItemSize.Of(item), consistent);
            if (item is not null)
            {
                writer.WritePropertyName("Item");
                AttributeValueJson.WriteItem(writer, projection.Apply(item));
            }
        }

        limiter.Charge(table, units, isRead: true);

        if (ConsumedCapacity.IsRequested(request.ReturnConsumedCapacity))
        {
            ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, CapacityUsage.ForTable(table.Definition.TableName, units, isRead: true));
        }

        writer.WriteEndObject();
    }

    public void PutItem(PutItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.Item, "item");
        errors.LegacyExpected(request.Expected);
        CheckWriteConstraints(errors, request.TableName, request.ReturnConsumedCapacity, request.ReturnItemCollectionMetrics,
            request.ReturnValues, request.ReturnValuesOnConditionCheckFailure);
        var condition = ParseCondition(request.ConditionExpression, request.Expected, request.ConditionalOperator,
            request.ExpressionAttributeNames, request.ExpressionAttributeValues, request.ReturnValues);

        var item = request.Item!;
        var size = item.Size;
        if (size > MaxItemBytes)
        {
            throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
        }

        var table = FindTable(request.TableName!, caller);
        // Only the key attributes are decoded; the item is stored from its encoding.
        var keyAttributes = item.Attributes(table.Definition.PartitionKeyName, table.Definition.SortKeyName);
        KeyValidation.CheckItemKey(table.Definition, keyAttributes);
        // The condition keys need every attribute: decoded only when there are keys to build.
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:PutItem", table.Definition.Arn,
            IamConditionKeys.For(caller)?.Key(table.Definition, item.Item).Attributes(item.Item.Keys)
                .ReturnValues(request.ReturnValues).ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));

        limiter.AdmitWrite(table);

        var outcome = ConditionalWrite(table, ItemStore.StorageKey(table, keyAttributes), condition,
            request.ReturnValuesOnConditionCheckFailure, _ => null, blind: condition is null, put: item);
        var units = ConsumedCapacity.WriteUnits(outcome.OldSize, size);
        WriteResponse(writer, table, outcome, request.ReturnValues == "ALL_OLD" ? outcome.Old : null, request.ReturnConsumedCapacity, units);
        WriteCollectionMetrics(writer, table, keyAttributes, request.ReturnItemCollectionMetrics);
        writer.WriteEndObject();
    }

    public void DeleteItem(DeleteItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.Key, "key");
        errors.LegacyExpected(request.Expected);
        CheckWriteConstraints(errors, request.TableName, request.ReturnConsumedCapacity, request.ReturnItemCollectionMetrics,
            request.ReturnValues, request.ReturnValuesOnConditionCheckFailure);
        var condition = ParseCondition(request.ConditionExpression, request.Expected, request.ConditionalOperator,
            request.ExpressionAttributeNames, request.ExpressionAttributeValues, request.ReturnValues);

        var table = FindTable(request.TableName!, caller);
        KeyValidation.CheckKey(table.Definition, request.Key!);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DeleteItem", table.Definition.Arn,
            IamConditionKeys.For(caller)?.Key(table.Definition, request.Key!)
                .ReturnValues(request.ReturnValues).ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));
        limiter.AdmitWrite(table);

        var outcome = ConditionalWrite(table, ItemStore.StorageKey(table, request.Key!), condition,
            request.ReturnValuesOnConditionCheckFailure, _ => null, blind: condition is null);
        var units = ConsumedCapacity.WriteUnits(outcome.OldSize);
        WriteResponse(writer, table, outcome, request.ReturnValues == "ALL_OLD" ? outcome.Old : null, request.ReturnConsumedCapacity, units);
        WriteCollectionMetrics(writer, table, request.Key!, request.ReturnItemCollectionMetrics);
        writer.WriteEndObject();
    }

    public void UpdateItem(UpdateItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.Key, "key");
        errors.LegacyExpected(request.Expected);
        errors.NoNullValues(request.AttributeUpdates, "attributeUpdates");
        CheckWriteConstraints(errors, request.TableName, request.ReturnConsumedCapacity, request.ReturnItemCollectionMetrics,
            request.ReturnValues, request.ReturnValuesOnConditionCheckFailure);

        var context = ExpressionInputs.Check(
            [("AttributeUpdates", request.AttributeUpdates is not null), ("Expected", request.Expected is not null)],
            [("UpdateExpression", request.UpdateExpression is not null), ("ConditionExpression", request.ConditionExpression is not null)],
            request.ExpressionAttributeNames, request.ExpressionAttributeValues,
            [("UpdateExpression", request.UpdateExpression is not null), ("ConditionExpression", request.ConditionExpression is not null)]);
        var update = request.UpdateExpression is null ? null : ExpressionParser.ParseUpdate(request.UpdateExpression, context);
        var condition = ExpressionInputs.Condition(request.ConditionExpression, context, "ConditionExpression")
            ?? Legacy.Expected(request.Expected, request.ConditionalOperator);
        context.EnsureAllUsed();
        update ??= request.AttributeUpdates is null ? null : Legacy.AttributeUpdates(request.AttributeUpdates);

        var table = FindTable(request.TableName!, caller);
        var definition = table.Definition;
        KeyValidation.CheckKey(definition, request.Key!);
        if (update is not null)
        {
            foreach (var name in update.TopLevelAttributes)
            {
                if (name == definition.PartitionKeyName || name == definition.SortKeyName)
                {
                    throw DynamoDbErrors.InvalidParameter($"Cannot update attribute {name}. This attribute is part of the key");
                }
            }
        }

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UpdateItem", definition.Arn,
            IamConditionKeys.For(caller)?.Key(definition, request.Key!).Attributes(update?.TopLevelAttributes)
                .ReturnValues(request.ReturnValues).ReturnConsumedCapacity(request.ReturnConsumedCapacity).Build()));
        limiter.AdmitWrite(table);

        var key = request.Key!;
        var outcome = ConditionalWrite(table, ItemStore.StorageKey(table, key), condition, request.ReturnValuesOnConditionCheckFailure, blind: false, produce: current =>
        {
            var updated = AttributeValue.CloneItem(current ?? key);
            update?.Apply(updated);
            if (ItemSize.Of(updated) > MaxItemBytes)
            {
                throw DynamoDbErrors.Validation("Item size to update has exceeded the maximum allowed size");
            }

            return updated;
        });

        var returned = request.ReturnValues switch
        {
            "ALL_OLD" => outcome.Old,
            "ALL_NEW" => outcome.New,
            "UPDATED_OLD" => outcome.Old is null || update is null ? null : update.ProjectUpdated(outcome.Old),
            "UPDATED_NEW" => outcome.New is null || update is null ? null : update.ProjectUpdated(outcome.New),
            _ => null,
        };
        WriteResponse(writer, table, outcome, returned, request.ReturnConsumedCapacity, ConsumedCapacity.WriteUnits(outcome.OldSize, outcome.NewSize));
        WriteCollectionMetrics(writer, table, key, request.ReturnItemCollectionMetrics);
        writer.WriteEndObject();
    }

    /// <summary>The constraint checks every single-item write shares, reported together as DynamoDB does.</summary>
    private static void CheckWriteConstraints(ConstraintErrors errors, string? tableName, string? returnConsumedCapacity,
        string? returnItemCollectionMetrics, string? returnValues, string? returnValuesOnConditionCheckFailure)
    {
        errors.TableName(tableName);
        errors.ReturnConsumedCapacity(returnConsumedCapacity);
        errors.Enum(returnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.Enum(returnValues, "returnValues", ReturnValuesSet);
        errors.Enum(returnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        errors.ThrowIfAny();
    }

    /// <summary>PutItem's and DeleteItem's condition: ConditionExpression or the legacy Expected map.</summary>
    private static ConditionExpression? ParseCondition(string? conditionExpression, Dictionary<string, ExpectedAttributeValue>? expected,
        string? conditionalOperator, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values, string? returnValues)
    {
        var context = ExpressionInputs.Check(
            [("Expected", expected is not null)],
            [("ConditionExpression", conditionExpression is not null)],
            names, values,
            [("ConditionExpression", conditionExpression is not null)]);
        var condition = ExpressionInputs.Condition(conditionExpression, context, "ConditionExpression")
            ?? Legacy.Expected(expected, conditionalOperator);
        context.EnsureAllUsed();
        if (returnValues is not (null or "NONE" or "ALL_OLD"))
        {
            throw DynamoDbErrors.Validation("ReturnValues can only be ALL_OLD or NONE");
        }

        return condition;
    }

    /// <summary>
    /// Writes what <paramref name="produce"/> makes of the current item, if <paramref name="condition"/>
    /// holds for it. The check runs under the item's lock, so it always sees the item the write
    /// replaces. A blind write without a condition does not decode the current item.
    /// </summary>
    /// <param name="blind">Whether <paramref name="produce"/> ignores the current item (a put or delete).</param>
    /// <param name="put">For PutItem: the item to store whatever the current one is (then <paramref name="produce"/>'s
    /// result is not used; see <see cref="ItemWrite.Put"/>).</param>
    private WriteOutcome ConditionalWrite(TableRuntime table, byte[] storageKey, ConditionExpression? condition,
        string? returnValuesOnConditionCheckFailure,
        Func<Dictionary<string, AttributeValue>?, Dictionary<string, AttributeValue>?> produce, bool blind, RequestItem? put = null)
    {
        var returnOldOnFailure = returnValuesOnConditionCheckFailure == "ALL_OLD";
        var failedUnits = 0.0;
        try
        {
            return store.Write(table, storageKey, current =>
            {
                if (condition is not null && !condition.Evaluate(current))
                {
                    // A failed condition still consumes write capacity (the item's size, at least one unit).
                    failedUnits = ConsumedCapacity.WriteUnits(current is null ? 0 : ItemSize.Of(current));
                    throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
                }

                return produce(current);
            }, blind, put);
        }
        finally
        {
            if (failedUnits > 0)
            {
                limiter.Charge(table, failedUnits, isRead: false);
            }
        }
    }

    /// <summary>
    /// Charges the write (the table's units and each index's, see <see cref="IndexCapacity"/>) and
    /// starts the response: Attributes and ConsumedCapacity. The caller adds metrics and ends it.
    /// </summary>
    private void WriteResponse(Utf8JsonWriter writer, TableRuntime table, WriteOutcome outcome,
        Dictionary<string, AttributeValue>? attributes, string? returnConsumedCapacity, double units)
    {
        var usage = CapacityUsage.ForTable(table.Definition.TableName, units, isRead: false);
        if (table.Definition.HasSecondaryIndexes)
        {
            IndexCapacity.AddWrites(usage, table.Definition, outcome.Old, outcome.New);
        }
        limiter.Charge(table, usage);
        writer.WriteStartObject();
        if (attributes is { Count: > 0 })
        {
            writer.WritePropertyName("Attributes");
            AttributeValueJson.WriteItem(writer, attributes);
        }

        if (ConsumedCapacity.IsRequested(returnConsumedCapacity))
        {
            ConsumedCapacity.WriteProperty(writer, returnConsumedCapacity, usage);
        }
    }

    /// <summary>ItemCollectionMetrics, for tables with local secondary indexes when ReturnItemCollectionMetrics=SIZE.</summary>
    private void WriteCollectionMetrics(Utf8JsonWriter writer, TableRuntime table, IReadOnlyDictionary<string, AttributeValue> key,
        string? returnItemCollectionMetrics)
    {
        if (returnItemCollectionMetrics != "SIZE" || !ItemCollections.Applies(table.Definition))
        {
            return;
        }

        writer.WritePropertyName("ItemCollectionMetrics");
        WriteCollectionMetric(writer, collections, table, key);
    }

    /// <summary>One ItemCollectionMetrics object: the collection's partition key and its size estimate.</summary>
    internal static void WriteCollectionMetric(Utf8JsonWriter writer, ItemCollections collections, TableRuntime table,
        IReadOnlyDictionary<string, AttributeValue> key)
    {
        var partitionKey = table.Definition.PartitionKeyName;
        var (lower, upper) = ItemCollections.EstimateRangeGb(collections.SizeOf(table, ItemStore.StorageKey(table, key)));
        writer.WriteStartObject();
        writer.WritePropertyName("ItemCollectionKey");
        AttributeValueJson.WriteItem(writer, new Dictionary<string, AttributeValue> { [partitionKey] = key[partitionKey] });
        writer.WriteStartArray("SizeEstimateRangeGB");
        writer.WriteNumberValue(lower);
        writer.WriteNumberValue(upper);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private TableRuntime FindTable(string tableName, CallerContext caller) =>
        catalog.FindActive(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();
}
