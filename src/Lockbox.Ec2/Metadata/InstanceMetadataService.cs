using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Ec2.Instances;
using Lockbox.Iam;
using Lockbox.Iam.Sts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lockbox.Ec2.Metadata;

/// <summary>
/// The instance metadata services: one loopback HTTP listener per instance that is not
/// terminated, answering as EC2's IMDS does at <c>http://169.254.169.254</c> (IMDSv1 and v2).
/// </summary>
/// <remarks>
/// Design:
/// - A listener is a small Kestrel server bound to 127.0.0.1 on the port stored with the
///   instance; the port is picked at launch and bound again after a restart (a different one,
///   stored, if it was taken meanwhile). Termination stops it.
/// - Every request reads the instance record and the identity store afresh, so a changed
///   association, metadata option or profile role applies on the next request.
/// - IMDSv2 tokens are random, held in memory, valid for the issuing instance only and for the
///   TTL asked (1–21600 s). A restart forgets them; the SDKs then get 401 and fetch a new one.
/// - Credentials come from <see cref="IRoleCredentialIssuer"/> through <see cref="RoleCredentialCache"/>;
///   they are never logged (only the key id and expiry).
/// </remarks>
public sealed class InstanceMetadataService : IAsyncDisposable
{
    private const int MaxTokenTtlSeconds = 21600;
    private const string TokenHeader = "X-aws-ec2-metadata-token";
    private const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

    private readonly InstanceStore _store;
    private readonly IdentityStore _identity;
    private readonly RoleCredentialCache _credentials;
    private readonly string _region;
    private readonly string _accountId;
    private readonly TimeProvider _time;
    private readonly Ec2Options _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, WebApplication> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string InstanceId, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the service; nothing listens until <see cref="StartAsync"/> or <see cref="RestoreAsync"/>.</summary>
    public InstanceMetadataService(InstanceStore store, IdentityStore identity, IRoleCredentialIssuer issuer, string region, string accountId,
        TimeProvider time, Ec2Options options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = store;
        _identity = identity;
        _region = region;
        _accountId = accountId;
        _time = time;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Lockbox.Ec2.Metadata");
        _credentials = new RoleCredentialCache(issuer, time, options, _logger);
    }

    /// <summary>The URL of a listener on <paramref name="port"/>.</summary>
    public string EndpointFor(int port) => string.Create(CultureInfo.InvariantCulture, $"http://{FormatAddress(_options.MetadataAddress)}:{port}");

    /// <summary>True when <paramref name="instanceId"/> has a listener.</summary>
    public bool IsListening(string instanceId) => _listeners.ContainsKey(instanceId);

    /// <summary>
    /// Starts the listener of <paramref name="instanceId"/> on <paramref name="port"/> (0: any free
    /// port; a taken port falls back to any) and returns the bound port.
    /// </summary>
    public async Task<int> StartAsync(string instanceId, int port, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_listeners.TryGetValue(instanceId, out var existing))
            {
                return BoundPort(existing);
            }

            WebApplication app;
            try
            {
                app = await BindAsync(instanceId, port, cancellationToken);
            }
            catch (IOException) when (port != 0)
            {
                app = await BindAsync(instanceId, 0, cancellationToken);
                Ec2Log.MetadataPortMoved(_logger, instanceId, port, BoundPort(app));
            }

            _listeners[instanceId] = app;
            var bound = BoundPort(app);
            Ec2Log.MetadataListening(_logger, instanceId, EndpointFor(bound));
            return bound;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the listener of <paramref name="instanceId"/>, if any, and forgets its tokens and credentials.</summary>
    public async Task StopAsync(string instanceId)
    {
        _credentials.Forget(instanceId);
        foreach (var (token, entry) in _tokens)
        {
            if (entry.InstanceId == instanceId)
            {
                _tokens.TryRemove(token, out _);
            }
        }

        if (_listeners.TryRemove(instanceId, out var app))
        {
            await StopAppAsync(app);
            Ec2Log.MetadataStopped(_logger, instanceId);
        }
    }

    /// <summary>Drops cached credentials of an instance (its association changed).</summary>
    public void ForgetCredentials(string instanceId) => _credentials.Forget(instanceId);

