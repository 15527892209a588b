using System.Net;
using Lockbox.Protocols;

namespace Lockbox.Host;

/// <summary>
/// Settings of one <see cref="LockboxServer"/>. Validated by <see cref="Validate"/> before anything
/// is opened; the CLI maps its flags onto these.
/// </summary>
public sealed class LockboxServerOptions
{
    /// <summary>AWS's largest DynamoDB request body: 16 MiB (bigger bodies get HTTP 413).</summary>
    public const long DefaultMaxRequestBodyBytes = 16L * 1024 * 1024;

    /// <summary>The region used when none is given, as in the AWS CLI's usual default.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>The endpoint used when none is given: loopback only, DynamoDB Local's port.</summary>
    public static IPEndPoint DefaultEndpoint => new(IPAddress.Loopback, 8000);

    /// <summary>Addresses to listen on. Empty means <see cref="DefaultEndpoint"/>. Port 0 picks a free port.</summary>
    public IList<IPEndPoint> Listen { get; } = new List<IPEndPoint>();

    /// <summary>Directory holding the master key, the database and the root credentials file.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// The account id to create on first start (12 digits). Null: keep the stored one, or create
    /// a random one on first start. A value that differs from the stored account is an error.
    /// </summary>
    public string? AccountId { get; init; }

    /// <summary>The region this server is (what the SigV4 credential scope must name). Defaults to us-east-1.</summary>
    public string Region { get; init; } = DefaultRegion;

    /// <summary>Root access key id to use (from LOCKBOX_ROOT_ACCESS_KEY_ID); null to generate one on first start.</summary>
    public string? RootAccessKeyId { get; init; }

    /// <summary>Root secret for <see cref="RootAccessKeyId"/> (from LOCKBOX_ROOT_SECRET_ACCESS_KEY). Never logged.</summary>
    public string? RootSecretAccessKey { get; init; }

    /// <summary>Largest accepted request body, before and after decompression. Defaults to 16 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// Seconds of unused provisioned capacity a DynamoDB table keeps as burst capacity. DynamoDB
    /// keeps 300; a shorter window lets tests exhaust a table's capacity quickly.
    /// </summary>
    public double DynamoDbBurstSeconds { get; init; } = DefaultDynamoDbBurstSeconds;

    /// <summary>DynamoDB's burst window: five minutes.</summary>
    public const double DefaultDynamoDbBurstSeconds = DynamoDb.Capacity.ThroughputLimiter.DefaultBurstSeconds;

    /// <summary>The clock for signatures, request times and records. Tests substitute their own.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Time between two sweeps for expired TTL items (default 30 s; DynamoDB takes up to days).</summary>
    public TimeSpan TimeToLiveSweepInterval { get; init; } = Lockbox.DynamoDb.DynamoDbEngineOptions.DefaultTimeToLiveSweepInterval;

    /// <summary>DynamoDB's documented TTL cooldown: one hour.</summary>
    public static readonly TimeSpan DefaultTimeToLiveChangeCooldown = Lockbox.DynamoDb.DynamoDbEngineOptions.DefaultTimeToLiveChangeCooldown;

    /// <summary>
    /// How long after a TTL change UpdateTimeToLive refuses another change of the same table. Defaults
    /// to one hour, as DynamoDB documents; tests that toggle TTL shorten it. Zero allows a change as
    /// soon as the previous one has been applied.
    /// </summary>
    public TimeSpan TimeToLiveChangeCooldown { get; init; } = DefaultTimeToLiveChangeCooldown;

    /// <summary>
    /// Builds the services the server answers for. Null means <see cref="ServiceComposition.CreateJsonServices"/>;
    /// tests pass their own (e.g. an echo service).
    /// </summary>
    public Func<ServiceCompositionContext, IReadOnlyList<IJsonService>>? ServiceFactory { get; init; }

    /// <summary>Timings of the EC2 subset (instance states, metadata-service credential lifetime and renewal).</summary>
    public Lockbox.Ec2.Ec2Options Ec2 { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> describing the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("The data directory must not be empty.");
        }

        if (AccountId is not null && !AccountIds.IsValid(AccountId))
        {
            throw new ArgumentException($"Account id '{AccountId}' is not valid: it must be exactly 12 digits.");
        }

        if (!Regions.IsValid(Region))
        {
            throw new ArgumentException($"Region '{Region}' is not valid: use a name such as us-east-1 (lower-case letters, digits and dashes).");
        }

        if ((RootAccessKeyId is null) != (RootSecretAccessKey is null))
        {
            throw new ArgumentException("Set both LOCKBOX_ROOT_ACCESS_KEY_ID and LOCKBOX_ROOT_SECRET_ACCESS_KEY, or neither.");
        }

        if (RootAccessKeyId is not null && !Identity.AccessKeyGenerator.IsValidAccessKeyId(RootAccessKeyId))
        {
            throw new ArgumentException("LOCKBOX_ROOT_ACCESS_KEY_ID must be 16 to 128 letters and digits.");
        }

        if (RootSecretAccessKey is not null && RootSecretAccessKey.Length < 16)
        {
            throw new ArgumentException("LOCKBOX_ROOT_SECRET_ACCESS_KEY must be at least 16 characters.");
        }

        if (TimeToLiveSweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("The TTL sweep interval must be positive.");
        }

        if (TimeToLiveChangeCooldown < TimeSpan.Zero || TimeToLiveChangeCooldown > TimeSpan.FromDays(1))
        {
            throw new ArgumentException("The TTL change cooldown must be between 0 and 86400 seconds.");
        }

        if (!(DynamoDbBurstSeconds >= 0 && DynamoDbBurstSeconds <= 86_400))
        {
            throw new ArgumentException("The DynamoDB burst window must be between 0 and 86400 seconds.");
        }

        if (MaxRequestBodyBytes < 1)
        {
            throw new ArgumentException("The request size limit must be positive.");
        }
    }
}

/// <summary>Account id rules: exactly 12 ASCII digits.</summary>
public static class AccountIds
{
    /// <summary>True for a 12-digit account id.</summary>
    public static bool IsValid(string value)
    {
        if (value.Length != 12)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Region name rules: <c>xx-name-N</c> style, lower-case letters, digits and dashes.</summary>
public static class Regions
{
    /// <summary>True for a plausible region name such as <c>us-east-1</c> or <c>eu-central-2</c>.</summary>
    public static bool IsValid(string value)
    {
        if (value.Length is < 4 or > 32 || value[0] == '-' || value[^1] == '-' || !value.Contains('-', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
