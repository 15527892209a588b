using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>One raw answer: status, the exact body bytes and the headers the tests look at.</summary>
public sealed record RawResponse(HttpStatusCode Status, byte[] Body, string? Crc32Header, string? RequestId, TimeSpan Elapsed)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// Sends arbitrary bytes to the DynamoDB endpoint as <c>POST /</c> with
/// <c>X-Amz-Target: DynamoDB_20120810.&lt;operation&gt;</c>, correctly SigV4-signed, so the tests
/// reach the operation's parser and validation with bodies no SDK would produce.
/// </summary>
public sealed class RawDynamoDbClient : IDisposable
{
    public const string ContentType = "application/x-amz-json-1.0";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _accessKey;
    private readonly string _secretKey;
    private readonly string _region;
    private readonly string _targetPrefix;

    public RawDynamoDbClient(string endpoint, string accessKey, string secretKey, TimeSpan timeout, string region = "us-east-1",
        string targetPrefix = "DynamoDB_20120810")
    {
        _targetPrefix = targetPrefix;
        _endpoint = new Uri(endpoint.TrimEnd('/') + "/");
        _accessKey = accessKey;
        _secretKey = secretKey;
        _region = region;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = timeout,
        };
    }

    public static RawDynamoDbClient For(LockboxServerFixture fixture, TimeSpan timeout) =>
        new(fixture.Endpoint, fixture.AccessKey, fixture.SecretKey, timeout);

    /// <summary>Sends one signed request; throws on transport failure or timeout (TaskCanceledException).</summary>
    public async Task<RawResponse> SendAsync(string operation, byte[] body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", _targetPrefix + "." + operation);
        SigV4Signer.Sign(request, body, _accessKey, _secretKey, DateTimeOffset.UtcNow, _region);

        var watch = Stopwatch.StartNew();
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        watch.Stop();
        return new RawResponse(
            response.StatusCode,
            bytes,
            response.Headers.TryGetValues("x-amz-crc32", out var crc) ? string.Join(",", crc) : null,
            response.Headers.TryGetValues("x-amzn-RequestId", out var id) ? string.Join(",", id) : null,
            watch.Elapsed);
    }

    public Task<RawResponse> SendAsync(string operation, string body, CancellationToken cancellationToken = default) =>
        SendAsync(operation, Encoding.UTF8.GetBytes(body), cancellationToken);

    /// <summary>GET / (unsigned): true when the server answers its health line with 200.</summary>
    public async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(_endpoint).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>CRC-32 (IEEE 802.3, the x-amz-crc32 checksum), table driven.</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }

    public static string ComputeDecimal(ReadOnlySpan<byte> data) => Compute(data).ToString(CultureInfo.InvariantCulture);

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }
}
