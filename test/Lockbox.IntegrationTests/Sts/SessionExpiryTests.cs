using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Lockbox.Common;
using Lockbox.Iam.Sts;
using Lockbox.IntegrationTests.TestKit;
using Lockbox.Kms.Envelope;

namespace Lockbox.IntegrationTests.Sts;

/// <summary>
/// Session tokens against a real server whose master key the test knows: temporary credentials
/// cannot be made to expire faster than STS's 900 s minimum, so the test mints tokens itself with
/// the server's key (as any node of the same deployment could) — one already expired, one valid,
/// one tampered — and drives DynamoDB with the AWS SDK for .NET and STS with signed awsQuery forms.
/// No server code path exists for this; only the master key's holder can do it.
/// </summary>
public sealed class SessionExpiryTests
{
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    private static AmazonDynamoDBClient Client(string endpoint, TemporaryCredentials credentials) =>
        new(new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(30),
        });

    private static async Task<(HttpStatusCode Status, XDocument Body)> CallerIdentityAsync(string endpoint, TemporaryCredentials credentials)
    {
        var body = Encoding.UTF8.GetBytes("Action=GetCallerIdentity&Version=2011-06-15");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        SigV4Signer.Sign(request, body, credentials.AccessKeyId, credentials.SecretAccessKey, DateTimeOffset.UtcNow, "us-east-1", "sts");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [LockboxFact("session tokens are sealed with Lockbox's own master key")]
    public async Task Expired_valid_and_tampered_tokens_get_AWS_answers()
    {
        var keyBytes = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(keyBytes);
        await using var server = await LockboxServer.StartNewAsync(new LockboxServerOptions
        {
            RootAccessKeyId = LockboxServer.GenerateAccessKeyId(),
            RootSecretAccessKey = LockboxServer.GenerateSecretAccessKey(),
            Environment = new Dictionary<string, string> { ["LOCKBOX_MASTER_KEY"] = Convert.ToBase64String(keyBytes) },
        });
        using var masterKey = MasterKey.FromBytes(keyBytes);
        using var codec = new SessionTokenCodec(masterKey);
        var account = server.AccountId;
        var now = DateTimeOffset.UtcNow;
        SessionInfo Session(DateTimeOffset issued, TimeSpan lifetime) => new()
        {
            Kind = SessionKind.RoleSession,
            IssuedAt = issued,
            Expiration = issued + lifetime,
            RoleId = "AROAEXAMPLEROLEID0001",
            RoleArn = $"arn:aws:iam::{account}:role/gone",
            SessionName = "minted",
        };

        // Valid: the role does not exist, so the session is authenticated but may do nothing.
        var valid = codec.Issue(account, null, null, Session(now.AddMinutes(-1), TimeSpan.FromHours(1)));
        using (var client = Client(server.Endpoint, valid))
        {
            var denied = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync());
            Assert.Equal("AccessDeniedException", denied.ErrorCode);
            Assert.StartsWith($"User: arn:aws:sts::{account}:assumed-role/gone/minted is not authorized to perform: dynamodb:ListTables",
                denied.Message, StringComparison.Ordinal);
        }

        var (status, identity) = await CallerIdentityAsync(server.Endpoint, valid);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"arn:aws:sts::{account}:assumed-role/gone/minted", identity.Descendants(Ns + "Arn").Single().Value);
        Assert.Equal("AROAEXAMPLEROLEID0001:minted", identity.Descendants(Ns + "UserId").Single().Value);

        // Expired one second ago.
        var expired = codec.Issue(account, null, null, Session(now.AddHours(-1), TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1)));
        using (var client = Client(server.Endpoint, expired))
        {
            var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync());
            Assert.Equal("ExpiredTokenException", error.ErrorCode);
            Assert.Equal("The security token included in the request is expired", error.Message);
        }

        (status, var refused) = await CallerIdentityAsync(server.Endpoint, expired);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("ExpiredToken", refused.Descendants(Ns + "Code").Single().Value);

        // Tampered, and sealed under another master key: invalid tokens.
        var tampered = valid with { SessionToken = valid.SessionToken[..10] + (valid.SessionToken[10] == 'A' ? 'B' : 'A') + valid.SessionToken[11..] };
        using var otherKey = MasterKey.FromBytes(new byte[32]);
        using var otherCodec = new SessionTokenCodec(otherKey);
        var foreign = otherCodec.Issue(account, null, null, Session(now, TimeSpan.FromHours(1)));
        foreach (var bad in new[] { tampered, foreign })
        {
            using var client = Client(server.Endpoint, bad);
            var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync());
            Assert.Equal("UnrecognizedClientException", error.ErrorCode);
            Assert.Equal("The security token included in the request is invalid", error.Message);
            (status, refused) = await CallerIdentityAsync(server.Endpoint, bad);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("InvalidClientTokenId", refused.Descendants(Ns + "Code").Single().Value);
        }
    }
}
