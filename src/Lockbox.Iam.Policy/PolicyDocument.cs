namespace Lockbox.Iam.Policy;

/// <summary>The two policy language versions IAM accepts.</summary>
public enum PolicyVersion
{
    /// <summary>2008-10-17, also what an absent Version means: policy variables are literal text.</summary>
    V2008_10_17,

    /// <summary>2012-10-17: policy variables (<c>${aws:username}</c>...) are substituted.</summary>
    V2012_10_17,
}

/// <summary>Allow or Deny.</summary>
public enum PolicyEffect
{
    /// <summary>The statement grants what it matches.</summary>
    Allow,

    /// <summary>The statement refuses what it matches; an explicit deny always wins.</summary>
    Deny,
}

/// <summary>
/// A policy document as written, after validation (<see cref="PolicyParser"/>). Immutable.
/// Compile it once with <see cref="CompiledPolicy.Compile"/> for evaluation.
/// </summary>
public sealed class PolicyDocument
{
    internal PolicyDocument(PolicyVersion version, bool versionPresent, string? id, IReadOnlyList<PolicyStatement> statements)
    {
        Version = version;
        VersionPresent = versionPresent;
        Id = id;
        Statements = statements;
    }

    /// <summary>The language version (2008-10-17 when the document has no Version).</summary>
    public PolicyVersion Version { get; }

    /// <summary>Whether the document named its Version explicitly.</summary>
    public bool VersionPresent { get; }

    /// <summary>The optional Id element.</summary>
    public string? Id { get; }

    /// <summary>The statements in document order (a single-object Statement becomes one entry).</summary>
    public IReadOnlyList<PolicyStatement> Statements { get; }
}

/// <summary>One statement of a policy document, as written.</summary>
public sealed class PolicyStatement
{
    internal PolicyStatement(
        int index, string? sid, PolicyEffect effect, PolicyPrincipal? principal, bool isNotPrincipal,
        IReadOnlyList<string> actions, bool isNotAction, IReadOnlyList<string>? resources, bool isNotResource,
        IReadOnlyList<PolicyCondition> conditions)
    {
        Index = index;
        Sid = sid;
        Effect = effect;
        Principal = principal;
        IsNotPrincipal = isNotPrincipal;
        Actions = actions;
        IsNotAction = isNotAction;
        Resources = resources;
        IsNotResource = isNotResource;
        Conditions = conditions;
    }

    /// <summary>Zero-based position in the document.</summary>
    public int Index { get; }

    /// <summary>The optional statement id.</summary>
    public string? Sid { get; }

    /// <summary>Allow or Deny.</summary>
    public PolicyEffect Effect { get; }

    /// <summary>Principal or NotPrincipal (see <see cref="IsNotPrincipal"/>); null when absent.</summary>
    public PolicyPrincipal? Principal { get; }

    /// <summary>True when <see cref="Principal"/> came from a NotPrincipal element.</summary>
    public bool IsNotPrincipal { get; }

    /// <summary>Action or NotAction patterns (see <see cref="IsNotAction"/>).</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>True when <see cref="Actions"/> came from a NotAction element.</summary>
    public bool IsNotAction { get; }

    /// <summary>Resource or NotResource patterns; null when the statement has neither (trust policies).</summary>
    public IReadOnlyList<string>? Resources { get; }

    /// <summary>True when <see cref="Resources"/> came from a NotResource element.</summary>
    public bool IsNotResource { get; }

    /// <summary>One entry per (operator, key) pair of the Condition block, in document order.</summary>
    public IReadOnlyList<PolicyCondition> Conditions { get; }

    /// <summary>Where the statement's object starts in the document text: its opening brace (1-based line and column).</summary>
    public PolicyPosition StartPosition { get; internal init; }

    /// <summary>Where the statement's object ends in the document text: its closing brace (1-based line and column).</summary>
    public PolicyPosition EndPosition { get; internal init; }
}

/// <summary>A place in a policy document's text (the simulator's Position): 1-based line and column, columns counted in characters.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct PolicyPosition(int Line, int Column);

/// <summary>
/// A Principal (or NotPrincipal) element: either <c>"*"</c> or a map of principal types
/// (AWS, Service, Federated, CanonicalUser) to identifiers.
/// </summary>
public sealed class PolicyPrincipal
{
    internal PolicyPrincipal(bool isWildcard, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        IsWildcard = isWildcard;
        Entries = entries;
    }

    /// <summary>True for <c>"Principal": "*"</c> (everyone, including anonymous callers).</summary>
    public bool IsWildcard { get; }

    /// <summary>(type, identifier) pairs, e.g. ("AWS", "arn:aws:iam::111122223333:user/Bob").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries { get; }
}

/// <summary>
/// One condition: an operator (possibly qualified with ForAllValues:/ForAnyValue: and/or suffixed
/// with IfExists) applied to one context key with one or more values (values are ORed).
/// </summary>
public sealed class PolicyCondition
{
    internal PolicyCondition(string operatorText, ConditionOperator @operator, SetQualifier qualifier, bool ifExists, string key, IReadOnlyList<string> values)
    {
        OperatorText = operatorText;
        Operator = @operator;
        Qualifier = qualifier;
        IfExists = ifExists;
        Key = key;
        Values = values;
    }

    /// <summary>The operator as written, e.g. <c>ForAllValues:StringEqualsIfExists</c>.</summary>
    public string OperatorText { get; }

    /// <summary>The base operator.</summary>
    public ConditionOperator Operator { get; }

    /// <summary>ForAllValues:/ForAnyValue: or none.</summary>
    public SetQualifier Qualifier { get; }

    /// <summary>Whether the operator carries the IfExists suffix.</summary>
    public bool IfExists { get; }

    /// <summary>The context key as written (compared case-insensitively).</summary>
    public string Key { get; }

    /// <summary>The condition values as text (JSON numbers and booleans keep their literal text).</summary>
    public IReadOnlyList<string> Values { get; }
}

/// <summary>How a condition treats a multi-valued context key.</summary>
public enum SetQualifier
{
    /// <summary>No qualifier: the condition matches when any request value matches.</summary>
    None,

    /// <summary>ForAllValues: every request value must match; a missing or empty key matches.</summary>
    ForAllValues,

    /// <summary>ForAnyValue: at least one request value must match; a missing or empty key does not.</summary>
    ForAnyValue,
}

/// <summary>Every condition operator of the IAM policy language (without qualifier or IfExists).</summary>
public enum ConditionOperator
{
#pragma warning disable CS1591 // names are AWS's own operator names
    StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike,
    NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals,
    DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan, DateGreaterThanEquals,
    Bool, BinaryEquals, IpAddress, NotIpAddress, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Null,
#pragma warning restore CS1591
}
