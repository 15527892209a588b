using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Bench.Load;

/// <summary>
/// AWS Signature Version 4 for DynamoDB JSON requests with a fixed set of signed headers
/// (content-type, host, x-amz-date, x-amz-target; plus x-amz-security-token for temporary
/// credentials, signed as botocore signs it). The signing key is derived once per UTC day
/// and the per-second date strings are cached, so a request costs two SHA-256 hashes and one
/// HMAC over small stack buffers.
/// </summary>
internal sealed class SigV4Signer
{
    public const string ContentType = "application/x-amz-json-1.0";
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string PlainSignedHeaders = "content-type;host;x-amz-date;x-amz-target";
    private const string TokenSignedHeaders = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target";
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    private readonly string _accessKey;
    private readonly byte[] _secretSeed;
    private readonly string _region;
    private readonly string _service;
    private DateState? _state;

    public SigV4Signer(string accessKey, string secretKey, string region, string service = "dynamodb", string? sessionToken = null)
    {
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
        _accessKey = accessKey;
        _secretSeed = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        _region = region;
        _service = service;
    }

    /// <summary>The session token of temporary credentials (sent as X-Amz-Security-Token), or null.</summary>
    public string? SessionToken { get; }

    private string SignedHeaders => SessionToken is null ? PlainSignedHeaders : TokenSignedHeaders;

    /// <summary>Number of times the signing key was derived (one per UTC day in a run).</summary>
    public int KeyDerivations { get; private set; }

    private sealed record DateState(long Second, string AmzDate, string DateStamp, byte[] SigningKey, string Scope, string AuthPrefix);

    private DateState StateFor(DateTimeOffset now)
    {
        long second = now.ToUnixTimeSeconds();
        DateState? s = Volatile.Read(ref _state);
        if (s is not null && s.Second == second)
        {
            return s;
        }

        DateTimeOffset t = DateTimeOffset.FromUnixTimeSeconds(second);
        string dateStamp = t.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string amzDate = t.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        byte[] key;
        if (s is not null && s.DateStamp == dateStamp)
        {
            key = s.SigningKey;
        }
        else
        {
            key = DeriveKey(dateStamp);
            KeyDerivations++;
        }

        string scope = $"{dateStamp}/{_region}/{_service}/aws4_request";
        string prefix = $"{Algorithm} Credential={_accessKey}/{scope}, SignedHeaders={SignedHeaders}, Signature=";
        var ns = new DateState(second, amzDate, dateStamp, key, scope, prefix);
        Volatile.Write(ref _state, ns);
        return ns;
    }

    private byte[] DeriveKey(string dateStamp)
    {
        byte[] k = HMACSHA256.HashData(_secretSeed, Encoding.UTF8.GetBytes(dateStamp));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(_region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(_service));
        return HMACSHA256.HashData(k, "aws4_request"u8);
    }

    /// <summary>Signs a POST to "/" and returns the X-Amz-Date and Authorization header values.</summary>
    public (string AmzDate, string Authorization) Sign(string host, string target, ReadOnlySpan<byte> body)
        => Sign(host, target, body, DateTimeOffset.UtcNow);

    public (string AmzDate, string Authorization) Sign(string host, string target, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        DateState st = StateFor(now);

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);

        // Canonical request.
        int crLen = 260 + host.Length + target.Length + st.AmzDate.Length + (SessionToken?.Length ?? 0);
        byte[]? rented = null;
        Span<byte> cr = crLen <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(crLen));
        try
        {
            int p = 0;
            p += Ascii(cr[p..], "POST\n/\n\ncontent-type:" + ContentType + "\nhost:");
            p += Ascii(cr[p..], host);
            p += Ascii(cr[p..], "\nx-amz-date:");
            p += Ascii(cr[p..], st.AmzDate);
            if (SessionToken is not null)
            {
                p += Ascii(cr[p..], "\nx-amz-security-token:");
                p += Ascii(cr[p..], SessionToken);
            }

            p += Ascii(cr[p..], "\nx-amz-target:");
            p += Ascii(cr[p..], target);
            p += Ascii(cr[p..], "\n\n" + SignedHeaders + "\n");
            p += Hex(hash, cr[p..]);
            SHA256.HashData(cr[..p], hash);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }

        // String to sign.
        Span<byte> sts = stackalloc byte[512];
        int q = 0;
        q += Ascii(sts[q..], Algorithm + "\n");
        q += Ascii(sts[q..], st.AmzDate);
        sts[q++] = (byte)'\n';
        q += Ascii(sts[q..], st.Scope);
        sts[q++] = (byte)'\n';
        q += Hex(hash, sts[q..]);

        Span<byte> sig = stackalloc byte[32];
        HMACSHA256.HashData(st.SigningKey, sts[..q], sig);
        return (st.AmzDate, string.Concat(st.AuthPrefix, Convert.ToHexStringLower(sig)));
    }

    private static int Ascii(Span<byte> dest, string s) => Encoding.ASCII.GetBytes(s, dest);

    private static int Hex(ReadOnlySpan<byte> src, Span<byte> dest)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dest[2 * i] = HexDigits[src[i] >> 4];
            dest[(2 * i) + 1] = HexDigits[src[i] & 0xF];
        }

        return src.Length * 2;
    }
}
