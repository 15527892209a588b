using Lockbox.Common;

namespace Lockbox.Iam.Sts;

/// <summary>STS's error codes (awsQuery; the code is what clients see, the namespace is not sent).</summary>
public static class StsErrors
{
    private const string Namespace = "sts";

    /// <summary>A constraint of the API model (ValidationError, 400).</summary>
    public static AwsServiceException Validation(string message) => new(Namespace, "ValidationError", message, 400);

    /// <summary>AccessDenied (403) with a free text (not an authorization decision).</summary>
    public static AwsServiceException AccessDenied(string message) => new(Namespace, "AccessDenied", message, 403);

    /// <summary>A parameter value STS refuses beyond the model's constraints (400).</summary>
    public static AwsServiceException InvalidParameterValue(string message) => new(Namespace, "InvalidParameterValue", message, 400);

    /// <summary>A session policy that does not parse (400).</summary>
    public static AwsServiceException MalformedPolicyDocument(string message) => new(Namespace, "MalformedPolicyDocument", message, 400);

    /// <summary>Session policies and tags too large (400).</summary>
    public static AwsServiceException PackedPolicyTooLarge(string message) => new(Namespace, "PackedPolicyTooLarge", message, 400);

    /// <summary>DecodeAuthorizationMessage of something that is not one of our messages (400).</summary>
    public static AwsServiceException InvalidAuthorizationMessage(string message) =>
        new(Namespace, "InvalidAuthorizationMessageException", message, 400);

    /// <summary>One "N validation error(s) detected: …" message from a list of constraint failures.</summary>
    public static AwsServiceException Validation(IReadOnlyList<string> failures) =>
        Validation($"{failures.Count} validation error{(failures.Count == 1 ? "" : "s")} detected: {string.Join("; ", failures)}");
}
