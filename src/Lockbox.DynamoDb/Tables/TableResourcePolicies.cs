using Lockbox.Common;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// What the authorizer needs to know about DynamoDB resources. Resource-based policies: a table
/// ARN and its index ARNs (<c>table/T/index/I</c>) answer the table's policy, a stream ARN
/// (<c>table/T/stream/LABEL</c>) answers that stream's policy. Tags (aws:ResourceTag/KEY): a
/// table, its indexes and its streams answer the table's tags, the resource types IAM's
/// authorization data lists the key for. Anything else (backups, other services, "*") has neither.
/// </summary>
public sealed class TableResourcePolicies(TableCatalog catalog) : IResourcePolicySource
{
    private const string Prefix = "arn:aws:dynamodb:";

    /// <inheritdoc />
    public string? GetResourcePolicy(string resourceArn)
    {
        if (Find(resourceArn, out var path) is not { } table)
        {
            return null;
        }

        var definition = table.Definition;
        return path.Length switch
        {
            1 => definition.ResourcePolicy?.Document,
            3 when path[1] == "index" => definition.ResourcePolicy?.Document,
            3 when path[1] == "stream" => definition.StreamResourcePolicies.GetValueOrDefault(path[2])?.Document,
            _ => null,
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, string>>? GetResourceTags(string resourceArn)
    {
        if (Find(resourceArn, out var path) is not { } table || path.Length is not (1 or 3) || table.Definition.Tags.Count == 0)
        {
            return null;
        }

        return [.. table.Definition.Tags.Select(t => new KeyValuePair<string, string>(t.Key!, t.Value ?? ""))];
    }

    private TableRuntime? Find(string resourceArn, out string[] path)
    {
        ArgumentNullException.ThrowIfNull(resourceArn);
        path = [];
        if (!resourceArn.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        // The authorizer asks twice per request (policy, tags) about the same few ARNs: parse each once.
        if (!_parsed.TryGetValue(resourceArn, out var parsed))
        {
            parsed = Parse(resourceArn);
            if (_parsed.Count >= MaxParsedArns)
            {
                _parsed.Clear();
            }

            _parsed[resourceArn] = parsed;
        }

        if (parsed is null)
        {
            return null;
        }

        path = parsed.Path;
        return catalog.Find(parsed.Account, parsed.Region, parsed.Path[0]);
    }

    private const int MaxParsedArns = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParsedArn?> _parsed = new(StringComparer.Ordinal);

    private sealed record ParsedArn(string Region, string Account, string[] Path);

    /// <summary>arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/index/I | /stream/LABEL], or null for any other ARN.</summary>
    private static ParsedArn? Parse(string resourceArn)
    {
        var parts = resourceArn[Prefix.Length..].Split(':', 3);
        if (parts.Length != 3 || !parts[2].StartsWith("table/", StringComparison.Ordinal))
        {
            return null;
        }

        return new ParsedArn(parts[0], parts[1], parts[2]["table/".Length..].Split('/'));
    }
}
