using Lockbox.DynamoDb.Expressions;

namespace Lockbox.DynamoDb.Api;

/// <summary>
/// Collects the framework-level constraint failures DynamoDB reports all at once, as
/// "N validation error(s) detected: Value 'x' at 'memberPath' failed to satisfy constraint: Member must ...",
/// joined by "; ". Member paths are lowerCamelCase (tableName, keySchema.1.member.keyType).
/// </summary>
public sealed class ConstraintErrors
{
    private readonly List<string> _errors = [];

    public bool HasErrors => _errors.Count > 0;

    public void NotNull(object? value, string path)
    {
        if (value is null)
        {
            _errors.Add($"Value null at '{path}' failed to satisfy constraint: Member must not be null");
        }
    }

    public void Enum(string? value, string path, params string[] allowed)
    {
        if (value is not null && Array.IndexOf(allowed, value) < 0)
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }
    }

    public void Pattern(string? value, string path, string pattern, Func<string, bool> matches)
    {
        if (value is not null && !matches(value))
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}");
        }
    }

    public void MinLength(string? value, string path, int min)
    {
        if (value is not null && value.Length < min)
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
    }

    public void MaxLength(string? value, string path, int max)
    {
        if (value is not null && value.Length > max)
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }
    }

    public void MinCount<T>(ICollection<T>? value, string path, int min, string rendered)
    {
        if (value is not null && value.Count < min)
        {
            _errors.Add($"Value '{rendered}' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
    }

    public void MaxCount<T>(ICollection<T>? value, string path, int max, string rendered)
    {
        if (value is not null && value.Count > max)
        {
            _errors.Add($"Value '{rendered}' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }
    }

    public void Min(long? value, string path, long min)
    {
        if (value is not null && value < min)
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}");
        }
    }

    public void Max(long? value, string path, long max)
    {
        if (value is not null && value > max)
        {
            _errors.Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}");
        }
    }

    /// <summary>Throws the combined ValidationException when any constraint failed.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count == 0)
        {
            return;
        }

        var noun = _errors.Count == 1 ? "error" : "errors";
        throw DynamoDbErrors.Validation($"{_errors.Count} validation {noun} detected: {string.Join("; ", _errors)}");
    }

    /// <summary>Names of tables and indexes: [a-zA-Z0-9_.-]+.</summary>
    public static bool IsValidName(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// DynamoDB's table-name checks that run before the constraint pass: presence and length get
    /// their own messages; the pattern is reported through <paramref name="errors"/>.
    /// </summary>
    public static void CheckTableName(string? tableName, ConstraintErrors errors)
    {
        if (tableName is null)
        {
            throw DynamoDbErrors.Validation("The parameter 'TableName' is required but was not present in the request");
        }

        if (tableName.Length is < 3 or > 255)
        {
            throw DynamoDbErrors.Validation("TableName must be at least 3 characters long and at most 255 characters long");
        }

        errors.Pattern(tableName, "tableName", "[a-zA-Z0-9_.-]+", IsValidName);
    }

    /// <summary>Data-plane operations report every table-name problem as a constraint failure.</summary>
    public void TableName(string? tableName)
    {
        NotNull(tableName, "tableName");
        Pattern(tableName, "tableName", "[a-zA-Z0-9_.-]+", s => s.Length > 0 && IsValidName(s));
        MinLength(tableName, "tableName", 3);
        MaxLength(tableName, "tableName", 255);
    }

    public void ReturnConsumedCapacity(string? value) =>
        Enum(value, "returnConsumedCapacity", "INDEXES", "TOTAL", "NONE");

    /// <summary>
    /// A map whose keys are table names (BatchGetItem/BatchWriteItem RequestItems): DynamoDB reports
    /// every key rule at once when any key breaks one.
    /// </summary>
    public void TableNameMapKeys<T>(IDictionary<string, T>? map, string path)
    {
        if (map is null || map.Keys.All(k => k.Length is >= 3 and <= 255 && IsValidName(k)))
        {
            return;
        }

        _errors.Add($"Value '{RenderMap(map)}' at '{path}' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]");
    }

    /// <summary>A map whose values are lists with a length range (BatchWriteItem: 1 to 25 writes per table).</summary>
    public void MapValueCounts<T>(IDictionary<string, List<T>>? map, string path, int min, int max)
    {
        if (map is null || map.Values.All(v => v is null || v.Count >= min && v.Count <= max))
        {
            return;
        }

        _errors.Add($"Value '{RenderMap(map)}' at '{path}' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to {max}, Member must have length greater than or equal to {min}]");
    }

    // DynamoDB prints the Java map here; the keys are what a reader needs.
    private static string RenderMap<T>(IDictionary<string, T> map) =>
        "{" + string.Join(", ", map.Keys.Select(k => k + "=[...]")) + "}";

    // JSON null can reach a member typed non-null (the deserializer does not check element
    // nullability), so the element types below are non-null on paper and checked at run time.

    /// <summary>A JSON <c>null</c> inside a list is a missing member: "Value null at 'path.N.member'".</summary>
    public void NoNullElements<T>(IReadOnlyList<T>? list, string path)
        where T : class
    {
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            if (list![i] is null)
            {
                NotNull(null, $"{path}.{i + 1}.member");
            }
        }
    }

    /// <summary>A JSON <c>null</c> as a map value: "Value null at 'path.key.member'".</summary>
    public void NoNullValues<T>(IReadOnlyDictionary<string, T>? map, string path)
        where T : class
    {
        if (map is null)
        {
            return;
        }

        foreach (var (key, value) in map)
        {
            NotNull(value, $"{path}.{key}.member");
        }
    }

    /// <summary>QueryFilter, ScanFilter, KeyConditions: no null conditions or null comparison values.</summary>
    public void LegacyConditions(IReadOnlyDictionary<string, Condition>? conditions, string path)
    {
        NoNullValues(conditions, path);
        foreach (var (name, condition) in conditions ?? new Dictionary<string, Condition>())
        {
            NoNullElements(condition?.AttributeValueList, $"{path}.{name}.member.attributeValueList");
        }
    }

    /// <summary>Expected: no null entries or null comparison values.</summary>
    public void LegacyExpected(IReadOnlyDictionary<string, ExpectedAttributeValue>? expected)
    {
        NoNullValues(expected, "expected");
        foreach (var (name, entry) in expected ?? new Dictionary<string, ExpectedAttributeValue>())
        {
            NoNullElements(entry?.AttributeValueList, $"expected.{name}.member.attributeValueList");
        }
    }
}
