using System.Globalization;
using System.Text;

namespace Lockbox.Bench.Load;

/// <summary>
/// Request bodies for the benchmark table: pk (S, HASH) and sk (S, RANGE), <see cref="SortKeys"/>
/// sort keys per partition, items of about 200 bytes with attributes of mixed types
/// (S, N, BOOL, SS, M, L). Writes stay inside the preloaded key space so every op sees the
/// same table size on every endpoint, whatever its speed.
/// </summary>
internal sealed class Workload
{
    public const int SortKeys = 10;
    public const int BatchSize = 25;
    public const int ScanLimit = 100;

    private static readonly string[] Colors = ["red", "green", "blue", "amber", "violet", "teal"];
    private readonly string _tableJson;

    public Workload(string table, int items)
    {
        Table = table;
        Items = items;
        Partitions = items / SortKeys;
        _tableJson = "\"" + table + "\"";
    }

    public string Table { get; }
    public int Items { get; }
    public int Partitions { get; }

    public static string Pk(int partition) => "p" + partition.ToString("D6", CultureInfo.InvariantCulture);

    public static string Sk(int sort) => "s" + sort.ToString("D4", CultureInfo.InvariantCulture);

    public string CreateTableJson() =>
        "{\"TableName\":" + _tableJson +
        ",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}" +
        (GlobalIndex ? ",{\"AttributeName\":\"name\",\"AttributeType\":\"S\"}]" : "]") +
        ",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]" +
        ",\"BillingMode\":\"PAY_PER_REQUEST\"" +
        (GlobalIndex ? ",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by-name\",\"KeySchema\":[{\"AttributeName\":\"name\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]" : "") +
        (StreamViewType is null ? "" : ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"" + StreamViewType + "\"}") + "}";

    /// <summary>When set, preloaded items carry "exp" = this epoch second (a TTL table's expiry).</summary>
    public long? ExpiresAt { get; init; }

    /// <summary>When set, the bench table has a global secondary index on name (to measure its cost).</summary>
    public bool GlobalIndex { get; init; }

    /// <summary>When set, the bench table has a stream of this view type (to measure its cost).</summary>
    public string? StreamViewType { get; init; }

    public string TableOnlyJson() => "{\"TableName\":" + _tableJson + "}";

    /// <summary>One item as DynamoDB JSON (about 200 bytes of attribute names and values).</summary>
    public static void AppendItem(StringBuilder sb, int index, Random rng)
    {
        int partition = index / SortKeys;
        int sort = index % SortKeys;
        string color = Colors[rng.Next(Colors.Length)];
        sb.Append("{\"pk\":{\"S\":\"").Append(Pk(partition))
          .Append("\"},\"sk\":{\"S\":\"").Append(Sk(sort))
          .Append("\"},\"name\":{\"S\":\"item ").Append(index.ToString(CultureInfo.InvariantCulture)).Append(" of the lockbox load benchmark")
          .Append("\"},\"qty\":{\"N\":\"").Append(rng.Next(1_000_000).ToString(CultureInfo.InvariantCulture))
          .Append("\"},\"price\":{\"N\":\"").Append(rng.Next(100_000).ToString(CultureInfo.InvariantCulture)).Append(".").Append(rng.Next(100).ToString("D2", CultureInfo.InvariantCulture))
          .Append("\"},\"active\":{\"BOOL\":").Append(rng.Next(2) == 0 ? "true" : "false")
          .Append("},\"tags\":{\"SS\":[\"bench\",\"load\",\"").Append(color)
          .Append("\"]},\"dims\":{\"M\":{\"w\":{\"N\":\"").Append(rng.Next(1000).ToString(CultureInfo.InvariantCulture))
          .Append("\"},\"h\":{\"N\":\"").Append(rng.Next(1000).ToString(CultureInfo.InvariantCulture))
          .Append("\"},\"unit\":{\"S\":\"mm\"}}},\"hist\":{\"L\":[{\"N\":\"1\"},{\"S\":\"two\"},{\"NULL\":true}]}}");
    }

    public byte[] GetItem(Random rng)
    {
        int index = rng.Next(Items);
        string json = "{\"TableName\":" + _tableJson + ",\"Key\":{\"pk\":{\"S\":\"" + Pk(index / SortKeys) +
                      "\"},\"sk\":{\"S\":\"" + Sk(index % SortKeys) + "\"}}}";
        return Encoding.UTF8.GetBytes(json);
    }

    public byte[] PutItem(Random rng, StringBuilder sb)
    {
        sb.Clear();
        sb.Append("{\"TableName\":").Append(_tableJson).Append(",\"Item\":");
        AppendItem(sb, rng.Next(Items), rng);
        sb.Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public byte[] Query(Random rng)
    {
        string json = "{\"TableName\":" + _tableJson +
                      ",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"" +
                      Pk(rng.Next(Partitions)) + "\"}}}";
        return Encoding.UTF8.GetBytes(json);
    }

    /// <summary>BatchWriteItem of <see cref="BatchSize"/> puts on consecutive (hence distinct) keys.</summary>
    public byte[] BatchWrite(Random rng, StringBuilder sb) => BatchWrite(rng.Next(Items), rng, sb);

    public byte[] BatchWrite(int firstIndex, Random rng, StringBuilder sb, int count = BatchSize)
    {
        sb.Clear();
        sb.Append("{\"RequestItems\":{").Append(_tableJson).Append(":[");
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append("{\"PutRequest\":{\"Item\":");
            AppendItem(sb, (firstIndex + i) % Items, rng);
            if (ExpiresAt is { } expiry)
            {
                // Splice an "exp" attribute (epoch seconds) into the item just written.
                sb.Length--;
                sb.Append(",\"exp\":{\"N\":\"").Append(expiry.ToString(CultureInfo.InvariantCulture)).Append("\"}}");
            }

            sb.Append("}}");
        }

        sb.Append("]}}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Actions of the TransactWriteItems workload ("transact10").</summary>
    public const int TransactSize = 10;

    /// <summary>TransactWriteItems of <see cref="TransactSize"/> puts on consecutive (hence distinct) keys.</summary>
    public byte[] TransactWrite(Random rng, StringBuilder sb)
    {
        int first = rng.Next(Items);
        sb.Clear();
        sb.Append("{\"TransactItems\":[");
        for (int i = 0; i < TransactSize; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append("{\"Put\":{\"TableName\":").Append(_tableJson).Append(",\"Item\":");
            AppendItem(sb, (first + i) % Items, rng);
            sb.Append("}}");
        }

        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public byte[] Scan(string? exclusiveStartKey)
    {
        string json = exclusiveStartKey is null
            ? "{\"TableName\":" + _tableJson + ",\"Limit\":" + ScanLimit.ToString(CultureInfo.InvariantCulture) + "}"
            : "{\"TableName\":" + _tableJson + ",\"Limit\":" + ScanLimit.ToString(CultureInfo.InvariantCulture) + ",\"ExclusiveStartKey\":" + exclusiveStartKey + "}";
        return Encoding.UTF8.GetBytes(json);
    }

    public static string Target(string op) => op switch
    {
        "get" => "DynamoDB_20120810.GetItem",
        "put" => "DynamoDB_20120810.PutItem",
        "query" => "DynamoDB_20120810.Query",
        "batchwrite" => "DynamoDB_20120810.BatchWriteItem",
        "scan" => "DynamoDB_20120810.Scan",
        "transact10" => "DynamoDB_20120810.TransactWriteItems",
        _ => throw new ArgumentException($"unknown op {op}"),
    };
}
