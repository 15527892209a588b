using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests;

[Collection(LockboxCollection.Name)]
public sealed class AuthTests(LockboxServerFixture fixture)
{
    [Fact]
    public async Task RightCredentials_Work()
    {
        using var client = fixture.CreateClient();
        var response = await client.ListTablesAsync(new ListTablesRequest { Limit = 1 });
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
    }

    [LockboxFact("dynalite does not verify signatures")]
    public async Task WrongSecret_InvalidSignatureException()
    {
        using var client = fixture.CreateClient(fixture.AccessKey, fixture.SecretKey[..^4] + "XXXX");
        var ex = await AwsAssert.ErrorAsync(() => client.ListTablesAsync(new ListTablesRequest()), "InvalidSignatureException");
        Assert.StartsWith(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ex.Message,
            StringComparison.Ordinal);
    }

    [LockboxFact("dynalite does not check access keys")]
    public async Task UnknownAccessKey_UnrecognizedClientException()
    {
        using var client = fixture.CreateClient(LockboxServer.GenerateAccessKeyId(), LockboxServer.GenerateSecretAccessKey());
        await AwsAssert.ErrorAsync(
            () => client.ListTablesAsync(new ListTablesRequest()),
            "UnrecognizedClientException",
            "The security token included in the request is invalid.");
    }

    [Fact]
    public async Task UnsignedPost_MissingAuthenticationToken()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoint + "/")
        {
            Content = new StringContent("{}", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.ListTables");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("com.amazon.coral.service#MissingAuthenticationTokenException", json.RootElement.GetProperty("__type").GetString());
        Assert.Equal("Request is missing Authentication Token", json.RootElement.GetProperty("message").GetString());
        Assert.True(response.Headers.Contains("x-amzn-RequestId"), "x-amzn-RequestId header missing");
    }

    [Fact]
    public async Task UnknownTarget_UnknownOperationException()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoint + "/")
        {
            Content = new StringContent("{}", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.NoSuchOperation");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("com.amazon.coral.service#UnknownOperationException", json.RootElement.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task GetRoot_HealthLine()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(fixture.Endpoint + "/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("healthy: dynamodb.us-east-1.amazonaws.com", body, StringComparison.Ordinal);
    }
}
