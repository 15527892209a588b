using System.Security.Cryptography;

namespace Lockbox.Kms.Envelope;

/// <summary>
/// Random nonces from a per-thread buffer of CSPRNG output. RandomNumberGenerator.Fill costs a
/// few microseconds per call (a system call), more than sealing 1 KB; drawing 4 KB at a time makes
/// that cost negligible. Every byte is still used once only and comes from the OS CSPRNG.
/// </summary>
internal static class NonceSource
{
    private const int BufferSize = 4096;

    [ThreadStatic]
    private static byte[]? _buffer;

    [ThreadStatic]
    private static int _used;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BufferSize)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var buffer = _buffer;
        if (buffer is null || _used + destination.Length > BufferSize)
        {
            buffer ??= _buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
            RandomNumberGenerator.Fill(buffer);
            _used = 0;
        }

        var source = buffer.AsSpan(_used, destination.Length);
        source.CopyTo(destination);

        // Wiped as used, so a later memory disclosure does not reveal upcoming nonces.
        source.Clear();
        _used += destination.Length;
    }
}
