using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Streams;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>CreateTable, DescribeTable, ListTables, UpdateTable and DeleteTable.</summary>
internal sealed class TableOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer, TimeProvider time,
    Capacity.ThroughputLimiter limiter, IndexBackfill backfill)
{
    private const long MaxCapacityUnits = 1_000_000_000_000;

    /// <summary>The stream store (streams are refused when absent).</summary>
    public StreamStore? Streams { get; init; }

    /// <summary>Checks and stamps a ResourcePolicy given with CreateTable.</summary>
    public ResourcePolicyOperations? ResourcePolicies { get; set; }

    public void CreateTable(CreateTableRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        ConstraintErrors.CheckTableName(request.TableName, errors);
        errors.NotNull(request.AttributeDefinitions, "attributeDefinitions");
        errors.NotNull(request.KeySchema, "keySchema");
        if (request.KeySchema is { } keySchema)
        {
            errors.MinCount(keySchema, "keySchema", 1, "[]");
            errors.MaxCount(keySchema, "keySchema", 2, "[" + string.Join(", ", keySchema.Select(k => $"KeySchemaElement(attributeName={k?.AttributeName}, keyType={k?.KeyType})")) + "]");
            errors.NoNullElements(keySchema, "keySchema");
            for (var i = 0; i < keySchema.Count; i++)
            {
                if (keySchema[i] is null)
                {
                    continue;
                }

                errors.NotNull(keySchema[i].AttributeName, $"keySchema.{i + 1}.member.attributeName");
                errors.NotNull(keySchema[i].KeyType, $"keySchema.{i + 1}.member.keyType");
                errors.Enum(keySchema[i].KeyType, $"keySchema.{i + 1}.member.keyType", "HASH", "RANGE");
            }
        }

        if (request.AttributeDefinitions is { } definitions)
        {
            errors.NoNullElements(definitions, "attributeDefinitions");
            for (var i = 0; i < definitions.Count; i++)
            {
                if (definitions[i] is null)
                {
                    continue;
                }

                errors.NotNull(definitions[i].AttributeName, $"attributeDefinitions.{i + 1}.member.attributeName");
                errors.NotNull(definitions[i].AttributeType, $"attributeDefinitions.{i + 1}.member.attributeType");
                errors.Enum(definitions[i].AttributeType, $"attributeDefinitions.{i + 1}.member.attributeType", "B", "N", "S");
            }
        }

        errors.Enum(request.BillingMode, "billingMode", "PROVISIONED", "PAY_PER_REQUEST");
        errors.Enum(request.TableClass, "tableClass", "STANDARD", "STANDARD_INFREQUENT_ACCESS");
        TagRules.CheckConstraints(request.Tags, "tags", errors);
        CheckSseConstraints(request.SSESpecification, errors);
        CheckThroughputConstraints(request.ProvisionedThroughput, errors);
        IndexSchema.CheckConstraints(request.LocalSecondaryIndexes, "localSecondaryIndexes", errors);
        IndexSchema.CheckConstraints(request.GlobalSecondaryIndexes, "globalSecondaryIndexes", errors);
        CheckStreamConstraints(request.StreamSpecification, errors);
        errors.ThrowIfAny();

        var billingMode = request.BillingMode ?? "PROVISIONED";
        CheckBilling(billingMode, request.ProvisionedThroughput);
        var hasIndexes = request.LocalSecondaryIndexes is not null || request.GlobalSecondaryIndexes is not null;
        var (partitionKey, sortKey) = CheckKeySchema(request.KeySchema!, request.AttributeDefinitions!, hasIndexes);
        var (localIndexes, globalIndexes) = hasIndexes
            ? IndexSchema.ForCreateTable(request, billingMode, partitionKey, sortKey, catalog.AllocateStorageId)
            : ([], []);

        var streamViewType = CheckStreamSpecification(request.StreamSpecification);

        var tags = CheckTags(request.Tags);
        var sse = ResolveSse(request.SSESpecification, caller);
        var tableName = request.TableName!;
        var arn = $"arn:aws:dynamodb:{caller.Region}:{caller.Principal.AccountId}:table/{tableName}";
        // Tags given at creation are request tags of both actions (what tag-based ABAC policies test).
        var tagKeys = tags.Count > 0 ? TagOperations.RequestTagKeys(tags) : null;
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:CreateTable", arn, tagKeys));
        if (tagKeys is not null)
        {
            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:TagResource", arn, tagKeys));
        }

        // A policy given at creation needs PutResourcePolicy too (DynamoDB's documented rule).
        ResourcePolicyRecord? resourcePolicy = null;
        if (request.ResourcePolicy is not null)
        {
            authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:PutResourcePolicy", arn));
            resourcePolicy = ResourcePolicies!.ForNewTable(request.ResourcePolicy);
        }

        var typeOf = request.AttributeDefinitions!.ToDictionary(d => d.AttributeName!, d => Enum.Parse<AttributeType>(d.AttributeType!), StringComparer.Ordinal);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var runtime = catalog.Create(storageId => new TableDefinition
        {
            AccountId = caller.Principal.AccountId,
            Region = caller.Region,
            TableName = tableName,
            TableId = Guid.NewGuid().ToString(),
            StorageId = storageId,
            AttributeDefinitions = request.AttributeDefinitions!,
            PartitionKeyName = partitionKey,
            PartitionKeyType = typeOf[partitionKey],
            SortKeyName = sortKey,
            SortKeyType = sortKey is null ? null : typeOf[sortKey],
            BillingMode = billingMode,
            ReadCapacityUnits = request.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
            WriteCapacityUnits = request.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
            LastUpdateToPayPerRequestDateTime = billingMode == "PAY_PER_REQUEST" ? now : null,
            CreationDateTime = now,
            Tags = tags,
            TableClass = request.TableClass ?? "STANDARD",
            TableClassSpecified = request.TableClass is not null,
            SseEnabled = sse.Enabled,
            SseKmsKeyArn = sse.KeyArn,
            DeletionProtectionEnabled = request.DeletionProtectionEnabled ?? false,
            LocalSecondaryIndexes = localIndexes,
            GlobalSecondaryIndexes = globalIndexes,
            StreamViewType = streamViewType,
            ResourcePolicy = resourcePolicy,
            WrappedDataKey = [],
        });
        if (streamViewType is not null)
        {
            var stream = Streams!.Enable(runtime, streamViewType);
            var withStream = TableCatalog.Copy(runtime.Definition);
            withStream.LatestStreamLabel = stream.Definition.Label;
            catalog.Update(runtime, withStream);
        }

        // The table is usable as soon as it is stored; CreateTable still reports CREATING, as
        // DynamoDB does, and DescribeTable reports ACTIVE from then on (waiters see the change).
        writer.WriteStartObject();
        writer.WritePropertyName("TableDescription");
        TableDescriptionWriter.Write(writer, runtime, "CREATING");
        writer.WriteEndObject();
    }

    public void DescribeTable(TableNameRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var table = RequireTable(request.TableName, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeTable", table.Definition.Arn));
        store.EnsureCounters(table);
        writer.WriteStartObject();
        writer.WritePropertyName("Table");
        TableDescriptionWriter.Write(writer, table, table.Definition.Restore is { InProgress: true } ? "CREATING" : "ACTIVE");
        writer.WriteEndObject();
    }

    public void ListTables(ListTablesRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        var start = request.ExclusiveStartTableName;
        errors.Pattern(start, "exclusiveStartTableName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && ConstraintErrors.IsValidName(s));
        errors.MinLength(start, "exclusiveStartTableName", 3);
        errors.MaxLength(start, "exclusiveStartTableName", 255);
        errors.Min(request.Limit, "limit", 1);
        errors.Max(request.Limit, "limit", 100);
        errors.ThrowIfAny();

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:ListTables", "*"));
        var limit = request.Limit ?? 100;
        var names = catalog.ListNames(caller.Principal.AccountId, caller.Region);
        var first = 0;
        if (start is not null)
        {
            while (first < names.Count && string.CompareOrdinal(names[first], start) <= 0)
            {
                first++;
            }
        }

        var count = Math.Min(limit, names.Count - first);
        writer.WriteStartObject();
        writer.WriteStartArray("TableNames");
        for (var i = first; i < first + count; i++)
        {
            writer.WriteStringValue(names[i]);
        }

        writer.WriteEndArray();
        if (first + count < names.Count)
        {
            writer.WriteString("LastEvaluatedTableName", names[first + count - 1]);
        }

        writer.WriteEndObject();
    }

    public void UpdateTable(UpdateTableRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        ConstraintErrors.CheckTableName(request.TableName, errors);
        errors.Enum(request.BillingMode, "billingMode", "PROVISIONED", "PAY_PER_REQUEST");
        errors.Enum(request.TableClass, "tableClass", "STANDARD", "STANDARD_INFREQUENT_ACCESS");
        CheckSseConstraints(request.SSESpecification, errors);
        CheckThroughputConstraints(request.ProvisionedThroughput, errors);
        GlobalIndexUpdates.CheckConstraints(request.GlobalSecondaryIndexUpdates, errors);
        CheckStreamConstraints(request.StreamSpecification, errors);
        errors.ThrowIfAny();

        if (request.ProvisionedThroughput is null && request.BillingMode is null && request.StreamSpecification is null
            && request.GlobalSecondaryIndexUpdates is not { Count: > 0 } && request.SSESpecification is null
            && request.TableClass is null && request.DeletionProtectionEnabled is null)
        {
            throw DynamoDbErrors.Validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
        }

        if (request.GlobalSecondaryIndexUpdates is { Count: > 0 } indexUpdates)
        {
            GlobalIndexUpdates.CheckShape(indexUpdates);
        }

        var table = RequireTable(request.TableName, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UpdateTable", table.Definition.Arn));
        ThrowIfRestoring(table);
        var streamViewType = CheckStreamSpecification(request.StreamSpecification);
        if (request.StreamSpecification is { StreamEnabled: true } && table.Definition.StreamViewType is not null)
        {
            throw DynamoDbErrors.Validation($"Table already has an enabled stream: TableName: {table.Definition.TableName}");
        }

        if (request.StreamSpecification is { StreamEnabled: false } && table.Definition.StreamViewType is null)
        {
            throw DynamoDbErrors.Validation($"Table does not have a stream to disable: TableName: {table.Definition.TableName}");
        }

        lock (table.DefinitionLock)
        {
            UpdateDefinition(table, request, caller, streamViewType, writer);
        }

        // New provisioned rates apply from now on, not from the table's next request.
        limiter.For(table);
    }

    /// <summary>UpdateTable's changes to the definition; runs under the table's definition lock.</summary>
    private void UpdateDefinition(TableRuntime table, UpdateTableRequest request, CallerContext caller, string? streamViewType, Utf8JsonWriter writer)
    {
        var changed = TableCatalog.Copy(table.Definition);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var billingMode = request.BillingMode ?? changed.BillingMode;
        if (billingMode == "PAY_PER_REQUEST" && request.ProvisionedThroughput is not null)
        {
            throw DynamoDbErrors.InvalidParameter("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        }

        if (request.BillingMode == "PROVISIONED" && changed.BillingMode == "PAY_PER_REQUEST" && request.ProvisionedThroughput is null)
        {
            throw DynamoDbErrors.InvalidParameter("ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
        }

        if (request.ProvisionedThroughput is { } throughput)
        {
            CheckThroughputBounds(throughput);
            var read = throughput.ReadCapacityUnits!.Value;
            var write = throughput.WriteCapacityUnits!.Value;
            if (changed.BillingMode == "PROVISIONED" && request.BillingMode is null or "PROVISIONED"
                && read == changed.ReadCapacityUnits && write == changed.WriteCapacityUnits)
            {
                throw DynamoDbErrors.Validation(
                    $"The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {read}. Requested ReadCapacityUnits: {read}. Current WriteCapacityUnits provisioned for the table: {write}. Requested WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
            }

            if (read > changed.ReadCapacityUnits || write > changed.WriteCapacityUnits)
            {
                changed.LastIncreaseDateTime = now;
            }

            if (read < changed.ReadCapacityUnits || write < changed.WriteCapacityUnits)
            {
                changed.LastDecreaseDateTime = now;
                changed.NumberOfDecreasesToday++;
            }

            changed.ReadCapacityUnits = read;
            changed.WriteCapacityUnits = write;
        }

        if (billingMode != changed.BillingMode)
        {
            changed.BillingMode = billingMode;
            if (billingMode == "PAY_PER_REQUEST")
            {
                changed.LastUpdateToPayPerRequestDateTime = now;
                changed.ReadCapacityUnits = 0;
                changed.WriteCapacityUnits = 0;
            }
        }

        if (request.TableClass is not null)
        {
            if (request.TableClass != changed.TableClass)
            {
                changed.TableClassLastUpdateDateTime = now;
            }

            changed.TableClass = request.TableClass;
            changed.TableClassSpecified = true;
        }

        if (request.SSESpecification is { } sseSpecification)
        {
            var sse = ResolveSse(sseSpecification, caller);
            changed.SseEnabled = sse.Enabled;
            changed.SseKmsKeyArn = sse.KeyArn;
        }

        if (request.DeletionProtectionEnabled is { } protection)
        {
            changed.DeletionProtectionEnabled = protection;
        }

        var indexPlan = request.GlobalSecondaryIndexUpdates is { Count: > 0 } indexUpdates
            ? GlobalIndexUpdates.Apply(changed, indexUpdates, request.AttributeDefinitions, billingMode, catalog.AllocateStorageId)
            : null;
        if (request.StreamSpecification is { StreamEnabled: true })
        {
            var stream = Streams!.Enable(table, streamViewType!);
            changed.StreamViewType = streamViewType;
            changed.LatestStreamLabel = stream.Definition.Label;
        }
        else if (request.StreamSpecification is { StreamEnabled: false })
        {
            Streams?.Disable(table);
            changed.StreamViewType = null;
        }

        catalog.Update(table, changed);
        store.EnsureCounters(table);
        writer.WriteStartObject();
        writer.WritePropertyName("TableDescription");
        TableDescriptionWriter.Write(writer, table, indexPlan is null ? "ACTIVE" : "UPDATING");
        writer.WriteEndObject();

        if (indexPlan?.CreatedIndex is { } created)
        {
            backfill.Start(table, created);
        }

        if (indexPlan?.DeletedIndex is { } deleted)
        {
            // Dropping the entries is one range delete: the index is gone by the next request.
            var withoutIndex = TableCatalog.Copy(changed);
            withoutIndex.GlobalSecondaryIndexes.RemoveAll(i => i.IndexName == deleted);
            catalog.RemoveIndex(table, withoutIndex, changed.FindIndex(deleted)!);
        }
    }

    public void DeleteTable(TableNameRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var table = RequireTable(request.TableName, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DeleteTable", table.Definition.Arn));
        ThrowIfRestoring(table);
        if (table.Definition.DeletionProtectionEnabled)
        {
            throw DynamoDbErrors.Validation($"Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
        }

        store.EnsureCounters(table);
        BeforeDelete?.Invoke(table);
        Streams?.Disable(table);
        catalog.Delete(table);
        writer.WriteStartObject();
        writer.WritePropertyName("TableDescription");
        TableDescriptionWriter.Write(writer, table, "DELETING");
        writer.WriteEndObject();
    }

    /// <summary>Runs before a table's data goes (the backup service keeps a SYSTEM backup of a table with PITR on).</summary>
    public Action<TableRuntime>? BeforeDelete { get; set; }

    /// <summary>A table still being restored (CREATING) cannot be changed or deleted yet, as in DynamoDB.</summary>
    private static void ThrowIfRestoring(TableRuntime table)
    {
        if (table.Definition.Restore is { InProgress: true })
        {
            throw DynamoDbErrors.ResourceInUse($"Attempt to change a resource which is still in use: Table is being created: {table.Definition.TableName}");
        }
    }

    private TableRuntime RequireTable(string? tableName, CallerContext caller)
    {
        var errors = new ConstraintErrors();
        ConstraintErrors.CheckTableName(tableName, errors);
        errors.ThrowIfAny();
        return catalog.Find(caller.Principal.AccountId, caller.Region, tableName!)
            ?? throw DynamoDbErrors.TableNotFound(tableName!);
    }

    private static void CheckThroughputConstraints(ProvisionedThroughputDto? throughput, ConstraintErrors errors)
    {
        if (throughput is null)
        {
            return;
        }

        errors.NotNull(throughput.WriteCapacityUnits, "provisionedThroughput.writeCapacityUnits");
        errors.NotNull(throughput.ReadCapacityUnits, "provisionedThroughput.readCapacityUnits");
        errors.Min(throughput.WriteCapacityUnits, "provisionedThroughput.writeCapacityUnits", 1);
        errors.Min(throughput.ReadCapacityUnits, "provisionedThroughput.readCapacityUnits", 1);
    }

    private static void CheckStreamConstraints(StreamSpecificationDto? specification, ConstraintErrors errors)
    {
        if (specification is null)
        {
            return;
        }

        errors.NotNull(specification.StreamEnabled, "streamSpecification.streamEnabled");
        errors.Enum(specification.StreamViewType, "streamSpecification.streamViewType", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY");
    }

    /// <summary>The view type of a stream to enable, or null when none is to be enabled.</summary>
    private string? CheckStreamSpecification(StreamSpecificationDto? specification)
    {
        if (specification is not { StreamEnabled: true })
        {
            if (specification?.StreamViewType is not null)
            {
                throw DynamoDbErrors.InvalidParameter("StreamViewType can only be specified when StreamEnabled is true");
            }

            return null;
        }

        if (Streams is null)
        {
            throw DynamoDbErrors.Validation("Streams are not supported by this Lockbox version");
        }

        return specification.StreamViewType
            ?? throw DynamoDbErrors.InvalidParameter("StreamViewType is required when StreamEnabled is true");
    }

    private static void CheckThroughputBounds(ProvisionedThroughputDto throughput)
    {
        if (throughput.ReadCapacityUnits > MaxCapacityUnits)
        {
            throw DynamoDbErrors.Validation($"Given value {throughput.ReadCapacityUnits} for ReadCapacityUnits is out of bounds");
        }

        if (throughput.WriteCapacityUnits > MaxCapacityUnits)
        {
            throw DynamoDbErrors.Validation($"Given value {throughput.WriteCapacityUnits} for WriteCapacityUnits is out of bounds");
        }
    }

    private static void CheckBilling(string billingMode, ProvisionedThroughputDto? throughput)
    {
        if (billingMode == "PROVISIONED")
        {
            if (throughput is null)
            {
                throw DynamoDbErrors.InvalidParameter("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
            }

            CheckThroughputBounds(throughput);
        }
        else if (throughput is not null)
        {
            throw DynamoDbErrors.InvalidParameter("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        }
    }

    /// <summary>DynamoDB's key-schema checks, in the order its observed messages imply.</summary>
    private static (string PartitionKey, string? SortKey) CheckKeySchema(List<KeySchemaElementDto> keySchema, List<AttributeDefinitionDto> definitions,
        bool hasIndexes)
    {
        var defined = definitions.Select(d => d.AttributeName!).ToList();
        var keyNames = keySchema.Select(k => k.AttributeName!).ToList();
        if (defined.Count == 0 || (keySchema.Count == 2 && defined.Count < 2))
        {
            throw DynamoDbErrors.Validation("Invalid KeySchema: Some index key attribute have no definition");
        }

        if (keySchema.Count == 2 && keyNames[0] == keyNames[1])
        {
            throw DynamoDbErrors.Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }

        if (keySchema[0].KeyType != "HASH")
        {
            throw DynamoDbErrors.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }

        if (keySchema.Count == 2 && keySchema[1].KeyType != "RANGE")
        {
            throw DynamoDbErrors.Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        }

        var undefinedKeys = keyNames.Where(k => !defined.Contains(k)).ToList();
        if (undefinedKeys.Count > 0)
        {
            throw DynamoDbErrors.InvalidParameter(
                $"Some index key attributes are not defined in AttributeDefinitions. Keys: [{string.Join(", ", undefinedKeys)}], AttributeDefinitions: [{string.Join(", ", defined)}]");
        }

        // With secondary indexes, their key attributes are defined too; IndexSchema checks the set.
        if (!hasIndexes && (defined.Distinct(StringComparer.Ordinal).Count() != defined.Count || defined.Count != keyNames.Count))
        {
            throw DynamoDbErrors.InvalidParameter("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
        }

        return (keyNames[0], keySchema.Count == 2 ? keyNames[1] : null);
    }

    /// <summary>CreateTable's Tags: DynamoDB's tag rules, and no key twice.</summary>
    private static List<TagDto> CheckTags(List<TagDto>? tags)
    {
        if (tags is null)
        {
            return [];
        }

        if (tags.Count > TagRules.MaxTagsPerResource)
        {
            throw TagRules.TooMany();
        }

        foreach (var tag in tags)
        {
            TagRules.CheckTag(tag);
        }

        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw DynamoDbErrors.InvalidParameter("Duplicate tag keys found");
        }

        return tags;
    }

    private static void CheckSseConstraints(SseSpecificationDto? sse, ConstraintErrors errors)
    {
        if (sse is not null)
        {
            errors.Enum(sse.SSEType, "sSESpecification.sSEType", "AES256", "KMS");
        }
    }

    /// <summary>
    /// What an SSESpecification asks for: Enabled=false (or absent) is the AWS owned key (no
    /// SSEDescription); Enabled=true is KMS, with the given key (an id, alias or ARN, made a full
    /// ARN in the caller's account and region) or the account's AWS managed key alias/aws/dynamodb.
    /// The key itself is not used until the KMS issue; Lockbox stands in a stable key id for it.
    /// </summary>
    private static (bool Enabled, string? KeyArn) ResolveSse(SseSpecificationDto? sse, CallerContext caller)
    {
        if (sse is null || sse.Enabled != true)
        {
            if (sse?.KMSMasterKeyId is not null)
            {
                throw DynamoDbErrors.InvalidParameter("KMSMasterKeyId can only be specified when SSE is enabled");
            }

            return (false, null);
        }

        var prefix = $"arn:aws:kms:{caller.Region}:{caller.Principal.AccountId}:";
        var key = sse.KMSMasterKeyId;
        if (string.IsNullOrEmpty(key))
        {
            return (true, prefix + "key/" + ManagedKeyId(caller));
        }

        return (true, key.StartsWith("arn:", StringComparison.Ordinal) ? key
            : key.StartsWith("alias/", StringComparison.Ordinal) ? prefix + key
            : prefix + "key/" + key);
    }

    /// <summary>A stable key id standing for the account's AWS managed key (alias/aws/dynamodb) in a region.</summary>
    private static string ManagedKeyId(CallerContext caller)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes("alias/aws/dynamodb/" + caller.Principal.AccountId + "/" + caller.Region));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
