using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Lockbox.Bench.Load;

/// <summary>Signed AWS JSON 1.0 POSTs over one HttpClient with a fixed connection pool.</summary>
internal sealed class DynamoHttp : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new(SigV4Signer.ContentType);
    private readonly HttpClient _client;
    private readonly SigV4Signer _signer;

    public DynamoHttp(string endpoint, int connections, SigV4Signer signer)
    {
        Uri = new Uri(endpoint + "/");
        Host = Uri.Authority;
        _signer = signer;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = false,
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Uri { get; }
    public string Host { get; }
    public HttpClient Client => _client;

    /// <summary>The session token sent with every request (temporary credentials), or null.</summary>
    public string? SessionToken => _signer.SessionToken;

    /// <summary>The X-Amz-Date and Authorization values for a POST of <paramref name="body"/>.</summary>
    public (string AmzDate, string Authorization) Sign(string target, ReadOnlySpan<byte> body) => _signer.Sign(Host, target, body);

    public HttpRequestMessage Build(string target, byte[] body)
    {
        (string amzDate, string auth) = _signer.Sign(Host, target, body);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonType;
        var req = new HttpRequestMessage(HttpMethod.Post, Uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        req.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        req.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        req.Headers.TryAddWithoutValidation("Authorization", auth);
        if (_signer.SessionToken is { } token)
        {
            req.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        return req;
    }

    public HttpRequestMessage BuildHealth() => new(HttpMethod.Get, Uri)
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>One control-plane call (setup/teardown): returns status and body text.</summary>
    public async Task<(int Status, string Body)> CallAsync(string operation, string json, CancellationToken ct)
    {
        using HttpRequestMessage req = Build("DynamoDB_20120810." + operation, Encoding.UTF8.GetBytes(json));
        using HttpResponseMessage resp = await _client.SendAsync(req, ct);
        string body = await resp.Content.ReadAsStringAsync(ct);
        return ((int)resp.StatusCode, body);
    }

    public void Dispose() => _client.Dispose();
}
