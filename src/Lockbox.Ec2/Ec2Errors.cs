using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Protocols.Query;

namespace Lockbox.Ec2;

/// <summary>EC2's errors, worded as EC2 words them, and EC2's error shape.</summary>
public static partial class Ec2Errors
{
    /// <summary>The namespace recorded on EC2 errors (not sent on the wire).</summary>
    public const string Namespace = "ec2";

    /// <summary>An error with EC2's code and message (HTTP 400 unless given).</summary>
    public static AwsServiceException Error(string code, string message, int status = 400) => new(Namespace, code, message, status);

    /// <summary>Unknown instance ids.</summary>
    public static AwsServiceException InstanceNotFound(IReadOnlyList<string> ids) => ids.Count == 1
        ? Error("InvalidInstanceID.NotFound", $"The instance ID '{ids[0]}' does not exist")
        : Error("InvalidInstanceID.NotFound", $"The instance IDs '{string.Join(", ", ids)}' do not exist");

    /// <summary>An id that is not <c>i-</c> + 8 or 17 hex digits.</summary>
    public static AwsServiceException InstanceMalformed(string id) => Error("InvalidInstanceID.Malformed", $"Invalid id: \"{id}\"");

    /// <summary>An unknown association id.</summary>
    public static AwsServiceException AssociationNotFound(string id) =>
        Error("InvalidAssociationID.NotFound", $"The association ID '{id}' does not exist");

    /// <summary>A required parameter is missing.</summary>
    public static AwsServiceException MissingParameter(string name) =>
        Error("MissingParameter", $"The request must contain the parameter {name}");

    /// <summary>A parameter value EC2 refuses.</summary>
    public static AwsServiceException InvalidParameterValue(string message) => Error("InvalidParameterValue", message);

    /// <summary>The instance is in a state the operation does not accept.</summary>
    public static AwsServiceException IncorrectInstanceState(string instanceId, string state) =>
        Error("IncorrectInstanceState", $"The instance '{instanceId}' is not in a valid state for this operation. Current state: {state}");

    /// <summary>DryRun passed authorization.</summary>
    public static AwsServiceException DryRun() =>
        Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);

    /// <summary>
    /// Writes EC2's error document
    /// (<c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;&lt;/Errors&gt;&lt;RequestID/&gt;&lt;/Response&gt;</c>)
    /// for <paramref name="error"/>, translated from the shared stages' codes, and returns the HTTP status.
    /// </summary>
    public static int Write(AwsServiceException error, string requestId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(output);
        var (code, message, status) = Translate(error);
        var text = new StringBuilder(512);
        text.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>").Append(QueryXmlWriter.Escape(code))
            .Append("</Code><Message>").Append(QueryXmlWriter.Escape(message)).Append("</Message></Error></Errors><RequestID>")
            .Append(QueryXmlWriter.Escape(requestId)).Append("</RequestID></Response>");
        Ec2Xml.WriteUtf8(text, output);
        return status;
    }

    /// <summary>
    /// EC2's code, message and status for an error: authentication failures are AuthFailure (401),
    /// an expired session RequestExpired, the authorizer's refusal UnauthorizedOperation (403) with
    /// the caller, action and resource and the encoded authorization message, an unknown action
    /// InvalidAction, an internal failure InternalError.
    /// </summary>
    public static (string Code, string Message, int Status) Translate(AwsServiceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.ErrorMessage ?? "";
        switch (error)
        {
            case AccessDeniedError denied:
                var text = "You are not authorized to perform this operation. " + denied.ErrorMessage;
                if (denied.EncodedMessage is { } encoded)
                {
                    text += ". Encoded authorization failure message: " + encoded;
                }

                return ("UnauthorizedOperation", text, 403);
        }

        return error.ErrorCode switch
        {
            "MissingAuthenticationTokenException" => ("MissingAuthenticationToken", message, 401),
            "UnrecognizedClientException" or "InvalidSignatureException" =>
                ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
            "IncompleteSignatureException" => ("IncompleteSignature", message, 400),
            "ExpiredTokenException" => ("RequestExpired", "Request has expired.", 400),
            "AccessDeniedException" => ("UnauthorizedOperation", "You are not authorized to perform this operation.", 403),
            "InvalidAction" => ("InvalidAction", $"The action {ActionOf(message)} is not valid for this web service.", 400),
            "InternalFailure" or "InternalServerError" => ("InternalError", "An internal error has occurred", 500),
            _ => (error.ErrorCode, message, error.HttpStatus),
        };
    }

    private static string ActionOf(string message)
    {
        var match = ActionPattern().Match(message);
        return match.Success ? match.Groups[1].Value : "";
    }

    [GeneratedRegex("^Could not find operation (\\S*) for version")]
    private static partial Regex ActionPattern();
}
