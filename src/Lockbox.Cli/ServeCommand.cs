using System.CommandLine;
using System.Net;
using Lockbox.Host;
using Lockbox.Host.Http;
using Microsoft.Extensions.Logging;

namespace Lockbox.Cli;

/// <summary><c>lockbox serve</c>: runs the server until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    private const string AccessKeyVariable = "LOCKBOX_ROOT_ACCESS_KEY_ID";
    private const string SecretVariable = "LOCKBOX_ROOT_SECRET_ACCESS_KEY";

    public static Command Create()
    {
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "Address to listen on, HOST:PORT (repeatable): 127.0.0.1:8000, [::1]:8000, 0.0.0.0:8000. Default: 127.0.0.1:8000.",
            HelpName = "host:port",
            Arity = ArgumentArity.OneOrMore,
        };
        listen.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!ListenAddress.TryParse(value, out _, out var error))
                {
                    result.AddError(error!);
                }
            }
        });

        var data = new Option<string>("--data", "-d")
        {
            Description = "Data directory (master key, database, root credentials).",
            HelpName = "directory",
            DefaultValueFactory = _ => "./lockbox-data",
        };
        data.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value))
            {
                result.AddError("--data must name a directory.");
            }
            else if (File.Exists(value))
            {
                result.AddError($"--data '{value}' is a file, not a directory.");
            }
        });

        var accountId = new Option<string?>("--account-id")
        {
            Description = "Account id (12 digits) to create on first start. Default: a random id, kept in the data directory.",
            HelpName = "digits",
        };
        accountId.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !AccountIds.IsValid(value))
            {
                result.AddError($"--account-id '{value}' is not valid: it must be exactly 12 digits, e.g. 123456789012.");
            }
        });

        var region = new Option<string>("--region")
        {
            Description = "Region this server answers as (the SigV4 credential scope must name it).",
            HelpName = "region",
            DefaultValueFactory = _ => LockboxServerOptions.DefaultRegion,
        };
        region.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is null || !Regions.IsValid(value))
            {
                result.AddError($"--region '{value}' is not valid: use a region name such as us-east-1.");
            }
        });

        var ttlSweepInterval = new Option<double>("--ttl-sweep-interval")
        {
            Description = "Seconds between two sweeps that delete expired TTL items (DynamoDB itself takes up to days).",
            HelpName = "seconds",
            DefaultValueFactory = _ => 30,
        };
        ttlSweepInterval.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0) || value > 86_400)
            {
                result.AddError($"--ttl-sweep-interval '{value}' is not valid: give seconds between 0 and 86400, e.g. 30 or 0.5.");
            }
        });

        var ttlChangeCooldown = new Option<double>("--ttl-change-cooldown")
        {
            Description = "Seconds after a TTL change during which UpdateTimeToLive refuses another change of the same table (DynamoDB: one hour). For tests that toggle TTL; 0 allows a change once the previous one is applied.",
            HelpName = "seconds",
            DefaultValueFactory = _ => LockboxServerOptions.DefaultTimeToLiveChangeCooldown.TotalSeconds,
        };
        ttlChangeCooldown.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value <= 86_400))
            {
                result.AddError($"--ttl-change-cooldown '{value}' is not valid: use 0 to 86400 seconds.");
            }
        });

        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe log level written to the console.",
            DefaultValueFactory = _ => LogLevel.Information,
        };

        var burstSeconds = new Option<double>("--dynamodb-burst-seconds")
        {
            Description = "Seconds of unused provisioned capacity a table keeps as burst capacity (DynamoDB: 300). For tests that must exhaust a table's capacity quickly.",
            HelpName = "seconds",
            DefaultValueFactory = _ => LockboxServerOptions.DefaultDynamoDbBurstSeconds,
        };
        burstSeconds.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value <= 86_400))
            {
                result.AddError($"--dynamodb-burst-seconds '{value}' is not valid: use 0 to 86400 seconds.");
            }
        });

        var credentialSeconds = new Option<double>("--instance-credential-seconds")
        {
            Description = "Lifetime in seconds of the role credentials an instance metadata service hands out (EC2: about 6 hours).",
            HelpName = "seconds",
            DefaultValueFactory = _ => Lockbox.Ec2.Ec2Options.DefaultCredentialDuration.TotalSeconds,
        };
        var refreshSeconds = new Option<double>("--instance-credential-refresh-seconds")
        {
            Description = "An instance's credentials are renewed once fewer than this many seconds remain. Must be less than --instance-credential-seconds.",
            HelpName = "seconds",
            DefaultValueFactory = _ => Lockbox.Ec2.Ec2Options.DefaultCredentialRefreshWindow.TotalSeconds,
        };
        credentialSeconds.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 1 && value <= 43_200))
            {
                result.AddError($"--instance-credential-seconds '{value}' is not valid: use 1 to 43200 seconds.");
            }
        });
        refreshSeconds.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value <= 43_200))
            {
                result.AddError($"--instance-credential-refresh-seconds '{value}' is not valid: use 0 to 43200 seconds.");
            }
        });

        var command = new Command("serve", $"Run the server. Root credentials come from {AccessKeyVariable} / {SecretVariable} when set, else are generated on first start.")
        {
            listen, data, accountId, region, ttlSweepInterval, ttlChangeCooldown, logLevel, burstSeconds, credentialSeconds, refreshSeconds,
        };
        command.Validators.Add(result =>
        {
            // Command validators see only what was given on the command line, so apply the defaults here.
            var refresh = result.GetResult(refreshSeconds) is { Implicit: false } ? result.GetValue(refreshSeconds) : Lockbox.Ec2.Ec2Options.DefaultCredentialRefreshWindow.TotalSeconds;
            var lifetime = result.GetResult(credentialSeconds) is { Implicit: false } ? result.GetValue(credentialSeconds) : Lockbox.Ec2.Ec2Options.DefaultCredentialDuration.TotalSeconds;
            if (refresh >= lifetime)
            {
                result.AddError("--instance-credential-refresh-seconds must be less than --instance-credential-seconds.");
            }
        });

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(listen) ?? [],
            parse.GetValue(data)!,
            parse.GetValue(accountId),
            parse.GetValue(region)!,
            TimeSpan.FromSeconds(parse.GetValue(ttlSweepInterval)),
            parse.GetValue(logLevel),
            parse.GetValue(burstSeconds),
            TimeSpan.FromSeconds(parse.GetValue(ttlChangeCooldown)),
            new Lockbox.Ec2.Ec2Options
            {
                CredentialDuration = TimeSpan.FromSeconds(parse.GetValue(credentialSeconds)),
                CredentialRefreshWindow = TimeSpan.FromSeconds(parse.GetValue(refreshSeconds)),
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] listen, string data, string? accountId, string region, TimeSpan ttlSweepInterval, LogLevel logLevel,
        double burstSeconds, TimeSpan ttlChangeCooldown, Lockbox.Ec2.Ec2Options ec2, CancellationToken cancellationToken)
    {
        // Before the first socket is opened; the server starts no .NET child processes.
        IoThreadScheduling.PreferInlineCompletions();
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(logLevel)
            .AddFilter("Microsoft", LogLevel.Warning)
            // ASP.NET Core's hosting layer starts an Activity and a log scope for every request
            // whenever its category is enabled at any level; its only messages are request
            // start/finish (Information) and errors our pipeline already catches and logs.
            // Silencing it saves that per-request cost (see docs/ARCHITECTURE.md, Performance).
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            }));

        var options = new LockboxServerOptions
        {
            DataDirectory = data,
            AccountId = accountId,
            Region = region,
            TimeToLiveSweepInterval = ttlSweepInterval,
            DynamoDbBurstSeconds = burstSeconds,
            TimeToLiveChangeCooldown = ttlChangeCooldown,
            Ec2 = ec2,
            RootAccessKeyId = NullIfEmpty(Environment.GetEnvironmentVariable(AccessKeyVariable)),
            RootSecretAccessKey = NullIfEmpty(Environment.GetEnvironmentVariable(SecretVariable)),
        };
        foreach (var value in listen)
        {
            ListenAddress.TryParse(value, out var endpoint, out _);
            options.Listen.Add(endpoint!);
        }

        LockboxServer server;
        try
        {
            server = await LockboxServer.StartAsync(options, loggerFactory, cancellationToken);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"lockbox: cannot start: {error.Message}");
            return 1;
        }

        await using (server)
        {
            Banner.Print(Console.Out, server, options);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // SIGINT or SIGTERM: fall through to the orderly shutdown.
            }
        }

        return 0;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
