using System.IO.Hashing;

namespace Lockbox.Protocols;

/// <summary>
/// The CRC-32 (IEEE 802.3, the zlib polynomial) that DynamoDB puts in the <c>x-amz-crc32</c>
/// header of every JSON response. SDKs recompute it over the body they received and retry on a
/// mismatch, so it must be exact. System.IO.Hashing's implementation is vectorized (PCLMULQDQ /
/// ARM CRC), which keeps this well under a microsecond for typical responses.
/// </summary>
public static class Crc32Checksum
{
    /// <summary>The checksum of <paramref name="data"/> as the unsigned number AWS prints.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);
}
