using System.Text.Json;

namespace Lockbox.Common;

/// <summary>
/// An error that reaches the client in the protocol's AWS error shape. Engines throw it for
/// every expected failure (validation, missing resource, failed condition); the one catch in
/// the host's pipeline turns it into the wire error, so engines never see HTTP types.
/// </summary>
public class AwsServiceException : Exception
{
    public AwsServiceException(string typeNamespace, string errorCode, string? message, int httpStatus = 400,
        bool capitalizedMessageMember = false)
        : base(message ?? errorCode)
    {
        TypeNamespace = typeNamespace;
        ErrorCode = errorCode;
        ErrorMessage = message;
        HttpStatus = httpStatus;
        CapitalizedMessageMember = capitalizedMessageMember;
    }

    /// <summary>The part of <c>__type</c> before '#', e.g. <c>com.amazon.coral.validate</c>.</summary>
    public string TypeNamespace { get; }

    /// <summary>The short error code SDKs keep, e.g. <c>ValidationException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The message text, exactly as AWS words it; null when AWS sends none.</summary>
    public string? ErrorMessage { get; }

    public int HttpStatus { get; }

    /// <summary>
    /// Some AWS errors name their message member <c>Message</c> rather than <c>message</c>
    /// (SerializationException, AccessDeniedException, TransactionCanceledException...).
    /// </summary>
    public bool CapitalizedMessageMember { get; }

    /// <summary>Full <c>__type</c> value of an awsJson error body.</summary>
    public string FullType => TypeNamespace + "#" + ErrorCode;

    /// <summary>Writes members beyond <c>__type</c> and the message (e.g. a ConditionalCheckFailed item).</summary>
    public virtual void WriteExtraJsonMembers(Utf8JsonWriter writer)
    {
    }
}
