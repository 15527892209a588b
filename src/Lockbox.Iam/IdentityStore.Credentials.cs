using System.Text;
using System.Text.Json;

namespace Lockbox.Iam;

/// <summary>Login profiles, the password policy and virtual MFA devices in the store.</summary>
public sealed partial class IdentityStore
{
    /// <summary>Steps either side of the device's (drift-corrected) current step a sign-in code may be from.</summary>
    private const int VerifyWindow = 1;

    private void LoadCredentials()
    {
        foreach (var profile in ReadAll("login-profile/", IamEntityJsonContext.Default.LoginProfileEntity))
        {
            _state.LoginProfiles[profile.UserId] = profile;
        }

        var policy = _storage.Get(_keyspace, "password-policy"u8);
        _state.PasswordPolicy = policy is null ? null : JsonSerializer.Deserialize(policy, IamEntityJsonContext.Default.PasswordPolicyEntity);
        foreach (var device in ReadAll("mfa-device/", IamEntityJsonContext.Default.MfaDeviceEntity))
        {
            _state.MfaDevices[Fold(device.SerialNumber)] = device;
        }
    }

    /// <summary>Seals a virtual MFA device's seed for storage (associated data <c>iam/mfa-device/&lt;id&gt;</c>).</summary>
    public byte[] SealMfaSeed(string deviceId, byte[] seed) => _masterKey.Seal(seed, MfaAad(deviceId));

    /// <summary>Opens a sealed seed.</summary>
    public byte[] OpenMfaSeed(MfaDeviceEntity device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return _masterKey.Open(device.SealedSeed, MfaAad(device.Id));
    }

    /// <summary>
    /// Verifies a TOTP <paramref name="code"/> of the virtual MFA device <paramref name="serialNumber"/>
    /// at <paramref name="time"/> (the seam for STS's SerialNumber/TokenCode): the device must be
    /// enabled (for <paramref name="userId"/> when given) and the code must belong to a step within
    /// one step of the device's drift-corrected clock that is later than the last accepted one, so
    /// a code is accepted once only. On success the step is recorded.
    /// </summary>
    public bool VerifyMfaCode(string serialNumber, string code, DateTimeOffset time, string? userId = null)
    {
        ArgumentNullException.ThrowIfNull(serialNumber);
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return false;
        }

        return Write(state =>
        {
            if (!state.MfaDevices.TryGetValue(Fold(serialNumber), out var device) || device.UserId is null ||
                (userId is not null && device.UserId != userId))
            {
                return false;
            }

            var step = TotpCodes.Find(OpenMfaSeed(device), code, TotpCodes.Step(time) + device.DriftSteps, VerifyWindow, device.LastUsedStep);
            if (step is null)
            {
                return false;
            }

            device.LastUsedStep = step.Value;
            state.Save(device);
            return true;
        });
    }

    private static byte[] MfaAad(string deviceId) => Encoding.UTF8.GetBytes("iam/mfa-device/" + deviceId);
}
