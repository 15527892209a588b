using System.Text.Json;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// DynamoDB's capacity arithmetic: reads in 4 KB units (eventually consistent = half), writes in
/// 1 KB units of the larger of the old and new item, at least one unit per item touched.
/// </summary>
internal static class ConsumedCapacity
{
    public static double ReadUnits(long sizeBytes, bool consistent)
    {
        var units = Math.Max(1, (sizeBytes + 4095) / 4096);
        return consistent ? units : units / 2.0;
    }

    public static double WriteUnits(long sizeBytes) => Math.Max(1, (sizeBytes + 1023) / 1024);

    public static bool IsRequested(string? mode) => mode is "TOTAL" or "INDEXES";

    /// <summary>Writes one ConsumedCapacity object (without a property name).</summary>
    public static void WriteValue(Utf8JsonWriter writer, string mode, string tableName, double units, bool isRead)
    {
        writer.WriteStartObject();
        writer.WriteString("TableName", tableName);
        writer.WriteNumber("CapacityUnits", units);
        writer.WriteNumber(isRead ? "ReadCapacityUnits" : "WriteCapacityUnits", units);
        if (mode == "INDEXES")
        {
            writer.WriteStartObject("Table");
            writer.WriteNumber(isRead ? "ReadCapacityUnits" : "WriteCapacityUnits", units);
            writer.WriteNumber("CapacityUnits", units);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes <c>"ConsumedCapacity": {...}</c> when the request asked for it.</summary>
    public static void WriteProperty(Utf8JsonWriter writer, string? mode, string tableName, double units, bool isRead)
    {
        if (!IsRequested(mode))
        {
            return;
        }

        writer.WritePropertyName("ConsumedCapacity");
        WriteValue(writer, mode!, tableName, units, isRead);
    }
}
