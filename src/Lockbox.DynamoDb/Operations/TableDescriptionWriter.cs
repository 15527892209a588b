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

        writer.WriteBoolean("DeletionProtectionEnabled", definition.DeletionProtectionEnabled);
        writer.WriteEndObject();
    }

    private static void WriteKeyElement(Utf8JsonWriter writer, string name, string keyType)
    {
        writer.WriteStartObject();
        writer.WriteString("AttributeName", name);
        writer.WriteString("KeyType", keyType);
        writer.WriteEndObject();
    }
}
