using System.Collections.Concurrent;
using System.Net;
using Lockbox.Common;
using Lockbox.Iam.Policy;
using Microsoft.Extensions.Logging;

namespace Lockbox.Iam.Authorization;

/// <summary>
/// The request authorizer once IAM is in force: the root user may do everything; an IAM user is
/// evaluated with <see cref="PolicyEvaluator"/> against its effective policies (cached per user,
/// rebuilt when <see cref="IdentityStore.Version"/> moves, so an IAM change applies to the next
/// request) and the resource's resource-based policy, if the resource has one. A denial is logged
/// with its reason (which policy type lacked an allow, or which policy and statement denied) and
/// thrown as AccessDeniedException in AWS's wording; the query protocol maps it to AccessDenied 403.
/// </summary>
public sealed partial class IamAuthorizer : IRequestAuthorizer
{
    private static readonly Action<ILogger, string, string, string, string, string, string, Exception?> DeniedLog =
        LoggerMessage.Define<string, string, string, string, string, string>(LogLevel.Warning, new EventId(4001, "AccessDenied"),
            "Access denied: {Principal} {Action} on {Resource}: {Decision} by {PolicyType} {Statement}");

    private static readonly string[] SecureTrue = ["true"];
    private static readonly string[] SecureFalse = ["false"];

    private readonly IdentityStore _store;
    private readonly IResourcePolicySource? _resourcePolicies;
    private readonly ILogger _logger;
    private readonly CompiledPolicyCache _compiled = new();
    private readonly ConcurrentDictionary<string, EffectivePolicies> _principals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _regions = new(StringComparer.Ordinal);

    /// <summary>Creates the authorizer.</summary>
    /// <param name="store">The identity store (users, groups, policies).</param>
    /// <param name="resourcePolicies">Where resource-based policies come from; null when no service has any.</param>
    /// <param name="logger">Where denials are recorded.</param>
    public IamAuthorizer(IdentityStore store, IResourcePolicySource? resourcePolicies, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _resourcePolicies = resourcePolicies;
        _logger = logger;
    }

    /// <summary>Raised (synchronously) for every denial, after it was logged; for tests and tooling.</summary>
    public event Action<DenialRecord>? Denied;

    /// <inheritdoc />
    public void Authorize(CallerContext caller, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (caller.Principal.IsRoot)
        {
            return;
        }

        var decision = Evaluate(caller, request, out var effective);
        if (decision.IsAllowed)
        {
            return;
        }

        var principalArn = effective.Principal.Arn;
        var record = new DenialRecord(caller.RequestTime, caller.RequestId, principalArn, request.Action, request.ResourceArn,
            decision.EvalDecisionText, decision.PolicyType.ToString(), decision.PolicyId, decision.Sid);
        DeniedLog(_logger, principalArn, request.Action, request.ResourceArn, record.Decision, record.PolicyType,
            decision.PolicyId is null ? "(no statement allows)" : decision.PolicyId + " statement " + (decision.Sid ?? "#" + decision.StatementIndex), null);
        Denied?.Invoke(record);
        throw new AccessDeniedError(principalArn, request.Action, request.ResourceArn,
            AccessDeniedMessage.Format(principalArn, request.Action, request.ResourceArn, decision, includePolicyArn: true));
    }

