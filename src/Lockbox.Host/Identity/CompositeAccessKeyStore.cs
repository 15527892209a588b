using System.Diagnostics.CodeAnalysis;
using Lockbox.Auth;

namespace Lockbox.Host.Identity;

/// <summary>
/// The server's access keys: the account root's keys first, then IAM users' keys (and later STS
/// sessions). Ids never collide (both are random AKIA ids); root wins if they ever did.
/// </summary>
public sealed class CompositeAccessKeyStore : IAccessKeyStore
{
    private readonly IAccessKeyStore[] _stores;

    /// <summary>Looks keys up in <paramref name="stores"/>, in order.</summary>
    public CompositeAccessKeyStore(params IAccessKeyStore[] stores) => _stores = stores;

    /// <inheritdoc />
    public bool TryGetAccessKey(string accessKeyId, [MaybeNullWhen(false)] out AccessKeyRecord record)
    {
        foreach (var store in _stores)
        {
            if (store.TryGetAccessKey(accessKeyId, out record))
            {
                return true;
            }
        }

        record = null;
        return false;
    }
}
