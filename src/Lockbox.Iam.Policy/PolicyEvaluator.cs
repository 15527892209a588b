namespace Lockbox.Iam.Policy;

/// <summary>The outcome of an evaluation (the simulator's EvalDecision).</summary>
public enum EvaluationDecision
{
    /// <summary>"allowed".</summary>
    Allowed,

    /// <summary>"explicitDeny": a statement denied the request.</summary>
    ExplicitDeny,

    /// <summary>"implicitDeny": some policy type in force did not allow the request.</summary>
    ImplicitDeny,
}

/// <summary>The policy types that take part in a single-account evaluation.</summary>
public enum PolicyType
{
    /// <summary>No policy type (an allowed decision).</summary>
    None,

    /// <summary>Inline and managed policies of the user, its groups, or the role.</summary>
    IdentityBased,

    /// <summary>A policy attached to the resource (table, stream...).</summary>
    ResourceBased,

    /// <summary>The user's or role's permissions boundary.</summary>
    PermissionsBoundary,

    /// <summary>A session policy passed when the session was created.</summary>
    SessionPolicy,
}

/// <summary>
/// The decision and its reason: for an explicit deny, the policy type, policy id and statement
/// that denied; for an implicit deny, the policy type that lacked an allow. A value type holding
/// references to strings the compiled policies already own: returning it allocates nothing.
/// </summary>
/// <param name="Decision">Allowed, explicit or implicit deny.</param>
/// <param name="PolicyType">Which policy type denied or lacked an allow; None when allowed.</param>
/// <param name="PolicyId">The denying policy's id (explicit deny only).</param>
/// <param name="Sid">The denying statement's Sid, if it has one (explicit deny only).</param>
/// <param name="StatementIndex">The denying statement's position (explicit deny only), else -1.</param>
public readonly record struct AuthorizationDecision(EvaluationDecision Decision, PolicyType PolicyType, string? PolicyId = null, string? Sid = null, int StatementIndex = -1)
{
    /// <summary>True when the request may proceed.</summary>
    public bool IsAllowed => Decision == EvaluationDecision.Allowed;

    /// <summary>The simulator's spelling: allowed, explicitDeny, implicitDeny.</summary>
    public string EvalDecisionText => Decision switch
    {
        EvaluationDecision.Allowed => "allowed",
        EvaluationDecision.ExplicitDeny => "explicitDeny",
        _ => "implicitDeny",
    };
}

/// <summary>
/// The policies in force for one principal and one resource. Identity-based policies are the
/// union of the principal's inline and managed policies (and its groups'); session policies
/// (inline and managed ARNs passed at AssumeRole/GetFederationToken) are likewise ORed together
/// and then intersected with the rest. Null/empty means "no policy of that type in force".
/// </summary>
public sealed class PolicySet
{
    /// <summary>An empty set (nothing allowed except to root).</summary>
    public static PolicySet Empty { get; } = new();

    /// <summary>Identity-based policies of the principal.</summary>
    public IReadOnlyList<CompiledPolicy> IdentityPolicies { get; init; } = [];

    /// <summary>The resource's policy, if it has one.</summary>
    public CompiledPolicy? ResourcePolicy { get; init; }

    /// <summary>The principal's permissions boundary, if it has one.</summary>
    public CompiledPolicy? PermissionsBoundary { get; init; }

    /// <summary>Session policies of the caller's session; null or empty means the session has none.</summary>
    public IReadOnlyList<CompiledPolicy>? SessionPolicies { get; init; }
}

/// <summary>A statement that applied to the request (for the simulator's MatchedStatements).</summary>
/// <param name="PolicyType">The policy's type.</param>
/// <param name="PolicyId">The policy's id.</param>
/// <param name="Sid">The statement's Sid, if any.</param>
/// <param name="StatementIndex">The statement's position in its document.</param>
/// <param name="Effect">Allow or Deny.</param>
/// <param name="StartPosition">The statement's opening brace in the policy text.</param>
/// <param name="EndPosition">The statement's closing brace in the policy text.</param>
/// <param name="Policy">The policy the statement belongs to.</param>
public sealed record MatchedStatement(PolicyType PolicyType, string PolicyId, string? Sid, int StatementIndex, PolicyEffect Effect,
    PolicyPosition StartPosition = default, PolicyPosition EndPosition = default, CompiledPolicy? Policy = null);

/// <summary>
/// Optional detail collected during an evaluation, for the policy simulator: every statement that
/// applied, and the context keys some applicable statement needed but the request lacked.
/// Passing one makes the evaluator look at every statement instead of stopping at the first
/// explicit deny; the decision is the same.
/// </summary>
public sealed class EvaluationTrace
{
    private readonly HashSet<string> _missingSeen = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Statements whose action, resource, principal and conditions all matched.</summary>
    public List<MatchedStatement> MatchedStatements { get; } = [];

