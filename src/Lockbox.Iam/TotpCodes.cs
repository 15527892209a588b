using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Lockbox.Iam;

/// <summary>
/// RFC 6238 TOTP as IAM's virtual MFA devices use it: HMAC-SHA1, 30-second steps, 6 digits
/// (computed by Otp.NET). Pure: the time is passed in.
/// </summary>
public static class TotpCodes
{
    /// <summary>Seconds per time step.</summary>
    public const int StepSeconds = 30;

    /// <summary>Seed length in bytes: 40 bytes are 64 base32 characters, the length of IAM's seeds.</summary>
    public const int SeedBytes = 40;

    /// <summary>The time step containing <paramref name="time"/>.</summary>
    public static long Step(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The 6-digit code of <paramref name="seed"/> at time step <paramref name="step"/>.</summary>
    public static string Code(byte[] seed, long step) =>
        new Totp(seed, StepSeconds, OtpHashMode.Sha1, 6).ComputeTotp(DateTime.UnixEpoch.AddSeconds(step * (double)StepSeconds));

    /// <summary>A new random seed.</summary>
    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(SeedBytes);

    /// <summary>The seed as RFC 4648 base32 (no padding for 40 bytes).</summary>
    public static string ToBase32(byte[] seed) => Base32Encoding.ToString(seed);

    /// <summary>
    /// The step of <paramref name="code"/> in <c>[center - window, center + window]</c> after
    /// <paramref name="after"/> (earliest match), or null.
    /// </summary>
    public static long? Find(byte[] seed, string code, long center, int window, long after)
    {
        for (var step = Math.Max(center - window, after + 1); step <= center + window; step++)
        {
            if (Same(Code(seed, step), code))
            {
                return step;
            }
        }

        return null;
    }

    /// <summary>
    /// The step of <paramref name="code2"/> when <paramref name="code1"/> and <paramref name="code2"/>
    /// are the codes of two consecutive steps, the second within <c>[center - window, center + window]</c>
    /// and the first after <paramref name="after"/>; otherwise null.
    /// </summary>
    public static long? FindConsecutive(byte[] seed, string code1, string code2, long center, int window, long after)
    {
        for (var step = Math.Max(center - window, after + 2); step <= center + window; step++)
        {
            if (Same(Code(seed, step), code2) && Same(Code(seed, step - 1), code1))
            {
                return step;
            }
        }

        return null;
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
