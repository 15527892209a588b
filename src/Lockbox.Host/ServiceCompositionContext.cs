using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;
using Microsoft.Extensions.Logging;

namespace Lockbox.Host;

/// <summary>Everything a service needs from the host to be constructed.</summary>
public sealed class ServiceCompositionContext
{
    /// <summary>The storage engine shared by every service (owned by the server; do not dispose).</summary>
    public required IStorageEngine Storage { get; init; }

    /// <summary>The server's master key for sealing secrets and wrapping data keys (owned by the server).</summary>
    public required MasterKey MasterKey { get; init; }

    /// <summary>The account this server hosts (12 digits).</summary>
    public required string AccountId { get; init; }

    /// <summary>The server's region, e.g. us-east-1.</summary>
    public required string Region { get; init; }

    /// <summary>The authorization stage every handler calls (root-only until IAM lands).</summary>
    public required IRequestAuthorizer Authorizer { get; init; }

    /// <summary>Where services register the resource-based policies the authorizer should consult.</summary>
    public ResourcePolicyRegistry ResourcePolicies { get; init; } = new();

    /// <summary>The server's clock.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>Where services create their loggers.</summary>
    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>Time between two sweeps for expired TTL items.</summary>
    public TimeSpan TimeToLiveSweepInterval { get; init; } = Lockbox.DynamoDb.DynamoDbEngineOptions.DefaultTimeToLiveSweepInterval;

    /// <summary>How long after a TTL change another change of the same table is refused (one hour unless a test shortens it).</summary>
    public TimeSpan TimeToLiveChangeCooldown { get; init; } = Lockbox.DynamoDb.DynamoDbEngineOptions.DefaultTimeToLiveChangeCooldown;

    /// <summary>Seconds of unused provisioned capacity a DynamoDB table keeps as burst (300 unless a test shortens it).</summary>
    public double DynamoDbBurstSeconds { get; init; } = DynamoDb.Capacity.ThroughputLimiter.DefaultBurstSeconds;

    /// <summary>The account's IAM identities (users, groups, roles, policies, access keys); owned by the server.</summary>
    public required Lockbox.Iam.IdentityStore Identity { get; init; }

    /// <summary>Timings of the EC2 subset.</summary>
    public Lockbox.Ec2.Ec2Options Ec2 { get; init; } = new();

    /// <summary>Seals and opens STS session tokens (keys derived from the master key); owned by the server.</summary>
    public required Lockbox.Iam.Sts.SessionTokenCodec SessionTokens { get; init; }

    /// <summary>
    /// The STS issuer (role sessions, user sessions). It is also the <see cref="Lockbox.Iam.Sts.IRoleCredentialIssuer"/>
    /// services such as EC2's instance metadata use to obtain an instance profile role's credentials.
    /// </summary>
    public Lockbox.Iam.Sts.StsIssuer Sts => _sts ??= new Lockbox.Iam.Sts.StsIssuer(Identity, SessionTokens, Time);

    private Lockbox.Iam.Sts.StsIssuer? _sts;

    /// <summary>The data directory (services may keep files below it).</summary>
    public required string DataDirectory { get; init; }
}
