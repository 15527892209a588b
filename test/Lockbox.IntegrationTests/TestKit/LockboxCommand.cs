using System.Diagnostics;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>Runs the <c>lockbox</c> command (the same lockbox.dll the server runs from) and captures its output.</summary>
public static class LockboxCommand
{
    /// <summary>The process's exit code and everything it printed.</summary>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs <c>lockbox ARGS</c> and waits for it (at most <paramref name="timeout"/>, default 60 s).</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(LockboxServer.LocateServerAssembly());
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start dotnet lockbox.dll");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lockbox {string.Join(' ', psi.ArgumentList.Skip(1))} did not finish in time.");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
