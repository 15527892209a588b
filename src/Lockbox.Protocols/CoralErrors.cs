using Lockbox.Common;

namespace Lockbox.Protocols;

/// <summary>
/// The framework errors AWS's service front end (Coral) raises before an operation runs, shared by
/// every awsJson service. Texts and namespaces follow DynamoDB's observed responses.
/// </summary>
public static class CoralErrors
{
    /// <summary>Namespace of the framework errors: <c>com.amazon.coral.service</c>.</summary>
    public const string ServiceNamespace = "com.amazon.coral.service";

    /// <summary>Namespace of DynamoDB's modelled errors, used for InternalServerError.</summary>
    public const string DynamoDbNamespace = "com.amazonaws.dynamodb.v20120810";

    /// <summary>Missing, malformed or unknown <c>X-Amz-Target</c>; AWS sends no message.</summary>
    public static AwsServiceException UnknownOperation() =>
        new(ServiceNamespace, "UnknownOperationException", null);

    /// <summary>A body that is not JSON (or is empty); AWS sends no message.</summary>
    public static AwsServiceException Serialization() =>
        new(ServiceNamespace, "SerializationException", null, capitalizedMessageMember: true);

    /// <summary>Any unexpected failure. The details go to the log, never to the client.</summary>
    public static AwsServiceException InternalServerError() =>
        new(DynamoDbNamespace, "InternalServerError", "Internal server error", 500);
}
