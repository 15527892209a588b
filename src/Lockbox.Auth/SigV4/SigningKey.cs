using System.Security.Cryptography;
using Lockbox.Common;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// One derived signing key with a pool of HMAC contexts keyed with it. A one-shot
/// <see cref="HMACSHA256.HashData(byte[], byte[])"/> creates and frees an OpenSSL context on every
/// call; reusing a context costs about half as much (0.5 against 1.1 µs for a string to sign).
/// </summary>
internal sealed class SigningKey
{
    private readonly SlotPool<IncrementalHash> _hmacs;

    public SigningKey(byte[] key)
    {
        Key = key;
        _hmacs = new SlotPool<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    public byte[] Key { get; }

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under this key into <paramref name="mac"/> (32 bytes).</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> mac) => _hmacs.HashInto(data, mac);
}
