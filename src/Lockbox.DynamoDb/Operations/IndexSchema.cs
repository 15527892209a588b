using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// DynamoDB's checks of secondary index declarations (CreateTable's LocalSecondaryIndexes and
/// GlobalSecondaryIndexes, UpdateTable's GlobalSecondaryIndexUpdates.Create), in the order its
/// observed messages imply, and the persisted <see cref="SecondaryIndex"/> they become.
/// </summary>
internal static class IndexSchema
{
    public const int MaxLocalIndexes = 5;
    public const int MaxGlobalIndexes = 20;
    public const int MaxProjectedNonKeyAttributes = 100;

    private static readonly string[] ProjectionTypes = ["ALL", "INCLUDE", "KEYS_ONLY"];

    /// <summary>The "N validation errors detected" checks of a list of index declarations.</summary>
    public static void CheckConstraints(List<SecondaryIndexDto>? indexes, string path, ConstraintErrors errors)
    {
        if (indexes is null)
        {
            return;
        }

        errors.NoNullElements(indexes, path);
        for (var i = 0; i < indexes.Count; i++)
        {
            if (indexes[i] is { } index)
            {
                CheckIndexConstraints(index, $"{path}.{i + 1}.member", errors);
            }
        }
    }

    public static void CheckIndexConstraints(SecondaryIndexDto index, string path, ConstraintErrors errors)
    {
        errors.NotNull(index.IndexName, path + ".indexName");
        errors.Pattern(index.IndexName, path + ".indexName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(index.IndexName, path + ".indexName", 3);
        errors.MaxLength(index.IndexName, path + ".indexName", 255);
        errors.NotNull(index.KeySchema, path + ".keySchema");
        if (index.KeySchema is { } keySchema)
        {
            errors.MinCount(keySchema, path + ".keySchema", 1, "[]");
            errors.MaxCount(keySchema, path + ".keySchema", 2, "[" + string.Join(", ", keySchema.Select(k => $"KeySchemaElement(attributeName={k?.AttributeName}, keyType={k?.KeyType})")) + "]");
            errors.NoNullElements(keySchema, path + ".keySchema");
            for (var k = 0; k < keySchema.Count; k++)
            {
                if (keySchema[k] is { } element)
                {
                    errors.NotNull(element.AttributeName, $"{path}.keySchema.{k + 1}.member.attributeName");
                    errors.NotNull(element.KeyType, $"{path}.keySchema.{k + 1}.member.keyType");
                    errors.Enum(element.KeyType, $"{path}.keySchema.{k + 1}.member.keyType", "HASH", "RANGE");
                }
            }
        }

        errors.NotNull(index.Projection, path + ".projection");
        if (index.Projection is { } projection)
        {
            errors.Enum(projection.ProjectionType, path + ".projection.projectionType", ProjectionTypes);
            if (projection.NonKeyAttributes is { } nonKey)
            {
                errors.MinCount(nonKey, path + ".projection.nonKeyAttributes", 1, "[]");
                errors.MaxCount(nonKey, path + ".projection.nonKeyAttributes", 20, "[" + string.Join(", ", nonKey) + "]");
            }
        }

        if (index.ProvisionedThroughput is { } throughput)
        {
            errors.NotNull(throughput.WriteCapacityUnits, path + ".provisionedThroughput.writeCapacityUnits");
            errors.NotNull(throughput.ReadCapacityUnits, path + ".provisionedThroughput.readCapacityUnits");
            errors.Min(throughput.WriteCapacityUnits, path + ".provisionedThroughput.writeCapacityUnits", 1);
            errors.Min(throughput.ReadCapacityUnits, path + ".provisionedThroughput.readCapacityUnits", 1);
        }
    }

    /// <summary>
    /// Checks CreateTable's index declarations against the table's key schema and attribute
    /// definitions and returns the indexes to persist (storage ids from <paramref name="allocateStorageId"/>).
    /// </summary>
    public static (List<SecondaryIndex> Local, List<SecondaryIndex> Global) ForCreateTable(CreateTableRequest request,
        string billingMode, string partitionKey, string? sortKey, Func<long> allocateStorageId)
    {
        var defined = request.AttributeDefinitions!.Select(d => d.AttributeName!).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var locals = new List<SecondaryIndex>();
        var globals = new List<SecondaryIndex>();
        if (request.LocalSecondaryIndexes is { } localDtos)
        {
            if (localDtos.Count == 0)
            {
                throw DynamoDbErrors.InvalidParameter("List of LocalSecondaryIndexes is empty");
            }

            if (sortKey is null)
            {
                throw DynamoDbErrors.InvalidParameter("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
            }

            foreach (var dto in localDtos)
            {
                CheckIndexKeySchema(dto, defined);
                if (dto.KeySchema!.Count != 2)
                {
                    throw DynamoDbErrors.InvalidParameter($"Index KeySchema does not have a range key for index: {dto.IndexName}");
                }

                var indexHash = dto.KeySchema[0].AttributeName;
                if (indexHash != partitionKey)
                {
                    throw DynamoDbErrors.InvalidParameter(
                        $"Index KeySchema does not have the same leading hash key as table KeySchema for index: {dto.IndexName}. index hash key: {indexHash}, table hash key: {partitionKey}");
                }

                CheckProjection(dto);
                if (!names.Add(dto.IndexName!))
                {
                    throw DynamoDbErrors.InvalidParameter($"Duplicate index name: {dto.IndexName}");
                }

                locals.Add(Build(dto, isGlobal: false, request.AttributeDefinitions!, allocateStorageId()));
            }

            if (localDtos.Count > MaxLocalIndexes)
            {
                throw DynamoDbErrors.InvalidParameter($"Number of LocalSecondaryIndexes exceeds per-table limit of {MaxLocalIndexes}");
            }
        }

        if (request.GlobalSecondaryIndexes is { } globalDtos)
        {
            if (globalDtos.Count == 0)
            {
                throw DynamoDbErrors.InvalidParameter("List of GlobalSecondaryIndexes is empty");
            }

            foreach (var dto in globalDtos)
            {
                CheckGlobalIndex(dto, defined, billingMode);
                if (!names.Add(dto.IndexName!))
                {
                    throw DynamoDbErrors.InvalidParameter($"Duplicate index name: {dto.IndexName}");
                }

                globals.Add(Build(dto, isGlobal: true, request.AttributeDefinitions!, allocateStorageId()));
            }

            if (globalDtos.Count > MaxGlobalIndexes)
            {
                throw DynamoDbErrors.InvalidParameter($"GlobalSecondaryIndex count exceeds the per-table limit of {MaxGlobalIndexes}");
            }
        }

        CheckNonKeyAttributeTotal(locals.Concat(globals));
        var used = new List<string> { partitionKey };
        if (sortKey is not null)
        {
            used.Add(sortKey);
        }

        foreach (var index in locals.Concat(globals))
        {
            AddUsed(used, index.PartitionKeyName);
            if (index.SortKeyName is not null)
            {
                AddUsed(used, index.SortKeyName);
            }
        }

        if (defined.Distinct(StringComparer.Ordinal).Count() != defined.Count || defined.Any(d => !used.Contains(d)))
        {
            throw DynamoDbErrors.InvalidParameter(
                $"Some AttributeDefinitions are not used. AttributeDefinitions: [{string.Join(", ", defined)}], keys used: [{string.Join(", ", used)}]");
        }

        return (locals, globals);
    }

    /// <summary>Checks one GlobalSecondaryIndexUpdates.Create (or CreateTable GSI) against the attribute definitions.</summary>
    public static void CheckGlobalIndex(SecondaryIndexDto dto, List<string> defined, string billingMode)
    {
        CheckIndexKeySchema(dto, defined);
        CheckProjection(dto);
        if (billingMode == "PAY_PER_REQUEST" && dto.ProvisionedThroughput is not null)
        {
            throw DynamoDbErrors.InvalidParameter(
                $"ProvisionedThroughput should not be specified for index: {dto.IndexName} when BillingMode is PAY_PER_REQUEST");
        }

        if (billingMode == "PROVISIONED" && dto.ProvisionedThroughput is null)
        {
            throw DynamoDbErrors.InvalidParameter($"ProvisionedThroughput is not specified for index: {dto.IndexName}");
        }
    }

    public static SecondaryIndex Build(SecondaryIndexDto dto, bool isGlobal, List<AttributeDefinitionDto> definitions, long storageId)
    {
        AttributeType TypeOf(string name) =>
            Enum.Parse<AttributeType>(definitions.First(d => d.AttributeName == name).AttributeType!);

        var partition = dto.KeySchema![0].AttributeName!;
        var sort = dto.KeySchema.Count == 2 ? dto.KeySchema[1].AttributeName : null;
        return new SecondaryIndex
        {
            IndexName = dto.IndexName!,
            IsGlobal = isGlobal,
            StorageId = storageId,
            PartitionKeyName = partition,
            PartitionKeyType = TypeOf(partition),
            SortKeyName = sort,
            SortKeyType = sort is null ? null : TypeOf(sort),
            ProjectionType = dto.Projection!.ProjectionType!,
            NonKeyAttributes = dto.Projection.NonKeyAttributes,
            ReadCapacityUnits = dto.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
            WriteCapacityUnits = dto.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
        };
    }

    public static void CheckNonKeyAttributeTotal(IEnumerable<SecondaryIndex> indexes)
    {
        var total = indexes.Sum(i => i.NonKeyAttributes?.Count ?? 0);
        if (total > MaxProjectedNonKeyAttributes)
        {
            throw DynamoDbErrors.InvalidParameter(
                $"The sum of NonKeyAttributes across all secondary indexes exceeds the limit of {MaxProjectedNonKeyAttributes}");
        }
    }

    private static void CheckIndexKeySchema(SecondaryIndexDto dto, List<string> defined)
    {
        var keys = dto.KeySchema!.Select(k => k.AttributeName!).ToList();
        if (keys.Any(k => !defined.Contains(k)))
        {
            throw DynamoDbErrors.InvalidParameter(
                $"Some index key attributes are not defined in AttributeDefinitions. Keys: [{string.Join(", ", keys)}], AttributeDefinitions: [{string.Join(", ", defined)}]");
        }

        if (keys.Count == 2 && keys[0] == keys[1])
        {
            throw DynamoDbErrors.Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }

        if (dto.KeySchema![0].KeyType != "HASH")
        {
            throw DynamoDbErrors.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }

        if (keys.Count == 2 && dto.KeySchema[1].KeyType != "RANGE")
        {
            throw DynamoDbErrors.Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        }
    }

    private static void CheckProjection(SecondaryIndexDto dto)
    {
        var projectionType = dto.Projection!.ProjectionType;
        if (projectionType is null)
        {
            throw DynamoDbErrors.InvalidParameter("Unknown ProjectionType: null");
        }

        if (dto.Projection.NonKeyAttributes is not null && projectionType != "INCLUDE")
        {
            throw DynamoDbErrors.InvalidParameter($"ProjectionType is {projectionType}, but NonKeyAttributes is specified");
        }
    }

    private static void AddUsed(List<string> used, string name)
    {
        if (!used.Contains(name))
        {
            used.Add(name);
        }
    }
}
