using System.IO.Compression;
using System.IO.Hashing;
using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Lockbox.Auth.Tests.Host;

public sealed class LockboxServerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly byte[] s_emptyObject = "{}"u8.ToArray();

    [Fact]
    public async Task Get_is_an_unsigned_health_answer()
    {
        using var response = await fixture.Http.GetAsync("/");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy: dynamodb.us-east-1.amazonaws.com ", Encoding.ASCII.GetString(body));
        Assert.Equal("3128867991", Header(response, "x-amz-crc32"));
        Assert.Matches("^[0-9A-Z]{52}$", Header(response, "x-amzn-RequestId"));
    }

    [Fact]
    public async Task Aws_sdk_for_dotnet_signs_and_verifies_crc()
    {
        using var client = Client(ServerFixture.Secret);

        var result = await client.ListTablesAsync(new ListTablesRequest());

        Assert.Empty(result.TableNames ?? []);
        Assert.Equal(52, result.ResponseMetadata.RequestId.Length);
        var caller = fixture.Service.LastCaller!;
        Assert.True(caller.Principal.IsRoot);
        Assert.Equal("arn:aws:iam::123456789012:root", caller.Principal.Arn);
        Assert.Equal(ServerFixture.AccessKeyId, caller.Principal.AccessKeyId);
        Assert.Equal(IPAddress.Loopback, caller.SourceIp);
        Assert.Contains("aws-sdk-dotnet", caller.UserAgent, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Aws_sdk_with_wrong_secret_gets_invalid_signature()
    {
        using var client = Client("wrongwrongwrongwrongwrongwrongwrongwrong");

        var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync(new ListTablesRequest()));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.StartsWith("The request signature we calculated does not match the signature you provided.", error.Message);
    }

    [Fact]
    public async Task Aws_sdk_with_unknown_key_gets_unrecognized_client()
    {
        var config = new AmazonDynamoDBConfig { ServiceURL = fixture.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("AKIAUNKNOWNUNKNOWN00", ServerFixture.Secret), config);

        var error = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.ListTablesAsync(new ListTablesRequest()));

        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", error.Message);
    }

    [Theory]
    [InlineData("application/x-amz-json-1.0")]
    [InlineData("application/json")]
    public async Task Unsigned_request_is_missing_authentication_token_in_the_request_content_type(string contentType)
    {
        using var response = await Post("DynamoDB_20120810.ListTables", s_emptyObject, contentType, sign: false);

        await AssertError(response, HttpStatusCode.BadRequest,
            "{\"__type\":\"com.amazon.coral.service#MissingAuthenticationTokenException\",\"message\":\"Request is missing Authentication Token\"}");
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("whatever")]
    [InlineData("DynamoDB_20120810.ListTable")]
    [InlineData("Other_1.ListTables")]
    public async Task Unknown_target_is_unknown_operation_before_authentication(string? target)
    {
        using var response = await Post(target, s_emptyObject, sign: false);

        await AssertError(response, HttpStatusCode.BadRequest, "{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"}");
    }

    [Fact]
    public async Task Body_that_is_not_json_is_a_serialization_error_before_target_and_auth()
    {
        using var unknownTarget = await Post(null, "hi"u8.ToArray(), sign: false);
        await AssertError(unknownTarget, HttpStatusCode.BadRequest, "{\"__type\":\"com.amazon.coral.service#SerializationException\"}");

        using var unsigned = await Post("DynamoDB_20120810.ListTables", "hi"u8.ToArray(), sign: false);
        await AssertError(unsigned, HttpStatusCode.BadRequest, "{\"__type\":\"com.amazon.coral.service#SerializationException\"}");
    }

    [Fact]
    public async Task Wrong_method_or_content_type_is_404_xml()
    {
        using var put = await fixture.Http.PutAsync("/", new ByteArrayContent(s_emptyObject));
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("<UnknownOperationException/>\n", await put.Content.ReadAsStringAsync());
        Assert.Equal("3552371480", Header(put, "x-amz-crc32"));

        using var text = await Post("DynamoDB_20120810.ListTables", s_emptyObject, "text/plain", sign: true);
        Assert.Equal(HttpStatusCode.NotFound, text.StatusCode);
        Assert.Equal("<UnknownOperationException/>\n", await text.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_with_an_empty_body()
    {
        var big = Encoding.ASCII.GetBytes("{\"a\":\"" + new string('x', 70 * 1024) + "\"}");
        using var response = await Post("DynamoDB_20120810.Echo", big, sign: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Signed_request_reaches_the_service_with_crc()
    {
        var body = "{\"hello\":\"w\u00f6rld\"}"u8.ToArray();
        using var response = await Post("DynamoDB_20120810.Echo", body, sign: true);
        var answer = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, answer);
        Assert.Equal(Crc32.HashToUInt32(answer).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "x-amz-crc32"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_body_is_signed_as_sent_and_decoded_for_the_service(string encoding)
    {
        var json = "{\"compressed\":true}"u8.ToArray();
        using var buffer = new MemoryStream();
        using (Stream compressor = encoding == "gzip" ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true) : new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(json);
        }

        using var response = await Post("DynamoDB_20120810.Echo", buffer.ToArray(), sign: true, contentEncoding: encoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(json, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Service_errors_use_the_aws_json_shape()
    {
        using var response = await Post("DynamoDB_20120810.Fail", s_emptyObject, sign: true);

        await AssertError(response, HttpStatusCode.BadRequest,
            "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}");
        Assert.Equal("3737639027", Header(response, "x-amz-crc32"));
    }

    [Fact]
    public async Task Unexpected_failures_are_500_internal_server_error_and_the_server_keeps_going()
    {
        using var response = await Post("DynamoDB_20120810.Crash", s_emptyObject, sign: true);
        await AssertError(response, HttpStatusCode.InternalServerError,
            "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"Internal server error\"}");

        using var next = await Post("DynamoDB_20120810.ListTables", s_emptyObject, sign: true);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Cors_preflight_and_exposed_headers()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/");
        preflight.Headers.Add("Origin", "http://example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-amz-target,content-type");
        using var answer = await fixture.Http.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("*", Header(answer, "Access-Control-Allow-Origin"));
        Assert.Equal("POST", Header(answer, "Access-Control-Allow-Methods"));
        Assert.Equal("172800", Header(answer, "Access-Control-Max-Age"));
    }

    private AmazonDynamoDBClient Client(string secret)
    {
        var config = new AmazonDynamoDBConfig { ServiceURL = fixture.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        return new AmazonDynamoDBClient(new BasicAWSCredentials(ServerFixture.AccessKeyId, secret), config);
    }

    private async Task<HttpResponseMessage> Post(string? target, byte[] body, string contentType = "application/x-amz-json-1.0",
        bool sign = true, string? contentEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Url + "/")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        if (sign)
        {
            TestSigner.Sign(request, body, ServerFixture.AccessKeyId, ServerFixture.Secret, DateTimeOffset.UtcNow);
        }

        return await fixture.Http.SendAsync(request);
    }

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string body)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(body, Encoding.UTF8.GetString(bytes));
        Assert.Equal(Crc32.HashToUInt32(bytes).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "x-amz-crc32"));
        Assert.Matches("^[0-9A-Z]{52}$", Header(response, "x-amzn-RequestId"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content)
        : throw new Xunit.Sdk.XunitException($"missing header {name}");
}
