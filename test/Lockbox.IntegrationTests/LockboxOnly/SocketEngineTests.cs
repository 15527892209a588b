using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// <c>lockbox serve</c> completes socket operations on the runtime's epoll threads
/// (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1), unless its environment says otherwise. The
/// runtime then runs one socket engine (a thread named ".NET Sockets") per core instead of one
/// for up to ~45 cores, which is what these tests count in /proc.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class SocketEngineTests
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    [SocketEngineFact]
    public async Task Serve_runs_one_socket_engine_per_core()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());

        Assert.Equal(Environment.ProcessorCount, SocketEngineThreads(server.ProcessId!.Value));
    }

    [SocketEngineFact]
    public async Task An_explicit_setting_in_the_environment_wins()
    {
        var options = new LockboxServerOptions
        {
            RootAccessKeyId = LockboxServer.GenerateAccessKeyId(),
            RootSecretAccessKey = LockboxServer.GenerateSecretAccessKey(),
            Environment = new Dictionary<string, string> { [Variable] = "0" },
        };
        await using var server = await LockboxServer.StartNewAsync(options);

        Assert.Equal(1, SocketEngineThreads(server.ProcessId!.Value));
    }

    private static int SocketEngineThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == ".NET Sockets");

    /// <summary>Runs where the two settings give different engine counts: Linux, 2 to 14 cores.</summary>
    private sealed class SocketEngineFactAttribute : FactAttribute
    {
        public SocketEngineFactAttribute()
        {
            if (TestEnvironment.ExternalEndpoint is not null)
            {
                Skip = "Needs to start Lockbox processes; skipped against LOCKBOX_TEST_ENDPOINT.";
            }
            else if (!OperatingSystem.IsLinux() || Environment.ProcessorCount is < 2 or > 14 || Environment.GetEnvironmentVariable(Variable) is not null)
            {
                Skip = "Needs Linux with 2-14 cores and no " + Variable + " in the test's environment.";
            }
        }
    }
}
