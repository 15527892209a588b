using Lockbox.Host;

namespace Lockbox.Cli;

/// <summary>What <c>lockbox serve</c> prints once the server listens: where, who, and how to call it.</summary>
internal static class Banner
{
    public static void Print(TextWriter output, LockboxServer server, LockboxServerOptions options)
    {
        var account = server.Account;
        var endpoint = server.Urls.Count > 0 ? server.Urls[0] : "http://127.0.0.1:8000";
        var csv = account.CredentialsFile;
        output.WriteLine();
        output.WriteLine("Lockbox is running.");
        foreach (var url in server.Urls)
        {
            output.WriteLine($"  Endpoint:        {url}");
        }

        output.WriteLine($"  Region:          {server.Region}");
        output.WriteLine($"  Account:         {server.AccountId}{(account.CreatedAccount ? " (created now)" : "")}");
        output.WriteLine($"  Data directory:  {Path.GetFullPath(options.DataDirectory)}");
        output.WriteLine("  Authentication:  ON. Every request must be signed with AWS Signature Version 4; unsigned or badly signed requests are rejected.");

        string secretExpression;
        if (account.GeneratedSecret is not null)
        {
            output.WriteLine();
            output.WriteLine("  New root credentials were generated. The secret is shown only this once;");
            output.WriteLine($"  it is also saved in {csv} (mode 0600):");
            output.WriteLine($"    Access key ID:      {account.PrimaryAccessKeyId}");
            output.WriteLine($"    Secret access key:  {account.GeneratedSecret}");
            secretExpression = account.GeneratedSecret;
        }
        else if (account.PrimaryKeyFromEnvironment)
        {
            output.WriteLine($"  Root access key: {account.PrimaryAccessKeyId} (from LOCKBOX_ROOT_ACCESS_KEY_ID)");
            secretExpression = "\"$LOCKBOX_ROOT_SECRET_ACCESS_KEY\"";
        }
        else if (File.Exists(csv))
        {
            output.WriteLine($"  Root access key: {account.PrimaryAccessKeyId} (secret in {csv})");
            secretExpression = $"$(tail -n 1 {Quote(csv)} | cut -d, -f2)";
        }
        else
        {
            output.WriteLine($"  Root access key: {account.PrimaryAccessKeyId} (its secret is not shown again; {csv} was removed)");
            secretExpression = "<secret>";
        }

        output.WriteLine();
        output.WriteLine("  Try it:");
        output.WriteLine($"    AWS_ACCESS_KEY_ID={account.PrimaryAccessKeyId} AWS_SECRET_ACCESS_KEY={secretExpression} aws dynamodb list-tables --endpoint-url {endpoint} --region {server.Region}");
        output.WriteLine();
        output.WriteLine("  Press Ctrl+C to stop.");
        output.WriteLine();
        output.Flush();
    }

    private static string Quote(string path) => path.Contains('\'', StringComparison.Ordinal) || path.Contains(' ', StringComparison.Ordinal) || path.Contains('$', StringComparison.Ordinal)
        ? "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'"
        : path;
}
