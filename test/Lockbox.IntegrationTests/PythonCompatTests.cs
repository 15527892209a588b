using System.Diagnostics;
using System.Text;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests;

/// <summary>
/// Runs the Python compatibility scripts in test/compat (boto3 client, boto3 resource, AWS CLI)
/// against the fixture's server. Nothing from the machine's AWS configuration leaks in: every AWS_*
/// variable is cleared and the config/credentials files point at empty temp files.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class PythonCompatTests(LockboxServerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(10);

    [PythonFact]
    public Task Boto3Client() => RunScriptAsync("boto3_client_compat.py");

    [PythonFact]
    public Task Boto3Resource() => RunScriptAsync("boto3_resource_compat.py");

    [PythonFact]
    public Task Boto3PartiQL() => RunScriptAsync("partiql_compat.py");

    [PythonFact]
    public Task Boto3PartiQLTransactions() => RunScriptAsync("partiql_transactions_compat.py");

    [PythonFact]
    public Task Boto3Streams() => RunScriptAsync("boto3_streams_compat.py");

    [PythonFact]
    public Task Boto3Transactions() => RunScriptAsync("boto3_transactions_compat.py");

    [PythonFact]
    public Task Boto3Backups() => RunScriptAsync("boto3_backup_compat.py");

    [PythonFact(NeedsAwsCli = true)]
    public Task AwsCli() => RunScriptAsync("awscli_compat.py");

    [PythonFact]
    public Task Boto3SecondaryIndexes() => RunScriptAsync("boto3_indexes_compat.py");

    [PythonFact]
    public Task Boto3ResourcePolicies() => RunScriptAsync("boto3_resource_policy_compat.py");

    [PythonFact]
    public Task Boto3Iam() => RunScriptAsync("iam_boto3_compat.py");

    [PythonFact(NeedsAwsCli = true)]
    public Task AwsCliIam() => RunScriptAsync("iam_cli_compat.py");

    [PythonFact]
    public Task Boto3IamEnforcement() => RunScriptAsync("iam_enforce_compat.py");

    [PythonFact(NeedsAwsCli = true)]
    public Task IamMfaAndLoginProfiles() => RunScriptAsync("iam_mfa_compat.py");

    [PythonFact(NeedsAwsCli = true, NeedsServerProcess = true)]
    public Task Ec2CredentialFreeWorkload() => RunScriptAsync("ec2_workload_compat.py");

    [PythonFact(NeedsAwsCli = true)]
    public Task IamPolicySimulator() => RunScriptAsync("iam_simulator_compat.py");

    [PythonFact(NeedsAwsCli = true)]
    public Task StsSessions() => RunScriptAsync("sts_compat.py");

    private Task RunScriptAsync(string script) =>
        RunScriptAsync(script, fixture.Endpoint, fixture.AccessKey, fixture.SecretKey, fixture.Region, output, () => fixture.ServerOutput);

    /// <summary>Runs one script of test/compat against <paramref name="endpoint"/>; fails the test unless it exits 0.</summary>
    internal static async Task RunScriptAsync(string script, string endpoint, string accessKey, string secretKey, string region,
        ITestOutputHelper output, Func<string> serverOutput)
    {
        var path = Path.Combine(LockboxServer.FindRepositoryRoot(), "test", "compat", script);
        Assert.True(File.Exists(path), "missing " + path);

        var home = Directory.CreateTempSubdirectory("lockbox-compat-");
        try
        {
            var config = Path.Combine(home.FullName, "config");
            var credentials = Path.Combine(home.FullName, "credentials");
            await File.WriteAllTextAsync(config, "");
            await File.WriteAllTextAsync(credentials, "");

            var psi = new ProcessStartInfo("python3")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(path)!,
            };
            psi.ArgumentList.Add(path);
            foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                psi.Environment.Remove(name);
            }
            psi.Environment["AWS_ENDPOINT_URL"] = endpoint;
            psi.Environment["AWS_ACCESS_KEY_ID"] = accessKey;
            psi.Environment["AWS_SECRET_ACCESS_KEY"] = secretKey;
            psi.Environment["AWS_DEFAULT_REGION"] = region;
            psi.Environment["AWS_REGION"] = region;
            psi.Environment["AWS_CONFIG_FILE"] = config;
            psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
            psi.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            psi.Environment["AWS_PAGER"] = "";
            psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
            psi.Environment["PYTHONUNBUFFERED"] = "1";
            // For scripts that run `lockbox` itself (exec, instances).
            psi.Environment["LOCKBOX_CLI_DLL"] = LockboxServer.LocateServerAssembly();

            var log = new StringBuilder();
            var gate = new Lock();
            using var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (gate)
                    {
                        log.AppendLine(e.Data);
                    }
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (gate)
                    {
                        log.AppendLine("[stderr] " + e.Data);
                    }
                }
            };
            var watch = Stopwatch.StartNew();
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(ScriptTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.WaitForExit(); // flush the asynchronous output readers

            string text;
            lock (gate)
            {
                text = log.ToString();
            }
            output.WriteLine($"python3 {script}: exit {(process.HasExited ? process.ExitCode : -1)} after {watch.Elapsed.TotalSeconds:F1} s");
            output.WriteLine(text);
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{script} timed out after {ScriptTimeout.TotalMinutes} min.\n{text}\n--- server output ---\n{Tail(serverOutput())}");
            }
            if (process.ExitCode != 0)
            {
                Assert.Fail($"{script} exited {process.ExitCode}.\n{text}\n--- server output (tail) ---\n{Tail(serverOutput())}");
            }
        }
        finally
        {
            LockboxServer.TryDeleteDirectory(home.FullName);
        }
    }

    private static string Tail(string text) => text.Length > 20_000 ? text[^20_000..] : text;
}

/// <summary>
/// A test needing python3 with boto3 (and the aws CLI when <see cref="NeedsAwsCli"/>). When they
/// are missing it is skipped locally, but fails in CI (CI=true) so a broken image cannot hide.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PythonFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> MissingPython = new(() =>
        Probe("python3", ["-c", "import boto3, botocore"]) ? null : "python3 with boto3 is not available");

    private static readonly Lazy<string?> MissingCli = new(() =>
        Probe("aws", ["--version"]) ? null : "the aws CLI is not available");

    private bool _needsAwsCli;
    private bool _needsServerProcess;

    public PythonFactAttribute() => Update();

    public bool NeedsAwsCli
    {
        get => _needsAwsCli;
        set
        {
            _needsAwsCli = value;
            Update();
        }
    }

    /// <summary>The test starts its own Lockbox process, so it is skipped against LOCKBOX_TEST_ENDPOINT.</summary>
    public bool NeedsServerProcess
    {
        get => _needsServerProcess;
        set
        {
            _needsServerProcess = value;
            Update();
        }
    }

    private void Update()
    {
        if (_needsServerProcess && TestEnvironment.ExternalEndpoint is not null)
        {
            Skip = "Needs to start its own Lockbox process; skipped against LOCKBOX_TEST_ENDPOINT.";
            return;
        }

        var missing = MissingPython.Value ?? (_needsAwsCli ? MissingCli.Value : null);
        // In CI the test runs anyway and fails on the missing tool.
        Skip = missing is not null && !TestEnvironment.IsCi ? missing + " (skipped locally; CI=true makes this a failure)" : null;
    }

    private static bool Probe(string file, string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                psi.ArgumentList.Add(arg);
            }
            using var process = Process.Start(psi);
            if (process is null)
            {
                return false;
            }
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(60_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
