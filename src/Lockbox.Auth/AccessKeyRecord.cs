using Lockbox.Common;

namespace Lockbox.Auth;

/// <summary>
/// What authentication needs to know about one access key: the secret it signs with and the
/// principal it belongs to.
/// </summary>
/// <param name="SecretAccessKey">The secret access key, in memory only (stored sealed).</param>
/// <param name="Principal">The principal the key authenticates as.</param>
public sealed record AccessKeyRecord(string SecretAccessKey, Principal Principal)
{
    /// <summary>
    /// For temporary (STS, <c>ASIA…</c>) credentials: the session token that must accompany every
    /// request signed with this key. Null for long-term keys, which must be used without one.
    /// </summary>
    public string? SessionToken { get; init; }

    /// <summary>When temporary credentials stop working; null for long-term keys.</summary>
    public DateTimeOffset? Expiration { get; init; }

    /// <summary>Never print the secret, not even in a debugger or a log of the record.</summary>
    public override string ToString() => $"AccessKeyRecord {{ Principal = {Principal} }}";
}
