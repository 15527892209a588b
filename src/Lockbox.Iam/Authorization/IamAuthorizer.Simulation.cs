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
    /// brings its own inline and attached policies; a role its inline and attached policies and its
    /// boundary (<see cref="BuildRole"/> — to be folded into <see cref="Resolve"/> when role
    /// sessions are resolved there).
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
                    return BuildRole(state, role);
                default:
                    return null;
            }
        });

        return principal switch
        {
            Lockbox.Common.Principal user => Resolve(user),
            EffectivePolicies built => built,
            _ => null,
        };
    }

    /// <summary>
    /// A role's own policies, as a session of it would carry them (the caller is the role; a
    /// resource policy naming the role matches as the session's source).
    /// </summary>
    private EffectivePolicies BuildRole(IdentityState state, RoleEntity role)
    {
        var arn = state.RoleArn(role);
        var keys = new List<KeyValuePair<string, string[]>>
        {
            new("aws:PrincipalArn", [arn]),
            new("aws:PrincipalAccount", [state.AccountId]),
            new("aws:PrincipalType", ["AssumedRole"]),
            new("aws:PrincipalIsAWSService", ["false"]),
        };
        foreach (var tag in role.Tags)
        {
            keys.Add(new("aws:PrincipalTag/" + tag.Key, [tag.Value]));
        }

        return BuildEntity(state, role, "role", role.Name, role.PermissionsBoundary,
            new PrincipalInfo(arn, state.AccountId, PrincipalKind.AssumedRole, SourceArn: arn), [.. keys]);
    }

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
