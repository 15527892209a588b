using System.Globalization;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using Lockbox.Auth;
using Lockbox.Auth.SigV4;
using Lockbox.Common;
using Lockbox.Protocols;
using Lockbox.Protocols.Json;
using Lockbox.Protocols.Query;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Lockbox.Host.Http;

/// <summary>
/// The one request delegate of the server: every request passes these stages in this order,
/// which is the order in which DynamoDB reports problems (see docs/ARCHITECTURE.md):
/// <list type="number">
/// <item>request id (<c>x-amzn-RequestId</c> on every answer); CORS for browser callers;</item>
/// <item><c>GET</c>: unsigned health answer; other non-POST: 404 <c>&lt;UnknownOperationException/&gt;</c>;</item>
/// <item>body over 16 MiB: 413, empty body; a body with a non-JSON content type: 404;</item>
/// <item>Content-Encoding gzip/deflate decoded; an empty body is a SerializationException;</item>
/// <item>X-Amz-Target routed to the service owning its prefix, else UnknownOperationException;</item>
/// <item>SigV4 against the service's signing name → principal → <see cref="CallerContext"/>;</item>
/// <item>the service runs; its answer or its <see cref="AwsServiceException"/> is written with
/// <c>x-amz-crc32</c> and the request's JSON content type; anything else is a logged 500.</item>
/// </list>
/// DynamoDB checks that the body is JSON before the target and the signature. Validating every
/// body would cost a full parse per request, so it is only done on the way to a target or
/// authentication error (turning it into SerializationException); on the success path the
/// service's own parser reports a malformed body, which gives the same answer.
/// </summary>
internal sealed class RequestPipeline
{
    private static readonly byte[] s_unknownOperationXml = "<UnknownOperationException/>\n"u8.ToArray();
    private static readonly string s_unknownOperationXmlCrc = Crc(s_unknownOperationXml);
    private const string ExposedHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

    private readonly IJsonService[] _services;
    private readonly SigV4Authenticator _authenticator;
    private readonly string _region;
    private readonly long _maxBodyBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _healthBody;
    private readonly string _healthCrc;
    private readonly IQueryService[] _queryServices;
    private readonly SigV4Authenticator[] _queryAuthenticators;
    private readonly Lockbox.Iam.IdentityStore? _identity;

    /// <summary>
    /// Creates the pipeline. <paramref name="queryServices"/> answer form-encoded (awsQuery)
    /// requests whose credential scope names their signing name; IAM is a global service that
    /// the SDKs always sign for us-east-1, whatever the server's region. <paramref name="identity"/>,
    /// when given, records when IAM users' keys were last used. <paramref name="sessions"/> resolves
    /// temporary (STS) credentials from their session tokens. STS is signed with the client's
    /// region: it accepts the server's region and us-east-1 (the global endpoint's).
    /// </summary>
    public RequestPipeline(IReadOnlyList<IJsonService> services, IAccessKeyStore keys, string region, long maxBodyBytes,
        TimeProvider time, ILogger logger, IReadOnlyList<IQueryService>? queryServices = null, Lockbox.Iam.IdentityStore? identity = null,
        ISessionCredentialResolver? sessions = null)
    {
        _services = [.. services];
        _authenticator = new SigV4Authenticator(keys, region, time, sessions);
        _queryServices = [.. queryServices ?? []];
        _queryAuthenticators = [.. _queryServices.Select(q => q.SigningName switch
        {
            "iam" => new SigV4Authenticator(keys, "us-east-1", time, sessions),
            "sts" => new SigV4Authenticator(keys, [region, "us-east-1"], time, sessions),
            _ => new SigV4Authenticator(keys, region, time, sessions),
        })];
        _identity = identity;
        _region = region;
        _maxBodyBytes = maxBodyBytes;
        _time = time;
        _logger = logger;
        _healthBody = Encoding.ASCII.GetBytes($"healthy: dynamodb.{region}.amazonaws.com ");
        _healthCrc = Crc(_healthBody);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var requestId = RequestIdGenerator.Next();
        response.Headers["x-amzn-RequestId"] = requestId;

        if (request.Headers.ContainsKey(HeaderNames.Origin) && HandleCors(request, response))
        {
            return;
        }

        var method = request.Method;
        if (HttpMethods.IsGet(method))
        {
            await WriteRawAsync(response, 200, _healthBody, _healthCrc, context.RequestAborted);
            return;
        }

        if (!HttpMethods.IsPost(method))
        {
            await WriteRawAsync(response, 404, s_unknownOperationXml, s_unknownOperationXmlCrc, context.RequestAborted);
            return;
        }

        if (request.ContentLength > _maxBodyBytes)
        {
            await WriteRawAsync(response, 413, [], null, context.RequestAborted);
            return;
        }

        var mediaType = JsonMediaTypes.Parse(request.ContentType);
        using var body = new PooledBufferWriter((int)Math.Min(request.ContentLength ?? 4096, _maxBodyBytes));
        if (!await ReadBodyAsync(request.BodyReader, body, _maxBodyBytes, context.RequestAborted))
        {
            await WriteRawAsync(response, 413, [], null, context.RequestAborted);
            return;
        }

        if (_queryServices.Length > 0 && IsForm(request.ContentType) && RouteQuery(request) is { } queryIndex)
        {
            using var xml = new PooledBufferWriter(1024);
            var queryStatus = await InvokeQueryAsync(context, requestId, queryIndex, body, xml);
            await WriteXmlAsync(response, queryStatus, xml.WrittenMemory, context.RequestAborted);
            return;
        }

        if (body.WrittenCount > 0 && mediaType == JsonMediaType.None)
        {
            await WriteRawAsync(response, 404, s_unknownOperationXml, s_unknownOperationXmlCrc, context.RequestAborted);
            return;
        }

        using var output = new PooledBufferWriter(1024);
        var status = await InvokeAsync(context, requestId, body, output);
        await WriteJsonAsync(response, status, mediaType, output.WrittenMemory, context.RequestAborted);
    }

