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
public sealed class IamAuthorizer : IRequestAuthorizer
{
    private static readonly Action<ILogger, string, string, string, string, string, string, Exception?> DeniedLog =
        LoggerMessage.Define<string, string, string, string, string, string>(LogLevel.Warning, new EventId(4001, "AccessDenied"),
            "Access denied: {Principal} {Action} on {Resource}: {Decision} by {PolicyType} {Statement}");

    /// <summary>A policy whose only statement applies to no action: "allows nothing", yet present.</summary>
    internal static readonly CompiledPolicy AllowsNothing =
        CompiledPolicy.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"*","Resource":"*"}}""", PolicyKind.Identity, "session-policy");

    private static readonly string[] SecureTrue = ["true"];
    private static readonly string[] SecureFalse = ["false"];

    private readonly IdentityStore _store;
    private readonly Lockbox.Iam.Sts.AuthorizationMessageCodec? _messages;
    private readonly IResourcePolicySource? _resourcePolicies;
    private readonly ILogger _logger;
    private readonly CompiledPolicyCache _compiled = new();
    private readonly ConcurrentDictionary<string, EffectivePolicies> _principals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _regions = new(StringComparer.Ordinal);

    /// <summary>Creates the authorizer.</summary>
    /// <param name="store">The identity store (users, groups, policies).</param>
    /// <param name="resourcePolicies">Where resource-based policies come from; null when no service has any.</param>
    /// <param name="logger">Where denials are recorded.</param>
    /// <param name="messages">Seals each denial as an encoded authorization message (sts:DecodeAuthorizationMessage); none when null.</param>
    public IamAuthorizer(IdentityStore store, IResourcePolicySource? resourcePolicies, ILogger logger,
        Lockbox.Iam.Sts.AuthorizationMessageCodec? messages = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logger);
        _messages = messages;
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
        if (caller.Principal.Session is { Kind: not SessionKind.RoleSession } session && !session.MfaPresent &&
            request.Action.StartsWith("iam:", StringComparison.OrdinalIgnoreCase))
        {
            // GetSessionToken credentials without MFA cannot call IAM at all; AWS answers as if the
            // token were invalid (InvalidClientTokenId in IAM's query protocol).
            throw Lockbox.Auth.SigV4.SigV4Errors.InvalidSecurityToken();
        }

        if (caller.Principal.IsRoot)
        {
            return;
        }

        var decision = Evaluate(caller, request, out var effective, out var context);
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
            AccessDeniedMessage.Format(principalArn, request.Action, request.ResourceArn, decision, includePolicyArn: true))
        {
            EncodedMessage = _messages?.Encode(new Lockbox.Iam.Sts.DecodedAuthorization(false, decision, caller.Principal.UserId,
                context.GetValues("aws:username") is [var name] ? name : null, principalArn, request.Action, request.ResourceArn,
                context.Keys)),
        };
    }

    /// <summary>Evaluates a non-root caller's request; exposed for tests and the simulator.</summary>
    internal AuthorizationDecision Evaluate(CallerContext caller, AuthorizationRequest request, out EffectivePolicies effective) =>
        Evaluate(caller, request, out effective, out _);

    /// <summary>Evaluates a non-root caller's request and returns the request context it was evaluated with.</summary>
    internal AuthorizationDecision Evaluate(CallerContext caller, AuthorizationRequest request, out EffectivePolicies effective,
        out RequestContext context)
    {
        effective = Resolve(caller.Principal);
        context = new RequestContext(effective.Principal, request.Action, request.ResourceArn, caller.RequestTime)
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

        if (caller.Principal.Session is { MfaAuthTime: { } mfaTime })
        {
            var age = Math.Max(0, (long)(caller.RequestTime - mfaTime).TotalSeconds);
            context.Set("aws:MultiFactorAuthAge", age.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Set("aws:SecureTransport", caller.SecureTransport ? SecureTrue : SecureFalse);
        context.Set("aws:RequestedRegion", _regions.GetOrAdd(caller.Region, static r => [r]));
        if (caller.UserAgent is { } agent)
        {
            context.Set("aws:UserAgent", agent);
        }

        if (request.ConditionKeys is { } keys)
        {
            foreach (var (key, values) in keys)
            {
                context.Set(key, values as string[] ?? [.. values]);
            }
        }

        var policies = effective.Policies;
        if (request.TrustPolicy is { } trust)
        {
            // A role's trust policy is the resource-based policy of sts:AssumeRole; one that does
            // not compile (validated when stored, so defensive) allows nobody.
            if (_compiled.Get(request.ResourceArn, trust, PolicyKind.Trust) is not { } trustPolicy)
            {
                return new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.ResourceBased);
            }

            policies = new PolicySet
            {
                IdentityPolicies = policies.IdentityPolicies,
                PermissionsBoundary = policies.PermissionsBoundary,
                SessionPolicies = policies.SessionPolicies,
                ResourcePolicy = trustPolicy,
            };
        }
        else if (_resourcePolicies?.GetResourcePolicy(request.ResourceArn) is { } document &&
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

    /// <summary>
    /// The cached effective policies of a principal, rebuilt if the identity store changed since.
    /// IAM users are cached by user id; STS sessions by their access key id (each session has its
    /// own session policies, tags and MFA context), and that part of the cache is bounded.
    /// </summary>
    internal EffectivePolicies Resolve(Principal principal)
    {
        var cacheKey = principal.Session is null ? principal.UserId : principal.AccessKeyId;
        if (_principals.TryGetValue(cacheKey, out var cached) && cached.Version == _store.Version)
        {
            return cached;
        }

        var built = principal.Session is { Kind: SessionKind.RoleSession } session ? BuildRoleSession(principal, session) : Build(principal);
        if (principal.Session is not null && _principals.Count >= MaxCachedPrincipals)
        {
            _principals.Clear();
        }

        _principals[cacheKey] = built;
        return built;
    }

    /// <summary>Most cached principals before the cache is cleared (sessions come and go).</summary>
    private const int MaxCachedPrincipals = 16_384;

    private static readonly string[] True = ["true"];
    private static readonly string[] False = ["false"];

    /// <summary>The global keys every STS session adds: MFA, token issue time, source identity.</summary>
    private static void AddSessionKeys(List<KeyValuePair<string, string[]>> keys, SessionInfo session)
    {
        keys.Add(new("aws:MultiFactorAuthPresent", session.MfaPresent ? True : False));
        keys.Add(new("aws:TokenIssueTime", [Lockbox.Protocols.Query.QueryXmlWriter.FormatTimestamp(session.IssuedAt)]));
        if (session.SourceIdentity is { } sourceIdentity)
        {
            keys.Add(new("aws:SourceIdentity", [sourceIdentity]));
        }
    }

    /// <summary>
    /// A role session: the role's inline and attached policies, its permissions boundary and the
    /// session policies (inline Policy and PolicyArns, ORed among themselves, intersected with the rest).
    /// </summary>
    private EffectivePolicies BuildRoleSession(Principal principal, SessionInfo session)
    {
        List<PolicySource> identity = [];
        List<PolicySource> sessionPolicies = [];
        PolicySource? boundary = null;
        KeyValuePair<string, string[]>[]? keys = null;
        PrincipalInfo? info = null;
        var version = _store.Read(state =>
        {
            if (session.RoleId is null || !state.RolesById.TryGetValue(session.RoleId, out var role))
            {
                return _store.Version;
            }

            var roleArn = state.RoleArn(role);
            info = new PrincipalInfo(principal.Arn, state.AccountId, PrincipalKind.AssumedRole, SourceArn: roleArn);
            foreach (var (name, document) in role.InlinePolicies)
            {
                identity.Add(new PolicySource($"role/{role.Name}/inline/{name}", document));
            }

            AddManaged(state, role.AttachedPolicies, identity);
            if (role.PermissionsBoundary is { } boundaryArn && state.FindPolicy(boundaryArn) is { } boundaryPolicy)
            {
                boundary = new PolicySource(boundaryPolicy.Arn, boundaryPolicy.DefaultVersion.Document);
            }

            if (session.Policy is { } inline)
            {
                sessionPolicies.Add(new PolicySource("session-policy", inline));
            }

            foreach (var arn in session.PolicyArns)
            {
                if (state.FindPolicy(arn) is { } policy)
                {
                    sessionPolicies.Add(new PolicySource(policy.Arn, policy.DefaultVersion.Document));
                }
                else
                {
                    // A session policy that no longer exists allows nothing, but the session still
                    // has a session policy (so it is not left unrestricted).
                    sessionPolicies.Add(new PolicySource(arn, """{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"*","Resource":"*"}}"""));
                }
            }

            var principalKeys = new List<KeyValuePair<string, string[]>>
            {
                new("aws:userid", [principal.UserId]),
                new("aws:PrincipalArn", [roleArn]),
                new("aws:PrincipalAccount", [state.AccountId]),
                new("aws:PrincipalType", ["AssumedRole"]),
                new("aws:PrincipalIsAWSService", ["false"]),
            };
            var tags = new Dictionary<string, (string Key, string Value)>(StringComparer.OrdinalIgnoreCase);
            foreach (var tag in role.Tags)
            {
                tags[tag.Key] = (tag.Key, tag.Value);
            }

            foreach (var (key, value) in session.Tags)
            {
                tags[key] = (key, value);
            }

            foreach (var (key, value) in tags.Values)
            {
                principalKeys.Add(new("aws:PrincipalTag/" + key, [value]));
            }

            AddSessionKeys(principalKeys, session);
            keys = [.. principalKeys];
            return _store.Version;
        });

        if (info is null)
        {
            return EffectivePolicies.Unknown(version, principal.Arn, principal.AccountId);
        }

        var compiled = Compile(identity);
        var compiledSession = Compile(sessionPolicies);
        if (sessionPolicies.Count > 0 && compiledSession.Length == 0)
        {
            // Session policies that do not compile (validated when issued, so defensive) allow nothing.
            compiledSession = [AllowsNothing];
        }

        var boundaryPolicy = boundary is { } b ? _compiled.Get(b.PolicyId, b.Document, PolicyKind.Identity) : null;
        return new EffectivePolicies
        {
            Version = version,
            Principal = info,
            Policies = new PolicySet
            {
                IdentityPolicies = compiled,
                PermissionsBoundary = boundaryPolicy,
                SessionPolicies = sessionPolicies.Count == 0 ? null : compiledSession,
            },
            PrincipalKeys = keys!,
        };
    }

    private CompiledPolicy[] Compile(List<PolicySource> sources)
    {
        var compiled = new List<CompiledPolicy>(sources.Count);
        foreach (var source in sources)
        {
            if (_compiled.Get(source.PolicyId, source.Document, PolicyKind.Identity) is { } policy)
            {
                compiled.Add(policy);
            }
        }

        return [.. compiled];
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

            if (principal.Session is { } session)
            {
                AddSessionKeys(principalKeys, session);
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
