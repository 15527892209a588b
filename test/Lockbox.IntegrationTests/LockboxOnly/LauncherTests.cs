using System.Diagnostics;
using System.Globalization;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// The repository's <c>./lockbox</c> launcher (README's run command): for <c>serve</c> it limits
/// glibc's malloc arenas and sets the GC's gen0 budget, each unless the caller chose a value. The
/// launcher execs the server, so the started process's /proc environ is the server's environment.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class LauncherTests
{
    [LauncherFact]
    public async Task Serve_gets_two_malloc_arenas_and_a_16_MB_gen0_budget()
    {
        var environment = await ServerEnvironmentAsync(callerSettings: []);

        Assert.Contains("MALLOC_ARENA_MAX=2", environment);
        Assert.Contains("DOTNET_GCgen0size=0x1000000", environment);
    }

    [LauncherFact]
    public async Task Values_the_caller_chose_are_kept()
    {
        var environment = await ServerEnvironmentAsync(callerSettings: new()
        {
            ["MALLOC_ARENA_MAX"] = "4",
            ["DOTNET_GCgen0size"] = "0x400000",
        });

        Assert.Contains("MALLOC_ARENA_MAX=4", environment);
        Assert.DoesNotContain("MALLOC_ARENA_MAX=2", environment);
        Assert.Contains("DOTNET_GCgen0size=0x400000", environment);
        Assert.DoesNotContain("DOTNET_GCgen0size=0x1000000", environment);
    }

    /// <summary>Starts <c>./lockbox serve</c>, waits until it answers, and returns its environment.</summary>
    private static async Task<string[]> ServerEnvironmentAsync(Dictionary<string, string> callerSettings)
    {
        var port = LockboxServer.FindFreePort();
        var data = Directory.CreateTempSubdirectory("lockbox-launcher-");
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(LockboxServer.FindRepositoryRoot(), "lockbox"));
        foreach (var argument in new[] { "serve", "--listen", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), "--data", data.FullName })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("LOCKBOX_MASTER_KEY");
        start.Environment.Remove("MALLOC_ARENA_MAX");
        start.Environment.Remove("DOTNET_GCgen0size");
        foreach (var (name, value) in callerSettings)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // The launcher builds the server in Release first when its build is missing or stale.
            var endpoint = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (!await LockboxServer.IsHealthyAsync(endpoint))
            {
                Assert.False(process.HasExited, "the launcher exited before the server answered");
                Assert.True(DateTime.UtcNow < deadline, "the server did not answer within 5 minutes");
                await Task.Delay(500);
            }

            return (await File.ReadAllTextAsync($"/proc/{process.Id}/environ")).Split('\0');
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            data.Delete(recursive: true);
        }
    }

    /// <summary>Needs Linux (/proc) and bash, and a local build tree (not LOCKBOX_TEST_ENDPOINT).</summary>
    private sealed class LauncherFactAttribute : FactAttribute
    {
        public LauncherFactAttribute()
        {
            if (TestEnvironment.ExternalEndpoint is not null)
            {
                Skip = "Needs to start Lockbox processes; skipped against LOCKBOX_TEST_ENDPOINT.";
            }
            else if (!OperatingSystem.IsLinux())
            {
                Skip = "Reads the server's environment from /proc.";
            }
        }
    }
}
