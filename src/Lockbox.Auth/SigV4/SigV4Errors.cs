using Lockbox.Common;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// Every authentication error DynamoDB's front end returns, with its exact type, status and
/// text (observed responses: missing and incomplete signatures, expired or future dates, wrong
/// credential scope, unknown key, wrong signature, bad session token). Error paths only; kept
/// out of line so the verifier's fast path stays small.
/// </summary>
public static class SigV4Errors
{
    private const string Namespace = "com.amazon.coral.service";

    /// <summary>No Authorization header (or one not starting with <c>AWS4-</c>) and no X-Amz-Algorithm query parameter.</summary>
    public static AwsServiceException MissingAuthenticationToken() =>
        new(Namespace, "MissingAuthenticationTokenException", "Request is missing Authentication Token");

    /// <summary>An IncompleteSignatureException with the given text.</summary>
    public static AwsServiceException Incomplete(string message) =>
        new(Namespace, "IncompleteSignatureException", message);

    /// <summary>An InvalidSignatureException with the given text.</summary>
    public static AwsServiceException Invalid(string message) =>
        new(Namespace, "InvalidSignatureException", message);

    /// <summary>Both header and query-string authentication were used.</summary>
    public static AwsServiceException BothHeaderAndQuery() =>
        Invalid("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");

    /// <summary>The access key id is unknown (note the trailing period, as AWS sends it).</summary>
    public static AwsServiceException UnrecognizedClient() =>
        new(Namespace, "UnrecognizedClientException", "The security token included in the request is invalid.");

    /// <summary>A session token that is wrong for the key (no trailing period, as AWS sends it).</summary>
    public static AwsServiceException InvalidSecurityToken() =>
        new(Namespace, "UnrecognizedClientException", "The security token included in the request is invalid");

    /// <summary>Temporary credentials past their expiration.</summary>
    public static AwsServiceException ExpiredToken() =>
        new(Namespace, "ExpiredTokenException", "The security token included in the request is expired");

    /// <summary>The date is not ISO-8601 basic format (<c>yyyyMMddTHHmmssZ</c>).</summary>
    public static AwsServiceException BadDate(string value) =>
        Incomplete($"Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601");

    /// <summary>An algorithm other than AWS4-HMAC-SHA256.</summary>
    public static AwsServiceException UnsupportedAlgorithm(string algorithm) =>
        Incomplete($"Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). ");

    /// <summary>A credential that is not <c>keyid/date/region/service/aws4_request</c>.</summary>
    public static AwsServiceException MalformedCredential(string credential) =>
        Incomplete($"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");

    /// <summary>Host is not among the signed headers.</summary>
    public static AwsServiceException HostNotSigned() =>
        Invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");

    /// <summary>The credential scope's date is not the request date's day.</summary>
    public static AwsServiceException ScopeDateMismatch(string scopeDate, string requestDay, string amzDate) =>
        Invalid($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scopeDate}' != '{requestDay}', from '{amzDate}'.");

    /// <summary>The request date is more than the allowed skew in the past.</summary>
    public static AwsServiceException SignatureExpired(DateTimeOffset requestDate, DateTimeOffset now) =>
        Invalid($"Signature expired: {AmzDate.Format(requestDate)} is now earlier than {AmzDate.Format(now - SigV4Authenticator.MaxClockSkew)} ({AmzDate.Format(now)} - 15 min.)");

    /// <summary>The request date is more than the allowed skew in the future.</summary>
    public static AwsServiceException SignatureNotYetCurrent(DateTimeOffset requestDate, DateTimeOffset now) =>
        Invalid($"Signature not yet current: {AmzDate.Format(requestDate)} is still later than {AmzDate.Format(now + SigV4Authenticator.MaxClockSkew)} ({AmzDate.Format(now)} + 15 min.)");

    /// <summary>
    /// A presigned URL used after <c>X-Amz-Date + X-Amz-Expires</c>. AWS's exact wording for
    /// query-signed requests to JSON services is not recorded; this follows the header form.
    /// </summary>
    public static AwsServiceException PresignExpired(DateTimeOffset requestDate, DateTimeOffset now, int expiresSeconds) =>
        Invalid($"Signature expired: {AmzDate.Format(requestDate)} is now earlier than {AmzDate.Format(now.AddSeconds(-expiresSeconds))} ({AmzDate.Format(now)} - {expiresSeconds} sec.)");

    /// <summary>An X-Amz-Expires that is not a whole number of seconds in 1..604800 (7 days).</summary>
    public static AwsServiceException BadExpires(string value) =>
        Incomplete($"X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '{value}'. Re-examine the query-string parameters.");

    /// <summary>The signature does not match; AWS also shows what it expected to be signed.</summary>
    public static AwsServiceException SignatureMismatch(string canonicalRequest, string stringToSign) =>
        Invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'"
            + canonicalRequest + "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n");
}
