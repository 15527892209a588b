using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Common;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// Verifies AWS Signature Version 4 on a request, in the Authorization header or a presigned
/// query string, and resolves the signer's access key. Throws <see cref="AwsServiceException"/>
/// with DynamoDB's exact error for every failure, checking in the order DynamoDB does:
/// header/query present → complete → date format and skew → Host signed → algorithm →
/// credential scope → access key known → signature → session token.
/// </summary>
/// <remarks>
/// Thread-safe; one instance serves every request. Hot-path costs: one SHA-256 of the body, one
/// of the canonical request (built in a pooled buffer), one HMAC with a cached signing key, and a
/// constant-time compare.
/// </remarks>
public sealed class SigV4Authenticator
{
    /// <summary>The only algorithm AWS accepts for SigV4.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>How far a request's date may be from the server's clock (AWS: 15 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    /// <summary>Longest lifetime of a presigned request (AWS: 7 days).</summary>
    public const int MaxExpiresSeconds = 604_800;

    private const string Terminator = "aws4_request";

    /// <summary>Access key ids of temporary (STS) credentials start with this.</summary>
    public const string TemporaryKeyPrefix = "ASIA";

    private readonly IAccessKeyStore _keys;
    private readonly ISessionCredentialResolver? _sessions;
    private readonly string _region;
    private readonly string[] _regions;
    private readonly TimeProvider _time;
    private readonly SigningKeyCache _signingKeys = new();

    /// <summary>
    /// Creates a verifier for requests addressed to <paramref name="region"/>. Temporary
    /// (<c>ASIA…</c>) keys are resolved from their session token by <paramref name="sessions"/>;
    /// without one they are unknown keys.
    /// </summary>
    public SigV4Authenticator(IAccessKeyStore keys, string region, TimeProvider time, ISessionCredentialResolver? sessions = null)
    {
        _keys = keys;
        _sessions = sessions;
        _region = region;
        _regions = [region];
        _time = time;
    }

