using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// UpdateTable's GlobalSecondaryIndexUpdates: validates them against the table and applies them
/// to a copy of its definition. A created index starts CREATING (the backfill makes it ACTIVE); a
/// deleted one is marked DELETING, and its entries are dropped once the change is stored.
/// </summary>
internal static class GlobalIndexUpdates
{
    /// <summary>The index work to start once the changed definition is stored.</summary>
    public sealed record Plan(string? CreatedIndex, string? DeletedIndex);

    public static void CheckConstraints(List<GlobalSecondaryIndexUpdateDto>? updates, ConstraintErrors errors)
    {
        if (updates is null)
        {
            return;
        }

        errors.NoNullElements(updates, "globalSecondaryIndexUpdates");
        for (var i = 0; i < updates.Count; i++)
        {
            var path = $"globalSecondaryIndexUpdates.{i + 1}.member";
            if (updates[i]?.Create is { } create)
            {
                IndexSchema.CheckIndexConstraints(create, path + ".create", errors);
            }

            if (updates[i]?.Update is { } update)
            {
                errors.NotNull(update.IndexName, path + ".update.indexName");
                errors.NotNull(update.ProvisionedThroughput, path + ".update.provisionedThroughput");
                CheckName(update.IndexName, path + ".update.indexName", errors);
                if (update.ProvisionedThroughput is { } throughput)
                {
                    errors.NotNull(throughput.WriteCapacityUnits, path + ".update.provisionedThroughput.writeCapacityUnits");
                    errors.NotNull(throughput.ReadCapacityUnits, path + ".update.provisionedThroughput.readCapacityUnits");
                    errors.Min(throughput.WriteCapacityUnits, path + ".update.provisionedThroughput.writeCapacityUnits", 1);
                    errors.Min(throughput.ReadCapacityUnits, path + ".update.provisionedThroughput.readCapacityUnits", 1);
                }
            }

            if (updates[i]?.Delete is { } delete)
            {
                errors.NotNull(delete.IndexName, path + ".delete.indexName");
                CheckName(delete.IndexName, path + ".delete.indexName", errors);
            }
        }
    }

