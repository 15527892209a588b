using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// Derived SigV4 signing keys, cached per (secret, date, region, service): the four chained
/// HMACs of the derivation would otherwise double the cost of each verification. A key changes
/// once a day per access key, so the cache stays small; it is cleared wholesale if it ever grows
/// past <see cref="MaxEntries"/> (e.g. a flood of distinct dates), which bounds memory. Keys
/// dropped by a clear are not disposed, since a request may still be signing with one; their HMAC
/// contexts are released when the garbage collector finalizes them.
/// </summary>
internal sealed class SigningKeyCache
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<SigningKeyId, SigningKey> _keys = new();

    public SigningKey Get(string secret, string date, string region, string service)
    {
        var id = new SigningKeyId(secret, date, region, service);
        if (_keys.TryGetValue(id, out var key))
        {
            return key;
        }

        key = new SigningKey(Derive(secret, date, region, service));
        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        return _keys.GetOrAdd(id, key);
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static byte[] Derive(string secret, string date, string region, string service)
    {
        var secretBytes = Encoding.UTF8.GetBytes("AWS4" + secret);
        Span<byte> key = stackalloc byte[32];
        HMACSHA256.HashData(secretBytes, Encoding.UTF8.GetBytes(date), key);
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region), key);
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service), key);
        HMACSHA256.HashData(key, "aws4_request"u8, key);
        CryptographicOperations.ZeroMemory(secretBytes);
        return key.ToArray();
    }

    private readonly record struct SigningKeyId(string Secret, string Date, string Region, string Service);
}
