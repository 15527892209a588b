using System.Net;
using Microsoft.Extensions.Logging;

namespace Lockbox.Host.Http;

/// <summary>
/// The host's log events (ids 1000-1099). Never log secrets, signatures or request bodies.
/// Next free id: 1007.
/// </summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Request {RequestId} ({Target}) failed with an unexpected error")]
    public static partial void UnexpectedError(ILogger logger, string requestId, string? target, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Request {RequestId} from {SourceIp} rejected: {ErrorCode}")]
    public static partial void AuthenticationFailed(ILogger logger, string requestId, IPAddress? sourceIp, string errorCode);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Listening on {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Stopping; closing storage")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Serving {Count} service(s): {Prefixes}")]
    public static partial void Services(ILogger logger, int count, string prefixes);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Request {RequestId} body could not be decompressed ({Encoding})")]
    public static partial void BadContentEncoding(ILogger logger, string requestId, string encoding, Exception exception);
}
