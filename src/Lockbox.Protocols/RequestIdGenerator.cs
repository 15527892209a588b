namespace Lockbox.Protocols;

/// <summary>
/// Request ids in DynamoDB's shape: 52 characters from <c>[0-9A-Z]</c>, sent as
/// <c>x-amzn-RequestId</c>. 52 random symbols of 5 bits each (260 bits) make collisions
/// practically impossible without any shared counter between threads or nodes. Ids are not
/// secrets, so they come from the fast shared PRNG: a cryptographic fill (a system call per
/// request) cost about 3% of a GetItem's CPU time in a profile.
/// </summary>
public static class RequestIdGenerator
{
    /// <summary>Length of a request id.</summary>
    public const int Length = 52;

    // 32 symbols so one random byte maps to one symbol without modulo bias (byte & 31).
    private static ReadOnlySpan<byte> Alphabet => "0123456789ABCDEFGHIJKLMNOPQRSTUV"u8;

    /// <summary>A new random request id.</summary>
    public static string Next()
    {
        return string.Create(Length, 0, static (chars, _) =>
        {
            Span<byte> random = stackalloc byte[Length];
            Random.Shared.NextBytes(random);
            var alphabet = Alphabet;
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)alphabet[random[i] & 31];
            }
        });
    }
}
