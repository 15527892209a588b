using System.Text;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Items;

/// <summary>
/// DynamoDB's checks of primary keys, with its exact wording (which differs between a Key
/// parameter and an Item that carries the key).
/// </summary>
public static class KeyValidation
{
    public const int MaxPartitionKeyBytes = 2048;
    public const int MaxSortKeyBytes = 1024;

    /// <summary>Checks a <c>Key</c> parameter: exactly the key attributes, of the right types.</summary>
    public static void CheckKey(TableDefinition table, IReadOnlyDictionary<string, AttributeValue> key)
    {
        var expected = table.SortKeyName is null ? 1 : 2;
        if (key.Count != expected
            || !key.TryGetValue(table.PartitionKeyName, out var partition)
            || partition.Type != table.PartitionKeyType)
        {
            throw DynamoDbErrors.Validation("The provided key element does not match the schema");
        }

        AttributeValue? sort = null;
        if (table.SortKeyName is not null
            && (!key.TryGetValue(table.SortKeyName, out sort) || sort.Type != table.SortKeyType))
        {
            throw DynamoDbErrors.Validation("The provided key element does not match the schema");
        }

        CheckKeyValues(table, partition, sort, "One or more parameter values were invalid: ");
    }

    /// <summary>Checks the key attributes carried by an item (PutItem, BatchWriteItem puts).</summary>
    public static void CheckItemKey(TableDefinition table, IReadOnlyDictionary<string, AttributeValue> item)
    {
        var partition = RequireKeyAttribute(item, table.PartitionKeyName, table.PartitionKeyType);
        AttributeValue? sort = null;
        if (table.SortKeyName is not null)
        {
            sort = RequireKeyAttribute(item, table.SortKeyName, table.SortKeyType!.Value);
        }

        CheckKeyValues(table, partition, sort, "One or more parameter values are not valid. ");
    }

    /// <summary>The key attributes of an item, as a new map (LastEvaluatedKey, UnprocessedKeys...).</summary>
    public static Dictionary<string, AttributeValue> KeyOf(TableDefinition table, IReadOnlyDictionary<string, AttributeValue> item)
    {
        var key = new Dictionary<string, AttributeValue>(2, StringComparer.Ordinal)
        {
            [table.PartitionKeyName] = item[table.PartitionKeyName],
        };
        if (table.SortKeyName is not null)
        {
            key[table.SortKeyName] = item[table.SortKeyName];
        }

        return key;
    }

    private static AttributeValue RequireKeyAttribute(IReadOnlyDictionary<string, AttributeValue> item, string name, AttributeType type)
    {
        if (!item.TryGetValue(name, out var value))
        {
            throw DynamoDbErrors.InvalidParameter($"Missing the key {name} in the item");
        }

        if (value.Type != type)
        {
            throw DynamoDbErrors.InvalidParameter($"Type mismatch for key {name} expected: {type} actual: {value.Type}");
        }

        return value;
    }

    private static void CheckKeyValues(TableDefinition table, AttributeValue partition, AttributeValue? sort, string emptyPrefix)
    {
        CheckNotEmpty(partition, table.PartitionKeyName, emptyPrefix);
        if (sort is not null)
        {
            CheckNotEmpty(sort, table.SortKeyName!, emptyPrefix);
        }

        if (KeyBytes(partition) > MaxPartitionKeyBytes)
        {
            throw DynamoDbErrors.InvalidParameter("Size of hashkey has exceeded the maximum size limit of2048 bytes");
        }

        if (sort is not null && KeyBytes(sort) > MaxSortKeyBytes)
        {
            throw DynamoDbErrors.InvalidParameter("Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
        }
    }

    private static void CheckNotEmpty(AttributeValue value, string name, string prefix)
    {
        if (value.Type == AttributeType.S && value.AsString().Length == 0)
        {
            throw DynamoDbErrors.Validation($"{prefix}The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}");
        }

        if (value.Type == AttributeType.B && value.AsBinary().Length == 0)
        {
            throw DynamoDbErrors.Validation($"{prefix}The AttributeValue for a key attribute cannot contain an empty binary value. Key: {name}");
        }
    }

    private static int KeyBytes(AttributeValue value) => value.Type switch
    {
        AttributeType.S => Encoding.UTF8.GetByteCount(value.AsString()),
        AttributeType.B => value.AsBinary().Length,
        _ => ItemSize.Of(value),
    };
}
