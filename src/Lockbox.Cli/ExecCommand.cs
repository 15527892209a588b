using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Lockbox.Cli;

/// <summary>
/// <c>lockbox exec --instance ID_OR_NAME -- COMMAND ARGS...</c>: runs a command as a workload on an
/// instance (credentials only from the instance's metadata service), or with <c>--role</c> as a
/// workload holding an assumed-role session served from an ECS-style credentials endpoint.
/// </summary>
/// <remarks>
/// The child's environment is the caller's minus every <c>AWS_*</c> and <c>LOCKBOX_*</c> variable,
/// plus <c>AWS_ENDPOINT_URL</c>, <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>,
/// <c>AWS_SHARED_CREDENTIALS_FILE</c> and <c>AWS_CONFIG_FILE</c> (empty files in a private temp
/// directory, removed afterwards) and either <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> or
/// <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> + <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c>. The exit
/// code is the child's; lockbox's own failures exit 125, a command that cannot run 126/127 (as
/// <c>env</c> and shells do).
/// </remarks>
internal static class ExecCommand
{
    public const int OwnFailure = 125;

    public static Command Create()
    {
        var options = new ClientOptions();
        var instance = new Option<string?>("--instance", "-i")
        {
            Description = "Instance id (i-…) or Name tag of the instance the command runs on. The command gets that instance's metadata service and no credentials.",
            HelpName = "id-or-name",
        };
        var role = new Option<string?>("--role")
        {
            Description = "Instead of an instance: a role name or ARN to assume with the caller's credentials; the command gets the session through AWS_CONTAINER_CREDENTIALS_FULL_URI, renewed before it expires.",
            HelpName = "role",
        };
        var duration = new Option<int>("--duration")
        {
            Description = "With --role: session length in seconds (900 to the role's maximum). Default: 3600.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 3600,
        };
        var commandLine = new Argument<string[]>("command")
        {
            Description = "The command and its arguments (after --).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("exec",
            "Run a command as a workload: on an instance (--instance; credentials only from its instance metadata service) or with an assumed role (--role). " +
            "The command gets AWS_ENDPOINT_URL and AWS_REGION/AWS_DEFAULT_REGION, no credential, profile or LOCKBOX_* variables, and empty AWS config and credentials files. Its exit code is returned.")
        {
            instance, role, duration, commandLine,
        };
        options.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetValue(instance) is null) == (result.GetValue(role) is null))
            {
                result.AddError("give exactly one of --instance and --role.");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            var (client, error) = options.CreateClient(parse);
            if (client is null)
            {
                await Console.Error.WriteLineAsync("lockbox exec: " + error);
                return OwnFailure;
            }

            using (client)
            {
                var argv = parse.GetValue(commandLine)!;
                if (parse.GetValue(instance) is { } idOrName)
                {
                    return await RunOnInstanceAsync(client, idOrName, argv, cancellationToken);
                }

                return await RunWithRoleAsync(client, parse.GetValue(role)!, TimeSpan.FromSeconds(parse.GetValue(duration)), argv, cancellationToken);
            }
        });
        return command;
    }

    private static async Task<int> RunOnInstanceAsync(AwsClient client, string idOrName, string[] argv, CancellationToken cancellationToken)
    {
        InstanceInfo? found;
        string? error;
        try
        {
            (found, error) = await InstanceLookup.FindAsync(client, idOrName, cancellationToken);
        }
        catch (Exception failure) when (failure is AwsCallException or HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync("lockbox exec: " + InstancesCommand.Describe(failure, client));
            return OwnFailure;
        }

        if (found is null)
        {
            await Console.Error.WriteLineAsync("lockbox exec: " + error);
            return OwnFailure;
        }

        if (found.MetadataEndpoint is null)
        {
            await Console.Error.WriteLineAsync($"lockbox exec: instance {found.InstanceId} is {found.State} and has no metadata service.");
            return OwnFailure;
        }

        return await RunChildAsync(client, argv, new Dictionary<string, string>
        {
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = found.MetadataEndpoint,
        }, cancellationToken);
    }

    private static async Task<int> RunWithRoleAsync(AwsClient client, string role, TimeSpan duration, string[] argv, CancellationToken cancellationToken)
    {
        await using var server = new ContainerCredentialsServer(client, role, duration);
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is AwsCallException or HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync("lockbox exec: cannot assume " + role + ": " + InstancesCommand.Describe(failure, client));
            return OwnFailure;
        }

        return await RunChildAsync(client, argv, new Dictionary<string, string>
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.Uri,
            ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = server.AuthorizationToken,
        }, cancellationToken);
    }

    /// <summary>Runs the workload with a clean environment and returns its exit code.</summary>
    private static async Task<int> RunChildAsync(AwsClient client, string[] argv, Dictionary<string, string> extra, CancellationToken cancellationToken)
    {
        var home = Directory.CreateTempSubdirectory("lockbox-exec-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(home.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var config = Path.Combine(home.FullName, "config");
            var credentials = Path.Combine(home.FullName, "credentials");
            await File.WriteAllTextAsync(config, "", cancellationToken);
            await File.WriteAllTextAsync(credentials, "", cancellationToken);

            var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
            foreach (var arg in argv.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var name in start.Environment.Keys.ToList())
            {
                if (name.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("LOCKBOX_", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["AWS_ENDPOINT_URL"] = client.Endpoint.ToString().TrimEnd('/');
            start.Environment["AWS_REGION"] = client.Region;
            start.Environment["AWS_DEFAULT_REGION"] = client.Region;
            start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
            start.Environment["AWS_CONFIG_FILE"] = config;
            foreach (var (name, value) in extra)
            {
                start.Environment[name] = value;
            }

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new Win32Exception("the process did not start");
            }
            catch (Win32Exception failure)
            {
                var missing = failure.NativeErrorCode == 2;
                await Console.Error.WriteLineAsync($"lockbox exec: {argv[0]}: {(missing ? "command not found" : failure.Message)}");
                return missing ? 127 : 126;
            }

            using (process)
            {
                try
                {
                    await process.WaitForExitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C reaches the child through the terminal too; give it time to finish.
                    if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                    {
                        process.Kill(entireProcessTree: true);
                    }

                    await process.WaitForExitAsync(CancellationToken.None);
                }

                return process.ExitCode;
            }
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>A random bearer token for the credentials endpoint.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
