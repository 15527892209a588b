using System.Diagnostics.CodeAnalysis;
using Lockbox.Auth;
using Lockbox.Auth.SigV4;
using Lockbox.Common;

namespace Lockbox.Auth.Tests;

/// <summary>A clock the test sets by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>An access key store over a dictionary.</summary>
internal sealed class DictionaryKeyStore : IAccessKeyStore
{
    private readonly Dictionary<string, AccessKeyRecord> _keys = new(StringComparer.Ordinal);

    public DictionaryKeyStore Add(string accessKeyId, string secret, string? sessionToken = null, DateTimeOffset? expiration = null)
    {
        var principal = new Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", accessKeyId, true);
        _keys[accessKeyId] = new AccessKeyRecord(secret, principal) { SessionToken = sessionToken, Expiration = expiration };
        return this;
    }

    public bool TryGetAccessKey(string accessKeyId, [MaybeNullWhen(false)] out AccessKeyRecord record) =>
        _keys.TryGetValue(accessKeyId, out record);
}

/// <summary>A request as the verifier sees it, built by hand or from a test vector.</summary>
internal sealed class FakeRequest : ISigV4Request
{
    public string Method { get; set; } = "POST";
    public string RawPath { get; set; } = "/";
    public string RawQuery { get; set; } = "";
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public byte[] Body { get; set; } = [];

    public FakeRequest Header(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    public FakeRequest Without(string name)
    {
        Headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        return this;
    }

    public FakeRequest Replace(string name, string value) => Without(name).Header(name, value);

    public HeaderValues GetHeader(string name)
    {
        var values = Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();
        return values.Length switch
        {
            0 => default,
            1 => new HeaderValues(values[0]),
            _ => new HeaderValues(values),
        };
    }
}
