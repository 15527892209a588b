using Lockbox.Auth.SigV4;
using Microsoft.AspNetCore.Http;

namespace Lockbox.Host.Http;

/// <summary>
/// The SigV4 view of a Kestrel request. The path and query come from the raw request target
/// (what the client signed), not from ASP.NET's decoded <c>Path</c>.
/// </summary>
internal readonly struct HttpSigV4Request : ISigV4Request
{
    private readonly HttpRequest _request;

    public HttpSigV4Request(HttpRequest request, string? rawTarget)
    {
        _request = request;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            // Absolute-form or unusual targets: fall back to the decoded parts, re-escaped by ASP.NET.
            RawPath = request.Path.HasValue ? request.Path.ToUriComponent() : "/";
            RawQuery = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
            return;
        }

        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        RawPath = question < 0 ? rawTarget : rawTarget[..question];
        RawQuery = question < 0 ? "" : rawTarget[(question + 1)..];
    }

    public string Method => _request.Method;

    public string RawPath { get; }

    public string RawQuery { get; }

    public HeaderValues GetHeader(string name)
    {
        if (!_request.Headers.TryGetValue(name, out var values) || values.Count == 0)
        {
            return default;
        }

        return values.Count == 1 ? new HeaderValues(values[0] ?? "") : new HeaderValues(values.ToArray()!);
    }
}
