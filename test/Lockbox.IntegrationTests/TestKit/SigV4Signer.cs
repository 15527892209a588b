using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>
/// A minimal AWS Signature Version 4 header signer for raw <c>POST /</c> requests (no query
/// string), so tests can send arbitrary bodies — malformed JSON, invalid UTF-8 — correctly signed.
/// Signs host, x-amz-date and, when present, content-type, x-amz-target and content-encoding.
/// The SDKs' own signatures are covered by every SDK-driven test.
/// </summary>
public static class SigV4Signer
{
    private static readonly string[] OptionalSignedHeaders = ["content-type", "x-amz-target", "content-encoding"];

    public static void Sign(
        HttpRequestMessage request,
        ReadOnlySpan<byte> body,
        string accessKeyId,
        string secretAccessKey,
        DateTimeOffset now,
        string region = "us-east-1",
        string service = "dynamodb")
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        request.Headers.Remove("X-Amz-Date");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : uri.Authority,
            ["x-amz-date"] = amzDate,
        };
        var all = request.Headers.AsEnumerable();
        if (request.Content is not null)
        {
            all = all.Concat(request.Content.Headers);
        }
        foreach (var header in all)
        {
            var name = header.Key.ToLowerInvariant();
            if (OptionalSignedHeaders.Contains(name))
            {
                headers[name] = string.Join(",", header.Value).Trim();
            }
        }

        var signedHeaders = string.Join(";", headers.Keys);
        var canonicalRequest = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(string.IsNullOrEmpty(uri.AbsolutePath) ? "/" : uri.AbsolutePath).Append('\n')
            .Append('\n') // no query string
            .Append(string.Concat(headers.Select(h => h.Key + ":" + h.Value + "\n")))
            .Append('\n')
            .Append(signedHeaders).Append('\n')
            .Append(Convert.ToHexStringLower(SHA256.HashData(body)))
            .ToString();
        var scope = string.Create(CultureInfo.InvariantCulture, $"{day}/{region}/{service}/aws4_request");
        var stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
            + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, stringToSign));
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