    /// <summary>Context keys referenced by statements whose action and resource matched, absent from the request.</summary>
    public List<string> MissingContextValues { get; } = [];

    /// <summary>
    /// How the identity-based policies alone decided: allowed (some statement allowed, none denied),
    /// explicitDeny, or implicitDeny (no statement applied). The simulator's EvalDecisionDetails.
    /// </summary>
    public EvaluationDecision IdentityDecision { get; internal set; } = EvaluationDecision.ImplicitDeny;

    /// <summary>How the resource-based policy alone decided; null when the request had none.</summary>
    public EvaluationDecision? ResourceDecision { get; internal set; }

    /// <summary>
    /// Whether the permissions boundary allowed the request (an applicable Allow and no Deny); null
    /// when no boundary was in force. The simulator's PermissionsBoundaryDecisionDetail.
    /// </summary>
    public bool? AllowedByPermissionsBoundary { get; internal set; }

    internal static EvaluationDecision DecisionOf(bool denied, bool allowed) =>
        denied ? EvaluationDecision.ExplicitDeny : allowed ? EvaluationDecision.Allowed : EvaluationDecision.ImplicitDeny;

    internal void Missing(string key)
    {
        if (_missingSeen.Add(key))
        {
            MissingContextValues.Add(key);
        }
    }
}

/// <summary>
/// AWS's policy evaluation logic for requests within one account (or a cross-account request
/// when <see cref="RequestContext.ResourceAccountId"/> differs from the caller's account):
/// <list type="number">
/// <item>An explicit deny in any policy wins. Policies are searched in the order identity-based,
/// resource-based, permissions boundary, session policy; the first deny found is reported.</item>
/// <item>The root user is allowed (policies other than an explicit deny do not limit it).</item>
/// <item>A resource-based allow naming the caller itself (IAM user ARN, role session ARN, "*",
/// service) grants on its own, unlimited by identity policies, boundaries and session policies.</item>
/// <item>Otherwise an identity-based allow, or a resource-based allow naming the role (or user) the
/// session came from, is needed ("no identity-based policy allows"); then the permissions boundary
/// ("no permissions boundary allows") and the session policies ("no session policy allows") must
/// each allow too.</item>
/// <item>Cross-account: the identity side as above and a resource-based allow naming the caller
/// or its account ("no resource-based policy allows").</item>
/// </list>
/// Thread-safe and stateless; allocation-free unless policy variables need a long buffer or a
/// trace is requested.
/// </summary>
public static class PolicyEvaluator
{
    private enum Outcome
    {
        NotApplicable,
        Allow,
        Deny,
    }

