namespace Lockbox.Ec2;

/// <summary>Timings of the EC2 subset and its instance metadata services.</summary>
public sealed class Ec2Options
{
    /// <summary>Default lifetime of instance-profile role credentials (one hour; EC2 itself hands out ~6 h).</summary>
    public static readonly TimeSpan DefaultCredentialDuration = TimeSpan.FromHours(1);

    /// <summary>Default window before expiry in which credentials are renewed (15 minutes; the SDKs refresh 5–15 minutes ahead).</summary>
    public static readonly TimeSpan DefaultCredentialRefreshWindow = TimeSpan.FromMinutes(15);

    /// <summary>How long a new instance reports <c>pending</c> before <c>running</c>. Defaults to 1 second.</summary>
    public TimeSpan PendingDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a terminated instance reports <c>shutting-down</c>. Defaults to 1 second.</summary>
    public TimeSpan ShuttingDownDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a terminated instance stays listed (EC2: about an hour). Defaults to 1 hour.</summary>
    public TimeSpan TerminatedRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of the role credentials the metadata service hands out. Defaults to <see cref="DefaultCredentialDuration"/>.</summary>
    public TimeSpan CredentialDuration { get; init; } = DefaultCredentialDuration;

    /// <summary>Credentials with less than this left are renewed on the next request. Defaults to <see cref="DefaultCredentialRefreshWindow"/>.</summary>
    public TimeSpan CredentialRefreshWindow { get; init; } = DefaultCredentialRefreshWindow;

    /// <summary>Address the metadata listeners bind (loopback). Defaults to 127.0.0.1.</summary>
    public System.Net.IPAddress MetadataAddress { get; init; } = System.Net.IPAddress.Loopback;
}
