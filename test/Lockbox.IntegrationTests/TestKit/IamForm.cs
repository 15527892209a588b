using System.Net;
using System.Text;
using System.Xml.Linq;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>
/// Calls IAM's awsQuery API as the fixture's root user with signed forms (no IAM SDK for .NET can
/// be restored here); the answers are IAM's XML.
/// </summary>
public sealed class IamForm(LockboxServerFixture fixture)
{
    public static readonly XNamespace Ns = "https://iam.amazonaws.com/doc/2010-05-08/";

    /// <summary>Runs one IAM action and returns its XML answer; fails the test on an error answer.</summary>
    public async Task<XDocument> CallAsync(params (string Name, string Value)[] parameters)
    {
        var form = string.Join("&", parameters.Prepend(("Version", "2010-05-08"))
            .Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        var body = Encoding.UTF8.GetBytes(form);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        SigV4Signer.Sign(request, body, fixture.AccessKey, fixture.SecretKey, DateTimeOffset.UtcNow, "us-east-1", "iam");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return XDocument.Parse(text);
    }

    /// <summary>Creates an access key for <paramref name="user"/> and returns its id and secret.</summary>
    public async Task<(string AccessKeyId, string SecretAccessKey)> CreateAccessKeyAsync(string user)
    {
        var key = await CallAsync(("Action", "CreateAccessKey"), ("UserName", user));
        return (key.Descendants(Ns + "AccessKeyId").Single().Value, key.Descendants(Ns + "SecretAccessKey").Single().Value);
    }
}
