using System.Diagnostics.CodeAnalysis;

namespace Lockbox.Auth;

/// <summary>
/// Resolves an access key id to its secret and principal. Today the host backs it with the
/// account's root keys; IAM users' keys and STS session credentials plug in behind the same seam.
/// Implementations must be thread-safe and fast (called once per request): keep an in-memory view
/// and invalidate it when keys change, rather than reading storage on every call.
/// </summary>
public interface IAccessKeyStore
{
    /// <summary>True and the record when <paramref name="accessKeyId"/> is an active key.</summary>
    bool TryGetAccessKey(string accessKeyId, [MaybeNullWhen(false)] out AccessKeyRecord record);
}
