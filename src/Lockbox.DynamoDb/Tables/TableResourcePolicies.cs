using Lockbox.Common;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// DynamoDB's resource-based policies for the authorizer: a table ARN and its index ARNs
/// (<c>table/T/index/I</c>) answer the table's policy, a stream ARN (<c>table/T/stream/LABEL</c>)
/// answers that stream's policy; anything else (backups, other services, "*") has none.
/// </summary>
public sealed class TableResourcePolicies(TableCatalog catalog) : IResourcePolicySource
{
    private const string Prefix = "arn:aws:dynamodb:";

    /// <inheritdoc />
    public string? GetResourcePolicy(string resourceArn)
    {
        ArgumentNullException.ThrowIfNull(resourceArn);
        if (!resourceArn.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/index/I | /stream/LABEL]
        var parts = resourceArn[Prefix.Length..].Split(':', 3);
        if (parts.Length != 3 || !parts[2].StartsWith("table/", StringComparison.Ordinal))
        {
            return null;
        }

        var path = parts[2]["table/".Length..].Split('/');
        if (catalog.Find(parts[1], parts[0], path[0]) is not { } table)
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
}