    /// <summary>The checks that need no table, in DynamoDB's order.</summary>
    public static void CheckShape(List<GlobalSecondaryIndexUpdateDto> updates)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var update in updates)
        {
            var actions = (update.Create is null ? 0 : 1) + (update.Update is null ? 0 : 1) + (update.Delete is null ? 0 : 1);
            if (actions == 0)
            {
                throw DynamoDbErrors.InvalidParameter(
                    "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null");
            }

            if (actions > 1)
            {
                throw DynamoDbErrors.InvalidParameter(
                    "Only one of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete may be specified");
            }

            var name = (update.Create ?? update.Update ?? update.Delete)!.IndexName!;
            if (!seen.Add(name))
            {
                throw DynamoDbErrors.InvalidParameter($"Only one global secondary index update per index is allowed simultaneously. Index: {name}");
            }
        }
    }

    /// <summary>Applies the updates to <paramref name="changed"/> (a copy of the table's definition).</summary>
    public static Plan Apply(TableDefinition changed, List<GlobalSecondaryIndexUpdateDto> updates,
        List<AttributeDefinitionDto>? attributeDefinitions, string billingMode, Func<long> allocateStorageId)
    {
        var creates = updates.Where(u => u.Create is not null).ToList();
        var deletes = updates.Where(u => u.Delete is not null).ToList();
        if (creates.Count + deletes.Count > 1
            || (creates.Count + deletes.Count == 1 && changed.GlobalSecondaryIndexes.Any(i => !i.IsActive)))
        {
            throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "LimitExceededException",
                "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
        }

        foreach (var update in updates.Where(u => u.Update is not null))
        {
            var index = changed.GlobalSecondaryIndexes.Find(i => i.IndexName == update.Update!.IndexName);
            if (index is null)
            {
                throw DynamoDbErrors.Validation(
                    "This operation cannot be performed with given input values. Please contact DynamoDB service team for more info: Action Blocked: IndexUpdate");
            }

            if (billingMode == "PAY_PER_REQUEST")
            {
                throw DynamoDbErrors.InvalidParameter(
                    $"ProvisionedThroughput should not be specified for index: {index.IndexName} when BillingMode is PAY_PER_REQUEST");
            }

            index.ReadCapacityUnits = update.Update!.ProvisionedThroughput!.ReadCapacityUnits!.Value;
            index.WriteCapacityUnits = update.Update.ProvisionedThroughput.WriteCapacityUnits!.Value;
        }

        string? deleted = null;
        if (deletes.Count == 1)
        {
            var name = deletes[0].Delete!.IndexName!;
            var index = changed.GlobalSecondaryIndexes.Find(i => i.IndexName == name)
                ?? throw new AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "ResourceNotFoundException",
                    $"Requested resource not found: Index: {name} not found");
            index.IndexStatus = "DELETING";
            deleted = name;
        }

        string? created = null;
        if (creates.Count == 1)
        {
            var dto = creates[0].Create!;
            if (changed.FindIndex(dto.IndexName!) is not null)
            {
                throw DynamoDbErrors.InvalidParameter($"Duplicate index name: {dto.IndexName}");
            }

            if (changed.GlobalSecondaryIndexes.Count >= IndexSchema.MaxGlobalIndexes)
            {
                throw DynamoDbErrors.InvalidParameter(
                    $"GlobalSecondaryIndex count exceeds the per-table limit of {IndexSchema.MaxGlobalIndexes}");
            }

            // The request's AttributeDefinitions add the new index's key types to the table's; a
            // name defined twice must keep its type.
            var definitions = changed.AttributeDefinitions.ToList();
            foreach (var attribute in attributeDefinitions ?? [])
            {
                var existing = definitions.Find(d => d.AttributeName == attribute.AttributeName);
                if (existing is null)
                {
                    definitions.Add(attribute);
                }
                else if (existing.AttributeType != attribute.AttributeType)
                {
                    throw DynamoDbErrors.InvalidParameter(
                        $"Cannot change the type of attribute {attribute.AttributeName} from {existing.AttributeType} to {attribute.AttributeType}");
                }
            }

            IndexSchema.CheckGlobalIndex(dto, definitions.Select(d => d.AttributeName!).ToList(), billingMode);
            var index = IndexSchema.Build(dto, isGlobal: true, definitions, allocateStorageId());
            index.IndexStatus = "CREATING";
            changed.GlobalSecondaryIndexes.Add(index);
            IndexSchema.CheckNonKeyAttributeTotal(changed.SecondaryIndexes);
            changed.AttributeDefinitions = definitions;
            created = index.IndexName;
        }

        PruneAttributeDefinitions(changed);
        return new Plan(created, deleted);
    }

    /// <summary>DynamoDB keeps AttributeDefinitions to exactly the attributes some key schema uses.</summary>
    public static void PruneAttributeDefinitions(TableDefinition definition)
    {
        var used = new HashSet<string>(StringComparer.Ordinal) { definition.PartitionKeyName };
        if (definition.SortKeyName is not null)
        {
            used.Add(definition.SortKeyName);
        }

        foreach (var index in definition.SecondaryIndexes.Where(i => i.IndexStatus != "DELETING"))
        {
            used.Add(index.PartitionKeyName);
            if (index.SortKeyName is not null)
            {
                used.Add(index.SortKeyName);
            }
        }

        definition.AttributeDefinitions = definition.AttributeDefinitions.Where(d => used.Contains(d.AttributeName!)).ToList();
    }

    private static void CheckName(string? name, string path, ConstraintErrors errors)
    {
        errors.Pattern(name, path, "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(name, path, 3);
        errors.MaxLength(name, path, 255);
    }
}
