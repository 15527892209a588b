using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Lockbox.Cli;

/// <summary>The caller's credentials for the CLI's own calls (never passed to a workload).</summary>
internal sealed record CallerCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <summary>Never print the secret or the token.</summary>
    public override string ToString() => $"CallerCredentials {{ AccessKeyId = {AccessKeyId} }}";

    /// <summary>
    /// The caller's credentials: <c>LOCKBOX_ROOT_ACCESS_KEY_ID</c>/<c>LOCKBOX_ROOT_SECRET_ACCESS_KEY</c>,
    /// else <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c> (+ <c>AWS_SESSION_TOKEN</c>), else
    /// <c>root-credentials.csv</c> of <paramref name="dataDirectory"/>; null when none is found.
    /// </summary>
    public static CallerCredentials? Resolve(string? dataDirectory)
    {
        if (Variable("LOCKBOX_ROOT_ACCESS_KEY_ID") is { } rootKey && Variable("LOCKBOX_ROOT_SECRET_ACCESS_KEY") is { } rootSecret)
        {
            return new CallerCredentials(rootKey, rootSecret, null);
        }

        if (Variable("AWS_ACCESS_KEY_ID") is { } key && Variable("AWS_SECRET_ACCESS_KEY") is { } secret)
        {
            return new CallerCredentials(key, secret, Variable("AWS_SESSION_TOKEN"));
        }

        var csv = Path.Combine(dataDirectory ?? "./lockbox-data", Lockbox.Host.Identity.AccountBootstrap.CredentialsFileName);
        if (File.Exists(csv))
        {
            var lines = File.ReadAllLines(csv).Where(l => l.Length > 0).ToList();
            if (lines.Count >= 2 && lines[1].Split(',') is [var id, var value, ..])
            {
                return new CallerCredentials(id.Trim(), value.Trim(), null);
            }
        }

        return null;
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>An error answer of an AWS query/EC2 call.</summary>
internal sealed class AwsCallException(string code, string message, int status) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;
}

/// <summary>
/// A minimal SigV4-signing client for form-encoded (awsQuery/EC2) calls, enough for the CLI's
/// own lookups (DescribeInstances, AssumeRole, GetCallerIdentity).
/// </summary>
internal sealed class AwsClient(Uri endpoint, string region, CallerCredentials credentials) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Endpoint => endpoint;

    public string Region => region;

    /// <summary>Calls <paramref name="action"/> of <paramref name="service"/> (signing name) and returns the XML answer.</summary>
    public async Task<XDocument> CallAsync(string service, string action, string version, IEnumerable<(string Name, string Value)> parameters,
        CancellationToken cancellationToken)
    {
        var body = new StringBuilder("Action=").Append(Uri.EscapeDataString(action)).Append("&Version=").Append(Uri.EscapeDataString(version));
        foreach (var (name, value) in parameters)
        {
            body.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var payload = Encoding.UTF8.GetBytes(body.ToString());
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Content = new ByteArrayContent(payload);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        Sign(request, payload, service == "iam" ? "us-east-1" : region, service, DateTimeOffset.UtcNow);

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        XDocument document;
        try
        {
            document = XDocument.Parse(text);
        }
        catch (System.Xml.XmlException)
        {
            throw new AwsCallException("InvalidResponse", $"{endpoint} answered HTTP {(int)response.StatusCode} without XML.", (int)response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            var code = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "Unknown";
            var message = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "";
            throw new AwsCallException(code, message, (int)response.StatusCode);
        }

        return document;
    }

    private void Sign(HttpRequestMessage request, byte[] payload, string signingRegion, string service, DateTimeOffset now)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = endpoint.IsDefaultPort ? endpoint.Host : endpoint.Authority;
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (credentials.SessionToken is { } token)
        {
            headers["x-amz-security-token"] = token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder("POST\n").Append(endpoint.AbsolutePath.Length == 0 ? "/" : endpoint.AbsolutePath).Append("\n\n");
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var scope = $"{date}/{signingRegion}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, signingRegion);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, toSign));

        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.SessionToken is { } sessionToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", sessionToken);
        }

        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    public void Dispose() => _http.Dispose();
}
