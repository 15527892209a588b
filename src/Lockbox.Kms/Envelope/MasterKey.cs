using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Kms.Envelope;

/// <summary>
/// The server's root key (DESIGN.md §6): it wraps KMS key material and data keys, never item data.
/// Read from the environment variable <c>LOCKBOX_MASTER_KEY</c> (base64 of 32 bytes) when set,
/// otherwise from <c>&lt;dataDirectory&gt;/master.key</c>, which is created with mode 0600 on first use.
/// Anyone who can read that file (or the environment) can decrypt all data: keep it off backups
/// of the data directory, or supply the key through the environment.
/// </summary>
public sealed class MasterKey : IDisposable
{
    /// <summary>Environment variable that overrides the key file.</summary>
    public const string EnvironmentVariable = "LOCKBOX_MASTER_KEY";

    /// <summary>Name of the key file inside the data directory.</summary>
    public const string FileName = "master.key";

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly AesGcmSealer _sealer;

    private MasterKey(ReadOnlySpan<byte> key) => _sealer = new AesGcmSealer(key);

    /// <summary>
    /// Loads the master key: from <see cref="EnvironmentVariable"/> when set (nothing is written),
    /// else from <see cref="FileName"/> in <paramref name="dataDirectory"/>, creating it if missing.
    /// </summary>
    public static MasterKey LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return FromBase64(fromEnvironment, $"environment variable {EnvironmentVariable}");
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            CreateKeyFile(path);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A key file someone loosened (or restored from a backup) is tightened again.
            if ((File.GetUnixFileMode(path) & ~OwnerReadWrite) != 0)
            {
                File.SetUnixFileMode(path, OwnerReadWrite);
            }
        }

        return FromBase64(ReadKeyText(path), path);
    }

    /// <summary>A master key from raw bytes (tests, or keys from an external KMS/HSM).</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> key) => new(key);

    /// <summary>AES-256-GCM seal: version byte | 12-byte random nonce | ciphertext | 16-byte tag.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData) =>
        _sealer.Seal(plaintext, associatedData);

    /// <summary>Opens sealed data; throws <see cref="CryptographicException"/> if it was tampered with or the associated data differs.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData) =>
        _sealer.Open(sealedData, associatedData);

    /// <summary>
    /// A 32-byte key derived from the master key with HKDF-SHA256 for one purpose, named by
    /// <paramref name="label"/> (the HKDF info; every purpose has its own label, so keys for
    /// different purposes are independent and the master key itself never leaves this class).
    /// The caller owns the returned array and should zero it when done.
    /// </summary>
    public byte[] DeriveKey(string label)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        var derived = new byte[AesGcmSealer.KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _sealer.Key, derived, ReadOnlySpan<byte>.Empty, Encoding.UTF8.GetBytes(label));
        return derived;
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => _sealer.Dispose();

    internal int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination) =>
        _sealer.Seal(plaintext, associatedData, destination);

    internal int Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> destination) =>
        _sealer.Open(sealedData, associatedData, destination);

    private static MasterKey FromBase64(string text, string source)
    {
        Span<byte> key = stackalloc byte[AesGcmSealer.KeySize + 1];
        try
        {
            if (!Convert.TryFromBase64String(text.Trim(), key, out var written) || written != AesGcmSealer.KeySize)
            {
                throw new CryptographicException($"The master key in {source} must be the base64 encoding of {AesGcmSealer.KeySize} bytes.");
            }

            return new MasterKey(key[..AesGcmSealer.KeySize]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void CreateKeyFile(string path)
    {
        var key = GC.AllocateUninitializedArray<byte>(AesGcmSealer.KeySize, pinned: true);
        RandomNumberGenerator.Fill(key);
        var text = Convert.ToBase64String(key) + "\n";
        CryptographicOperations.ZeroMemory(key);

        // Created exclusively (O_EXCL) with owner-only permissions, so the key is never readable by
        // others and exactly one racing creator wins; the others read the winner's key. (A rename
        // into place can silently overwrite on file systems without hard links, which let two
        // racers end up with different keys.)
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process or thread created the key first; LoadOrCreate reads theirs.
        }
    }

    /// <summary>
    /// Reads the key file, waiting briefly while a concurrent creator is still writing it
    /// (the file exists from the moment it is created, before its content is written).
    /// </summary>
    private static string ReadKeyText(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var text = File.ReadAllText(path, Encoding.ASCII);
            if (text.EndsWith('\n') || attempt >= 100)
            {
                return text;
            }

            Thread.Sleep(10);
        }
    }
}
