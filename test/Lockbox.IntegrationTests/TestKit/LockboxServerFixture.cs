using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>
/// One Lockbox server shared by every test in the <see cref="LockboxCollection"/>.
/// If LOCKBOX_TEST_ENDPOINT is set, no server is started and that endpoint is used instead
/// (e.g. dynalite while the server is being written); Lockbox-only tests then skip.
/// </summary>
public sealed class LockboxServerFixture : IAsyncLifetime
{
    private LockboxServer? _server;

    public bool IsExternal => TestEnvironment.ExternalEndpoint is not null;

    public string Endpoint { get; private set; } = "";

    public string AccessKey { get; private set; } = "";

    public string SecretKey { get; private set; } = "";

    public string Region => "us-east-1";

    /// <summary>The account id the server runs as; null against an external endpoint whose account is unknown.</summary>
    public string? AccountId { get; private set; }

    public string DataDirectory => Server.DataDirectory;

    /// <summary>The server process (throws against an external endpoint).</summary>
    public LockboxServer Server =>
        _server ?? throw new InvalidOperationException("No Lockbox process: tests run against LOCKBOX_TEST_ENDPOINT.");

    /// <summary>Server output so far, or a note when the endpoint is external.</summary>
    public string ServerOutput => _server?.Output ?? "(external endpoint " + Endpoint + ")";

    public async Task InitializeAsync()
    {
        var external = TestEnvironment.ExternalEndpoint;
        if (external is not null)
        {
            Endpoint = external.TrimEnd('/');
            AccessKey = Environment.GetEnvironmentVariable("LOCKBOX_TEST_ACCESS_KEY_ID") ?? "AKIAIOSFODNN7EXAMPLE";
            SecretKey = Environment.GetEnvironmentVariable("LOCKBOX_TEST_SECRET_ACCESS_KEY") ?? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
            AccountId = Environment.GetEnvironmentVariable("LOCKBOX_TEST_ACCOUNT_ID");
            return;
        }

        _server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials()).ConfigureAwait(false);
        Endpoint = _server.Endpoint;
        AccessKey = _server.AccessKey!;
        SecretKey = _server.SecretKey!;
        AccountId = _server.AccountId;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public AmazonDynamoDBClient CreateClient() => CreateClient(AccessKey, SecretKey);

    public AmazonDynamoDBClient CreateClient(string accessKey, string secretKey) =>
        CreateClient(Endpoint, accessKey, secretKey);

    public static AmazonDynamoDBClient CreateClient(string endpoint, string accessKey, string secretKey, int maxErrorRetry = 1) =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(30),
        });

    public Task StopAsync() => Server.StopAsync();

    public Task StartAsync() => Server.StartAsync();

    public void Kill() => Server.Kill();
}

[CollectionDefinition(Name)]
public sealed class LockboxCollection : ICollectionFixture<LockboxServerFixture>
{
    public const string Name = "Lockbox server";
}

public static class TestEnvironment
{
    /// <summary>LOCKBOX_TEST_ENDPOINT, when tests run against an already running DynamoDB-compatible endpoint.</summary>
    public static string? ExternalEndpoint
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("LOCKBOX_TEST_ENDPOINT");
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
    }

    /// <summary>
    /// LOCKBOX_TEST_RUN_ALL=1 runs the tests marked Lockbox-only even against an external endpoint
    /// (to see how that endpoint differs); they are skipped otherwise.
    /// </summary>
    public static bool RunAll => Environment.GetEnvironmentVariable("LOCKBOX_TEST_RUN_ALL") is "1" or "true";

    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("CI") == "1";
}

/// <summary>
/// A test of behaviour only Lockbox is held to here: server process control (restart, kill -9),
/// files in its data directory, or real-DynamoDB behaviour a development emulator does not
/// reproduce (the reason says which). Skipped against LOCKBOX_TEST_ENDPOINT; always runs when the
/// fixture starts Lockbox itself (as CI does).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LockboxFactAttribute : FactAttribute
{
    public LockboxFactAttribute(string reason)
    {
        Reason = reason;
        if (TestEnvironment.ExternalEndpoint is not null && !TestEnvironment.RunAll)
        {
            Skip = "Lockbox-only (skipped against LOCKBOX_TEST_ENDPOINT): " + reason;
        }
    }

    public string Reason { get; }
}

/// <summary>Lockbox-only test that needs the server process (restart, kill, data directory).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ServerProcessFactAttribute : FactAttribute
{
    public ServerProcessFactAttribute()
    {
        if (TestEnvironment.ExternalEndpoint is not null)
        {
            Skip = "Needs to start and control Lockbox processes; skipped against LOCKBOX_TEST_ENDPOINT.";
        }
    }
}