    /// <summary>Evaluates <paramref name="context"/> against <paramref name="policies"/>.</summary>
    public static AuthorizationDecision Evaluate(RequestContext context, PolicySet policies, EvaluationTrace? trace = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(policies);
        AuthorizationDecision? deny = null;

        var identityAllow = false;
        var identityDeny = false;
        var identity = policies.IdentityPolicies;
        for (var i = 0; i < identity.Count; i++)
        {
            var outcome = EvaluatePolicy(identity[i], PolicyType.IdentityBased, context, trace, out var denied, out _);
            if (outcome == Outcome.Deny)
            {
                deny ??= DenyBy(PolicyType.IdentityBased, identity[i], denied!);
                if (trace is null)
                {
                    return deny.Value;
                }
            }

            identityAllow |= outcome == Outcome.Allow;
            identityDeny |= outcome == Outcome.Deny;
        }

        if (trace is not null)
        {
            trace.IdentityDecision = EvaluationTrace.DecisionOf(identityDeny, identityAllow);
        }

        var resourceAllow = PrincipalMatch.None;
        if (policies.ResourcePolicy is { } resourcePolicy)
        {
            var outcome = EvaluatePolicy(resourcePolicy, PolicyType.ResourceBased, context, trace, out var denied, out resourceAllow);
            if (trace is not null)
            {
                trace.ResourceDecision = EvaluationTrace.DecisionOf(outcome == Outcome.Deny, outcome == Outcome.Allow);
            }

            if (outcome == Outcome.Deny)
            {
                deny ??= DenyBy(PolicyType.ResourceBased, resourcePolicy, denied!);
                if (trace is null)
                {
                    return deny.Value;
                }
            }
        }

        var boundaryAllow = true;
        if (policies.PermissionsBoundary is { } boundary)
        {
            var outcome = EvaluatePolicy(boundary, PolicyType.PermissionsBoundary, context, trace, out var denied, out _);
            if (trace is not null)
            {
                trace.AllowedByPermissionsBoundary = outcome == Outcome.Allow;
            }

            if (outcome == Outcome.Deny)
            {
                deny ??= DenyBy(PolicyType.PermissionsBoundary, boundary, denied!);
                if (trace is null)
                {
                    return deny.Value;
                }
            }

            boundaryAllow = outcome == Outcome.Allow;
        }

        var sessionAllow = true;
        if (policies.SessionPolicies is { Count: > 0 } sessions)
        {
            sessionAllow = false;
            for (var i = 0; i < sessions.Count; i++)
            {
                var outcome = EvaluatePolicy(sessions[i], PolicyType.SessionPolicy, context, trace, out var denied, out _);
                if (outcome == Outcome.Deny)
                {
                    deny ??= DenyBy(PolicyType.SessionPolicy, sessions[i], denied!);
                    if (trace is null)
                    {
                        return deny.Value;
                    }
                }

                sessionAllow |= outcome == Outcome.Allow;
            }
        }

        if (deny is { } explicitDeny)
        {
            return explicitDeny;
        }

        var principal = context.Principal;
        var crossAccount = context.ResourceAccountId is { } owner && !string.Equals(owner, principal.AccountId, StringComparison.Ordinal);
        if (principal.Kind == PrincipalKind.Root && !crossAccount)
        {
            return new AuthorizationDecision(EvaluationDecision.Allowed, PolicyType.None);
        }

        if (principal.Kind is PrincipalKind.Anonymous or PrincipalKind.Service)
        {
            return resourceAllow == PrincipalMatch.Direct
                ? new AuthorizationDecision(EvaluationDecision.Allowed, PolicyType.None)
                : Implicit(PolicyType.ResourceBased);
        }

        if (!crossAccount && resourceAllow == PrincipalMatch.Direct)
        {
            return new AuthorizationDecision(EvaluationDecision.Allowed, PolicyType.None);
        }

        if (!identityAllow && (crossAccount || resourceAllow != PrincipalMatch.Source))
        {
            return Implicit(PolicyType.IdentityBased);
        }

        if (crossAccount && resourceAllow == PrincipalMatch.None)
        {
            return Implicit(PolicyType.ResourceBased);
        }

        if (principal.Kind != PrincipalKind.Root && !boundaryAllow)
        {
            return Implicit(PolicyType.PermissionsBoundary);
        }

        if (!sessionAllow)
        {
            return Implicit(PolicyType.SessionPolicy);
        }

        return new AuthorizationDecision(EvaluationDecision.Allowed, PolicyType.None);
    }

    private static AuthorizationDecision Implicit(PolicyType type) => new(EvaluationDecision.ImplicitDeny, type);

    private static AuthorizationDecision DenyBy(PolicyType type, CompiledPolicy policy, CompiledStatement statement) =>
        new(EvaluationDecision.ExplicitDeny, type, policy.PolicyId, statement.Source.Sid, statement.Source.Index);

    /// <summary>
    /// One policy: Deny if some Deny statement applies (the first one is reported), else Allow if
    /// some Allow statement applies, else NotApplicable. For resource-based policies
    /// <paramref name="allowMatch"/> is the strongest way an applicable Allow named the caller.
    /// </summary>
    private static Outcome EvaluatePolicy(CompiledPolicy policy, PolicyType type, RequestContext context, EvaluationTrace? trace,
        out CompiledStatement? denied, out PrincipalMatch allowMatch)
    {
        denied = null;
        allowMatch = PrincipalMatch.None;
        var allowed = false;
        var statements = policy.Statements;
        for (var i = 0; i < statements.Length; i++)
        {
            var statement = statements[i];
            if (!statement.MatchesAction(context.Action) || !statement.MatchesResource(context))
            {
                continue;
            }

            var principalMatch = type == PolicyType.ResourceBased ? statement.MatchPrincipal(context.Principal) : PrincipalMatch.Direct;
            if (principalMatch == PrincipalMatch.None)
            {
                continue;
            }

            if (trace is not null)
            {
                foreach (var key in statement.ReferencedKeys())
                {
                    if (context.GetValues(key) is null)
                    {
                        trace.Missing(key);
                    }
                }
            }

            if (!statement.MatchesConditions(context))
            {
                continue;
            }

            trace?.MatchedStatements.Add(new MatchedStatement(type, policy.PolicyId, statement.Source.Sid, statement.Source.Index, statement.Effect,
                statement.Source.StartPosition, statement.Source.EndPosition, policy));
            if (statement.Effect == PolicyEffect.Deny)
            {
                denied ??= statement;
                if (trace is null)
                {
                    return Outcome.Deny;
                }
            }
            else
            {
                allowed = true;
                if (principalMatch > allowMatch)
                {
                    allowMatch = principalMatch;
                }
            }
        }

        return denied is not null ? Outcome.Deny : allowed ? Outcome.Allow : Outcome.NotApplicable;
    }
}
