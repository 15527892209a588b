using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Lockbox.Auth;
using Lockbox.Common;

namespace Lockbox.Host.Identity;

/// <summary>
/// The access key store while only the account root exists: an immutable in-memory map from key
/// id to (secret, root principal), loaded at start. The IAM issue replaces it with a store over
/// IAM users' keys and STS sessions behind the same <see cref="IAccessKeyStore"/> seam.
/// </summary>
public sealed class RootAccessKeyStore : IAccessKeyStore
{
    private readonly FrozenDictionary<string, AccessKeyRecord> _keys;

    /// <summary>Creates the store for <paramref name="accountId"/>'s root keys (id → secret).</summary>
    public RootAccessKeyStore(string accountId, IEnumerable<KeyValuePair<string, string>> rootKeys)
    {
        ArgumentNullException.ThrowIfNull(rootKeys);
        var arn = $"arn:aws:iam::{accountId}:root";
        var keys = new Dictionary<string, AccessKeyRecord>(StringComparer.Ordinal);
        foreach (var (id, secret) in rootKeys)
        {
            keys[id] = new AccessKeyRecord(secret, new Principal(accountId, arn, accountId, id, IsRoot: true));
        }

        _keys = keys.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public bool TryGetAccessKey(string accessKeyId, [MaybeNullWhen(false)] out AccessKeyRecord record) =>
        _keys.TryGetValue(accessKeyId, out record);
}
