using System.Globalization;

namespace Lockbox.Iam.Policy;

/// <summary>What kind of caller a request comes from.</summary>
public enum PrincipalKind
{
    /// <summary>The account's root user.</summary>
    Root,

    /// <summary>An IAM user (long-term credentials).</summary>
    User,

    /// <summary>An assumed-role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).</summary>
    AssumedRole,

    /// <summary>A federated user session (arn:aws:sts::ACCOUNT:federated-user/NAME).</summary>
    FederatedUser,

    /// <summary>An AWS service principal acting on its own (e.g. dynamodb.amazonaws.com).</summary>
    Service,

    /// <summary>An unauthenticated caller.</summary>
    Anonymous,
}

/// <summary>
/// The caller as policies see it: its ARN, account, kind and, for role sessions, the role's ARN
/// (resource-based policies may name either the session or the role it came from).
/// </summary>
/// <param name="Arn">The caller's ARN (user ARN, assumed-role session ARN, root ARN...).</param>
/// <param name="AccountId">The 12-digit account the caller belongs to.</param>
/// <param name="Kind">The caller's kind.</param>
/// <param name="SourceArn">For <see cref="PrincipalKind.AssumedRole"/>: the role (arn:aws:iam::ACCOUNT:role/PATH/NAME); for <see cref="PrincipalKind.FederatedUser"/>: the IAM user the session was created from. A resource-based policy naming it is limited by permissions boundaries and session policies, one naming the session itself is not.</param>
/// <param name="ServiceName">For <see cref="PrincipalKind.Service"/>: e.g. dynamodb.amazonaws.com.</param>
public sealed record PrincipalInfo(string Arn, string AccountId, PrincipalKind Kind, string? SourceArn = null, string? ServiceName = null)
{
    /// <summary>arn:aws:iam::ACCOUNT:root.</summary>
    public string AccountRootArn { get; } = "arn:aws:iam::" + AccountId + ":root";
}

/// <summary>
/// One authorization question: who (principal) wants to do what (action) to which resource, with
/// which context keys, at what time. Context key names are case-insensitive; every key may carry
/// several values (multi-valued keys such as dynamodb:Attributes or aws:TagKeys).
/// </summary>
/// <remarks>
/// aws:CurrentTime and aws:EpochTime are derived from <see cref="Time"/> when the caller did not
/// supply them, so the engine never reads a clock. An instance is meant for one request and is
/// not thread-safe while keys are being added; evaluating it from several threads is fine.
/// </remarks>
public sealed class RequestContext
{
    private readonly Dictionary<string, string[]> _keys;
    private string[]? _currentTime;
    private string[]? _epochTime;

    /// <summary>Creates a request with no context keys yet.</summary>
    public RequestContext(PrincipalInfo principal, string action, string resource, DateTimeOffset time)
        : this(principal, action, resource, time, new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase))
    {
    }

    private RequestContext(PrincipalInfo principal, string action, string resource, DateTimeOffset time, Dictionary<string, string[]> keys)
    {
        Principal = principal;
        Action = action;
        Resource = resource;
        Time = time;
        _keys = keys;
    }

    /// <summary>Creates a request with context keys copied from <paramref name="keys"/>.</summary>
    public static RequestContext Create(PrincipalInfo principal, string action, string resource, DateTimeOffset time,
        IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>? keys)
    {
        var context = new RequestContext(principal, action, resource, time);
        if (keys is not null)
        {
            foreach (var (key, values) in keys)
            {
                context.Set(key, values as string[] ?? [.. values]);
            }
        }

        return context;
    }

    /// <summary>The caller.</summary>
    public PrincipalInfo Principal { get; }

    /// <summary>The IAM action, e.g. dynamodb:GetItem (compared case-insensitively).</summary>
    public string Action { get; }

    /// <summary>The resource ARN, or <c>*</c> for actions without resource-level permissions.</summary>
    public string Resource { get; }

    /// <summary>The request time (supplies aws:CurrentTime and aws:EpochTime).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>
    /// The 12-digit account that owns <see cref="Resource"/>, when known. When it differs from the
    /// principal's account the request is cross-account: both an identity-based and a
    /// resource-based allow are needed. Null means "same account as the principal".
    /// </summary>
    public string? ResourceAccountId { get; init; }

    /// <summary>The keys the caller supplied (not the derived time keys).</summary>
    public IReadOnlyDictionary<string, string[]> Keys => _keys;

    /// <summary>Sets (replaces) a key's values. An empty array is a present key with no values.</summary>
    public RequestContext Set(string key, params string[] values)
    {
        _keys[key] = values;
        return this;
    }

    /// <summary>The values of <paramref name="key"/>, or null when the key is absent.</summary>
    public string[]? GetValues(string key)
    {
        if (_keys.TryGetValue(key, out var values))
        {
            return values;
        }

        if (string.Equals(key, "aws:CurrentTime", StringComparison.OrdinalIgnoreCase))
        {
            return _currentTime ??= [Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)];
        }

        if (string.Equals(key, "aws:EpochTime", StringComparison.OrdinalIgnoreCase))
        {
            return _epochTime ??= [Time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)];
        }

        return null;
    }
}
