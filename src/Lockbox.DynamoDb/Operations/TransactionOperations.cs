using System.Security.Cryptography;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Transactions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// TransactWriteItems and TransactGetItems: DynamoDB's validation and messages, authorization of
/// every action with its own IAM action before anything runs, then <see cref="TransactionEngine"/>.
/// </summary>
internal sealed class TransactionOperations(TableCatalog catalog, TransactionEngine engine, IRequestAuthorizer authorizer)
{
    /// <summary>The aggregate size of a transaction's items (4 MB).</summary>
    public const long MaxTransactionBytes = 4L * 1024 * 1024;

    private static readonly string[] ReturnValuesOnFailure = ["ALL_OLD", "NONE"];

    /// <summary>Item collection sizes, for ReturnItemCollectionMetrics=SIZE on tables with local secondary indexes.</summary>
    public ItemCollections? ItemCollections { get; init; }

    public void TransactWriteItems(TransactWriteItemsRequest request, ReadOnlySpan<byte> body, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Enum(request.ReturnItemCollectionMetrics, "returnItemCollectionMetrics", "SIZE", "NONE");
        errors.MinLength(request.ClientRequestToken, "clientRequestToken", 1);
        errors.MaxLength(request.ClientRequestToken, "clientRequestToken", 36);
        errors.NotNull(request.TransactItems, "transactItems");
        errors.MinCount(request.TransactItems, "transactItems", 1, "[]");
        errors.MaxCount(request.TransactItems, "transactItems", TransactionEngine.MaxActions, "[...]");
        errors.NoNullElements(request.TransactItems, "transactItems");
        for (var i = 0; i < (request.TransactItems?.Count ?? 0); i++)
        {
            var item = request.TransactItems![i];
            if (item is null)
            {
                continue;
            }

            var path = $"transactItems.{i + 1}.member";
            if (item.ConditionCheck is { } check)
            {
                errors.NotNull(check.Key, path + ".conditionCheck.key");
                TableArn(errors, check.TableName, path + ".conditionCheck.tableName");
                errors.NotNull(check.ConditionExpression, path + ".conditionCheck.conditionExpression");
                errors.Enum(check.ReturnValuesOnConditionCheckFailure, path + ".conditionCheck.returnValuesOnConditionCheckFailure", ReturnValuesOnFailure);
            }

            if (item.Put is { } put)
            {
                errors.NotNull(put.Item, path + ".put.item");
                TableArn(errors, put.TableName, path + ".put.tableName");
                errors.Enum(put.ReturnValuesOnConditionCheckFailure, path + ".put.returnValuesOnConditionCheckFailure", ReturnValuesOnFailure);
            }

            if (item.Delete is { } delete)
            {
                errors.NotNull(delete.Key, path + ".delete.key");
                TableArn(errors, delete.TableName, path + ".delete.tableName");
                errors.Enum(delete.ReturnValuesOnConditionCheckFailure, path + ".delete.returnValuesOnConditionCheckFailure", ReturnValuesOnFailure);
            }

            if (item.Update is { } update)
            {
                errors.NotNull(update.Key, path + ".update.key");
                errors.NotNull(update.UpdateExpression, path + ".update.updateExpression");
                TableArn(errors, update.TableName, path + ".update.tableName");
                errors.Enum(update.ReturnValuesOnConditionCheckFailure, path + ".update.returnValuesOnConditionCheckFailure", ReturnValuesOnFailure);
            }
        }

        errors.ThrowIfAny();

        var actions = new List<TransactWriteAction>(request.TransactItems!.Count);
        long totalBytes = 0;
        foreach (var item in request.TransactItems!)
        {
            var present = (item.ConditionCheck is null ? 0 : 1) + (item.Put is null ? 0 : 1) + (item.Delete is null ? 0 : 1) + (item.Update is null ? 0 : 1);
            if (present != 1)
            {
                throw DynamoDbErrors.Validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }

            var action = ParseWrite(item, caller);
            totalBytes += action.Item is null ? ItemSize.Of(action.Key) : ItemSize.Of(action.Item);
            actions.Add(action);
        }

        EnsureDistinct(actions.Select(a => a.StorageKey));
        if (totalBytes > MaxTransactionBytes)
        {
            throw DynamoDbErrors.Validation("Transaction request size exceeds the maximum allowed size of 4 MB");
        }

        foreach (var action in actions)
        {
            authorizer.Authorize(caller, new AuthorizationRequest(action.IamAction, action.Table.Definition.Arn,
                IamConditionKeys.For(caller) is { } iamKeys
                    ? iamKeys.Key(action.Table.Definition, action.Key).Attributes(action.Item?.Keys ?? action.Update?.TopLevelAttributes)
                        .ReturnConsumedCapacity(request.ReturnConsumedCapacity).EnclosingOperation("TransactWriteItems").Build()
                    : EnclosingOperation("TransactWriteItems")));
        }

        TransactWriteResult result;
        if (request.ClientRequestToken is { } token)
        {
            var claim = engine.Tokens.Begin(caller.Principal.AccountId, caller.Region, token, Fingerprint(actions[0].Table, body));
            if (claim is null)
            {
                result = engine.Replay(actions);
            }
            else
            {
                using (claim)
                {
                    result = engine.Write(actions, claim);
                }
            }
        }
        else
        {
            result = engine.Write(actions, null);
        }

        writer.WriteStartObject();
        if (ConsumedCapacity.IsRequested(request.ReturnConsumedCapacity))
        {
            var units = new List<(string Table, double Units)>();
            for (var i = 0; i < actions.Count; i++)
            {
                var (old, updated) = result.Outcomes[i];
                var size = Math.Max(old is null ? 0 : ItemSize.Of(old), updated is null ? 0 : ItemSize.Of(updated));
                var itemUnits = result.Replayed ? ConsumedCapacity.ReadUnits(size, consistent: true) : 2 * ConsumedCapacity.WriteUnits(size);
                Add(units, actions[i].Table.Definition.TableName, itemUnits);
            }

            writer.WriteStartArray("ConsumedCapacity");
            foreach (var (table, tableUnits) in units)
            {
                ConsumedCapacity.WriteValue(writer, request.ReturnConsumedCapacity!, table, tableUnits, isRead: result.Replayed);
            }

            writer.WriteEndArray();
        }

        if (request.ReturnItemCollectionMetrics == "SIZE")
        {
            WriteCollectionMetrics(writer, actions);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// ItemCollectionMetrics per table with local secondary indexes: one entry per item collection
    /// a Put, Update or Delete wrote (a ConditionCheck writes nothing), sizes as committed.
    /// </summary>
    private void WriteCollectionMetrics(Utf8JsonWriter writer, List<TransactWriteAction> actions)
    {
        var written = actions.Where(a => a.Kind != TransactWriteKind.ConditionCheck && Items.ItemCollections.Applies(a.Table.Definition)).ToList();
        if (ItemCollections is null || written.Count == 0)
        {
            return;
        }

        writer.WriteStartObject("ItemCollectionMetrics");
        foreach (var group in written.GroupBy(a => a.Table.Definition.TableName, StringComparer.Ordinal))
        {
            writer.WriteStartArray(group.Key);
            var partitions = new HashSet<string>(StringComparer.Ordinal);
            foreach (var action in group)
            {
                var table = action.Table;
                var partitionKey = action.Key[table.Definition.PartitionKeyName];
                if (partitions.Add(Convert.ToBase64String(ItemStore.PartitionPrefix(table, partitionKey))))
                {
                    ItemOperations.WriteCollectionMetric(writer, ItemCollections, table, action.Key);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public void TransactGetItems(TransactGetItemsRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.NotNull(request.TransactItems, "transactItems");
        errors.MinCount(request.TransactItems, "transactItems", 1, "[]");
        errors.MaxCount(request.TransactItems, "transactItems", TransactionEngine.MaxActions, "[...]");
        errors.NoNullElements(request.TransactItems, "transactItems");
        for (var i = 0; i < (request.TransactItems?.Count ?? 0); i++)
        {
            var item = request.TransactItems![i];
            if (item is null)
            {
                continue;
            }

            var path = $"transactItems.{i + 1}.member.get";
            errors.NotNull(item.Get, path);
            if (item.Get is { } get)
            {
                errors.NotNull(get.Key, path + ".key");
                TableArn(errors, get.TableName, path + ".tableName");
            }
        }

        errors.ThrowIfAny();

        var actions = new List<TransactGetAction>(request.TransactItems!.Count);
        foreach (var item in request.TransactItems!)
        {
            var get = item.Get!;
            var context = ExpressionInputs.Check([], [("ProjectionExpression", get.ProjectionExpression is not null)],
                get.ExpressionAttributeNames, null, []);
            var projection = ExpressionInputs.Projection(get.ProjectionExpression, context);
            context.EnsureAllUsed();
            var table = FindTable(get.TableName!, caller);
            KeyValidation.CheckKey(table.Definition, get.Key!);
            actions.Add(new TransactGetAction(table, get.Key!, projection));
        }

        EnsureDistinct(actions.Select(a => a.StorageKey));
        foreach (var action in actions)
        {
            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetItem", action.Table.Definition.Arn,
                IamConditionKeys.For(caller) is { } iamKeys
                    ? iamKeys.Key(action.Table.Definition, action.Key).Attributes(action.Projection?.TopLevelAttributes)
                        .Select(action.Projection is null ? "ALL_ATTRIBUTES" : "SPECIFIC_ATTRIBUTES")
                        .ReturnConsumedCapacity(request.ReturnConsumedCapacity).EnclosingOperation("TransactGetItems").Build()
                    : EnclosingOperation("TransactGetItems")));
        }

        var items = engine.Get(actions, out var sizes);
        if (sizes.Sum() > MaxTransactionBytes)
        {
            throw new TransactionCanceledException(actions.Select(_ =>
                CancellationReason.ValidationError("Transaction size has exceeded the maximum allowed size of 4 MB")).ToList());
        }

        writer.WriteStartObject();
        writer.WriteStartArray("Responses");
        foreach (var found in items)
        {
            writer.WriteStartObject();
            if (found is not null)
            {
                writer.WritePropertyName("Item");
                AttributeValueJson.WriteItem(writer, found);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (ConsumedCapacity.IsRequested(request.ReturnConsumedCapacity))
        {
            var units = new List<(string Table, double Units)>();
            for (var i = 0; i < actions.Count; i++)
            {
                Add(units, actions[i].Table.Definition.TableName, 2 * ConsumedCapacity.ReadUnits(sizes[i], consistent: true));
            }

            writer.WriteStartArray("ConsumedCapacity");
            foreach (var (table, tableUnits) in units)
            {
                ConsumedCapacity.WriteValue(writer, request.ReturnConsumedCapacity!, table, tableUnits, isRead: true);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private TransactWriteAction ParseWrite(TransactWriteItemDto item, CallerContext caller)
    {
        if (item.Put is { } put)
        {
            var context = ExpressionInputs.Check([], [("ConditionExpression", put.ConditionExpression is not null)],
                put.ExpressionAttributeNames, put.ExpressionAttributeValues, [("ConditionExpression", put.ConditionExpression is not null)]);
            var condition = ExpressionInputs.Condition(put.ConditionExpression, context, "ConditionExpression");
            context.EnsureAllUsed();
            if (ItemSize.Of(put.Item!) > TransactionEngine.MaxItemBytes)
            {
                throw DynamoDbErrors.Validation("Item size has exceeded the maximum allowed size");
            }

            var table = FindTable(put.TableName!, caller);
            KeyValidation.CheckItemKey(table.Definition, put.Item!);
            return new TransactWriteAction
            {
                Kind = TransactWriteKind.Put,
                Table = table,
                Key = KeyOf(table.Definition, put.Item!),
                Item = put.Item,
                Condition = condition,
                ReturnOldOnConditionFailure = put.ReturnValuesOnConditionCheckFailure == "ALL_OLD",
            };
        }

        if (item.Update is { } update)
        {
            var context = ExpressionInputs.Check([],
                [("UpdateExpression", true), ("ConditionExpression", update.ConditionExpression is not null)],
                update.ExpressionAttributeNames, update.ExpressionAttributeValues,
                [("UpdateExpression", true), ("ConditionExpression", update.ConditionExpression is not null)]);
            var expression = ExpressionParser.ParseUpdate(update.UpdateExpression!, context);
            var condition = ExpressionInputs.Condition(update.ConditionExpression, context, "ConditionExpression");
            context.EnsureAllUsed();
            var table = FindTable(update.TableName!, caller);
            var definition = table.Definition;
            KeyValidation.CheckKey(definition, update.Key!);
            foreach (var name in expression.TopLevelAttributes)
            {
                if (name == definition.PartitionKeyName || name == definition.SortKeyName)
                {
                    throw DynamoDbErrors.InvalidParameter($"Cannot update attribute {name}. This attribute is part of the key");
                }
            }

            return new TransactWriteAction
            {
                Kind = TransactWriteKind.Update,
                Table = table,
                Key = update.Key!,
                Update = expression,
                Condition = condition,
                ReturnOldOnConditionFailure = update.ReturnValuesOnConditionCheckFailure == "ALL_OLD",
            };
        }

        if (item.Delete is { } delete)
        {
            var context = ExpressionInputs.Check([], [("ConditionExpression", delete.ConditionExpression is not null)],
                delete.ExpressionAttributeNames, delete.ExpressionAttributeValues, [("ConditionExpression", delete.ConditionExpression is not null)]);
            var condition = ExpressionInputs.Condition(delete.ConditionExpression, context, "ConditionExpression");
            context.EnsureAllUsed();
            var table = FindTable(delete.TableName!, caller);
            KeyValidation.CheckKey(table.Definition, delete.Key!);
            return new TransactWriteAction
            {
                Kind = TransactWriteKind.Delete,
                Table = table,
                Key = delete.Key!,
                Condition = condition,
                ReturnOldOnConditionFailure = delete.ReturnValuesOnConditionCheckFailure == "ALL_OLD",
            };
        }

        var check = item.ConditionCheck!;
        var checkContext = ExpressionInputs.Check([], [("ConditionExpression", true)],
            check.ExpressionAttributeNames, check.ExpressionAttributeValues, [("ConditionExpression", true)]);
        var checkCondition = ExpressionInputs.Condition(check.ConditionExpression, checkContext, "ConditionExpression");
        checkContext.EnsureAllUsed();
        var checkTable = FindTable(check.TableName!, caller);
        KeyValidation.CheckKey(checkTable.Definition, check.Key!);
        return new TransactWriteAction
        {
            Kind = TransactWriteKind.ConditionCheck,
            Table = checkTable,
            Key = check.Key!,
            Condition = checkCondition,
            ReturnOldOnConditionFailure = check.ReturnValuesOnConditionCheckFailure == "ALL_OLD",
        };
    }

    private static Dictionary<string, AttributeValue> KeyOf(TableDefinition definition, Dictionary<string, AttributeValue> item)
    {
        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [definition.PartitionKeyName] = item[definition.PartitionKeyName] };
        if (definition.SortKeyName is { } sortKey)
        {
            key[sortKey] = item[sortKey];
        }

        return key;
    }

    private static void EnsureDistinct(IEnumerable<byte[]> storageKeys)
    {
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        foreach (var key in storageKeys)
        {
            if (!seen.Add(key))
            {
                throw TransactionErrors.MultipleOperationsOnOneItem();
            }
        }
    }

    /// <summary>The model's TableArn shape: a table name or ARN of 1 to 1024 characters.</summary>
    private static void TableArn(ConstraintErrors errors, string? value, string path)
    {
        errors.NotNull(value, path);
        errors.MinLength(value, path, 1);
        errors.MaxLength(value, path, 1024);
    }

    /// <summary>A table named by name or by ARN; an ARN of another account or region is not found.</summary>
    private TableRuntime FindTable(string nameOrArn, CallerContext caller)
    {
        var name = nameOrArn;
        if (nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            var expected = $"arn:aws:dynamodb:{caller.Region}:{caller.Principal.AccountId}:table/";
            if (!nameOrArn.StartsWith(expected, StringComparison.Ordinal))
            {
                throw DynamoDbErrors.ResourceNotFound();
            }

            name = nameOrArn[expected.Length..];
        }

        return catalog.Find(caller.Principal.AccountId, caller.Region, name) ?? throw DynamoDbErrors.ResourceNotFound();
    }

    private static Dictionary<string, IReadOnlyList<string>> EnclosingOperation(string operation) =>
        new(StringComparer.Ordinal) { ["dynamodb:EnclosingOperation"] = [operation] };

    /// <summary>A keyed hash of the request's canonical form under the first table's data key: requests
    /// equal in meaning match (whatever their member order), and the stored value reveals nothing of
    /// the request.</summary>
    internal static byte[] Fingerprint(TableRuntime table, ReadOnlySpan<byte> body)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(CanonicalJson.Canonicalize(body.ToArray()), digest);
        var fingerprint = new byte[16];
        table.DataKey.KeyedHash(digest, fingerprint);
        return fingerprint;
    }

    internal static void Add(List<(string Table, double Units)> units, string table, double value)
    {
        for (var i = 0; i < units.Count; i++)
        {
            if (units[i].Table == table)
            {
                units[i] = (table, units[i].Units + value);
                return;
            }
        }

        units.Add((table, value));
    }
}
