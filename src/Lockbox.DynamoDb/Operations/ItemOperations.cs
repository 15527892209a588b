using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>PutItem, GetItem, UpdateItem and DeleteItem.</summary>
internal sealed class ItemOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer)
{
    public const int MaxItemBytes = 400 * 1024;

    private static readonly string[] ReturnValuesSet = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];

    public void GetItem(GetItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.TableName(request.TableName);
        errors.NotNull(request.Key, "key");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
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
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetItem", table.Definition.Arn));

        var item = store.Get(table, ItemStore.StorageKey(table, request.Key!));
        var consistent = request.ConsistentRead ?? false;
        writer.WriteStartObject();
        if (item is not null)
        {
            writer.WritePropertyName("Item");
            AttributeValueJson.WriteItem(writer, projection is null ? item : projection.Apply(item));
        }

        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, table.Definition.TableName,
            ConsumedCapacity.ReadUnits(item is null ? 0 : ItemSize.Of(item), consistent), isRead: true);
        writer.WriteEndObject();
    }

    public void PutItem(PutItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.TableName(request.TableName);
        errors.NotNull(request.Item, "item");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Enum(request.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.Enum(request.ReturnValues, "returnValues", ReturnValuesSet);
        errors.Enum(request.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        errors.ThrowIfAny();

        var context = ExpressionInputs.Check(
            [("Expected", request.Expected is not null)],
            [("ConditionExpression", request.ConditionExpression is not null)],
            request.ExpressionAttributeNames, request.ExpressionAttributeValues,
            [("ConditionExpression", request.ConditionExpression is not null)]);
        var condition = ExpressionInputs.Condition(request.ConditionExpression, context, "ConditionExpression")
            ?? Legacy.Expected(request.Expected, request.ConditionalOperator);
        context.EnsureAllUsed();
        if (request.ReturnValues is not (null or "NONE" or "ALL_OLD"))
        {
            throw DynamoDbErrors.Validation("ReturnValues can only be ALL_OLD or NONE");
        }

        var item = request.Item!;
        var size = ItemSize.Of(item);
        if (size > MaxItemBytes)
        {
            throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
        }

        var table = FindTable(request.TableName!, caller);
        KeyValidation.CheckItemKey(table.Definition, item);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:PutItem", table.Definition.Arn));

        var returnOldOnFailure = request.ReturnValuesOnConditionCheckFailure == "ALL_OLD";
        var outcome = store.Write(table, ItemStore.StorageKey(table, item), current =>
        {
            if (condition is not null && !condition.Evaluate(current))
            {
                throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
            }

            return item;
        });

        writer.WriteStartObject();
        if (request.ReturnValues == "ALL_OLD" && outcome.Old is not null)
        {
            writer.WritePropertyName("Attributes");
            AttributeValueJson.WriteItem(writer, outcome.Old);
        }

        var units = ConsumedCapacity.WriteUnits(Math.Max(size, outcome.Old is null ? 0 : ItemSize.Of(outcome.Old)));
        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, table.Definition.TableName, units, isRead: false);
        writer.WriteEndObject();
    }

    public void DeleteItem(DeleteItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.TableName(request.TableName);
        errors.NotNull(request.Key, "key");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Enum(request.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.Enum(request.ReturnValues, "returnValues", ReturnValuesSet);
        errors.Enum(request.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        errors.ThrowIfAny();

        var context = ExpressionInputs.Check(
            [("Expected", request.Expected is not null)],
            [("ConditionExpression", request.ConditionExpression is not null)],
            request.ExpressionAttributeNames, request.ExpressionAttributeValues,
            [("ConditionExpression", request.ConditionExpression is not null)]);
        var condition = ExpressionInputs.Condition(request.ConditionExpression, context, "ConditionExpression")
            ?? Legacy.Expected(request.Expected, request.ConditionalOperator);
        context.EnsureAllUsed();
        if (request.ReturnValues is not (null or "NONE" or "ALL_OLD"))
        {
            throw DynamoDbErrors.Validation("ReturnValues can only be ALL_OLD or NONE");
        }

        var table = FindTable(request.TableName!, caller);
        KeyValidation.CheckKey(table.Definition, request.Key!);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DeleteItem", table.Definition.Arn));

        var returnOldOnFailure = request.ReturnValuesOnConditionCheckFailure == "ALL_OLD";
        var outcome = store.Write(table, ItemStore.StorageKey(table, request.Key!), current =>
        {
            if (condition is not null && !condition.Evaluate(current))
            {
                throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
            }

            return null;
        });

        writer.WriteStartObject();
        if (request.ReturnValues == "ALL_OLD" && outcome.Old is not null)
        {
            writer.WritePropertyName("Attributes");
            AttributeValueJson.WriteItem(writer, outcome.Old);
        }

        var units = ConsumedCapacity.WriteUnits(outcome.Old is null ? 0 : ItemSize.Of(outcome.Old));
        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, table.Definition.TableName, units, isRead: false);
        writer.WriteEndObject();
    }

    public void UpdateItem(UpdateItemRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.TableName(request.TableName);
        errors.NotNull(request.Key, "key");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Enum(request.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.Enum(request.ReturnValues, "returnValues", ReturnValuesSet);
        errors.Enum(request.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        errors.ThrowIfAny();

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

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UpdateItem", definition.Arn));

        var returnOldOnFailure = request.ReturnValuesOnConditionCheckFailure == "ALL_OLD";
        var key = request.Key!;
        var outcome = store.Write(table, ItemStore.StorageKey(table, key), current =>
        {
            if (condition is not null && !condition.Evaluate(current))
            {
                throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
            }

            var updated = current is null ? AttributeValue.CloneItem(key) : AttributeValue.CloneItem(current);
            update?.Apply(updated);
            if (ItemSize.Of(updated) > MaxItemBytes)
            {
                throw DynamoDbErrors.Validation("Item size to update has exceeded the maximum allowed size");
            }

            return updated;
        });

        writer.WriteStartObject();
        var returned = request.ReturnValues switch
        {
            "ALL_OLD" => outcome.Old,
            "ALL_NEW" => outcome.New,
            "UPDATED_OLD" => outcome.Old is null || update is null ? null : update.ProjectUpdated(outcome.Old),
            "UPDATED_NEW" => outcome.New is null || update is null ? null : update.ProjectUpdated(outcome.New),
            _ => null,
        };
        if (returned is { Count: > 0 })
        {
            writer.WritePropertyName("Attributes");
            AttributeValueJson.WriteItem(writer, returned);
        }

        var oldSize = outcome.Old is null ? 0 : ItemSize.Of(outcome.Old);
        var newSize = outcome.New is null ? 0 : ItemSize.Of(outcome.New);
        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, definition.TableName,
            ConsumedCapacity.WriteUnits(Math.Max(oldSize, newSize)), isRead: false);
        writer.WriteEndObject();
    }

    private TableRuntime FindTable(string tableName, CallerContext caller) =>
        catalog.Find(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.ResourceNotFound();
}
