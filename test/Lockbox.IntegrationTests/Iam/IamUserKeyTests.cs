using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.DynamoDBv2;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Iam;

/// <summary>
/// IAM over the wire from .NET. The AWS SDK for .NET's IAM client (AWSSDK.IdentityManagement) is
/// not available to this build, so requests are awsQuery forms signed with the test kit's SigV4
/// signer (service "iam", us-east-1), exactly what the SDKs send; boto3 and the CLI cover the
/// SDK side (test/compat/iam_*.py).
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class IamUserKeyTests(LockboxServerFixture fixture)
{
    private static readonly XNamespace Ns = "https://iam.amazonaws.com/doc/2010-05-08/";

    private async Task<(HttpStatusCode Status, XDocument Body)> CallAsync(string accessKey, string secretKey, params (string Name, string Value)[] parameters)
    {
        var form = string.Join("&", parameters.Prepend(("Version", "2010-05-08"))
            .Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        var body = Encoding.UTF8.GetBytes(form);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        SigV4Signer.Sign(request, body, accessKey, secretKey, DateTimeOffset.UtcNow, "us-east-1", "iam");
        using var response = await http.SendAsync(request);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [LockboxFact("IAM is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task A_new_users_key_authenticates_and_a_user_without_policies_is_denied()
    {
        var user = "sdk-" + Guid.NewGuid().ToString("N")[..10];
        var (status, created) = await CallAsync(fixture.AccessKey, fixture.SecretKey, ("Action", "CreateUser"), ("UserName", user));
        Assert.Equal(HttpStatusCode.OK, status);
        var arn = created.Descendants(Ns + "Arn").Single().Value;
        Assert.EndsWith(":user/" + user, arn, StringComparison.Ordinal);

        (status, var key) = await CallAsync(fixture.AccessKey, fixture.SecretKey, ("Action", "CreateAccessKey"), ("UserName", user));
        Assert.Equal(HttpStatusCode.OK, status);
        var keyId = key.Descendants(Ns + "AccessKeyId").Single().Value;
        var secret = key.Descendants(Ns + "SecretAccessKey").Single().Value;
        Assert.Matches("^AKIA[A-Z2-7]{16}$", keyId);

        using var client = fixture.CreateClient(keyId, secret);
        var denied = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync());
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Equal($"User: {arn} is not authorized to perform: dynamodb:ListTables on resource: * because no identity-based policy allows the dynamodb:ListTables action", denied.Message);

        (status, var refused) = await CallAsync(keyId, secret, ("Action", "ListUsers"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("AccessDenied", refused.Descendants(Ns + "Code").Single().Value);

        // Deleted keys are unknown keys.
        (status, _) = await CallAsync(fixture.AccessKey, fixture.SecretKey, ("Action", "DeleteAccessKey"), ("UserName", user), ("AccessKeyId", keyId));
        Assert.Equal(HttpStatusCode.OK, status);
        var unknown = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync());
        Assert.Equal("UnrecognizedClientException", unknown.ErrorCode);
    }

    [LockboxFact("IAM is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task Unknown_actions_and_missing_entities_get_the_query_error_shape()
    {
        var (status, body) = await CallAsync(fixture.AccessKey, fixture.SecretKey, ("Action", "FlyToTheMoon"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidAction", body.Descendants(Ns + "Code").Single().Value);
        Assert.Equal("Could not find operation FlyToTheMoon for version 2010-05-08", body.Descendants(Ns + "Message").Single().Value);
        Assert.NotEmpty(body.Root!.Element(Ns + "RequestId")!.Value);

        (status, body) = await CallAsync(fixture.AccessKey, fixture.SecretKey, ("Action", "GetRole"), ("RoleName", "no-such-role"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Sender", body.Descendants(Ns + "Type").Single().Value);
        Assert.Equal("NoSuchEntity", body.Descendants(Ns + "Code").Single().Value);
        Assert.Equal("The role with name no-such-role cannot be found.", body.Descendants(Ns + "Message").Single().Value);
    }
}
