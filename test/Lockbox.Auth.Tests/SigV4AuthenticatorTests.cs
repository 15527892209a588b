using Lockbox.Auth.SigV4;
using Lockbox.Common;

namespace Lockbox.Auth.Tests;

public sealed class SigV4AuthenticatorTests
{
    private static readonly SigV4Vector s_listTables = SigV4Vector.All["list-tables"];

    public static TheoryData<string> VectorNames => SigV4Vector.Names();

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Botocore_signed_requests_verify(string name)
    {
        var vector = SigV4Vector.All[name];
        var (authenticator, _) = Create(vector, vector.SignedAt.AddMinutes(1), withToken: true);
        var request = vector.ToRequest();

        var record = authenticator.Authenticate(request, request.Body, vector.Service);

        Assert.Equal(vector.AccessKeyId, record.Principal.AccessKeyId);
    }

    [Fact]
    public void Tampered_body_is_a_signature_mismatch_showing_the_canonical_request()
    {
        var request = s_listTables.ToRequest();
        request.Body = "{\"Limit\":1}"u8.ToArray();

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("com.amazon.coral.service#InvalidSignatureException", error.FullType);
        Assert.StartsWith("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:127.0.0.1:8000\nx-amz-date:20130524T000000Z\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-target\n", error.ErrorMessage);
        Assert.Contains("'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/dynamodb/aws4_request\n", error.ErrorMessage);
        Assert.EndsWith("'\n", error.ErrorMessage);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData("X-Amz-Target", "DynamoDB_20120810.DeleteTable")]
    [InlineData("Host", "127.0.0.1:8001")]
    [InlineData("Content-Type", "application/json")]
    public void Tampered_signed_header_is_a_signature_mismatch(string header, string value)
    {
        var request = s_listTables.ToRequest().Replace(header, value);

        Assert.Equal("InvalidSignatureException", Fail(request, s_listTables.SignedAt).ErrorCode);
    }

    [Fact]
    public void Unsigned_headers_may_change()
    {
        var request = s_listTables.ToRequest().Header("User-Agent", "something else");
        var (authenticator, _) = Create(s_listTables, s_listTables.SignedAt);

        authenticator.Authenticate(request, request.Body, "dynamodb");
    }

