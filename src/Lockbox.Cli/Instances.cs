using System.CommandLine;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Lockbox.Cli;

/// <summary>One instance as the CLI shows it.</summary>
internal sealed record InstanceInfo(string InstanceId, string? Name, string State, string? ProfileArn, string? MetadataEndpoint);

/// <summary>Options shared by the client commands (<c>instances</c>, <c>exec</c>): where the server is and who calls it.</summary>
internal sealed class ClientOptions
{
    public Option<string?> Endpoint { get; } = new("--endpoint")
    {
        Description = "Lockbox endpoint URL. Default: $AWS_ENDPOINT_URL, else http://127.0.0.1:8000.",
        HelpName = "url",
    };

    public Option<string?> Region { get; } = new("--region")
    {
        Description = "Region the server answers as. Default: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1.",
        HelpName = "region",
    };

    public Option<string?> Data { get; } = new("--data", "-d")
    {
        Description = "Data directory whose root-credentials.csv signs the lookup when neither LOCKBOX_ROOT_ACCESS_KEY_ID/LOCKBOX_ROOT_SECRET_ACCESS_KEY nor AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set. Default: ./lockbox-data.",
        HelpName = "directory",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Endpoint);
        command.Options.Add(Region);
        command.Options.Add(Data);
    }

    /// <summary>A client for the parsed options, or an error text.</summary>
    public (AwsClient? Client, string? Error) CreateClient(ParseResult parse)
    {
        var endpointText = parse.GetValue(Endpoint) ?? Env("AWS_ENDPOINT_URL") ?? "http://127.0.0.1:8000";
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https"))
        {
            return (null, $"--endpoint '{endpointText}' is not an http(s) URL.");
        }

        var region = parse.GetValue(Region) ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? "us-east-1";
        var credentials = CallerCredentials.Resolve(parse.GetValue(Data));
        if (credentials is null)
        {
            return (null, "no credentials to look the instance up with: set LOCKBOX_ROOT_ACCESS_KEY_ID and LOCKBOX_ROOT_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or point --data at the server's data directory.");
        }

        return (new AwsClient(endpoint, region, credentials), null);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>Looks instances up with DescribeInstances (the caller's own permissions apply).</summary>
internal static partial class InstanceLookup
{
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";

    [GeneratedRegex("^i-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex InstanceIdPattern();

    /// <summary>Every instance (all pages).</summary>
    public static async Task<List<InstanceInfo>> ListAsync(AwsClient client, IReadOnlyList<(string, string)> filters, CancellationToken cancellationToken)
    {
        var result = new List<InstanceInfo>();
        string? nextToken = null;
        do
        {
            var parameters = new List<(string, string)>(filters);
            if (nextToken is not null)
            {
                parameters.Add(("NextToken", nextToken));
            }

            var document = await client.CallAsync("ec2", "DescribeInstances", "2016-11-15", parameters, cancellationToken);
            result.AddRange(Parse(document));
            nextToken = document.Root?.Element(Ec2 + "nextToken")?.Value;
        }
        while (!string.IsNullOrEmpty(nextToken));

        return result;
    }

    /// <summary>
    /// The instance named by <paramref name="idOrName"/>: an instance id, else the value of the
    /// Name tag of exactly one instance that is pending or running.
    /// </summary>
    public static async Task<(InstanceInfo? Instance, string? Error)> FindAsync(AwsClient client, string idOrName, CancellationToken cancellationToken)
    {
        if (InstanceIdPattern().IsMatch(idOrName))
        {
            var byId = await ListAsync(client, [("InstanceId.1", idOrName)], cancellationToken);
            return byId.Count == 1 ? (byId[0], null) : (null, $"instance {idOrName} was not found.");
        }

        var byName = await ListAsync(client,
            [("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", idOrName), ("Filter.2.Name", "instance-state-name"),
             ("Filter.2.Value.1", "pending"), ("Filter.2.Value.2", "running")], cancellationToken);
        return byName.Count switch
        {
            0 => (null, $"no pending or running instance is named '{idOrName}' (and it is not an instance id such as i-0123456789abcdef0)."),
            1 => (byName[0], null),
            _ => (null, $"{byName.Count} instances are named '{idOrName}' ({string.Join(", ", byName.Select(i => i.InstanceId))}); give an instance id."),
        };
    }

    private static IEnumerable<InstanceInfo> Parse(XDocument document)
    {
        var reservations = document.Root?.Element(Ec2 + "reservationSet")?.Elements(Ec2 + "item") ?? [];
        foreach (var reservation in reservations)
        {
            foreach (var item in reservation.Element(Ec2 + "instancesSet")?.Elements(Ec2 + "item") ?? [])
            {
                var name = item.Element(Ec2 + "tagSet")?.Elements(Ec2 + "item")
                    .FirstOrDefault(t => t.Element(Ec2 + "key")?.Value == "Name")?.Element(Ec2 + "value")?.Value;
                yield return new InstanceInfo(
                    item.Element(Ec2 + "instanceId")?.Value ?? "",
                    name,
                    item.Element(Ec2 + "instanceState")?.Element(Ec2 + "name")?.Value ?? "",
                    item.Element(Ec2 + "iamInstanceProfile")?.Element(Ec2 + "arn")?.Value,
                    item.Element(Ec2 + "lockboxMetadataEndpoint")?.Value);
            }
        }
    }
}

/// <summary><c>lockbox instances</c>: lists the account's instances.</summary>
internal static class InstancesCommand
{
    public static Command Create()
    {
        var options = new ClientOptions();
        var command = new Command("instances",
            "List the instances of the Lockbox server (id, Name tag, state, instance profile, metadata service endpoint). Uses ec2:DescribeInstances with the caller's credentials.");
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (client, error) = options.CreateClient(parse);
            if (client is null)
            {
                await Console.Error.WriteLineAsync("lockbox instances: " + error);
                return 2;
            }

            using (client)
            {
                List<InstanceInfo> instances;
                try
                {
                    instances = await InstanceLookup.ListAsync(client, [], cancellationToken);
                }
                catch (Exception failure) when (failure is AwsCallException or HttpRequestException or TaskCanceledException)
                {
                    await Console.Error.WriteLineAsync("lockbox instances: " + Describe(failure, client));
                    return 1;
                }

                var rows = new List<string[]> { new[] { "INSTANCE ID", "NAME", "STATE", "INSTANCE PROFILE", "METADATA ENDPOINT" } };
                rows.AddRange(instances.Select(i => new[] { i.InstanceId, i.Name ?? "-", i.State, i.ProfileArn ?? "-", i.MetadataEndpoint ?? "-" }));
                var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == 4 ? cell : cell.PadRight(widths[c]))).TrimEnd());
                }

                return 0;
            }
        });
        return command;
    }

    /// <summary>A one-line description of a failed call.</summary>
    public static string Describe(Exception failure, AwsClient client) => failure switch
    {
        AwsCallException aws => $"{aws.Code}: {aws.Message}",
        HttpRequestException http => $"cannot reach {client.Endpoint}: {http.Message}",
        _ => $"{client.Endpoint} did not answer in time.",
    };
}
