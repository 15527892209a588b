using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>Options for one <c>lockbox serve</c> process.</summary>
public sealed class LockboxServerOptions
{
    /// <summary>Data directory; a fresh temp directory (deleted on dispose) when null.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Root access key id given through LOCKBOX_ROOT_ACCESS_KEY_ID; null = let the server generate one.</summary>
    public string? RootAccessKeyId { get; init; }

    /// <summary>Root secret given through LOCKBOX_ROOT_SECRET_ACCESS_KEY.</summary>
    public string? RootSecretAccessKey { get; init; }

    public string AccountId { get; init; } = LockboxServer.DefaultAccountId;

    public string Region { get; init; } = "us-east-1";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>More <c>lockbox serve</c> arguments, e.g. <c>--ttl-sweep-interval 0.5</c> or <c>--dynamodb-burst-seconds 1</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>More environment variables for the server process, e.g. <c>LOCKBOX_MASTER_KEY</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Options with freshly generated root credentials passed through the environment.</summary>
    public static LockboxServerOptions WithGeneratedCredentials(string? dataDirectory = null) => new()
    {
        DataDirectory = dataDirectory,
        RootAccessKeyId = LockboxServer.GenerateAccessKeyId(),
        RootSecretAccessKey = LockboxServer.GenerateSecretAccessKey(),
    };
}

/// <summary>
/// One Lockbox server process: <c>dotnet lockbox.dll serve --listen 127.0.0.1:PORT --data DIR</c>.
/// Captures the process output for diagnostics, waits for <c>GET /</c> = 200, and can be stopped,
/// killed (SIGKILL) and started again on the same data directory and port.
/// </summary>
public sealed class LockboxServer : IAsyncDisposable
{
    public const string DefaultAccountId = "123456789012";

    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly LockboxServerOptions _options;
    private readonly bool _ownsDataDirectory;
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();
    private Process? _process;
    private int _generation;

    public LockboxServer(LockboxServerOptions options)
    {
        _options = options;
        if (options.DataDirectory is null)
        {
            DataDirectory = Directory.CreateTempSubdirectory("lockbox-it-").FullName;
            _ownsDataDirectory = true;
        }
        else
        {
            DataDirectory = options.DataDirectory;
            Directory.CreateDirectory(DataDirectory);
        }
        Port = FindFreePort();
    }

    public string DataDirectory { get; }