    /// <summary>
    /// Creates a verifier that accepts requests signed for any of <paramref name="regions"/> (the
    /// first is reported in scope errors' place of the expected one): STS is signed with the
    /// client's region, and Lockbox answers for the server's region and us-east-1 (the global endpoint).
    /// </summary>
    public SigV4Authenticator(IAccessKeyStore keys, IReadOnlyList<string> regions, TimeProvider time, ISessionCredentialResolver? sessions = null)
        : this(keys, regions[0], time, sessions) => _regions = [.. regions.Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Authenticates <paramref name="request"/> (whose body, as sent on the wire, is
    /// <paramref name="body"/>) for the service whose SigV4 signing name is
    /// <paramref name="signingName"/>. Returns the signer's key record.
    /// </summary>
    public AccessKeyRecord Authenticate<TRequest>(in TRequest request, ReadOnlySpan<byte> body, string signingName)
        where TRequest : ISigV4Request
    {
        var authorization = request.GetHeader("Authorization").First;
        var query = request.RawQuery.Length == 0 ? null : QueryParameters.Parse(request.RawQuery);
        var presigned = query is not null && query.Contains("X-Amz-Algorithm");
        if (presigned && authorization is not null)
        {
            throw SigV4Errors.BothHeaderAndQuery();
        }

        SignatureParts parts;
        if (presigned)
        {
            parts = ParseQuery(query!);
        }
        else if (authorization is not null && authorization.StartsWith("AWS4-", StringComparison.Ordinal))
        {
            parts = ParseHeader(request, authorization);
        }
        else
        {
            throw SigV4Errors.MissingAuthenticationToken();
        }

        var now = _time.GetUtcNow();
        var requestDate = CheckDate(parts, now);
        CheckHostSigned(parts.SignedHeaders);
        if (parts.Algorithm != Algorithm)
        {
            throw SigV4Errors.UnsupportedAlgorithm(parts.Algorithm);
        }

        var credential = parts.Credential;
        var scope = CheckScope(credential, signingName, requestDate, out var accessKeyId, out var scopeDate, out var region);

        var record = Resolve(accessKeyId, parts.SecurityToken);

        VerifySignature(request, body, query, parts, record, scope, scopeDate, region, requestDate, signingName);
        CheckSessionToken(parts.SecurityToken, record, now);
        return record;
    }

    /// <summary>
    /// The key record: long-term keys from the key store; temporary keys from their session token
    /// (no token: the key is unknown; a token that does not open or belongs to another key: an
    /// invalid token, DynamoDB's text without the trailing period).
    /// </summary>
    private AccessKeyRecord Resolve(string accessKeyId, string? sessionToken)
    {
        if (_sessions is not null && accessKeyId.StartsWith(TemporaryKeyPrefix, StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(sessionToken))
            {
                throw SigV4Errors.UnrecognizedClient();
            }

            if (!_sessions.TryResolve(accessKeyId, sessionToken, out var session))
            {
                throw SigV4Errors.InvalidSecurityToken();
            }

            return session;
        }

        if (!_keys.TryGetAccessKey(accessKeyId, out var record))
        {
            throw SigV4Errors.UnrecognizedClient();
        }

        return record;
    }

    private static SignatureParts ParseHeader<TRequest>(in TRequest request, string authorization)
        where TRequest : ISigV4Request
    {
        var span = authorization.AsSpan();
        var space = span.IndexOf(' ');
        var algorithm = space < 0 ? authorization : authorization[..space];
        string? credential = null, signedHeaders = null, signature = null;
        if (space >= 0)
        {
            var rest = span[(space + 1)..];
            foreach (var range in rest.SplitAny(", "))
            {
                var item = rest[range].Trim();
                var eq = item.IndexOf('=');
                if (eq <= 0)
                {
                    continue;
                }

                var key = item[..eq];
                var value = item[(eq + 1)..];
                if (value.IsEmpty)
                {
                    continue;
                }

                if (key is "Credential")
                {
                    credential = value.ToString();
                }
                else if (key is "SignedHeaders")
                {
                    signedHeaders = value.ToString();
                }
                else if (key is "Signature")
                {
                    signature = value.ToString();
                }
            }
        }

        var date = request.GetHeader("X-Amz-Date").First;
        var fromDateHeader = false;
        if (string.IsNullOrEmpty(date))
        {
            date = request.GetHeader("Date").First;
            fromDateHeader = true;
        }

        if (credential is null || signedHeaders is null || signature is null || string.IsNullOrEmpty(date))
        {
            var message = new StringBuilder();
            if (credential is null)
            {
                message.Append("Authorization header requires 'Credential' parameter. ");
            }

            if (signature is null)
            {
                message.Append("Authorization header requires 'Signature' parameter. ");
            }

            if (signedHeaders is null)
            {
                message.Append("Authorization header requires 'SignedHeaders' parameter. ");
            }

            if (string.IsNullOrEmpty(date))
            {
                message.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
            }

            message.Append("Authorization=").Append(authorization);
            throw SigV4Errors.Incomplete(message.ToString());
        }

        var token = request.GetHeader("X-Amz-Security-Token").First;
        return new SignatureParts(algorithm, credential, signedHeaders, signature, date, fromDateHeader, null, token, false);
    }

    private static SignatureParts ParseQuery(QueryParameters query)
    {
        var algorithm = query.Get("X-Amz-Algorithm");
        var credential = query.Get("X-Amz-Credential");
        var signature = query.Get("X-Amz-Signature");
        var signedHeaders = query.Get("X-Amz-SignedHeaders");
        var date = query.Get("X-Amz-Date");
        if (string.IsNullOrEmpty(algorithm) || string.IsNullOrEmpty(credential) || string.IsNullOrEmpty(signature) ||
            string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(date))
        {
            var message = new StringBuilder();
            AppendMissing(message, algorithm, "X-Amz-Algorithm");
            AppendMissing(message, credential, "X-Amz-Credential");
            AppendMissing(message, signature, "X-Amz-Signature");
            AppendMissing(message, signedHeaders, "X-Amz-SignedHeaders");
            AppendMissing(message, date, "X-Amz-Date");
            message.Append("Re-examine the query-string parameters.");
            throw SigV4Errors.Incomplete(message.ToString());
        }

        return new SignatureParts(algorithm, credential, signedHeaders, signature, date, false,
            query.Get("X-Amz-Expires"), query.Get("X-Amz-Security-Token"), true);

        static void AppendMissing(StringBuilder message, string? value, string name)
        {
            if (string.IsNullOrEmpty(value))
            {
                message.Append("AWS query-string parameters must include '").Append(name).Append("'. ");
            }
        }
    }

    private static DateTimeOffset CheckDate(in SignatureParts parts, DateTimeOffset now)
    {
        if (!AmzDate.TryParse(parts.DateText, parts.DateFromDateHeader, out var date))
        {
            throw SigV4Errors.BadDate(parts.DateText);
        }

        if (date > now + MaxClockSkew)
        {
            throw SigV4Errors.SignatureNotYetCurrent(date, now);
        }

        if (!parts.Presigned)
        {
            if (date < now - MaxClockSkew)
            {
                throw SigV4Errors.SignatureExpired(date, now);
            }

            return date;
        }

        // A presigned request lives from its date until date + X-Amz-Expires (at most 7 days);
        // without X-Amz-Expires it gets the same 15 minutes as a header-signed request.
        if (parts.Expires is null)
        {
            if (date < now - MaxClockSkew)
            {
                throw SigV4Errors.SignatureExpired(date, now);
            }

            return date;
        }

        if (!int.TryParse(parts.Expires, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expires) ||
            expires < 1 || expires > MaxExpiresSeconds)
        {
            throw SigV4Errors.BadExpires(parts.Expires);
        }

        if (date.AddSeconds(expires) < now)
        {
            throw SigV4Errors.PresignExpired(date, now, expires);
        }

        return date;
    }

    private static void CheckHostSigned(string signedHeaders)
    {
        foreach (var range in signedHeaders.AsSpan().Split(';'))
        {
            if (signedHeaders.AsSpan(range) is "host")
            {
                return;
            }
        }

        throw SigV4Errors.HostNotSigned();
    }

    /// <summary>Validates <c>keyid/date/region/service/aws4_request</c>; returns the scope after the key id.</summary>
    private string CheckScope(string credential, string signingName, DateTimeOffset requestDate,
        out string accessKeyId, out string scopeDate, out string matchedRegion)
    {
        Span<Range> ranges = stackalloc Range[6];
        var span = credential.AsSpan();
        if (span.Split(ranges, '/') != 5)
        {
            throw SigV4Errors.MalformedCredential(credential);
        }

        var region = span[ranges[2]];
        var service = span[ranges[3]];
        var terminator = span[ranges[4]];
        matchedRegion = _region;
        var regionOk = region.SequenceEqual(_region);
        for (var i = 1; !regionOk && i < _regions.Length; i++)
        {
            if (region.SequenceEqual(_regions[i]))
            {
                regionOk = true;
                matchedRegion = _regions[i];
            }
        }

        if (!regionOk || !service.SequenceEqual(signingName) || terminator is not Terminator)
        {
            var message = new StringBuilder();
            if (!regionOk)
            {
                message.Append("Credential should be scoped to a valid region, not '").Append(region).Append("'. ");
            }

            if (!service.SequenceEqual(signingName))
            {
                message.Append("Credential should be scoped to correct service: '").Append(signingName).Append("'. ");
            }

            if (terminator is not Terminator)
            {
                message.Append("Credential should be scoped with a valid terminator: 'aws4_request', not '").Append(terminator).Append("'. ");
            }

            throw SigV4Errors.Invalid(message.ToString());
        }

        Span<char> day = stackalloc char[8];
        requestDate.UtcDateTime.TryFormat(day, out _, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var scopeDay = span[ranges[1]];
        if (!scopeDay.SequenceEqual(day))
        {
            throw SigV4Errors.ScopeDateMismatch(scopeDay.ToString(), day.ToString(), AmzDate.Format(requestDate));
        }

        accessKeyId = span[ranges[0]].ToString();
        scopeDate = scopeDay.ToString();
        return credential[(ranges[0].End.GetOffset(credential.Length) + 1)..];
    }

    private void VerifySignature<TRequest>(in TRequest request, ReadOnlySpan<byte> body, QueryParameters? query,
        in SignatureParts parts, AccessKeyRecord record, string scope, string scopeDate, string region, DateTimeOffset requestDate,
        string signingName)
        where TRequest : ISigV4Request
    {
        Span<byte> hash = stackalloc byte[32];
        Span<char> payloadHex = stackalloc char[64];
        SHA256.HashData(body, hash);
        Convert.TryToHexStringLower(hash, payloadHex, out _);

        var canonical = new CharBuffer(512);
        try
        {
            CanonicalRequest.Build(ref canonical, request, query, parts.Presigned, parts.SignedHeaders, payloadHex);
            HashUtf8(canonical.Span, hash);
            Span<char> canonicalHex = stackalloc char[64];
            Convert.TryToHexStringLower(hash, canonicalHex, out _);

            // String to sign: algorithm, timestamp, scope, hash of the canonical request.
            Span<char> amzDate = stackalloc char[AmzDate.Length];
            requestDate.UtcDateTime.TryFormat(amzDate, out _, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var stringToSign = new CharBuffer(160);
            try
            {
                stringToSign.Append(Algorithm);
                stringToSign.Append('\n');
                stringToSign.Append(amzDate);
                stringToSign.Append('\n');
                stringToSign.Append(scope);
                stringToSign.Append('\n');
                stringToSign.Append(canonicalHex);

                var signingKey = _signingKeys.Get(record.SecretAccessKey, scopeDate, region, signingName);
                Span<byte> stsBytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(stringToSign.Length)];
                var stsLength = Encoding.UTF8.GetBytes(stringToSign.Span, stsBytes);
                Span<byte> expected = stackalloc byte[32];
                signingKey.Sign(stsBytes[..stsLength], expected);

                Span<byte> provided = stackalloc byte[32];
                var ok = parts.Signature.Length == 64 &&
                    Convert.FromHexString(parts.Signature, provided, out _, out var written) == OperationStatus.Done &&
                    written == 32;
                if (!CryptographicOperations.FixedTimeEquals(expected, provided) || !ok)
                {
                    throw SigV4Errors.SignatureMismatch(canonical.ToString(), stringToSign.ToString());
                }
            }
            finally
            {
                stringToSign.Dispose();
            }
        }
        finally
        {
            canonical.Dispose();
        }
    }

    private static void HashUtf8(ReadOnlySpan<char> text, Span<byte> hash)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            SHA256.HashData(rented.AsSpan(0, length), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void CheckSessionToken(string? token, AccessKeyRecord record, DateTimeOffset now)
    {
        if (record.SessionToken is null)
        {
            // Long-term keys are used without a token; sending one anyway is an invalid token.
            if (!string.IsNullOrEmpty(token))
            {
                throw SigV4Errors.InvalidSecurityToken();
            }

            return;
        }

        if (token is null || !ConstantTime.Equals(token, record.SessionToken))
        {
            throw SigV4Errors.InvalidSecurityToken();
        }

        if (record.Expiration is { } expiration && expiration <= now)
        {
            throw SigV4Errors.ExpiredToken();
        }
    }

    /// <summary>The SigV4 fields of one request, from its Authorization header or its query string.</summary>
    private readonly record struct SignatureParts(
        string Algorithm,
        string Credential,
        string SignedHeaders,
        string Signature,
        string DateText,
        bool DateFromDateHeader,
        string? Expires,
        string? SecurityToken,
        bool Presigned);
}
