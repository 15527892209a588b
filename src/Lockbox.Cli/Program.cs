using System.CommandLine;
using Lockbox.Cli;

var root = new RootCommand("Lockbox: a self-hosted server that speaks Amazon DynamoDB's API and enforces AWS's security model (SigV4, IAM).");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(DenialsCommand.Create());
root.Subcommands.Add(InstancesCommand.Create());
root.Subcommands.Add(ExecCommand.Create());

// SIGINT/SIGTERM cancel the command's token; the server then gets this long to close storage.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
return await root.Parse(args).InvokeAsync(configuration);