    /// <summary>Evaluates a non-root caller's request; exposed for tests and the simulator.</summary>
    internal AuthorizationDecision Evaluate(CallerContext caller, AuthorizationRequest request, out EffectivePolicies effective)
    {
        effective = Resolve(caller.Principal);
        var context = new RequestContext(effective.Principal, request.Action, request.ResourceArn, caller.RequestTime)
        {
            ResourceAccountId = ResourceAccount(request.ResourceArn, caller.Principal.AccountId),
        };
        foreach (var (key, values) in effective.PrincipalKeys)
        {
            context.Set(key, values);
        }

        if (caller.SourceIp is { } ip)
        {
            context.Set("aws:SourceIp", (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString());
        }

        context.Set("aws:SecureTransport", caller.SecureTransport ? SecureTrue : SecureFalse);
        context.Set("aws:RequestedRegion", _regions.GetOrAdd(caller.Region, static r => [r]));
        if (caller.UserAgent is { } agent)
        {
            context.Set("aws:UserAgent", agent);
        }

        if (_resourcePolicies?.GetResourceTags(request.ResourceArn) is { } tags)
        {
            foreach (var (key, value) in tags)
            {
                context.Set("aws:ResourceTag/" + key, value);
            }
        }

        if (request.ConditionKeys is { } keys)
        {
            foreach (var (key, values) in keys)
            {
                context.Set(key, values as string[] ?? [.. values]);
            }
        }

        var policies = effective.Policies;
        if (_resourcePolicies?.GetResourcePolicy(request.ResourceArn) is { } document &&
            _compiled.Get(request.ResourceArn, document, PolicyKind.Resource) is { } resourcePolicy)
        {
            policies = new PolicySet
            {
                IdentityPolicies = policies.IdentityPolicies,
                PermissionsBoundary = policies.PermissionsBoundary,
                SessionPolicies = policies.SessionPolicies,
                ResourcePolicy = resourcePolicy,
            };
        }

        return PolicyEvaluator.Evaluate(context, policies);
    }

    /// <summary>The cached effective policies of a principal, rebuilt if the identity store changed since.</summary>
    internal EffectivePolicies Resolve(Principal principal)
    {
        if (_principals.TryGetValue(principal.UserId, out var cached) && cached.Version == _store.Version)
        {
            return cached;
        }

        var built = Build(principal);
        _principals[principal.UserId] = built;
        return built;
    }

    private EffectivePolicies Build(Principal principal)
    {
        List<PolicySource> identity = [];
        PolicySource? boundary = null;
        KeyValuePair<string, string[]>[]? keys = null;
        PrincipalInfo? info = null;
        var version = _store.Read(state =>
        {
            if (!state.UsersById.TryGetValue(principal.UserId, out var user))
            {
                return _store.Version;
            }

            var arn = state.UserArn(user);
            info = new PrincipalInfo(arn, state.AccountId, PrincipalKind.User);
            foreach (var (name, document) in user.InlinePolicies)
            {
                identity.Add(new PolicySource($"user/{user.Name}/inline/{name}", document));
            }

            AddManaged(state, user.AttachedPolicies, identity);
            foreach (var groupId in user.GroupIds)
            {
                if (!state.GroupsById.TryGetValue(groupId, out var group))
                {
                    continue;
                }

                foreach (var (name, document) in group.InlinePolicies)
                {
                    identity.Add(new PolicySource($"group/{group.Name}/inline/{name}", document));
                }

                AddManaged(state, group.AttachedPolicies, identity);
            }

            if (user.PermissionsBoundary is { } boundaryArn && state.FindPolicy(boundaryArn) is { } boundaryPolicy)
            {
                boundary = new PolicySource(boundaryPolicy.Arn, boundaryPolicy.DefaultVersion.Document);
            }

            var principalKeys = new List<KeyValuePair<string, string[]>>
            {
                new("aws:username", [user.Name]),
                new("aws:userid", [user.Id]),
                new("aws:PrincipalArn", [arn]),
                new("aws:PrincipalAccount", [state.AccountId]),
                new("aws:PrincipalType", ["User"]),
                new("aws:PrincipalIsAWSService", ["false"]),
            };
            foreach (var tag in user.Tags)
            {
                principalKeys.Add(new("aws:PrincipalTag/" + tag.Key, [tag.Value]));
            }

            keys = [.. principalKeys];
            return _store.Version;
        });

        if (info is null)
        {
            return EffectivePolicies.Unknown(version, principal.Arn, principal.AccountId);
        }

        var compiled = new List<CompiledPolicy>(identity.Count);
        foreach (var source in identity)
        {
            if (_compiled.Get(source.PolicyId, source.Document, PolicyKind.Identity) is { } policy)
            {
                compiled.Add(policy);
            }
        }

        var boundaryPolicy = boundary is { } b ? _compiled.Get(b.PolicyId, b.Document, PolicyKind.Identity) : null;
        return new EffectivePolicies
        {
            Version = version,
            Principal = info,
            Policies = new PolicySet { IdentityPolicies = [.. compiled], PermissionsBoundary = boundaryPolicy },
            PrincipalKeys = keys!,
        };
    }

    private static void AddManaged(IdentityState state, List<string> attached, List<PolicySource> into)
    {
        foreach (var arn in attached)
        {
            if (state.FindPolicy(arn) is { } policy)
            {
                into.Add(new PolicySource(policy.Arn, policy.DefaultVersion.Document));
            }
        }
    }

    /// <summary>The resource's account when it is another 12-digit account (a cross-account request), else null.</summary>
    private static string? ResourceAccount(string resourceArn, string callerAccount)
    {
        // arn:partition:service:region:account:resource
        if (!resourceArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        var span = resourceArn.AsSpan();
        var start = 0;
        for (var part = 0; part < 4; part++)
        {
            var next = span[start..].IndexOf(':');
            if (next < 0)
            {
                return null;
            }

            start += next + 1;
        }

        var end = span[start..].IndexOf(':');
        if (end != 12)
        {
            return null;
        }

        var account = span.Slice(start, 12);
        foreach (var c in account)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return account.SequenceEqual(callerAccount) ? null : account.ToString();
    }
}

/// <summary>
/// Why a request was denied (issue §6): the decision, the policy type that lacked an allow (implicit)
/// or the policy and statement that denied (explicit).
/// </summary>
/// <param name="Time">The request time.</param>
/// <param name="RequestId">The request id.</param>
/// <param name="Principal">The caller's ARN.</param>
/// <param name="Action">The IAM action.</param>
/// <param name="Resource">The resource ARN.</param>
/// <param name="Decision">explicitDeny or implicitDeny.</param>
/// <param name="PolicyType">IdentityBased, ResourceBased, PermissionsBoundary or SessionPolicy.</param>
/// <param name="PolicyId">The denying policy (ARN, or user/NAME/inline/POLICY) for an explicit deny.</param>
/// <param name="Sid">The denying statement's Sid, if it has one.</param>
public sealed record DenialRecord(DateTimeOffset Time, string RequestId, string Principal, string Action, string Resource,
    string Decision, string PolicyType, string? PolicyId, string? Sid);
