using Lockbox.Common;
using Lockbox.Iam.Sts;
using Microsoft.Extensions.Logging;

namespace Lockbox.Ec2.Metadata;

/// <summary>What the metadata service answers for an instance's role credentials.</summary>
/// <param name="Credentials">The credentials, or null when the role could not be assumed.</param>
/// <param name="LastUpdated">When they were obtained (or the attempt failed).</param>
/// <param name="ErrorCode">Why there are none (e.g. AccessDenied), else null.</param>
internal sealed record CredentialAnswer(TemporaryCredentials? Credentials, DateTimeOffset LastUpdated, string? ErrorCode);

/// <summary>
/// Role credentials per instance, renewed when less than <see cref="Ec2Options.CredentialRefreshWindow"/>
/// remains or when the instance's role changed (a new association, a profile with another role),
/// so a changed association applies on the next request. A refused assumption is remembered
/// for a few seconds so a polling SDK does not hammer STS.
/// </summary>
internal sealed class RoleCredentialCache(IRoleCredentialIssuer issuer, TimeProvider time, Ec2Options options, ILogger logger)
{
    private static readonly TimeSpan s_failureRetry = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, (string RoleArn, CredentialAnswer Answer)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public CredentialAnswer Get(string instanceId, string roleArn)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(instanceId, out var entry) && entry.RoleArn == roleArn)
            {
                var answer = entry.Answer;
                if (answer.Credentials is { } current ? current.Expiration - now > options.CredentialRefreshWindow : now - answer.LastUpdated < s_failureRetry)
                {
                    return answer;
                }
            }

            CredentialAnswer fresh;
            try
            {
                var credentials = issuer.AssumeRoleForService(roleArn, "ec2.amazonaws.com", instanceId, options.CredentialDuration);
                fresh = new CredentialAnswer(credentials, now, null);
                Ec2Log.CredentialsIssued(logger, instanceId, roleArn, credentials.AccessKeyId, credentials.Expiration);
            }
            catch (AwsServiceException error)
            {
                fresh = new CredentialAnswer(null, now, error.ErrorCode);
                Ec2Log.CredentialsRefused(logger, instanceId, roleArn, error.ErrorCode);
            }

            _entries[instanceId] = (roleArn, fresh);
            return fresh;
        }
    }

    /// <summary>Forgets an instance's credentials (termination, a new association).</summary>
    public void Forget(string instanceId)
    {
        lock (_gate)
        {
            _entries.Remove(instanceId);
        }
    }
}
