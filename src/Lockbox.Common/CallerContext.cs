using System.Net;

namespace Lockbox.Common;

/// <summary>Who is calling: the authenticated principal behind an access key.</summary>
/// <param name="AccountId">12-digit account id.</param>
/// <param name="Arn">Principal ARN, e.g. <c>arn:aws:iam::123456789012:root</c>.</param>
/// <param name="UserId">The aws:userid value (the account id for root).</param>
/// <param name="AccessKeyId">The access key the request was signed with.</param>
/// <param name="IsRoot">True for the account's root principal.</param>
public sealed record Principal(string AccountId, string Arn, string UserId, string AccessKeyId, bool IsRoot)
{
    /// <summary>
    /// The STS session when the request was signed with temporary (<c>ASIA…</c>) credentials;
    /// null for long-term keys. For a role session <see cref="Arn"/> is the assumed-role ARN and
    /// <see cref="UserId"/> is <c>ROLEID:SESSION</c>; for a user or root session they are the
    /// user's (root's) own.
    /// </summary>
    public SessionInfo? Session { get; init; }
}

/// <summary>
/// Everything an engine and the authorizer may know about a request besides its body.
/// Built once per request by the host after authentication.
/// </summary>
public sealed class CallerContext
{
    public required string RequestId { get; init; }
    public required Principal Principal { get; init; }
    /// <summary>The region the request was signed for (the server's region).</summary>
    public required string Region { get; init; }
    public required DateTimeOffset RequestTime { get; init; }
    public IPAddress? SourceIp { get; init; }
    public string? UserAgent { get; init; }
    public bool SecureTransport { get; init; }
    /// <summary>The Host header the client sent (host[:port]); what DescribeEndpoints answers with.</summary>
    public string? Host { get; init; }
}
