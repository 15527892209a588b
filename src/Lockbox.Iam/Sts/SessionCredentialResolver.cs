using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Lockbox.Auth;

namespace Lockbox.Iam.Sts;

/// <summary>
/// The authenticator's view of temporary credentials: opens session tokens with
/// <see cref="SessionTokenCodec"/> and caches what they decode to, keyed by the access key id, so
/// only the first request with a token pays for base64, AES-GCM and JSON; later ones cost one
/// dictionary lookup and one constant-time compare of the token with the one the key was issued
/// with. Forged or garbled tokens are never cached. The cache is bounded: past
/// <see cref="MaxEntries"/> it is cleared wholesale (tokens then decode again once).
/// </summary>
public sealed class SessionCredentialResolver : ISessionCredentialResolver
{
    /// <summary>Most decoded tokens kept.</summary>
    public const int MaxEntries = 16_384;

    private readonly SessionTokenCodec _codec;
    private readonly ConcurrentDictionary<string, AccessKeyRecord> _decoded = new(StringComparer.Ordinal);

    /// <summary>Resolves tokens sealed by <paramref name="codec"/>.</summary>
    public SessionCredentialResolver(SessionTokenCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        _codec = codec;
    }

    /// <summary>How many decoded tokens are cached (for tests).</summary>
    public int CachedCount => _decoded.Count;

    /// <inheritdoc />
    public bool TryResolve(string accessKeyId, string sessionToken, [MaybeNullWhen(false)] out AccessKeyRecord record)
    {
        // Keyed by the (random, 20-character) key id rather than the ~350-character token: the hash
        // is cheaper, and the token presented must then equal the one the key was issued with.
        if (_decoded.TryGetValue(accessKeyId, out record) &&
            ConstantTime.Equals(sessionToken, record.SessionToken))
        {
            return true;
        }

        if (!_codec.TryOpen(accessKeyId, sessionToken, out record))
        {
            return false;
        }

        if (_decoded.Count >= MaxEntries)
        {
            _decoded.Clear();
        }

        _decoded[accessKeyId] = record;
        return true;
    }
}
