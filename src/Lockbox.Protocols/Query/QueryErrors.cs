using Lockbox.Common;

namespace Lockbox.Protocols.Query;

/// <summary>Errors of the awsQuery front end itself (before any service semantics).</summary>
public static class QueryErrors
{
    /// <summary>The namespace recorded on awsQuery errors (not sent on the wire; the XML has no type namespace).</summary>
    public const string Namespace = "awsQuery";

    /// <summary>An Action the service does not offer (or none at all), for the version asked.</summary>
    public static AwsServiceException InvalidAction(string? action, string version) =>
        new(Namespace, "InvalidAction", $"Could not find operation {action} for version {version}", 400);

    /// <summary>An unexpected failure inside the server.</summary>
    public static AwsServiceException InternalFailure() =>
        new(Namespace, "InternalFailure", "An internal error occurred.", 500);
}
