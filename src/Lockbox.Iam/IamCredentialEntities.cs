namespace Lockbox.Iam;

/// <summary>
/// A user's console password (stored at <c>iam/login-profile/&lt;user id&gt;</c>). Only a salted
/// PBKDF2 hash is kept (<see cref="PasswordHasher"/>); the password is never stored or returned.
/// </summary>
public sealed class LoginProfileEntity
{
    /// <summary>Id of the user.</summary>
    public string UserId { get; set; } = "";

    /// <summary>When the password was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>Whether the user must set a new password at the next sign-in.</summary>
    public bool PasswordResetRequired { get; set; }

    /// <summary>The password hash in <see cref="PasswordHasher"/>'s format.</summary>
    public string PasswordHash { get; set; } = "";
}

/// <summary>The account password policy (stored at <c>iam/password-policy</c>).</summary>
public sealed class PasswordPolicyEntity
{
    /// <summary>Minimum length (6–128; 6 when not given, as IAM).</summary>
    public int MinimumPasswordLength { get; set; } = 6;

    /// <summary>At least one of <c>! @ # $ % ^ &amp; * ( ) _ + - = [ ] { } | '</c>.</summary>
    public bool RequireSymbols { get; set; }

    /// <summary>At least one digit.</summary>
    public bool RequireNumbers { get; set; }

    /// <summary>At least one A–Z.</summary>
    public bool RequireUppercaseCharacters { get; set; }

    /// <summary>At least one a–z.</summary>
    public bool RequireLowercaseCharacters { get; set; }

    /// <summary>Whether users may change their own password.</summary>
    public bool AllowUsersToChangePassword { get; set; }

    /// <summary>Days a password is valid (1–1095), if set.</summary>
    public int? MaxPasswordAge { get; set; }

    /// <summary>Number of previous passwords that may not be reused (1–24), if set.</summary>
    public int? PasswordReusePrevention { get; set; }

    /// <summary>Whether an expired password needs an administrator reset, if set.</summary>
    public bool? HardExpiry { get; set; }
}

/// <summary>
/// A virtual MFA device (stored at <c>iam/mfa-device/&lt;id&gt;</c>). The TOTP seed is sealed with
/// the master key, associated data <c>iam/mfa-device/&lt;id&gt;</c>.
/// </summary>
public sealed class MfaDeviceEntity
{
    /// <summary>Internal id (storage key and sealing context; never shown).</summary>
    public string Id { get; set; } = "";

    /// <summary>The device name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The path.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The serial number: <c>arn:aws:iam::ACCOUNT:mfa/PATH/NAME</c>.</summary>
    public string SerialNumber { get; set; } = "";

    /// <summary>When the device was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>The sealed seed (raw bytes, not base32).</summary>
    public byte[] SealedSeed { get; set; } = [];

    /// <summary>Id of the user it is enabled for; null while unassigned.</summary>
    public string? UserId { get; set; }

    /// <summary>When it was enabled for its user.</summary>
    public DateTimeOffset? EnableDate { get; set; }

    /// <summary>The last TOTP time step accepted (replay protection: only later steps are accepted).</summary>
    public long LastUsedStep { get; set; }

    /// <summary>Clock drift of the device in time steps, learned by EnableMFADevice / ResyncMFADevice.</summary>
    public long DriftSteps { get; set; }

    /// <summary>The device's tags.</summary>
    public List<IamTag> Tags { get; set; } = [];
}
