using Lockbox.Common;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// DynamoDB's request condition keys for the authorizer (see docs/ARCHITECTURE.md, "IAM
/// enforcement"): dynamodb:LeadingKeys (partition key values touched), dynamodb:Attributes
/// (top-level attribute names read or written, key attributes included), dynamodb:Select,
/// dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity and dynamodb:EnclosingOperation.
/// Root is allowed whatever the keys, so nothing is built for it.
/// </summary>
internal sealed class IamConditionKeys
{
    private readonly Dictionary<string, IReadOnlyList<string>> _keys = new(StringComparer.Ordinal);
    private readonly List<string> _leadingKeys = [];
    private readonly HashSet<string> _attributes = new(StringComparer.Ordinal);
    private bool _hasLeadingKeys;
    private bool _hasAttributes;

    private IamConditionKeys()
    {
    }

    /// <summary>A builder, or null for the root user (whose requests need no keys).</summary>
    public static IamConditionKeys? For(CallerContext caller) => caller.Principal.IsRoot ? null : new IamConditionKeys();

    /// <summary>Adds the partition key value of <paramref name="keyOrItem"/> and, as attributes, its key attribute names.</summary>
    public IamConditionKeys Key(TableDefinition definition, Dictionary<string, AttributeValue> keyOrItem)
    {
        if (keyOrItem.TryGetValue(definition.PartitionKeyName, out var partition))
        {
            PartitionValue(partition);
        }

        Attribute(definition.PartitionKeyName);
        if (definition.SortKeyName is { } sortKey)
        {
            Attribute(sortKey);
        }

        return this;
    }

    /// <summary>Adds a partition key value to dynamodb:LeadingKeys.</summary>
    public IamConditionKeys PartitionValue(AttributeValue value)
    {
        _hasLeadingKeys = true;
        var text = value.Type switch
        {
            AttributeType.S => value.AsString(),
            AttributeType.N => value.AsNumber().ToString(),
            AttributeType.B => Convert.ToBase64String(value.AsBinary()),
            _ => null,
        };
        if (text is not null && !_leadingKeys.Contains(text))
        {
            _leadingKeys.Add(text);
        }

        return this;
    }

    /// <summary>Adds attribute names to dynamodb:Attributes (the key is present even if none are added).</summary>
    public IamConditionKeys Attributes(IEnumerable<string>? names)
    {
        _hasAttributes = true;
        if (names is not null)
        {
            foreach (var name in names)
            {
                _attributes.Add(name);
            }
        }

        return this;
    }

    /// <summary>Adds one attribute name.</summary>
    public IamConditionKeys Attribute(string name)
    {
        _hasAttributes = true;
        _attributes.Add(name);
        return this;
    }

    /// <summary>Sets a single-valued key (skipped when <paramref name="value"/> is null).</summary>
    public IamConditionKeys Set(string key, string? value)
    {
        if (value is not null)
        {
            _keys[key] = [value];
        }

        return this;
    }

    /// <summary>dynamodb:Select.</summary>
    public IamConditionKeys Select(string? select) => Set("dynamodb:Select", select);

    /// <summary>dynamodb:ReturnValues (NONE when the request leaves it out).</summary>
    public IamConditionKeys ReturnValues(string? returnValues) => Set("dynamodb:ReturnValues", returnValues ?? "NONE");

    /// <summary>dynamodb:ReturnConsumedCapacity (NONE when the request leaves it out).</summary>
    public IamConditionKeys ReturnConsumedCapacity(string? value) => Set("dynamodb:ReturnConsumedCapacity", value ?? "NONE");

    /// <summary>dynamodb:EnclosingOperation (TransactWriteItems, TransactGetItems...).</summary>
    public IamConditionKeys EnclosingOperation(string? operation) => Set("dynamodb:EnclosingOperation", operation);

    /// <summary>The keys collected.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Build()
    {
        if (_hasLeadingKeys)
        {
            _keys["dynamodb:LeadingKeys"] = _leadingKeys.ToArray();
        }

        if (_hasAttributes)
        {
            _keys["dynamodb:Attributes"] = _attributes.ToArray();
        }

        return _keys;
    }
}
