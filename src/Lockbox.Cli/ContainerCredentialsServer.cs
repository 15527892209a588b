using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Cli;

/// <summary>
/// The ECS-style credentials endpoint of <c>lockbox exec --role</c>: a loopback listener that
/// answers <c>GET</c> with the role session's credentials
/// (<c>{"AccessKeyId","SecretAccessKey","Token","Expiration","RoleArn"}</c>) to callers presenting
/// the authorization token, assuming the role again (with the caller's credentials, kept in this
/// process only) when less than 15 minutes of the session remain.
/// </summary>
internal sealed class ContainerCredentialsServer(AwsClient client, string role, TimeSpan duration) : IAsyncDisposable
{
    private static readonly TimeSpan s_refreshWindow = TimeSpan.FromMinutes(15);
    private static readonly XNamespace Sts = "https://sts.amazonaws.com/doc/2011-06-15/";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path = "/credentials/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private WebApplication? _app;
    private string _roleArn = role;
    private (string AccessKeyId, string Secret, string Token, DateTimeOffset Expiration)? _current;

    /// <summary>The bearer token the workload sends (AWS_CONTAINER_AUTHORIZATION_TOKEN).</summary>
    public string AuthorizationToken { get; } = ExecCommand.NewToken();

    /// <summary>The full URI (AWS_CONTAINER_CREDENTIALS_FULL_URI).</summary>
    public string Uri { get; private set; } = "";

    /// <summary>Assumes the role once (so a refusal is reported before the command runs) and starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_roleArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            var identity = await client.CallAsync("sts", "GetCallerIdentity", "2011-06-15", [], cancellationToken);
            var account = identity.Descendants(Sts + "Account").FirstOrDefault()?.Value ?? "";
            _roleArn = $"arn:aws:iam::{account}:role/{_roleArn}";
        }

        await RefreshAsync(cancellationToken);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "lockbox-exec" });
        builder.Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Uri = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{new Uri(address).Port}{_path}");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Path != _path || !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = 404;
            return;
        }

        var presented = Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString());
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(AuthorizationToken)))
        {
            response.StatusCode = 401;
            return;
        }

        try
        {
            await RefreshAsync(context.RequestAborted);
        }
        catch (Exception failure) when (failure is AwsCallException or HttpRequestException or TaskCanceledException)
        {
            response.StatusCode = 500;
            await WriteJsonAsync(response, writer =>
            {
                writer.WriteString("code", failure is AwsCallException aws ? aws.Code : "Unavailable");
                writer.WriteString("message", failure is AwsCallException call ? call.Message : "Lockbox could not be reached.");
            });
            return;
        }

        var (key, secret, token, expiration) = _current!.Value;
        await WriteJsonAsync(response, writer =>
        {
            writer.WriteString("AccessKeyId", key);
            writer.WriteString("SecretAccessKey", secret);
            writer.WriteString("Token", token);
            writer.WriteString("Expiration", expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("RoleArn", _roleArn);
        });
    }

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        response.ContentType = "application/json";
        response.ContentLength = stream.Length;
        await response.Body.WriteAsync(stream.ToArray());
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } current && current.Expiration - DateTimeOffset.UtcNow > s_refreshWindow)
            {
                return;
            }

            var answer = await client.CallAsync("sts", "AssumeRole", "2011-06-15",
            [
                ("RoleArn", _roleArn),
                ("RoleSessionName", "lockbox-exec-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)),
                ("DurationSeconds", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            ], cancellationToken);
            var credentials = answer.Descendants(Sts + "Credentials").FirstOrDefault()
                ?? throw new AwsCallException("InvalidResponse", "AssumeRole answered without credentials.", 200);
            _current = (
                credentials.Element(Sts + "AccessKeyId")?.Value ?? "",
                credentials.Element(Sts + "SecretAccessKey")?.Value ?? "",
                credentials.Element(Sts + "SessionToken")?.Value ?? "",
                DateTimeOffset.Parse(credentials.Element(Sts + "Expiration")?.Value ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _gate.Dispose();
    }
}
