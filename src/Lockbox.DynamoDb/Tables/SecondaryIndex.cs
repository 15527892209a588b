using System.Text.Json.Serialization;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// A global or local secondary index of a table, as persisted in the table's definition.
/// <para>Storage: every index entry lives in the "dynamodb-indexes" keyspace under the index's own
/// storage id (see <see cref="Items.IndexKeys"/>); entries point at base items and carry no item
/// data, so an index costs one small write per changed item and reads project the base item.</para>
/// </summary>
public sealed class SecondaryIndex
{
    public required string IndexName { get; set; }
    /// <summary>True for a global secondary index, false for a local one.</summary>
    public required bool IsGlobal { get; set; }
    /// <summary>Dense numeric id (shared sequence with tables) that prefixes every entry key of this index.</summary>
    public required long StorageId { get; set; }
    public required string PartitionKeyName { get; set; }
    public required AttributeType PartitionKeyType { get; set; }
    public string? SortKeyName { get; set; }
    public AttributeType? SortKeyType { get; set; }
    /// <summary>ALL, KEYS_ONLY or INCLUDE.</summary>
    public required string ProjectionType { get; set; }
    public List<string>? NonKeyAttributes { get; set; }
    public long ReadCapacityUnits { get; set; }
    public long WriteCapacityUnits { get; set; }
    /// <summary>CREATING (being backfilled), ACTIVE or DELETING. Local indexes are always ACTIVE.</summary>
    public string IndexStatus { get; set; } = "ACTIVE";

    [JsonIgnore]
    public bool IsActive => IndexStatus == "ACTIVE";

    public string Arn(TableDefinition table) => table.Arn + "/index/" + IndexName;

    /// <summary>The attributes an index read returns for a projected item (null = every attribute).</summary>
    public HashSet<string>? ProjectedAttributes(TableDefinition table)
    {
        if (ProjectionType == "ALL")
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal) { table.PartitionKeyName, PartitionKeyName };
        if (table.SortKeyName is not null)
        {
            names.Add(table.SortKeyName);
        }

        if (SortKeyName is not null)
        {
            names.Add(SortKeyName);
        }

        if (ProjectionType == "INCLUDE" && NonKeyAttributes is not null)
        {
            names.UnionWith(NonKeyAttributes);
        }

        return names;
    }
}
