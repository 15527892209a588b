using System.Security.Cryptography;

namespace Lockbox.Common;

/// <summary>One hash computation with a context from a <see cref="SlotPool{T}"/> of keyed HMAC contexts.</summary>
public static class HashPoolExtensions
{
    /// <summary>
    /// Hashes <paramref name="data"/> into <paramref name="destination"/> with a pooled context.
    /// A context that failed part-way may still hold data, so it is disposed, never handed out again.
    /// </summary>
    public static void HashInto(this SlotPool<IncrementalHash> pool, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var hash = pool.Rent();
        var finished = false;
        try
        {
            hash.AppendData(data);
            hash.GetHashAndReset(destination);
            finished = true;
        }
        finally
        {
            if (finished)
            {
                pool.Return(hash);
            }
            else
            {
                hash.Dispose();
            }
        }
    }
}
