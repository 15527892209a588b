using System.Security.Cryptography;

namespace Lockbox.Host.Identity;

/// <summary>
/// Generates credentials in AWS's shapes: long-term access key ids are <c>AKIA</c> plus 16
/// characters of the RFC 4648 base32 alphabet (<c>A-Z2-7</c>); secrets are 40 characters of
/// base64 (30 random bytes, 240 bits).
/// </summary>
public static class AccessKeyGenerator
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A new <c>AKIA…</c> access key id (20 characters).</summary>
    public static string NewAccessKeyId()
    {
        return string.Create(20, 0, (chars, _) =>
        {
            "AKIA".CopyTo(chars);
            Span<byte> bytes = stackalloc byte[16];
            RandomNumberGenerator.Fill(bytes);
            for (var i = 0; i < 16; i++)
            {
                chars[4 + i] = Base32[bytes[i] & 31];
            }
        });
    }

    /// <summary>A new 40-character secret access key.</summary>
    public static string NewSecretAccessKey()
    {
        Span<byte> random = stackalloc byte[30];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random);
    }

    /// <summary>IAM's rule for access key ids: 16 to 128 word characters (letters and digits).</summary>
    public static bool IsValidAccessKeyId(string value)
    {
        if (value.Length is < 16 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
