using System.Net;
using Lockbox.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Auth.Tests.Host;

/// <summary>One server on a free loopback port with a temporary data directory and the stub service.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string AccessKeyId = "AKIATESTTESTTEST0001";
    public const string Secret = "testsecrettestsecrettestsecrettestsecret";
    public const string AccountId = "123456789012";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-host-tests-" + Guid.NewGuid().ToString("N"));

    internal StubDynamoDbService Service { get; } = new();

    public LockboxServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string Url => Server.Urls[0];

    public async Task InitializeAsync()
    {
        var options = new LockboxServerOptions
        {
            DataDirectory = _directory,
            AccountId = AccountId,
            RootAccessKeyId = AccessKeyId,
            RootSecretAccessKey = Secret,
            MaxRequestBodyBytes = 64 * 1024,
            ServiceFactory = _ => [Service],
        };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        Server = await LockboxServer.StartAsync(options, NullLoggerFactory.Instance);
        Http = new HttpClient { BaseAddress = new Uri(Url) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
