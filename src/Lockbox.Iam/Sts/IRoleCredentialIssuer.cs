namespace Lockbox.Iam.Sts;

/// <summary>A set of temporary (STS) credentials: an <c>ASIA…</c> key, its secret, the session token and its expiry.</summary>
/// <param name="AccessKeyId">The temporary access key id (<c>ASIA…</c>).</param>
/// <param name="SecretAccessKey">The secret the caller signs with.</param>
/// <param name="SessionToken">The self-contained session token that must accompany every signed request.</param>
/// <param name="Expiration">When the credentials stop working.</param>
public sealed record TemporaryCredentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration)
{
    /// <summary>Never print the secret or the token.</summary>
    public override string ToString() => $"TemporaryCredentials {{ AccessKeyId = {AccessKeyId}, Expiration = {Expiration:O} }}";
}

/// <summary>
/// Issues role sessions on behalf of an AWS service, the way EC2 obtains an instance profile's
/// role credentials for the instance metadata service: no calling principal, the role's trust
/// policy must allow the service principal (for example <c>ec2.amazonaws.com</c>) to perform
/// <c>sts:AssumeRole</c>. Implemented by STS; used by the EC2 instance metadata service.
/// </summary>
public interface IRoleCredentialIssuer
{
    /// <summary>
    /// Assumes <paramref name="roleArn"/> for <paramref name="servicePrincipal"/> with session name
    /// <paramref name="sessionName"/> (EC2 uses the instance id) for <paramref name="duration"/>.
    /// Throws <see cref="Lockbox.Common.AwsServiceException"/> (AccessDenied) when the trust
    /// policy does not allow it, NoSuchEntity when the role does not exist.
    /// </summary>
    TemporaryCredentials AssumeRoleForService(string roleArn, string servicePrincipal, string sessionName, TimeSpan duration);
}