    /// <summary>
    /// Binds the listeners of every instance that is not terminated (after a restart), on their
    /// stored ports; stores the new port of any instance whose port was taken.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        foreach (var instance in _store.List(now))
        {
            if (instance.TerminatedAt is not null)
            {
                continue;
            }

            var port = await StartAsync(instance.InstanceId, instance.MetadataPort, cancellationToken);
            if (port != instance.MetadataPort)
            {
                _store.Update<int>(now, all =>
                {
                    if (!all.TryGetValue(instance.InstanceId, out var record))
                    {
                        return ([], 0);
                    }

                    record.MetadataPort = port;
                    return ([record], 0);
                });
            }
        }
    }

    /// <summary>Stops every listener.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var id in _listeners.Keys.ToList())
        {
            if (_listeners.TryRemove(id, out var app))
            {
                await StopAppAsync(app);
            }
        }

        _gate.Dispose();
    }

    private async Task<WebApplication> BindAsync(string instanceId, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Lockbox.Ec2.Metadata" });
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(new IPEndPoint(_options.MetadataAddress, port));
        });
        var app = builder.Build();
        app.Run(context => HandleAsync(context, instanceId));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception error) when (error is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new IOException($"Cannot bind the metadata service of {instanceId} to port {port}.", error);
        }

        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }

    private static async Task StopAppAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await app.StopAsync(timeout.Token);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static string FormatAddress(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();

    private async Task HandleAsync(HttpContext context, string instanceId)
    {
        var response = context.Response;
        response.Headers.Server = "EC2ws";
        try
        {
            var (status, body, headers) = Answer(context.Request, instanceId);
            response.StatusCode = status;
            response.ContentType = "text/plain";
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(body);
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
#pragma warning disable CA1031 // A metadata request must never take the listener down.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Ec2Log.MetadataFailed(_logger, instanceId, error);
            if (!response.HasStarted)
            {
                response.StatusCode = 500;
            }
        }
    }

    /// <summary>The answer to one metadata request: status, text body, extra headers.</summary>
    private (int Status, string Body, IReadOnlyList<(string, string)> Headers) Answer(HttpRequest request, string instanceId)
    {
        var now = _time.GetUtcNow();
        var instance = _store.Find(instanceId, now);
        if (instance is null || instance.TerminatedAt is not null)
        {
            return Html(404, "404 - Not Found");
        }

        if (instance.HttpEndpoint == "disabled")
        {
            return Html(403, "403 - Forbidden");
        }

        var path = request.Path.Value ?? "/";
        if (HttpMethods.IsPut(request.Method))
        {
            return path == "/latest/api/token" ? IssueToken(request, instanceId, now) : Html(403, "403 - Forbidden");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return Html(405, "405 - Method Not Allowed");
        }

        var token = request.Headers[TokenHeader].ToString();
        if (token.Length > 0)
        {
            if (!_tokens.TryGetValue(token, out var entry) || entry.InstanceId != instanceId || entry.Expires <= now)
            {
                return Html(401, "401 - Unauthorized");
            }
        }
        else if (instance.HttpTokens == "required")
        {
            return Html(401, "401 - Unauthorized");
        }

        return Get(path, instance, now);
    }

    private (int, string, IReadOnlyList<(string, string)>) IssueToken(HttpRequest request, string instanceId, DateTimeOffset now)
    {
        // As EC2: a token request forwarded by a proxy is refused.
        if (request.Headers.ContainsKey("X-Forwarded-For"))
        {
            return Html(403, "403 - Forbidden");
        }

        var ttlText = request.Headers[TokenTtlHeader].ToString();
        if (ttlText.Length == 0)
        {
            return Html(400, "400 - Missing or Invalid Parameters");
        }

        if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl < 1 || ttl > MaxTokenTtlSeconds)
        {
            return Html(400, "400 - Missing or Invalid Parameters");
        }

        if (_tokens.Count > 10_000)
        {
            foreach (var (old, entry) in _tokens)
            {
                if (entry.Expires <= now)
                {
                    _tokens.TryRemove(old, out _);
                }
            }
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42)).Replace('+', '-').Replace('/', '_');
        _tokens[token] = (instanceId, now.AddSeconds(ttl));
        return (200, token, [(TokenTtlHeader, ttl.ToString(CultureInfo.InvariantCulture))]);
    }

    private (int, string, IReadOnlyList<(string, string)>) Get(string path, InstanceRecord instance, DateTimeOffset now)
    {
        var profile = ResolveProfile(instance);
        switch (path)
        {
            case "/":
                return Text("latest");
            case "/latest" or "/latest/":
                return Text("dynamic\nmeta-data");
            case "/latest/meta-data" or "/latest/meta-data/":
                return Text(profile is null
                    ? "ami-id\nami-launch-index\ninstance-id\ninstance-type\nplacement/\nreservation-id"
                    : "ami-id\nami-launch-index\niam/\ninstance-id\ninstance-type\nplacement/\nreservation-id");
            case "/latest/meta-data/ami-id":
                return Text(instance.ImageId);
            case "/latest/meta-data/ami-launch-index":
                return Text(instance.LaunchIndex.ToString(CultureInfo.InvariantCulture));
            case "/latest/meta-data/instance-id":
                return Text(instance.InstanceId);
            case "/latest/meta-data/instance-type":
                return Text(instance.InstanceType);
            case "/latest/meta-data/reservation-id":
                return Text(instance.ReservationId);
            case "/latest/meta-data/placement" or "/latest/meta-data/placement/":
                return Text("availability-zone\nregion");
            case "/latest/meta-data/placement/availability-zone":
                return Text(instance.AvailabilityZone);
            case "/latest/meta-data/placement/region":
                return Text(_region);
            case "/latest/dynamic" or "/latest/dynamic/":
                return Text("instance-identity/");
            case "/latest/dynamic/instance-identity" or "/latest/dynamic/instance-identity/":
                return Text("document");
            case "/latest/dynamic/instance-identity/document":
                return Text(IdentityDocument(instance));
        }

        if (profile is null || !path.StartsWith("/latest/meta-data/iam", StringComparison.Ordinal))
        {
            return Html(404, "404 - Not Found");
        }

        var (profileArn, profileId, roleName, roleArn) = profile.Value;
        switch (path)
        {
            case "/latest/meta-data/iam" or "/latest/meta-data/iam/":
                return Text("info\nsecurity-credentials/");
            case "/latest/meta-data/iam/info":
                return Text(Json(writer =>
                {
                    writer.WriteString("Code", "Success");
                    writer.WriteString("LastUpdated", Timestamp(instance.Association!.Timestamp));
                    writer.WriteString("InstanceProfileArn", profileArn);
                    writer.WriteString("InstanceProfileId", profileId);
                }));
            case "/latest/meta-data/iam/security-credentials" or "/latest/meta-data/iam/security-credentials/":
                return roleName is null ? Html(404, "404 - Not Found") : Text(roleName);
        }

        const string credentialsPrefix = "/latest/meta-data/iam/security-credentials/";
        if (roleName is null || roleArn is null || !path.StartsWith(credentialsPrefix, StringComparison.Ordinal) ||
            path[credentialsPrefix.Length..].TrimEnd('/') != roleName)
        {
            return Html(404, "404 - Not Found");
        }

        var answer = _credentials.Get(instance.InstanceId, roleArn);
        if (answer.Credentials is not { } credentials)
        {
            return Text(Json(writer =>
            {
                writer.WriteString("Code", "AssumeRoleUnauthorizedAccess");
                writer.WriteString("Message",
                    $"EC2 cannot assume the role {roleName}. Please see documentation at https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html#troubleshoot_iam-ec2_errors-info-doc.");
                writer.WriteString("LastUpdated", Timestamp(answer.LastUpdated));
            }));
        }

        return Text(Json(writer =>
        {
            writer.WriteString("Code", "Success");
            writer.WriteString("LastUpdated", Timestamp(answer.LastUpdated));
            writer.WriteString("Type", "AWS-HMAC");
            writer.WriteString("AccessKeyId", credentials.AccessKeyId);
            writer.WriteString("SecretAccessKey", credentials.SecretAccessKey);
            writer.WriteString("Token", credentials.SessionToken);
            writer.WriteString("Expiration", Timestamp(credentials.Expiration));
        }));
    }

    /// <summary>The instance's profile ARN and id and its role's name and ARN (null role when the profile has none); null without a usable profile.</summary>
    private (string ProfileArn, string ProfileId, string? RoleName, string? RoleArn)? ResolveProfile(InstanceRecord instance)
    {
        if (instance.Association is not { } association)
        {
            return null;
        }

        return _identity.Read<(string, string, string?, string?)?>(state =>
        {
            var profile = state.InstanceProfiles.Values.FirstOrDefault(p => p.Id == association.ProfileId);
            if (profile is null)
            {
                return null;
            }

            var role = profile.RoleIds.Count > 0 && state.RolesById.TryGetValue(profile.RoleIds[0], out var found) ? found : null;
            return (state.InstanceProfileArn(profile), profile.Id, role?.Name, role is null ? null : state.RoleArn(role));
        });
    }

    private string IdentityDocument(InstanceRecord instance) => Json(writer =>
    {
        writer.WriteString("accountId", _accountId);
        writer.WriteString("architecture", "x86_64");
        writer.WriteString("availabilityZone", instance.AvailabilityZone);
        writer.WriteString("imageId", instance.ImageId);
        writer.WriteString("instanceId", instance.InstanceId);
        writer.WriteString("instanceType", instance.InstanceType);
        writer.WriteString("pendingTime", Timestamp(instance.LaunchTime));
        writer.WriteString("privateIp", "127.0.0.1");
        writer.WriteString("region", _region);
        writer.WriteString("version", "2017-09-30");
    });

    private static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static (int, string, IReadOnlyList<(string, string)>) Text(string body) => (200, body, []);

    private static (int, string, IReadOnlyList<(string, string)>) Html(int status, string title) =>
        (status, $"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n", []);
}