    public int Port { get; private set; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public string AccountId => _options.AccountId;

    public string Region => _options.Region;

    /// <summary>Root access key id given in the environment (null when the server generated its own).</summary>
    public string? AccessKey => _options.RootAccessKeyId;

    public string? SecretKey => _options.RootSecretAccessKey;

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => _process?.Id;

    /// <summary>Everything the server printed so far (all runs), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<LockboxServer> StartNewAsync(LockboxServerOptions options)
    {
        var server = new LockboxServer(options);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the process and waits until GET / answers 200.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Server is already running.");
        }

        var dll = LocateServerAssembly();
        Exception? lastError = null;
        // The free port may be taken by someone else between probing and binding; retry with another port.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await StartOnceAsync(dll).ConfigureAwait(false);
                return;
            }
            catch (ServerExitedException ex) when (attempt < 2 && ex.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                lastError = ex;
                Port = FindFreePort();
            }
        }
        throw lastError ?? new InvalidOperationException("Server did not start.");
    }

    private async Task StartOnceAsync(string dll)
    {
        var generation = Interlocked.Increment(ref _generation);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--listen");
        psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}"));
        psi.ArgumentList.Add("--data");
        psi.ArgumentList.Add(DataDirectory);
        psi.ArgumentList.Add("--account-id");
        psi.ArgumentList.Add(_options.AccountId);
        psi.ArgumentList.Add("--region");
        psi.ArgumentList.Add(_options.Region);
        foreach (var argument in _options.ExtraArguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Nothing from the developer's machine may decide which credentials the server uses.
        psi.Environment.Remove("LOCKBOX_MASTER_KEY");
        foreach (var (name, value) in _options.Environment)
        {
            psi.Environment[name] = value;
        }

        psi.Environment.Remove("LOCKBOX_ROOT_ACCESS_KEY_ID");
        psi.Environment.Remove("LOCKBOX_ROOT_SECRET_ACCESS_KEY");
        if (_options.RootAccessKeyId is not null && _options.RootSecretAccessKey is not null)
        {
            psi.Environment["LOCKBOX_ROOT_ACCESS_KEY_ID"] = _options.RootAccessKeyId;
            psi.Environment["LOCKBOX_ROOT_SECRET_ACCESS_KEY"] = _options.RootSecretAccessKey;
        }

        AppendLog(string.Create(CultureInfo.InvariantCulture,
            $"=== start #{generation}: dotnet {string.Join(' ', psi.ArgumentList)}{Environment.NewLine}"));

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                AppendLog("[out] " + e.Data + Environment.NewLine);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                AppendLog("[err] " + e.Data + Environment.NewLine);
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException("Could not start dotnet " + dll);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync().ConfigureAwait(false);
                _process = null;
                throw new ServerExitedException(
                    string.Create(CultureInfo.InvariantCulture, $"lockbox exited with code {process.ExitCode} before it answered GET /."),
                    Output);
            }
            if (await IsHealthyAsync().ConfigureAwait(false))
            {
                return;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }

        KillProcess();
        throw new TimeoutException(
            $"lockbox did not answer GET {Endpoint}/ with 200 within {_options.StartTimeout.TotalSeconds} s.{Environment.NewLine}--- server output ---{Environment.NewLine}{Output}");
    }

    private Task<bool> IsHealthyAsync() => IsHealthyAsync(Endpoint);

    /// <summary>GET / (unsigned) at <paramref name="endpoint"/>: true when it answers 200.</summary>
    public static async Task<bool> IsHealthyAsync(string endpoint)
    {
        try
        {
            using var response = await HealthClient.GetAsync(new Uri(endpoint + "/")).ConfigureAwait(false);
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

    /// <summary>The exit code of the process the last <see cref="StopAsync"/> stopped.</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>
    /// Graceful stop: SIGTERM (or <paramref name="signal"/>, e.g. "INT" as Ctrl+C sends), then
    /// SIGKILL after <paramref name="timeout"/> (default 20 s).
    /// </summary>
    public async Task StopAsync(TimeSpan? timeout = null, string signal = "TERM")
    {
        var process = _process;
        if (process is null)
        {
            return;
        }
        if (!process.HasExited)
        {
            SendSignal(process.Id, signal);
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                AppendLog("=== graceful stop timed out; killing" + Environment.NewLine);
                KillProcess();
            }
        }
        AppendLog(string.Create(CultureInfo.InvariantCulture, $"=== stopped (exit code {SafeExitCode(process)}){Environment.NewLine}"));
        LastExitCode = process.HasExited ? process.ExitCode : null;
        process.Dispose();
        _process = null;
    }

    /// <summary>kill -9 the server (and anything it started), as a crash or power loss would.</summary>
    public void Kill()
    {
        AppendLog("=== kill -9" + Environment.NewLine);
        KillProcess();
        _process?.Dispose();
        _process = null;
    }

    private void KillProcess()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static void SendSignal(int pid, string signal)
    {
        if (OperatingSystem.IsWindows())
        {
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        });
        kill?.WaitForExit(5_000);
    }

    private void AppendLog(string text)
    {
        lock (_logLock)
        {
            // Keep diagnostics bounded if a server is very chatty.
            if (_log.Length > 2_000_000)
            {
                _log.Remove(0, 1_000_000);
            }
            _log.Append(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            if (_ownsDataDirectory)
            {
                TryDeleteDirectory(DataDirectory);
            }
        }
    }

    internal static void TryDeleteDirectory(string path)
    {
        for (var i = 0; i < 5; i++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }

    public static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>An AWS-style long-term access key id: AKIA + 16 of [A-Z2-7].</summary>
    public static string GenerateAccessKeyId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }
        return "AKIA" + new string(chars);
    }

    /// <summary>An AWS-style 40 character secret access key.</summary>
    public static string GenerateSecretAccessKey()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var chars = new char[40];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>
    /// The repository root: the nearest ancestor of the test binaries holding Lockbox.slnx.
    /// </summary>
    public static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lockbox.slnx")))
            {
                return dir.FullName;
            }
            dir = dir.Parent;
        }
        throw new InvalidOperationException("Could not find Lockbox.slnx above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The server assembly: LOCKBOX_SERVER_DLL if set, else the CLI project's output for the same
    /// configuration as this test assembly (src/Lockbox.Cli/bin/&lt;Configuration&gt;/net10.0/lockbox.dll).
    /// </summary>
    public static string LocateServerAssembly()
    {
        var overridePath = Environment.GetEnvironmentVariable("LOCKBOX_SERVER_DLL");
        if (!string.IsNullOrEmpty(overridePath))
        {
            return File.Exists(overridePath)
                ? Path.GetFullPath(overridePath)
                : throw new FileNotFoundException("LOCKBOX_SERVER_DLL points to a missing file.", overridePath);
        }

        var configuration = typeof(LockboxServer).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        if (string.IsNullOrEmpty(configuration))
        {
            configuration = "Debug";
        }
        // The test assembly's own target framework folder name (net10.0) is the server's too.
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var root = FindRepositoryRoot();
        var candidate = Path.Combine(root, "src", "Lockbox.Cli", "bin", configuration, tfm, "lockbox.dll");
        if (File.Exists(candidate))
        {
            return candidate;
        }
        candidate = Path.Combine(root, "src", "Lockbox.Cli", "bin", configuration, "net10.0", "lockbox.dll");
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException(
                $"lockbox.dll not found at {candidate}. Build the solution (or the test project, which builds src/Lockbox.Cli) in {configuration}, or set LOCKBOX_SERVER_DLL.",
                candidate);
    }
}

/// <summary>The server process ended before it became healthy.</summary>
public sealed class ServerExitedException(string message, string output)
    : Exception(message + Environment.NewLine + "--- server output ---" + Environment.NewLine + output)
{
    public string Output { get; } = output;
}
