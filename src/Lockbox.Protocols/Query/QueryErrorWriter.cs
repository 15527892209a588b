using System.Buffers;
using System.Text;
using Lockbox.Common;

namespace Lockbox.Protocols.Query;

/// <summary>
/// The awsQuery error shape:
/// <c>&lt;ErrorResponse xmlns="…"&gt;&lt;Error&gt;&lt;Type&gt;Sender&lt;/Type&gt;&lt;Code&gt;…&lt;/Code&gt;&lt;Message&gt;…&lt;/Message&gt;&lt;/Error&gt;&lt;RequestId&gt;…&lt;/RequestId&gt;&lt;/ErrorResponse&gt;</c>.
/// <c>Type</c> is <c>Receiver</c> for 5xx errors, else <c>Sender</c>.
/// </summary>
/// <remarks>
/// The shared front-end stages (SigV4, the authorizer) throw the awsJson (Coral) codes DynamoDB
/// uses; query services name the same failures differently, so they are translated here
/// (IAM's "Common Errors"): MissingAuthenticationTokenException → MissingAuthenticationToken
/// (403), UnrecognizedClientException → InvalidClientTokenId (403), InvalidSignatureException →
/// SignatureDoesNotMatch (403), IncompleteSignatureException → IncompleteSignature (400),
/// ExpiredTokenException → ExpiredToken (403), AccessDeniedException → AccessDenied (403),
/// InternalServerError → InternalFailure (500). Message texts stay as they are.
/// </remarks>
public static class QueryErrorWriter
{
    /// <summary>Writes <paramref name="error"/> (translated for awsQuery) and returns the HTTP status to answer with.</summary>
    public static int Write(AwsServiceException error, string xmlNamespace, string requestId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (code, status) = Translate(error);
        var text = new StringBuilder(512);
        text.Append("<ErrorResponse xmlns=\"").Append(QueryXmlWriter.Escape(xmlNamespace)).Append("\">\n  <Error>\n    <Type>")
            .Append(status >= 500 ? "Receiver" : "Sender").Append("</Type>\n    <Code>").Append(QueryXmlWriter.Escape(code))
            .Append("</Code>\n");
        if (error.ErrorMessage is not null)
        {
            text.Append("    <Message>").Append(QueryXmlWriter.Escape(error.ErrorMessage)).Append("</Message>\n");
        }

        text.Append("  </Error>\n  <RequestId>").Append(QueryXmlWriter.Escape(requestId)).Append("</RequestId>\n</ErrorResponse>\n");
        QueryXmlWriter.WriteUtf8(text, output);
        return status;
    }

    /// <summary>The awsQuery code and HTTP status for an error thrown by a shared stage or a query service.</summary>
    public static (string Code, int Status) Translate(AwsServiceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ErrorCode switch
        {
            "MissingAuthenticationTokenException" => ("MissingAuthenticationToken", 403),
            "UnrecognizedClientException" => ("InvalidClientTokenId", 403),
            "InvalidSignatureException" => ("SignatureDoesNotMatch", 403),
            "IncompleteSignatureException" => ("IncompleteSignature", 400),
            "ExpiredTokenException" => ("ExpiredToken", 403),
            "AccessDeniedException" => ("AccessDenied", 403),
            "InternalServerError" => ("InternalFailure", 500),
            _ => (error.ErrorCode, error.HttpStatus),
        };
    }
}
