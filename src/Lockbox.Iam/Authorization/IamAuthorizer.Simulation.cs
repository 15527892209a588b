using Lockbox.Iam.Policy;

namespace Lockbox.Iam.Authorization;

/// <summary>
/// What the policy simulator (SimulatePrincipalPolicy, GetContextKeysForPrincipalPolicy) needs
/// from the authorizer: the policies of a user, group or role resolved through the same path and
/// caches real requests use, so a simulation and a real call cannot disagree.
/// </summary>
public sealed partial class IamAuthorizer
{
    /// <summary>
    /// The effective policies of the IAM entity <paramref name="entityArn"/> names, or null when
    /// the store has no such entity. A user goes through <see cref="Resolve"/> (its groups'
    /// policies, its boundary and its principal keys included, from the per-user cache); a group
    /// brings its own inline and attached policies; a role is evaluated as a session of
    /// it would be (<see cref="SimulatedRoleSession"/>).
    /// </summary>
    internal EffectivePolicies? ResolveEntity(string entityArn, string kind, string name)
    {
        var principal = _store.Read<object?>(state =>
        {
            var folded = IdentityStore.Fold(name);
            switch (kind)
            {
                case "user" when state.Users.TryGetValue(folded, out var user) && state.UserArn(user) == entityArn:
                    return new Lockbox.Common.Principal(state.AccountId, entityArn, user.Id, "", IsRoot: false);
                case "group" when state.Groups.TryGetValue(folded, out var group) && state.GroupArn(group) == entityArn:
                    return BuildEntity(state, group, "group", group.Name, boundaryArn: null, new PrincipalInfo(entityArn, state.AccountId, PrincipalKind.User), []);
                case "role" when state.Roles.TryGetValue(folded, out var role) && state.RoleArn(role) == entityArn:
                    return (role.Id, state.AccountId);
                default:
                    return null;
            }
        });

        return principal switch
        {
            Lockbox.Common.Principal user => Resolve(user),
            EffectivePolicies built => built,
            ValueTuple<string, string> role => SimulatedRoleSession(role.Item1, entityArn, role.Item2),
            _ => null,
        };
    }

    /// <summary>
    /// A role's policies exactly as a session of it is evaluated (<see cref="BuildRoleSession"/>,
    /// the path real role sessions take): its inline and attached policies, its boundary, its tags
    /// as principal tags. The session-only keys (aws:MultiFactorAuthPresent, aws:TokenIssueTime)
    /// are left out, so a policy testing them reports them in MissingContextValues unless the
    /// simulation's ContextEntries supply them.
    /// </summary>
    private EffectivePolicies SimulatedRoleSession(string roleId, string roleArn, string accountId)
    {
        var now = DateTimeOffset.UtcNow;
        var session = new Lockbox.Common.SessionInfo
        {
            Kind = Lockbox.Common.SessionKind.RoleSession,
            IssuedAt = now,
            Expiration = now.AddHours(1),
            RoleId = roleId,
            RoleArn = roleArn,
        };
        var principal = new Lockbox.Common.Principal(accountId, roleArn, roleId, "", IsRoot: false) { Session = session };
        var built = BuildRoleSession(principal, session);
        return new EffectivePolicies
        {
            Version = built.Version,
            Principal = built.Principal,
            Policies = built.Policies,
            PrincipalKeys = [.. built.PrincipalKeys.Where(k => !SessionOnlyKeys.Contains(k.Key))],
        };
    }

    private static readonly HashSet<string> SessionOnlyKeys = new(StringComparer.OrdinalIgnoreCase) { "aws:MultiFactorAuthPresent", "aws:TokenIssueTime" };

    private EffectivePolicies BuildEntity(IdentityState state, PrincipalEntity entity, string kind, string name, string? boundaryArn,
        PrincipalInfo info, KeyValuePair<string, string[]>[] keys)
    {
        List<PolicySource> sources = [];
        foreach (var (policyName, document) in entity.InlinePolicies)
        {
            sources.Add(new PolicySource($"{kind}/{name}/inline/{policyName}", document));
        }

        AddManaged(state, entity.AttachedPolicies, sources);
        var compiled = new List<CompiledPolicy>(sources.Count);
        foreach (var source in sources)
        {
            if (_compiled.Get(source.PolicyId, source.Document, PolicyKind.Identity) is { } policy)
            {
                compiled.Add(policy);
            }
        }

        CompiledPolicy? boundary = null;
        if (boundaryArn is not null && state.FindPolicy(boundaryArn) is { } boundaryPolicy)
        {
            boundary = _compiled.Get(boundaryPolicy.Arn, boundaryPolicy.DefaultVersion.Document, PolicyKind.Identity);
        }

        return new EffectivePolicies
        {
            Version = _store.Version,
            Principal = info,
            Policies = new PolicySet { IdentityPolicies = [.. compiled], PermissionsBoundary = boundary },
            PrincipalKeys = keys,
        };
    }
}
