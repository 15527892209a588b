using System.Diagnostics.CodeAnalysis;

namespace Lockbox.Auth;

/// <summary>
/// Resolves temporary (STS, <c>ASIA…</c>) credentials from their self-contained session token,
/// without any storage read: the token carries (sealed) everything needed to rebuild the key's
/// secret and principal. Implemented by STS; the authenticator asks it for every <c>ASIA…</c> key.
/// Implementations must be thread-safe and cache decoded tokens, so a request signed with a token
/// already seen costs a dictionary lookup rather than a decryption.
/// </summary>
public interface ISessionCredentialResolver
{
    /// <summary>
    /// True and the key record (secret, principal with its <see cref="Common.Principal.Session"/>,
    /// <see cref="AccessKeyRecord.SessionToken"/> and <see cref="AccessKeyRecord.Expiration"/>)
    /// when <paramref name="sessionToken"/> is a genuine token issued for <paramref name="accessKeyId"/>.
    /// False for a garbled, forged or foreign token. Expiry is not checked here (the authenticator
    /// reports it after the signature, as AWS does).
    /// </summary>
    bool TryResolve(string accessKeyId, string sessionToken, [MaybeNullWhen(false)] out AccessKeyRecord record);
}
