using System.Collections.Concurrent;
using Lockbox.Iam.Policy;

namespace Lockbox.Iam.Authorization;

/// <summary>
/// What one IAM user brings to every request it makes: the user as policies see it, its
/// identity-based policies (inline and attached, its groups' inline and attached; managed policies
/// at their default version), its permissions boundary and the principal's global condition keys.
/// Built from one consistent view of the identity store and stamped with the store's version.
/// </summary>
internal sealed class EffectivePolicies
{
    public required long Version { get; init; }

    public required PrincipalInfo Principal { get; init; }

    public required PolicySet Policies { get; init; }

    /// <summary>aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*.</summary>
    public required KeyValuePair<string, string[]>[] PrincipalKeys { get; init; }

    /// <summary>A principal the store does not know (deleted meanwhile): nothing allowed.</summary>
    public static EffectivePolicies Unknown(long version, string arn, string accountId) => new()
    {
        Version = version,
        Principal = new PrincipalInfo(arn, accountId, PrincipalKind.User),
        Policies = PolicySet.Empty,
        PrincipalKeys = [],
    };
}

/// <summary>One policy document to compile: its id for denial reports and its text.</summary>
internal readonly record struct PolicySource(string PolicyId, string Document);

/// <summary>
/// Compiled policies shared by every principal, keyed by policy id and document text, so a policy
/// version is compiled once however many users it is attached to, and a new version (new text) is
/// compiled anew. Cleared wholesale when it grows past a bound (stale versions then drop out).
/// </summary>
internal sealed class CompiledPolicyCache
{
    private const int MaxEntries = 4096;
    private readonly ConcurrentDictionary<(string Id, string Document, PolicyKind Kind), CompiledPolicy?> _compiled = new();

    /// <summary>The compiled policy, or null if the document does not parse (it was validated when stored, so this is defensive).</summary>
    public CompiledPolicy? Get(string policyId, string document, PolicyKind kind)
    {
        var key = (policyId, document, kind);
        if (_compiled.TryGetValue(key, out var compiled))
        {
            return compiled;
        }

        if (_compiled.Count >= MaxEntries)
        {
            _compiled.Clear();
        }

        try
        {
            compiled = CompiledPolicy.Parse(document, kind, policyId);
        }
        catch (MalformedPolicyDocumentException)
        {
            compiled = null;
        }

        _compiled[key] = compiled;
        return compiled;
    }
}