    /// <summary>Runs the JSON stages; leaves the answer (or the error body) in <paramref name="output"/>.</summary>
    private async ValueTask<int> InvokeAsync(HttpContext context, string requestId, PooledBufferWriter body, PooledBufferWriter output)
    {
        var request = context.Request;
        PooledBufferWriter? decoded = null;
        string? target = null;
        try
        {
            var json = body.WrittenMemory;
            var contentEncoding = request.Headers.ContentEncoding;
            if (!StringValues.IsNullOrEmpty(contentEncoding))
            {
                decoded = Decode(contentEncoding.ToString(), body, requestId);
                if (decoded is not null)
                {
                    json = decoded.WrittenMemory;
                }
            }

            if (json.IsEmpty)
            {
                throw CoralErrors.Serialization();
            }

            target = request.Headers["X-Amz-Target"];
            var service = Route(target, out var operation);
            if (service is null)
            {
                throw JsonSyntax.IsValid(json.Span) ? CoralErrors.UnknownOperation() : CoralErrors.Serialization();
            }

            AccessKeyRecord key;
            try
            {
                var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
                key = _authenticator.Authenticate(new HttpSigV4Request(request, rawTarget), body.WrittenSpan, service.SigningName);
            }
            catch (AwsServiceException error)
            {
                HostLog.AuthenticationFailed(_logger, requestId, context.Connection.RemoteIpAddress, error.ErrorCode);
                if (!JsonSyntax.IsValid(json.Span))
                {
                    throw CoralErrors.Serialization();
                }

                throw;
            }

            var caller = new CallerContext
            {
                RequestId = requestId,
                Principal = key.Principal,
                Region = _region,
                RequestTime = _time.GetUtcNow(),
                SourceIp = context.Connection.RemoteIpAddress,
                UserAgent = request.Headers.UserAgent,
                SecureTransport = request.IsHttps,
                Host = request.Host.HasValue ? request.Host.Value : null,
            };

            _identity?.RecordUse(key.Principal.AccessKeyId, service.SigningName, _region, caller.RequestTime);
            await service.InvokeAsync(operation!, json, caller, output, context.RequestAborted);
            return 200;
        }
        catch (AwsServiceException error)
        {
            output.Clear();
            AwsJsonErrorWriter.Write(error, output);
            return error.HttpStatus;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody reads the answer.
            output.Clear();
            return 499;
        }
#pragma warning disable CA1031 // The one catch-all of the pipeline: no failure may crash the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            HostLog.UnexpectedError(_logger, requestId, target, error);
            output.Clear();
            AwsJsonErrorWriter.Write(CoralErrors.InternalServerError(), output);
            return 500;
        }
        finally
        {
            decoded?.Dispose();
        }
    }

    private static bool IsForm(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon >= 0 ? contentType.AsSpan(0, semicolon) : contentType.AsSpan()).Trim(' ');
        return media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The awsQuery service a form-encoded request is for: the one whose signing name is the
    /// credential scope's service (header or presigned query), or the first one when the request
    /// carries no credential at all (so it gets the query protocol's MissingAuthenticationToken).
    /// Null when the scope names a service that is not a query service.
    /// </summary>
    private int? RouteQuery(HttpRequest request)
    {
        string? credential = null;
        var authorization = request.Headers.Authorization.ToString();
        var at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = authorization.IndexOfAny([',', ' '], at);
            credential = end < 0 ? authorization[(at + 11)..] : authorization[(at + 11)..end];
        }
        else if (request.Query.TryGetValue("X-Amz-Credential", out var value))
        {
            credential = value.ToString();
        }

        if (string.IsNullOrEmpty(credential))
        {
            return 0;
        }

        var parts = credential.Split('/');
        if (parts.Length < 4)
        {
            return 0;
        }

        for (var i = 0; i < _queryServices.Length; i++)
        {
            if (parts[3] == _queryServices[i].SigningName)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Runs an awsQuery request; leaves the XML answer (or error) in <paramref name="output"/>.</summary>
    private async ValueTask<int> InvokeQueryAsync(HttpContext context, string requestId, int serviceIndex, PooledBufferWriter body,
        PooledBufferWriter output)
    {
        var request = context.Request;
        var service = _queryServices[serviceIndex];
        string? action = null;
        try
        {
            var parameters = QueryRequest.Parse(body.WrittenSpan);
            action = parameters.Action;
            AccessKeyRecord key;
            try
            {
                var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
                key = _queryAuthenticators[serviceIndex].Authenticate(new HttpSigV4Request(request, rawTarget), body.WrittenSpan, service.SigningName);
            }
            catch (AwsServiceException error)
            {
                HostLog.AuthenticationFailed(_logger, requestId, context.Connection.RemoteIpAddress, error.ErrorCode);
                throw;
            }

            if (action is null || !service.HasOperation(action))
            {
                throw QueryErrors.InvalidAction(action, parameters.Version ?? service.Version);
            }

            var caller = new CallerContext
            {
                RequestId = requestId,
                Principal = key.Principal,
                Region = _region,
                RequestTime = _time.GetUtcNow(),
                SourceIp = context.Connection.RemoteIpAddress,
                UserAgent = request.Headers.UserAgent,
                SecureTransport = request.IsHttps,
                Host = request.Host.HasValue ? request.Host.Value : null,
            };
            _identity?.RecordUse(key.Principal.AccessKeyId, service.SigningName, "us-east-1", caller.RequestTime);
            await service.InvokeAsync(action, parameters, caller, output, context.RequestAborted);
            return 200;
        }
        catch (AwsServiceException error)
        {
            output.Clear();
            return service is IQueryErrorShape shape
                ? shape.WriteError(error, requestId, output)
                : QueryErrorWriter.Write(error, service.XmlNamespace, requestId, output);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            output.Clear();
            return 499;
        }
#pragma warning disable CA1031 // As in InvokeAsync: no failure may crash the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            HostLog.UnexpectedError(_logger, requestId, action, error);
            output.Clear();
            return service is IQueryErrorShape shape
                ? shape.WriteError(QueryErrors.InternalFailure(), requestId, output)
                : QueryErrorWriter.Write(QueryErrors.InternalFailure(), service.XmlNamespace, requestId, output);
        }
    }

    private static async Task WriteXmlAsync(HttpResponse response, int status, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (status == 499)
        {
            return;
        }

        response.StatusCode = status;
        response.ContentType = "text/xml";
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client disconnected while we answered.
        }
    }

    private IJsonService? Route(string? target, out string? operation)
    {
        operation = null;
        if (target is null || !AmzTarget.TrySplit(target, out var prefix, out var name))
        {
            return null;
        }

        foreach (var service in _services)
        {
            if (prefix.SequenceEqual(service.TargetPrefix))
            {
                var op = name.ToString();
                if (service.HasOperation(op))
                {
                    operation = op;
                    return service;
                }

                return null;
            }
        }

        return null;
    }

    /// <summary>Decodes a gzip/deflate body (bounded by the size limit); null for identity.</summary>
    private PooledBufferWriter? Decode(string encoding, PooledBufferWriter body, string requestId)
    {
        encoding = encoding.Trim();
        if (encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && !encoding.Equals("deflate", StringComparison.OrdinalIgnoreCase))
        {
            // An encoding we cannot read: the body is not JSON as far as we can tell.
            throw CoralErrors.Serialization();
        }

        if (!MemoryMarshal.TryGetArray(body.WrittenMemory, out var segment))
        {
            throw new InvalidOperationException("Pooled buffers are arrays.");
        }

        var output = new PooledBufferWriter(Math.Max(segment.Count * 4, 1024));
        try
        {
            using var input = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            // HTTP "deflate" is zlib-wrapped (RFC 9110); some clients send raw deflate, tried second.
            using Stream decoder = gzip ? new GZipStream(input, CompressionMode.Decompress) : new ZLibStream(input, CompressionMode.Decompress);
            if (!TryInflate(decoder, output) && !gzip)
            {
                output.Clear();
                using var raw = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
                using var deflate = new DeflateStream(raw, CompressionMode.Decompress);
                if (!TryInflate(deflate, output))
                {
                    throw CoralErrors.Serialization();
                }
            }
            else if (output.WrittenCount == 0 && segment.Count > 0)
            {
                throw CoralErrors.Serialization();
            }

            return output;
        }
        catch (InvalidDataException error)
        {
            HostLog.BadContentEncoding(_logger, requestId, encoding, error);
            output.Dispose();
            throw CoralErrors.Serialization();
        }
        catch
        {
            output.Dispose();
            throw;
        }

        bool TryInflate(Stream decoder, PooledBufferWriter into)
        {
            try
            {
                while (true)
                {
                    var read = decoder.Read(into.GetSpan(16 * 1024));
                    if (read == 0)
                    {
                        return true;
                    }

                    into.Advance(read);
                    if (into.WrittenCount > _maxBodyBytes)
                    {
                        // A decompression bomb is as unacceptable as a large body.
                        throw CoralErrors.Serialization();
                    }
                }
            }
            catch (InvalidDataException) when (!gzip)
            {
                return false;
            }
        }
    }

    private static async ValueTask<bool> ReadBodyAsync(PipeReader reader, PooledBufferWriter into, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (into.WrittenCount + buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return false;
            }

            foreach (var segment in buffer)
            {
                segment.Span.CopyTo(into.GetSpan(segment.Length));
                into.Advance(segment.Length);
            }

            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return true;
            }
        }
    }

    /// <summary>CORS as DynamoDB answers browsers: any origin; preflights answered here. True when done.</summary>
    private static bool HandleCors(HttpRequest request, HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        if (!HttpMethods.IsOptions(request.Method))
        {
            response.Headers.AccessControlExposeHeaders = ExposedHeaders;
            return false;
        }

        if (request.Headers.TryGetValue(HeaderNames.AccessControlRequestHeaders, out var headers))
        {
            response.Headers.AccessControlAllowHeaders = headers;
        }

        if (request.Headers.TryGetValue(HeaderNames.AccessControlRequestMethod, out var methods))
        {
            response.Headers.AccessControlAllowMethods = methods;
        }

        response.Headers.AccessControlMaxAge = "172800";
        response.StatusCode = 200;
        response.ContentLength = 0;
        return true;
    }

    private static Task WriteRawAsync(HttpResponse response, int status, byte[] body, string? crc, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        if (crc is not null)
        {
            response.Headers["x-amz-crc32"] = crc;
        }

        response.ContentLength = body.Length;
        return body.Length == 0 ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, cancellationToken);
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, JsonMediaType mediaType, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        if (status == 499)
        {
            return;
        }

        response.StatusCode = status;
        response.ContentType = JsonMediaTypes.ToContentType(mediaType);
        response.Headers["x-amz-crc32"] = Crc32Checksum.Compute(body.Span).ToString(CultureInfo.InvariantCulture);
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client disconnected while we answered.
        }
    }

    private static string Crc(ReadOnlySpan<byte> body) => Crc32Checksum.Compute(body).ToString(CultureInfo.InvariantCulture);
}
