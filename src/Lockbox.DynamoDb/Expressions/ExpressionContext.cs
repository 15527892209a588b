using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// The ExpressionAttributeNames and ExpressionAttributeValues of one request, shared by all of
/// its expressions, tracking which placeholders were used. The constructor performs DynamoDB's
/// checks on the maps themselves (empty maps, malformed keys), which DynamoDB makes before it
/// parses any expression; <see cref="EnsureAllUsed"/> runs after all expressions are parsed.
/// </summary>
public sealed class ExpressionContext
{
    private readonly IReadOnlyDictionary<string, string>? _names;
    private readonly IReadOnlyDictionary<string, AttributeValue>? _values;
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedValues = new(StringComparer.Ordinal);

    public ExpressionContext(IReadOnlyDictionary<string, string>? names, IReadOnlyDictionary<string, AttributeValue>? values)
    {
        _names = names;
        _values = values;
        ValidateMaps();
    }

    /// <summary>A context without placeholders (legacy parameters, tests).</summary>
    public static ExpressionContext Empty => new(null, null);

    public IReadOnlyDictionary<string, string>? Names => _names;

    public IReadOnlyDictionary<string, AttributeValue>? Values => _values;

    /// <summary>
    /// Throws when a supplied name or value was not referenced by any expression of the request.
    /// DynamoDB lists the unused keys in one message; names are checked before values.
    /// </summary>
    public void EnsureAllUsed()
    {
        ValidateMaps();
        if (_names is not null)
        {
            var unused = _names.Keys.Where(k => !_usedNames.Contains(k)).ToList();
            if (unused.Count > 0)
            {
                throw ExpressionErrors.Validation(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + string.Join(", ", unused) + "}");
            }
        }

        if (_values is not null)
        {
            var unused = _values.Keys.Where(k => !_usedValues.Contains(k)).ToList();
            if (unused.Count > 0)
            {
                throw ExpressionErrors.Validation(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + string.Join(", ", unused) + "}");
            }
        }
    }

    /// <summary>The attribute name a <c>#name</c> placeholder stands for, marking it used; null if undefined.</summary>
    internal string? ResolveName(string placeholder)
    {
        if (_names is null || !_names.TryGetValue(placeholder, out var name))
        {
            return null;
        }

        _usedNames.Add(placeholder);
        return name;
    }

    /// <summary>The value a <c>:value</c> placeholder stands for, marking it used; null if undefined.</summary>
    internal AttributeValue? ResolveValue(string placeholder)
    {
        if (_values is null || !_values.TryGetValue(placeholder, out var value))
        {
            return null;
        }

        _usedValues.Add(placeholder);
        return value;
    }

    // Observed order: everything about the names map, then everything about the values map.
    private void ValidateMaps()
    {
        if (_names is not null)
        {
            if (_names.Count == 0)
            {
                throw ExpressionErrors.Validation("ExpressionAttributeNames must not be empty");
            }

            foreach (var key in _names.Keys)
            {
                if (!IsPlaceholder(key, '#'))
                {
                    throw ExpressionErrors.Validation($"ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\"");
                }
            }
        }

        if (_values is not null)
        {
            if (_values.Count == 0)
            {
                throw ExpressionErrors.Validation("ExpressionAttributeValues must not be empty");
            }

            foreach (var key in _values.Keys)
            {
                if (!IsPlaceholder(key, ':'))
                {
                    throw ExpressionErrors.Validation($"ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\"");
                }
            }
        }
    }

    private static bool IsPlaceholder(string key, char prefix)
    {
        if (key.Length < 2 || key[0] != prefix)
        {
            return false;
        }

        for (var i = 1; i < key.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(key[i]) || key[i] == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
