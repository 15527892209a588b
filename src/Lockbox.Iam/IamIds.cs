using System.Security.Cryptography;

namespace Lockbox.Iam;

/// <summary>
/// Unique ids in IAM's shapes: a 4-letter prefix that names the kind (AIDA user, AGPA group,
/// AROA role, ANPA managed policy, AIPA instance profile) and 17 characters of the RFC 4648
/// base32 alphabet (A-Z, 2-7): 21 characters, as IAM's. Access key ids are AKIA + 16 (20).
/// </summary>
public static class IamIds
{
    /// <summary>User ids.</summary>
    public const string User = "AIDA";

    /// <summary>Group ids.</summary>
    public const string Group = "AGPA";

    /// <summary>Role ids.</summary>
    public const string Role = "AROA";

    /// <summary>Managed policy ids.</summary>
    public const string Policy = "ANPA";

    /// <summary>Instance profile ids.</summary>
    public const string InstanceProfile = "AIPA";

    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A new 21-character id with <paramref name="prefix"/>.</summary>
    public static string New(string prefix) => Random(prefix, 17);

    /// <summary>A new access key id (AKIA + 16 characters).</summary>
    public static string NewAccessKeyId() => Random("AKIA", 16);

    /// <summary>A new temporary (STS) access key id (ASIA + 16 characters).</summary>
    public static string NewTemporaryAccessKeyId() => Random("ASIA", 16);

    /// <summary>A new 40-character secret access key (30 random bytes, base64).</summary>
    public static string NewSecretAccessKey()
    {
        Span<byte> random = stackalloc byte[30];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random);
    }

    private static string Random(string prefix, int length)
    {
        return string.Create(prefix.Length + length, prefix, static (chars, prefix) =>
        {
            prefix.CopyTo(chars);
            Span<byte> bytes = stackalloc byte[chars.Length];
            RandomNumberGenerator.Fill(bytes);
            for (var i = prefix.Length; i < chars.Length; i++)
            {
                chars[i] = Base32[bytes[i] & 31];
            }
        });
    }
}
