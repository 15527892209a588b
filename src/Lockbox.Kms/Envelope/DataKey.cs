using System.Security.Cryptography;
using System.Text;
using Lockbox.Common;

namespace Lockbox.Kms.Envelope;

/// <summary>
/// A per-table 256-bit data key (DESIGN.md §6): seals item values, index entries, stream records
/// and backups with AES-256-GCM, and computes the keyed hash that places partition keys without
/// revealing them. Stored only wrapped by a <see cref="MasterKey"/> (or KMS key material).
/// Thread-safe; do not use after <see cref="Dispose"/>.
/// </summary>
public sealed class DataKey : IDisposable
{
    private const int HashSize = 16;

    // Domain separation: a wrapped data key can only be unwrapped as a data key, never confused
    // with other material the master key seals under the same associated data.
    private static readonly byte[] _wrapLabel = Encoding.ASCII.GetBytes("lockbox/data-key/v1\0");
    private static readonly byte[] _hashKeyInfo = Encoding.ASCII.GetBytes("lockbox/keyed-hash/v1");

    private readonly AesGcmSealer _sealer;
    private readonly byte[] _hashKey;
    private readonly SlotPool<IncrementalHash> _hashPool;
    private int _disposed;

    private DataKey(ReadOnlySpan<byte> key)
    {
        _sealer = new AesGcmSealer(key);

        // The hash key is derived rather than being the data key itself, so the two uses never share a key.
        _hashKey = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, _hashKey, salt: [], info: _hashKeyInfo);

        // A reusable HMAC context skips the per-call key setup of the one-shot API (about half the cost).
        _hashPool = new SlotPool<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _hashKey));
    }

    /// <summary>A new random 256-bit key.</summary>
    public static DataKey Generate()
    {
        Span<byte> key = stackalloc byte[AesGcmSealer.KeySize];
        RandomNumberGenerator.Fill(key);
        try
        {
            return new DataKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The total size of a sealed value for <paramref name="plaintextLength"/> bytes of plaintext (plaintext + 29).</summary>
    public static int SealedLength(int plaintextLength) => AesGcmSealer.SealedLength(plaintextLength);

    /// <summary>
    /// This key sealed by <paramref name="masterKey"/>, bound to <paramref name="context"/> (e.g. the
    /// table ARN or id): unwrapping with another context fails.
    /// </summary>
    public byte[] Wrap(MasterKey masterKey, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        ThrowIfDisposed();
        var associatedData = WrapAssociatedData(context);
        return masterKey.Seal(_sealer.Key, associatedData);
    }

    /// <summary>Unwraps a key made by <see cref="Wrap"/>; throws <see cref="CryptographicException"/> on a wrong master key, context or tampering.</summary>
    public static DataKey Unwrap(MasterKey masterKey, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (wrapped.Length != AesGcmSealer.SealedLength(AesGcmSealer.KeySize))
        {
            throw new CryptographicException("The wrapped data key has the wrong length.");
        }

        Span<byte> key = stackalloc byte[AesGcmSealer.KeySize];
        try
        {
            masterKey.Open(wrapped, WrapAssociatedData(context), key);
            return new DataKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>AES-256-GCM seal: version byte | 12-byte random nonce | ciphertext | 16-byte tag.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData) =>
        _sealer.Seal(plaintext, associatedData);

    /// <summary>Allocation-free seal into <paramref name="destination"/> (at least <see cref="SealedLength"/> bytes); returns the bytes written.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination) =>
        _sealer.Seal(plaintext, associatedData, destination);

    /// <summary>Opens sealed data; throws <see cref="CryptographicException"/> if it was tampered with, the associated data differs or the key is wrong.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData) =>
        _sealer.Open(sealedData, associatedData);

    /// <summary>Allocation-free open into <paramref name="destination"/> (at least sealed length − 29 bytes); returns the plaintext length.</summary>
    public int Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> destination) =>
        _sealer.Open(sealedData, associatedData, destination);

    /// <summary>
    /// HMAC-SHA256 of <paramref name="data"/> under a subkey derived from this key (HKDF-SHA256),
    /// truncated to 16 bytes: a stable, unguessable placement hash for partition keys.
    /// </summary>
    public void KeyedHash(ReadOnlySpan<byte> data, Span<byte> destination16)
    {
        if (destination16.Length < HashSize)
        {
            throw new ArgumentException($"The destination needs {HashSize} bytes.", nameof(destination16));
        }

        ThrowIfDisposed();
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _hashPool.HashInto(data, full);

        full[..HashSize].CopyTo(destination16);
    }

    /// <summary>Zeroes the key material.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sealer.Dispose();
        _hashPool.Dispose();
        CryptographicOperations.ZeroMemory(_hashKey);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private static byte[] WrapAssociatedData(ReadOnlySpan<byte> context)
    {
        var associatedData = new byte[_wrapLabel.Length + context.Length];
        _wrapLabel.CopyTo(associatedData, 0);
        context.CopyTo(associatedData.AsSpan(_wrapLabel.Length));
        return associatedData;
    }
}
