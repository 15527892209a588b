using System.Text.Json;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>Writes a TableDescription in DynamoDB's shape.</summary>
internal static class TableDescriptionWriter
{
    public static void Write(Utf8JsonWriter writer, TableRuntime table, string status)
    {
        var definition = table.Definition;
        writer.WriteStartObject();
        writer.WriteStartArray("AttributeDefinitions");
        foreach (var attribute in definition.AttributeDefinitions)
        {
            writer.WriteStartObject();
            writer.WriteString("AttributeName", attribute.AttributeName);
            writer.WriteString("AttributeType", attribute.AttributeType);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("TableName", definition.TableName);
        writer.WriteStartArray("KeySchema");
        WriteKeyElement(writer, definition.PartitionKeyName, "HASH");
        if (definition.SortKeyName is not null)
        {
            WriteKeyElement(writer, definition.SortKeyName, "RANGE");
        }

        writer.WriteEndArray();
        writer.WriteString("TableStatus", status);
        writer.WriteNumber("CreationDateTime", definition.CreationDateTime);
        writer.WriteStartObject("ProvisionedThroughput");
        if (definition.LastIncreaseDateTime is { } increased)
        {
            writer.WriteNumber("LastIncreaseDateTime", increased);
        }

        if (definition.LastDecreaseDateTime is { } decreased)
        {
            writer.WriteNumber("LastDecreaseDateTime", decreased);
        }

        writer.WriteNumber("NumberOfDecreasesToday", definition.NumberOfDecreasesToday);
        writer.WriteNumber("ReadCapacityUnits", definition.ReadCapacityUnits);
        writer.WriteNumber("WriteCapacityUnits", definition.WriteCapacityUnits);
        writer.WriteEndObject();
        writer.WriteNumber("TableSizeBytes", table.SizeBytes);
        writer.WriteNumber("ItemCount", table.ItemCount);
        writer.WriteString("TableArn", definition.Arn);
        writer.WriteString("TableId", definition.TableId);
        writer.WriteStartObject("BillingModeSummary");
        writer.WriteString("BillingMode", definition.BillingMode);
        if (definition.LastUpdateToPayPerRequestDateTime is { } switched)
        {
            writer.WriteNumber("LastUpdateToPayPerRequestDateTime", switched);
        }

        writer.WriteEndObject();
        if (definition.TableClassSpecified || definition.TableClass != "STANDARD")
        {
            writer.WriteStartObject("TableClassSummary");
            writer.WriteString("TableClass", definition.TableClass);
            if (definition.TableClassLastUpdateDateTime is { } classChanged)
            {
                writer.WriteNumber("LastUpdateDateTime", classChanged);
            }

            writer.WriteEndObject();
        }

        if (definition.SseEnabled)
        {
            writer.WriteStartObject("SSEDescription");
            writer.WriteString("Status", "ENABLED");
            writer.WriteString("SSEType", "KMS");
            writer.WriteString("KMSMasterKeyArn", definition.SseKmsKeyArn);
            writer.WriteEndObject();
        }

        if (definition.StreamViewType is not null)
        {
            writer.WriteStartObject("StreamSpecification");
            writer.WriteBoolean("StreamEnabled", true);
            writer.WriteString("StreamViewType", definition.StreamViewType);
            writer.WriteEndObject();
        }

        if (definition.LatestStreamLabel is not null)
        {
            writer.WriteString("LatestStreamLabel", definition.LatestStreamLabel);
            writer.WriteString("LatestStreamArn", definition.LatestStreamArn);
        }

        if (definition.Restore is { } restore)
        {
            writer.WriteStartObject("RestoreSummary");
            if (restore.SourceBackupArn is not null)
            {
                writer.WriteString("SourceBackupArn", restore.SourceBackupArn);
            }

            if (restore.SourceTableArn is not null)
            {
                writer.WriteString("SourceTableArn", restore.SourceTableArn);
            }

            writer.WriteNumber("RestoreDateTime", restore.RestoreDateTime);
            writer.WriteBoolean("RestoreInProgress", restore.InProgress);
            writer.WriteEndObject();
        }

        writer.WriteBoolean("DeletionProtectionEnabled", definition.DeletionProtectionEnabled);
        WriteIndexes(writer, table, "LocalSecondaryIndexes", definition.LocalSecondaryIndexes, status);
        WriteIndexes(writer, table, "GlobalSecondaryIndexes", definition.GlobalSecondaryIndexes, status);
        writer.WriteEndObject();
    }

    private static void WriteIndexes(Utf8JsonWriter writer, TableRuntime table, string property, List<SecondaryIndex> indexes,
        string tableStatus)
    {
        if (indexes.Count == 0)
        {
            return;
        }

        var definition = table.Definition;
        writer.WriteStartArray(property);
        foreach (var index in indexes)
        {
            var counters = table.IndexCounters(index.IndexName);
            writer.WriteStartObject();
            writer.WriteString("IndexName", index.IndexName);
            writer.WriteStartArray("KeySchema");
            WriteKeyElement(writer, index.PartitionKeyName, "HASH");
            if (index.SortKeyName is not null)
            {
                WriteKeyElement(writer, index.SortKeyName, "RANGE");
            }

            writer.WriteEndArray();
            writer.WriteStartObject("Projection");
            writer.WriteString("ProjectionType", index.ProjectionType);
            if (index.NonKeyAttributes is { } nonKey)
            {
                writer.WriteStartArray("NonKeyAttributes");
                foreach (var name in nonKey)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            if (index.IsGlobal)
            {
                // A table's own CREATING answer shows its indexes CREATING too, as DynamoDB's does.
                writer.WriteString("IndexStatus", tableStatus == "CREATING" ? "CREATING" : index.IndexStatus);
                if (index.IndexStatus == "CREATING")
                {
                    writer.WriteBoolean("Backfilling", true);
                }

                writer.WriteStartObject("ProvisionedThroughput");
                writer.WriteNumber("NumberOfDecreasesToday", 0);
                writer.WriteNumber("ReadCapacityUnits", definition.BillingMode == "PROVISIONED" ? index.ReadCapacityUnits : 0);
                writer.WriteNumber("WriteCapacityUnits", definition.BillingMode == "PROVISIONED" ? index.WriteCapacityUnits : 0);
                writer.WriteEndObject();
            }

            writer.WriteNumber("IndexSizeBytes", counters.SizeBytes);
            writer.WriteNumber("ItemCount", counters.ItemCount);
            writer.WriteString("IndexArn", index.Arn(definition));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteKeyElement(Utf8JsonWriter writer, string name, string keyType)
    {
        writer.WriteStartObject();
        writer.WriteString("AttributeName", name);
        writer.WriteString("KeyType", keyType);
        writer.WriteEndObject();
    }
}
