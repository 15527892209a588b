namespace Lockbox.DynamoDb.Capacity;

/// <summary>
/// What one operation consumed on one table: the table's own units and, per secondary index,
/// the index's units (ReturnConsumedCapacity=INDEXES reports them apart; TOTAL reports the sum).
/// </summary>
public sealed class CapacityUsage(string tableName, bool isRead)
{
    public string TableName { get; } = tableName;

    public bool IsRead { get; } = isRead;

    public double TableUnits { get; set; }

    /// <summary>Index name → units, for global secondary indexes (null until one is charged).</summary>
    public Dictionary<string, double>? GlobalSecondaryIndexes { get; private set; }

    /// <summary>Index name → units, for local secondary indexes (null until one is charged).</summary>
    public Dictionary<string, double>? LocalSecondaryIndexes { get; private set; }

    public double Total
    {
        get
        {
            var total = TableUnits;
            if (GlobalSecondaryIndexes is not null)
            {
                foreach (var units in GlobalSecondaryIndexes.Values)
                {
                    total += units;
                }
            }

            if (LocalSecondaryIndexes is not null)
            {
                foreach (var units in LocalSecondaryIndexes.Values)
                {
                    total += units;
                }
            }

            return total;
        }
    }

    public static CapacityUsage ForTable(string tableName, double units, bool isRead) => new(tableName, isRead) { TableUnits = units };

    public void AddGlobalIndex(string indexName, double units)
    {
        GlobalSecondaryIndexes ??= new Dictionary<string, double>(StringComparer.Ordinal);
        GlobalSecondaryIndexes[indexName] = GlobalSecondaryIndexes.GetValueOrDefault(indexName) + units;
    }

    public void AddLocalIndex(string indexName, double units)
    {
        LocalSecondaryIndexes ??= new Dictionary<string, double>(StringComparer.Ordinal);
        LocalSecondaryIndexes[indexName] = LocalSecondaryIndexes.GetValueOrDefault(indexName) + units;
    }
}
