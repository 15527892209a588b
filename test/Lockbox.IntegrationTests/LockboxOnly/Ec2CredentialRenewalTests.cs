using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// A server of its own whose instance metadata services hand out 8-second credentials renewed when
/// fewer than 4 seconds remain (<c>--instance-credential-seconds</c>, <c>--instance-credential-refresh-seconds</c>),
/// so a test sees a renewal and an expiry. Not run against LOCKBOX_TEST_ENDPOINT.
/// </summary>
public sealed class Ec2CredentialRenewalTests(ITestOutputHelper output)
{
    [PythonFact(NeedsServerProcess = true)]
    public async Task Instance_credentials_are_renewed_before_expiry_while_a_workload_runs()
    {
        var options = LockboxServerOptions.WithGeneratedCredentials();
        await using var server = await LockboxServer.StartNewAsync(new LockboxServerOptions
        {
            RootAccessKeyId = options.RootAccessKeyId,
            RootSecretAccessKey = options.RootSecretAccessKey,
            ExtraArguments = ["--instance-credential-seconds", "8", "--instance-credential-refresh-seconds", "4"],
        });
        await PythonCompatTests.RunScriptAsync("ec2_renewal_compat.py", server.Endpoint, server.AccessKey!, server.SecretKey!, server.Region,
            output, () => server.Output);
    }
}
