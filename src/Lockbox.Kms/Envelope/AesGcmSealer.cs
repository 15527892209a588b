using System.Security.Cryptography;
using Lockbox.Common;
using Sodium = NSec.Cryptography;

namespace Lockbox.Kms.Envelope;

/// <summary>
/// AES-256-GCM sealing shared by <see cref="MasterKey"/> and <see cref="DataKey"/>.
/// Format: version byte (1) | 12-byte random nonce | ciphertext | 16-byte tag.
/// <para>Where the CPU has AES-NI and PCLMULQDQ (every x86-64 server since about 2010) libsodium
/// does the work, through NSec: one native call per value. <see cref="AesGcm"/> goes to OpenSSL
/// with about six calls per value, each starting with <c>ERR_clear_error</c>; for the ~200-byte
/// items sealed and opened per request that overhead was about ten times the cipher work and a
/// fifth of a Scan page's server CPU. Elsewhere AesGcm instances, which are not thread-safe and
/// costly to create (an OpenSSL context and key schedule each), come from a
/// <see cref="SlotPool{T}"/> per key. Both are the same standard AES-256-GCM, so either opens
/// what the other sealed.</para>
/// <para>Random 96-bit nonces are safe for about 2^32 seals per key (NIST SP 800-38D); data keys
/// must be rotated well before that. The version byte leaves room for another scheme.</para>
/// </summary>
internal sealed class AesGcmSealer : IDisposable
{
    public const byte Version1 = 1;
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = 1 + NonceSize + TagSize;

    private readonly byte[] _key;
    private readonly SlotPool<AesGcm> _pool;
    private readonly Sodium.Key? _sodiumKey;
    private int _disposed;

    private static Sodium.AeadAlgorithm Sodium256 => Sodium.AeadAlgorithm.Aes256Gcm;

    /// <param name="key">32 bytes; copied into a pinned buffer that is zeroed on dispose.</param>
    public AesGcmSealer(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new CryptographicException($"An AES-256 key is {KeySize} bytes, not {key.Length}.");
        }

        // Pinned so the GC never leaves stray copies of the key in memory it moved away from.
        _key = GC.AllocateUninitializedArray<byte>(KeySize, pinned: true);
        key.CopyTo(_key);
        _pool = new SlotPool<AesGcm>(() => new AesGcm(_key, TagSize));
        _sodiumKey = Sodium.Aes256Gcm.IsSupported
            ? Sodium.Key.Import(Sodium256, _key, Sodium.KeyBlobFormat.RawSymmetricKey)
            : null;
    }

    /// <summary>The raw key (pinned); callers must not keep or leak it.</summary>
    public ReadOnlySpan<byte> Key => _key;

    public static int SealedLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return checked(plaintextLength + Overhead);
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedData = GC.AllocateUninitializedArray<byte>(SealedLength(plaintext.Length));
        Seal(plaintext, associatedData, sealedData);
        return sealedData;
    }

    public int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var length = SealedLength(plaintext.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes.", nameof(destination));
        }

        destination[0] = Version1;
        var nonce = destination.Slice(1, NonceSize);
        var ciphertext = destination.Slice(1 + NonceSize, plaintext.Length);
        var tag = destination.Slice(1 + NonceSize + plaintext.Length, TagSize);
        NonceSource.Fill(nonce);

        if (_sodiumKey is { } sodiumKey)
        {
            ThrowIfDisposed();
            // libsodium writes the ciphertext followed by the tag: exactly this format's layout.
            Sodium256.Encrypt(sodiumKey, nonce, associatedData, plaintext, destination.Slice(1 + NonceSize, plaintext.Length + TagSize));
            return length;
        }

        var aes = _pool.Rent();
        try
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        finally
        {
            _pool.Return(aes);
        }

        return length;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData)
    {
        CheckHeader(sealedData);
        var plaintext = GC.AllocateUninitializedArray<byte>(sealedData.Length - Overhead);
        Open(sealedData, associatedData, plaintext);
        return plaintext;
    }

    public int Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        CheckHeader(sealedData);
        var length = sealedData.Length - Overhead;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes.", nameof(destination));
        }

        var nonce = sealedData.Slice(1, NonceSize);
        var ciphertext = sealedData.Slice(1 + NonceSize, length);
        var tag = sealedData.Slice(1 + NonceSize + length, TagSize);
        if (_sodiumKey is { } sodiumKey)
        {
            ThrowIfDisposed();
            if (!Sodium256.Decrypt(sodiumKey, nonce, associatedData, sealedData.Slice(1 + NonceSize, length + TagSize), destination[..length]))
            {
                // As AesGcm does: nothing of a forged or damaged value is left in the destination.
                destination[..length].Clear();
                throw new AuthenticationTagMismatchException();
            }

            return length;
        }

        var aes = _pool.Rent();
        try
        {
            // Throws AuthenticationTagMismatchException (a CryptographicException) and clears the
            // destination when the data, tag, associated data or key do not match.
            aes.Decrypt(nonce, ciphertext, tag, destination[..length], associatedData);
        }
        finally
        {
            _pool.Return(aes);
        }

        return length;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pool.Dispose();
        _sodiumKey?.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(AesGcm), "The key has been disposed.");
        }
    }

    private static void CheckHeader(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < Overhead)
        {
            throw new CryptographicException("The sealed data is too short.");
        }

        if (sealedData[0] != Version1)
        {
            throw new CryptographicException($"Unknown sealed data version {sealedData[0]}.");
        }
    }
}
