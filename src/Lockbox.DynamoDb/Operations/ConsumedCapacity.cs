using System.Text.Json;
using Lockbox.DynamoDb.Capacity;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// DynamoDB's capacity arithmetic and the ConsumedCapacity response member.
/// <list type="bullet">
/// <item>Reads: 4 KB units, rounded up per item for GetItem/BatchGetItem and over the summed size of
/// the items read for Query/Scan; eventually consistent reads cost half; at least one unit.</item>
/// <item>Writes: 1 KB units of the larger of the old and the new item; at least one unit.</item>
/// <item>Transactions: double (<see cref="Transactional"/>).</item>
/// </list>
/// TOTAL reports <c>{TableName, CapacityUnits, Read|WriteCapacityUnits}</c>; INDEXES adds the
/// <c>Table</c> part and <c>GlobalSecondaryIndexes</c> / <c>LocalSecondaryIndexes</c> maps.
/// </summary>
public static class ConsumedCapacity
{
    public static double ReadUnits(long sizeBytes, bool consistent)
    {
        var units = Math.Max(1, (sizeBytes + 4095) / 4096);
        return consistent ? units : units / 2.0;
    }

    public static double WriteUnits(long sizeBytes) => Math.Max(1, (sizeBytes + 1023) / 1024);

    /// <summary>Write units of a write that replaced an item of <paramref name="oldSize"/> by one of <paramref name="newSize"/> (0 = absent).</summary>
    public static double WriteUnits(long oldSize, long newSize) => WriteUnits(Math.Max(oldSize, newSize));

    /// <summary>TransactWriteItems / TransactGetItems cost twice the plain units.</summary>
    public static double Transactional(double units) => units * 2;

    public static bool IsRequested(string? mode) => mode is "TOTAL" or "INDEXES";

    /// <summary>Writes one ConsumedCapacity object (without a property name).</summary>
    public static void WriteValue(Utf8JsonWriter writer, string mode, CapacityUsage usage)
    {
        var unitsName = usage.IsRead ? "ReadCapacityUnits" : "WriteCapacityUnits";
        var total = usage.Total;
        writer.WriteStartObject();
        writer.WriteString("TableName", usage.TableName);
        writer.WriteNumber("CapacityUnits", total);
        writer.WriteNumber(unitsName, total);
        if (mode == "INDEXES")
        {
            writer.WriteStartObject("Table");
            writer.WriteNumber(unitsName, usage.TableUnits);
            writer.WriteNumber("CapacityUnits", usage.TableUnits);
            writer.WriteEndObject();
            WriteIndexes(writer, "LocalSecondaryIndexes", usage.LocalSecondaryIndexes, unitsName);
            WriteIndexes(writer, "GlobalSecondaryIndexes", usage.GlobalSecondaryIndexes, unitsName);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes one ConsumedCapacity object for a table without indexes.</summary>
    public static void WriteValue(Utf8JsonWriter writer, string mode, string tableName, double units, bool isRead) =>
        WriteValue(writer, mode, CapacityUsage.ForTable(tableName, units, isRead));

    /// <summary>Writes <c>"ConsumedCapacity": {...}</c> when the request asked for it.</summary>
    public static void WriteProperty(Utf8JsonWriter writer, string? mode, CapacityUsage usage)
    {
        if (!IsRequested(mode))
        {
            return;
        }

        writer.WritePropertyName("ConsumedCapacity");
        WriteValue(writer, mode!, usage);
    }

    /// <summary>Writes <c>"ConsumedCapacity": {...}</c> for a table without indexes when the request asked for it.</summary>
    public static void WriteProperty(Utf8JsonWriter writer, string? mode, string tableName, double units, bool isRead)
    {
        if (IsRequested(mode))
        {
            WriteProperty(writer, mode, CapacityUsage.ForTable(tableName, units, isRead));
        }
    }

    /// <summary>Writes <c>"ConsumedCapacity": [...]</c> (batch and transaction operations) when the request asked for it.</summary>
    public static void WriteArrayProperty(Utf8JsonWriter writer, string? mode, IEnumerable<CapacityUsage> usages)
    {
        if (!IsRequested(mode))
        {
            return;
        }

        writer.WriteStartArray("ConsumedCapacity");
        foreach (var usage in usages)
        {
            WriteValue(writer, mode!, usage);
        }

        writer.WriteEndArray();
    }

    private static void WriteIndexes(Utf8JsonWriter writer, string name, Dictionary<string, double>? indexes, string unitsName)
    {
        if (indexes is null)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (index, units) in indexes)
        {
            writer.WriteStartObject(index);
            writer.WriteNumber(unitsName, units);
            writer.WriteNumber("CapacityUnits", units);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
