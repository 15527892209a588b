namespace Lockbox.Common;

/// <summary>
/// Where the authorizer finds a resource's resource-based policy: a service answers for the ARNs
/// it owns (DynamoDB: a table's policy for the table and its indexes, a stream's policy for the
/// stream) and null for everything else.
/// </summary>
public interface IResourcePolicySource
{
    /// <summary>The policy document (JSON) attached to <paramref name="resourceArn"/>, or null.</summary>
    string? GetResourcePolicy(string resourceArn);

    /// <summary>
    /// The tags of <paramref name="resourceArn"/> (the aws:ResourceTag/KEY condition keys), or null
    /// when the service does not own the resource or it has none.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>>? GetResourceTags(string resourceArn) => null;
}

/// <summary>
/// The resource policy sources of every service in the server, filled in by the composition root
/// as services are built (the authorizer exists before them). Lock-free to read.
/// </summary>
public sealed class ResourcePolicyRegistry : IResourcePolicySource
{
    private volatile IResourcePolicySource[] _sources = [];
    private readonly Lock _gate = new();

    /// <summary>Adds a service's source.</summary>
    public void Add(IResourcePolicySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_gate)
        {
            _sources = [.. _sources, source];
        }
    }

    /// <inheritdoc />
    public string? GetResourcePolicy(string resourceArn)
    {
        foreach (var source in _sources)
        {
            if (source.GetResourcePolicy(resourceArn) is { } policy)
            {
                return policy;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, string>>? GetResourceTags(string resourceArn)
    {
        foreach (var source in _sources)
        {
            if (source.GetResourceTags(resourceArn) is { } tags)
            {
                return tags;
            }
        }

        return null;
    }
}
