namespace Lockbox.Iam.Policy;

/// <summary>
/// A policy document compiled once for evaluation: action and resource patterns pre-split into
/// glob form, condition values pre-parsed, policy variables pre-located (only in Version
/// 2012-10-17 documents; in 2008-10-17 they are literal text). Immutable and thread-safe: compile
/// a policy version once and share it across requests.
/// </summary>
public sealed class CompiledPolicy
{
    private CompiledPolicy(string policyId, PolicyDocument document, CompiledStatement[] statements)
    {
        PolicyId = policyId;
        Document = document;
        Statements = statements;
    }

    /// <summary>
    /// What denial reports and the simulator name the policy by: the managed policy's ARN, or a
    /// description of an inline policy (e.g. "user/alice/inline/ReadOnly").
    /// </summary>
    public string PolicyId { get; }

    /// <summary>The validated document.</summary>
    public PolicyDocument Document { get; }

    internal CompiledStatement[] Statements { get; }

    /// <summary>Compiles a validated document.</summary>
    public static CompiledPolicy Compile(PolicyDocument document, string policyId)
    {
        ArgumentNullException.ThrowIfNull(document);
        var variables = document.Version == PolicyVersion.V2012_10_17;
        var statements = new CompiledStatement[document.Statements.Count];
        for (var i = 0; i < statements.Length; i++)
        {
            statements[i] = new CompiledStatement(document.Statements[i], variables);
        }

        return new CompiledPolicy(policyId, document, statements);
    }

    /// <summary>Parses, validates and compiles in one step.</summary>
    /// <exception cref="MalformedPolicyDocumentException">The document is not a valid policy.</exception>
    public static CompiledPolicy Parse(string json, PolicyKind kind, string policyId, bool requireVersion2012 = false) =>
        Compile(PolicyParser.Parse(json, kind, requireVersion2012), policyId);

    /// <summary>
    /// Every context key the policy's conditions and variables refer to (for
    /// GetContextKeysForPrincipalPolicy / GetContextKeysForCustomPolicy), in first-seen order,
    /// de-duplicated case-insensitively.
    /// </summary>
    public IReadOnlyList<string> ContextKeys()
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var keys = new List<string>();
        foreach (var statement in Statements)
        {
            foreach (var key in statement.ReferencedKeys())
            {
                if (seen.Add(key))
                {
                    keys.Add(key);
                }
            }
        }

        return keys;
    }
}

/// <summary>How a resource-based policy statement named the caller.</summary>
internal enum PrincipalMatch
{
    /// <summary>The statement does not apply to the caller.</summary>
    None,

    /// <summary>The caller's account (ID or root ARN): the account must still allow it with an identity-based policy.</summary>
    Account,

    /// <summary>The role (or IAM user) the caller's session came from: limited by boundaries and session policies.</summary>
    Source,

    /// <summary>The caller itself (user, session, service, or "*"): grants on its own in the same account.</summary>
    Direct,
}

/// <summary>One statement compiled for evaluation.</summary>
internal sealed class CompiledStatement
{
    private readonly PolicyPattern[] _actions;
    private readonly PolicyPattern[]? _resources;
    private readonly PolicyPrincipal? _principal;

    public CompiledStatement(PolicyStatement source, bool variables)
    {
        Source = source;
        _actions = [.. source.Actions.Select(a => PolicyPattern.Create(a, variables: false, wildcards: true, ignoreCase: true))];
        _resources = source.Resources is null ? null : [.. source.Resources.Select(r => PolicyPattern.Create(r, variables, wildcards: true, ignoreCase: false))];
        _principal = source.Principal;
        Conditions = [.. source.Conditions.Select(c => new CompiledCondition(c, variables))];
    }

    public PolicyStatement Source { get; }

    public PolicyEffect Effect => Source.Effect;

    public CompiledCondition[] Conditions { get; }

    /// <summary>Action (or NotAction) match; action names are case-insensitive.</summary>
    public bool MatchesAction(string action)
    {
        var any = false;
        foreach (var pattern in _actions)
        {
            if (pattern.IsMatchAll || pattern.IsMatch(action))
            {
                any = true;
                break;
            }
        }

        return any != Source.IsNotAction;
    }

    /// <summary>Resource (or NotResource) match; ARNs are case-sensitive. No element (trust policies) matches all.</summary>
    public bool MatchesResource(RequestContext context)
    {
        if (_resources is null)
        {
            return true;
        }

        var any = false;
        foreach (var pattern in _resources)
        {
            if (pattern.IsMatchAll || pattern.IsMatch(context.Resource, context))
            {
                any = true;
                break;
            }
        }

        return any != Source.IsNotResource;
    }

    /// <summary>All conditions hold (conditions are ANDed; an empty block holds).</summary>
    public bool MatchesConditions(RequestContext context)
    {
        foreach (var condition in Conditions)
        {
            if (!condition.Evaluate(context))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How Principal/NotPrincipal names the caller (statements without one apply to the policy's owner).</summary>
    public PrincipalMatch MatchPrincipal(PrincipalInfo caller)
    {
        if (_principal is null)
        {
            return PrincipalMatch.Direct;
        }

        var match = NamedMatch(_principal, caller);
        if (!Source.IsNotPrincipal)
        {
            return match;
        }

        // NotPrincipal: applies to everyone not listed, as if it had named them directly.
        return match == PrincipalMatch.None ? PrincipalMatch.Direct : PrincipalMatch.None;
    }

    private static PrincipalMatch NamedMatch(PolicyPrincipal principal, PrincipalInfo caller)
    {
        if (principal.IsWildcard)
        {
            return PrincipalMatch.Direct;
        }

        var best = PrincipalMatch.None;
        foreach (var (type, value) in principal.Entries)
        {
            var match = PrincipalMatch.None;
            switch (type)
            {
                case "AWS":
                    if (value == "*" || string.Equals(value, caller.Arn, StringComparison.Ordinal))
                    {
                        match = PrincipalMatch.Direct;
                    }
                    else if (caller.SourceArn is not null && string.Equals(value, caller.SourceArn, StringComparison.Ordinal))
                    {
                        match = PrincipalMatch.Source;
                    }
                    else if (string.Equals(value, caller.AccountId, StringComparison.Ordinal) || string.Equals(value, caller.AccountRootArn, StringComparison.Ordinal))
                    {
                        match = caller.Kind == PrincipalKind.Root ? PrincipalMatch.Direct : PrincipalMatch.Account;
                    }

                    break;
                case "Service":
                    if (caller.ServiceName is not null && string.Equals(value, caller.ServiceName, StringComparison.OrdinalIgnoreCase))
                    {
                        match = PrincipalMatch.Direct;
                    }

                    break;
                default:
                    if (string.Equals(value, caller.Arn, StringComparison.Ordinal))
                    {
                        match = PrincipalMatch.Direct;
                    }

                    break;
            }

            if (match > best)
            {
                best = match;
            }
        }

        return best;
    }

    public IEnumerable<string> ReferencedKeys()
    {
        foreach (var condition in Conditions)
        {
            yield return condition.Key;
            foreach (var key in condition.VariableKeys)
            {
                yield return key;
            }
        }

        if (_resources is not null)
        {
            foreach (var pattern in _resources)
            {
                foreach (var key in pattern.VariableKeys)
                {
                    yield return key;
                }
            }
        }
    }
}
