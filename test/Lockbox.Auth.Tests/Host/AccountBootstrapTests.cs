using System.Net;
using Lockbox.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Auth.Tests.Host;

public sealed class AccountBootstrapTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-bootstrap-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task First_start_generates_root_credentials_and_a_restart_keeps_them()
    {
        string accountId, keyId, secret;
        await using (var first = await Start())
        {
            accountId = first.AccountId;
            keyId = first.Account.PrimaryAccessKeyId;
            secret = first.Account.GeneratedSecret!;
            Assert.True(first.Account.CreatedAccount);
            Assert.Matches("^[1-9][0-9]{11}$", accountId);
            Assert.Matches("^AKIA[A-Z2-7]{16}$", keyId);
            Assert.Equal(40, secret.Length);
        }

        var csv = Path.Combine(_directory, "root-credentials.csv");
        Assert.Equal($"Access key ID,Secret access key\n{keyId},{secret}\n", await File.ReadAllTextAsync(csv));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(csv));
        }

        // The secret is stored sealed, never in plain text.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_directory, "db")))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.DoesNotContain(secret, System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        }

        await using var second = await Start();
        Assert.False(second.Account.CreatedAccount);
        Assert.Equal(accountId, second.AccountId);
        Assert.Equal(keyId, second.Account.PrimaryAccessKeyId);
        Assert.Null(second.Account.GeneratedSecret);
        Assert.Equal(secret, second.Account.RootKeys[keyId]);
    }

    [Fact]
    public async Task Account_id_cannot_change_and_environment_keys_are_added()
    {
        await using (var first = await Start(accountId: "210987654321"))
        {
            Assert.Equal("210987654321", first.AccountId);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => Start(accountId: "111111111111"));

        await using var withEnvironment = await Start(keyId: "AKIAFROMENVIRONMENT1", secret: "environment-secret-environment-secret");
        Assert.Equal("AKIAFROMENVIRONMENT1", withEnvironment.Account.PrimaryAccessKeyId);
        Assert.True(withEnvironment.Account.PrimaryKeyFromEnvironment);
        Assert.Equal(2, withEnvironment.Account.RootKeys.Count);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Task<LockboxServer> Start(string? accountId = null, string? keyId = null, string? secret = null)
    {
        var options = new LockboxServerOptions
        {
            DataDirectory = _directory,
            AccountId = accountId,
            RootAccessKeyId = keyId,
            RootSecretAccessKey = secret,
        };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        return LockboxServer.StartAsync(options, NullLoggerFactory.Instance);
    }
}