    [Fact]
    public void Tampered_signature_and_wrong_secret_are_mismatches()
    {
        var request = s_listTables.ToRequest();
        var header = request.GetHeader("Authorization").First!;
        request.Replace("Authorization", header[..^1] + (header[^1] == '0' ? '1' : '0'));
        Assert.Equal("InvalidSignatureException", Fail(request, s_listTables.SignedAt).ErrorCode);

        var store = new DictionaryKeyStore().Add(s_listTables.AccessKeyId, "not-the-secret");
        var authenticator = new SigV4Authenticator(store, "us-east-1", new ManualTimeProvider(s_listTables.SignedAt));
        var original = s_listTables.ToRequest();
        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(original, original.Body, "dynamodb"));
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
    }

    [Fact]
    public void Malformed_signature_hex_is_a_mismatch_not_a_crash()
    {
        var request = s_listTables.ToRequest();
        var header = request.GetHeader("Authorization").First!;
        request.Replace("Authorization", header[..header.LastIndexOf('=')] + "=zz");
        Assert.Equal("InvalidSignatureException", Fail(request, s_listTables.SignedAt).ErrorCode);
    }

    [Fact]
    public void Unknown_access_key_is_unrecognized_client()
    {
        var request = s_listTables.ToRequest();
        var authenticator = new SigV4Authenticator(new DictionaryKeyStore(), "us-east-1", new ManualTimeProvider(s_listTables.SignedAt));

        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));

        Assert.Equal("com.amazon.coral.service#UnrecognizedClientException", error.FullType);
        Assert.Equal("The security token included in the request is invalid.", error.ErrorMessage);
    }

    [Fact]
    public void Clock_skew_of_fifteen_minutes_is_accepted_either_way()
    {
        var request = s_listTables.ToRequest();
        foreach (var now in new[] { s_listTables.SignedAt.AddMinutes(15), s_listTables.SignedAt.AddMinutes(-15) })
        {
            var (authenticator, _) = Create(s_listTables, now);
            authenticator.Authenticate(request, request.Body, "dynamodb");
        }
    }

    [Fact]
    public void Old_signature_is_expired_with_aws_wording()
    {
        var error = Fail(s_listTables.ToRequest(), s_listTables.SignedAt.AddMinutes(15).AddSeconds(1));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Signature expired: 20130524T000000Z is now earlier than 20130524T000001Z (20130524T001501Z - 15 min.)", error.ErrorMessage);
    }

    [Fact]
    public void Future_signature_is_not_yet_current_with_aws_wording()
    {
        var error = Fail(s_listTables.ToRequest(), s_listTables.SignedAt.AddMinutes(-16));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Signature not yet current: 20130524T000000Z is still later than 20130523T235900Z (20130523T234400Z + 15 min.)", error.ErrorMessage);
    }

    [Fact]
    public void Presigned_url_lives_for_its_expires_seconds()
    {
        var vector = SigV4Vector.All["presigned-get"];
        var request = vector.ToRequest();
        var (authenticator, clock) = Create(vector, vector.SignedAt.AddSeconds(300));
        authenticator.Authenticate(request, request.Body, "dynamodb");

        clock.Now = vector.SignedAt.AddSeconds(301);
        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.StartsWith("Signature expired: 20130524T000000Z is now earlier than", error.ErrorMessage);
    }

    [Fact]
    public void Presigned_url_with_tampered_query_is_a_mismatch()
    {
        var vector = SigV4Vector.All["presigned-get"];
        var request = vector.ToRequest();
        request.RawQuery = request.RawQuery.Replace("Action=ListTables", "Action=DeleteTable", StringComparison.Ordinal);

        Assert.Equal("InvalidSignatureException", Fail(request, vector.SignedAt).ErrorCode);
    }

    [Fact]
    public void Presigned_url_with_bad_expires_is_rejected()
    {
        var vector = SigV4Vector.All["presigned-get"];
        var request = vector.ToRequest();
        request.RawQuery = request.RawQuery.Replace("X-Amz-Expires=300", "X-Amz-Expires=999999", StringComparison.Ordinal);

        Assert.Equal("IncompleteSignatureException", Fail(request, vector.SignedAt).ErrorCode);
    }

    [Fact]
    public void Session_token_must_match_the_key()
    {
        var vector = SigV4Vector.All["session-token"];
        var request = vector.ToRequest();

        // A long-term key used with a token.
        var (plain, _) = Create(vector, vector.SignedAt, withToken: false);
        var error = Assert.Throws<AwsServiceException>(() => plain.Authenticate(request, request.Body, "dynamodb"));
        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
        Assert.Equal("The security token included in the request is invalid", error.ErrorMessage);

        // A temporary key used with another token.
        var store = new DictionaryKeyStore().Add(vector.AccessKeyId, vector.SecretAccessKey, "another-token");
        var authenticator = new SigV4Authenticator(store, "us-east-1", new ManualTimeProvider(vector.SignedAt));
        error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));
        Assert.Equal("UnrecognizedClientException", error.ErrorCode);

        // A temporary key used without its token.
        var list = s_listTables.ToRequest();
        store = new DictionaryKeyStore().Add(vector.AccessKeyId, vector.SecretAccessKey, vector.SessionToken);
        authenticator = new SigV4Authenticator(store, "us-east-1", new ManualTimeProvider(vector.SignedAt));
        error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(list, list.Body, "dynamodb"));
        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
    }

    [Fact]
    public void Expired_temporary_credentials_are_expired_token()
    {
        var vector = SigV4Vector.All["session-token"];
        var request = vector.ToRequest();
        var store = new DictionaryKeyStore().Add(vector.AccessKeyId, vector.SecretAccessKey, vector.SessionToken, vector.SignedAt);
        var authenticator = new SigV4Authenticator(store, "us-east-1", new ManualTimeProvider(vector.SignedAt.AddSeconds(1)));

        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));

        Assert.Equal("com.amazon.coral.service#ExpiredTokenException", error.FullType);
        Assert.Equal("The security token included in the request is expired", error.ErrorMessage);
    }

    [Fact]
    public void Wrong_region_in_scope()
    {
        var request = s_listTables.ToRequest();
        var store = new DictionaryKeyStore().Add(s_listTables.AccessKeyId, s_listTables.SecretAccessKey);
        var authenticator = new SigV4Authenticator(store, "eu-west-1", new ManualTimeProvider(s_listTables.SignedAt));

        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Credential should be scoped to a valid region, not 'us-east-1'. ", error.ErrorMessage);
    }

    [Fact]
    public void Wrong_service_in_scope()
    {
        var request = s_listTables.ToRequest();
        var (authenticator, _) = Create(s_listTables, s_listTables.SignedAt);

        var error = Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "kms"));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Credential should be scoped to correct service: 'kms'. ", error.ErrorMessage);
    }

    [Fact]
    public void Wrong_terminator_and_region_are_reported_together()
    {
        var error = Fail(WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000001/20130524/mars-1/dynamodb/aws5_request, SignedHeaders=host;x-amz-date, Signature=00"),
            s_listTables.SignedAt);

        Assert.Equal("Credential should be scoped to a valid region, not 'mars-1'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ", error.ErrorMessage);
    }

    [Fact]
    public void Credential_with_wrong_element_count_is_incomplete()
    {
        var error = Fail(WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000001/20130524/us-east-1/dynamodb, SignedHeaders=host;x-amz-date, Signature=00"),
            s_listTables.SignedAt);

        Assert.Equal("IncompleteSignatureException", error.ErrorCode);
        Assert.Equal("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE0000000001/20130524/us-east-1/dynamodb'", error.ErrorMessage);
    }

    [Fact]
    public void Scope_date_must_match_request_date()
    {
        var request = WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000001/20130523/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20130523' != '20130524', from '20130524T000000Z'.", error.ErrorMessage);
    }

    [Fact]
    public void Host_must_be_signed()
    {
        var error = Fail(WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000001/20130524/us-east-1/dynamodb/aws4_request, SignedHeaders=x-amz-date, Signature=00"),
            s_listTables.SignedAt);

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("'Host' must be a 'SignedHeader' in the AWS Authorization.", error.ErrorMessage);
    }

    [Fact]
    public void Unsupported_algorithm_is_incomplete()
    {
        var error = Fail(WithAuthorization("AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE0000000001/20130524/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
            s_listTables.SignedAt);

        Assert.Equal("IncompleteSignatureException", error.ErrorCode);
        Assert.Equal("Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ", error.ErrorMessage);
    }

    [Fact]
    public void Date_not_in_basic_format_is_incomplete()
    {
        var request = s_listTables.ToRequest().Replace("X-Amz-Date", "2013-05-24T00:00:00Z");

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("IncompleteSignatureException", error.ErrorCode);
        Assert.Equal("Date must be in ISO-8601 'basic format'. Got '2013-05-24T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601", error.ErrorMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("AWS4")]
    [InlineData("AWS AKIDEXAMPLE:signature")]
    public void Missing_or_foreign_authorization_is_missing_token(string? authorization)
    {
        var request = new FakeRequest().Header("Host", "127.0.0.1:8000").Header("X-Amz-Target", "DynamoDB_20120810.ListTables");
        if (authorization is not null)
        {
            request.Header("Authorization", authorization);
        }

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("com.amazon.coral.service#MissingAuthenticationTokenException", error.FullType);
        Assert.Equal("Request is missing Authentication Token", error.ErrorMessage);
    }

    [Theory]
    [InlineData("AWS4-", null, "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-")]
    [InlineData("AWS4- Signature=b Credential=a", "a", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a")]
    [InlineData("AWS4- Signature=b,Credential=a", "a", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b,Credential=a")]
    [InlineData("AWS4- Signature=b, Credential=a", "a", "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a")]
    public void Incomplete_authorization_header_lists_what_is_missing(string authorization, string? date, string expected)
    {
        var request = new FakeRequest().Header("Host", "127.0.0.1:8000").Header("Authorization", authorization);
        if (date is not null)
        {
            request.Header("Date", date);
        }

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("com.amazon.coral.service#IncompleteSignatureException", error.FullType);
        Assert.Equal(expected, error.ErrorMessage);
    }

    [Theory]
    [InlineData("X-Amz-Algorithm", "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.")]
    [InlineData("X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.")]
    public void Incomplete_query_parameters_list_what_is_missing(string query, string expected)
    {
        var request = new FakeRequest { RawQuery = query }.Header("Host", "127.0.0.1:8000");

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("IncompleteSignatureException", error.ErrorCode);
        Assert.Equal(expected, error.ErrorMessage);
    }

    [Fact]
    public void Query_without_algorithm_is_missing_token()
    {
        var request = new FakeRequest { RawQuery = "X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d" }.Header("Host", "h");

        Assert.Equal("MissingAuthenticationTokenException", Fail(request, s_listTables.SignedAt).ErrorCode);
    }

    [Fact]
    public void Header_and_query_together_are_rejected()
    {
        var request = new FakeRequest { RawQuery = "X-Amz-Algorithm" }.Header("Host", "h").Header("Authorization", "X");

        var error = Fail(request, s_listTables.SignedAt);

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.", error.ErrorMessage);
    }

    [Fact]
    public void Signing_keys_are_derived_as_documented()
    {
        // The worked example in AWS's SigV4 documentation ("Derive a signing key").
        var key = SigningKeyCache.Derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");

        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", Convert.ToHexStringLower(key));
    }

    private static (SigV4Authenticator Authenticator, ManualTimeProvider Clock) Create(SigV4Vector vector, DateTimeOffset now, bool withToken = true)
    {
        var store = new DictionaryKeyStore().Add(vector.AccessKeyId, vector.SecretAccessKey, withToken ? vector.SessionToken : null);
        var clock = new ManualTimeProvider(now);
        return (new SigV4Authenticator(store, vector.Region, clock), clock);
    }

    private static AwsServiceException Fail(FakeRequest request, DateTimeOffset now)
    {
        var (authenticator, _) = Create(s_listTables, now);
        return Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));
    }

    private static FakeRequest WithAuthorization(string authorization) =>
        new FakeRequest().Header("Host", "127.0.0.1:8000").Header("X-Amz-Date", "20130524T000000Z").Header("Authorization", authorization);
}
