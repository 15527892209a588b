namespace Lockbox.Common;

/// <summary>What kind of STS session temporary credentials belong to.</summary>
public enum SessionKind
{
    /// <summary>An assumed-role session (AssumeRole, or a service such as EC2 assuming a role).</summary>
    RoleSession,

    /// <summary>An IAM user's session from GetSessionToken.</summary>
    UserSession,

    /// <summary>The account root's session from GetSessionToken.</summary>
    RootSession,
}

/// <summary>
/// The STS session behind temporary (<c>ASIA…</c>) credentials, as decoded from its self-contained
/// session token. Immutable and shared by every request signed with the same token.
/// </summary>
public sealed record SessionInfo
{
    /// <summary>Role session, user session or root session.</summary>
    public required SessionKind Kind { get; init; }

    /// <summary>When the credentials were issued (aws:TokenIssueTime).</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When the credentials stop working.</summary>
    public required DateTimeOffset Expiration { get; init; }

    /// <summary>The role's id (AROA…) for role sessions.</summary>
    public string? RoleId { get; init; }

    /// <summary>The role's ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME) for role sessions.</summary>
    public string? RoleArn { get; init; }

    /// <summary>The role session name for role sessions.</summary>
    public string? SessionName { get; init; }

    /// <summary>The IAM user's id (AIDA…) for user sessions, or who assumed the role (aws:userid of the caller) for role sessions.</summary>
    public string? SourceUserId { get; init; }

    /// <summary>The ARN of the principal that obtained the session (the user, root, an assumed-role session or a service principal).</summary>
    public string? SourceArn { get; init; }

    /// <summary>sts:SourceIdentity set when the role was assumed (aws:SourceIdentity).</summary>
    public string? SourceIdentity { get; init; }

    /// <summary>True when the session was obtained with MFA (aws:MultiFactorAuthPresent).</summary>
    public bool MfaPresent { get; init; }

    /// <summary>When the MFA code was verified (aws:MultiFactorAuthAge counts from it).</summary>
    public DateTimeOffset? MfaAuthTime { get; init; }

    /// <summary>The inline session policy (JSON), if one was passed.</summary>
    public string? Policy { get; init; }

    /// <summary>ARNs of managed policies passed as session policies.</summary>
    public IReadOnlyList<string> PolicyArns { get; init; } = [];

    /// <summary>Session tags (key, value), in the order given; transitive tags from a chained session included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Keys of session tags that pass on to a chained role session.</summary>
    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];

    /// <summary>True when the role was assumed with credentials of another role session (role chaining).</summary>
    public bool Chained { get; init; }
}
