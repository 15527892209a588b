using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lockbox.Protocols.Query;

namespace Lockbox.Iam;

/// <summary>
/// The API model's constraints on every input member of the implemented operations (required,
/// length, value range, pattern, enum), checked the way IAM's front end does and reported as
/// IAM reports them: <c>N validation error(s) detected: Value 'x' at 'userName' failed to satisfy
/// constraint: Member must …</c> (members named in lower camel case, errors joined with "; ").
/// The constraints are data (Data/iam-operations.json, from the API model).
/// </summary>
public static class IamValidation
{
    private static readonly Lazy<FrozenDictionary<string, Member[]>> s_operations = new(Load);

    /// <summary>The operations the data file describes.</summary>
    public static IEnumerable<string> Operations => s_operations.Value.Keys;

    /// <summary>Throws ValidationError listing every violated constraint of <paramref name="request"/>.</summary>
    public static void Validate(string operation, QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!s_operations.Value.TryGetValue(operation, out var members))
        {
            return;
        }

        List<string>? errors = null;
        foreach (var member in members)
        {
            var error = member.Check(request);
            if (error is not null)
            {
                (errors ??= []).Add(error);
            }
        }

        if (errors is null)
        {
            return;
        }

        var text = new StringBuilder();
        text.Append(errors.Count.ToString(CultureInfo.InvariantCulture))
            .Append(errors.Count == 1 ? " validation error detected: " : " validation errors detected: ")
            .AppendJoin("; ", errors);
        throw IamErrors.Validation(text.ToString());
    }

    private static FrozenDictionary<string, Member[]> Load()
    {
        // IAM's operations, then STS's (same awsQuery validation texts; no operation name is in both).
        var operations = new Dictionary<string, Member[]>(StringComparer.Ordinal);
        LoadInto(operations, "Lockbox.Iam.iam-operations.json");
        LoadInto(operations, "Lockbox.Iam.sts-operations.json");
        return operations.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void LoadInto(Dictionary<string, Member[]> operations, string resource)
    {
        using var stream = typeof(IamValidation).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("Missing embedded resource " + resource);
        using var document = JsonDocument.Parse(stream);
        foreach (var operation in document.RootElement.GetProperty("operations").EnumerateObject())
        {
            var members = new List<Member>();
            foreach (var m in operation.Value.GetProperty("members").EnumerateArray())
            {
                members.Add(new Member(
                    m.GetProperty("name").GetString()!,
                    m.GetProperty("type").GetString()!,
                    m.TryGetProperty("required", out var r) && r.GetBoolean(),
                    m.TryGetProperty("min", out var min) ? min.GetInt64() : null,
                    m.TryGetProperty("max", out var max) ? max.GetInt64() : null,
                    m.TryGetProperty("pattern", out var p) ? p.GetString() : null,
                    m.TryGetProperty("enum", out var e) ? [.. e.EnumerateArray().Select(x => x.GetString()!)] : null,
                    m.TryGetProperty("sensitive", out var s) && s.GetBoolean()));
            }

            operations[operation.Name] = [.. members];
        }
    }

    private sealed class Member
    {
        private readonly string _name;
        private readonly string _type;
        private readonly bool _required;
        private readonly long? _min;
        private readonly long? _max;
        private readonly string? _pattern;
        private readonly Regex? _regex;
        private readonly string[]? _enum;
        private readonly string _wireName;

        private readonly bool _sensitive;

        public Member(string name, string type, bool required, long? min, long? max, string? pattern, string[]? values, bool sensitive = false)
        {
            _sensitive = sensitive;
            _name = name;
            _type = type;
            _required = required;
            _min = min;
            _max = max;
            _pattern = pattern;
            _enum = values;
            _wireName = char.ToLowerInvariant(name[0]) + name[1..];
            if (pattern is not null)
            {
                // The model's patterns are Java regular expressions matched against the whole value;
                // ECMAScript mode gives Java's ASCII-only \w.
                _regex = new Regex("^(?:" + pattern + ")$", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
            }
        }

        /// <summary>Sensitive members (passwords) are not echoed: "Value at 'password' …", as AWS's services do.</summary>
        private string Shown(string value) => _sensitive ? "Value" : $"Value '{value}'";

        public string? Check(QueryRequest request)
        {
            if (_type == "list")
            {
                var count = request.GetList(_name).Count;
                if (count == 0)
                {
                    count = request.GetStructureList(_name, ["Key", "Value"], static _ => 0).Count;
                }

                if (_required && count == 0 && !request.HasList(_name))
                {
                    return $"Value null at '{_wireName}' failed to satisfy constraint: Member must not be null";
                }

                if (_max is { } maxItems && count > maxItems)
                {
                    return $"Value '[…]' at '{_wireName}' failed to satisfy constraint: Member must have length less than or equal to {maxItems}";
                }

                return null;
            }

            var value = request.Get(_name);
            if (value is null)
            {
                return _required ? $"Value null at '{_wireName}' failed to satisfy constraint: Member must not be null" : null;
            }

            if (_type == "integer")
            {
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return null; // reported by the operation as a malformed number
                }

                if (_min is { } minValue && number < minValue)
                {
                    return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must have value greater than or equal to {minValue}";
                }

                if (_max is { } maxValue && number > maxValue)
                {
                    return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must have value less than or equal to {maxValue}";
                }

                return null;
            }

            if (_type != "string")
            {
                return null;
            }

            var length = value.EnumerateRunes().Count();
            if (_min is { } min && length < min)
            {
                return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must have length greater than or equal to {min}";
            }

            if (_max is { } max && length > max)
            {
                return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must have length less than or equal to {max}";
            }

            if (_regex is not null && !_regex.IsMatch(value))
            {
                return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must satisfy regular expression pattern: {_pattern}";
            }

            if (_enum is not null && !_enum.Contains(value, StringComparer.Ordinal))
            {
                return $"{Shown(value)} at '{_wireName}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", _enum)}]";
            }

            return null;
        }
    }
}
