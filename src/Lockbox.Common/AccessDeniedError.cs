namespace Lockbox.Common;

/// <summary>
/// The authorizer's refusal: DynamoDB's AccessDeniedException (awsJson), which other protocols
/// re-word (IAM/STS: AccessDenied 403; EC2: UnauthorizedOperation with an encoded message). It
/// carries what the request was, so a protocol can build its own wording without re-evaluating.
/// </summary>
public sealed class AccessDeniedError : AwsServiceException
{
    public AccessDeniedError(string principalArn, string action, string resourceArn, string message)
        : base("com.amazon.coral.service", "AccessDeniedException", message, 400, capitalizedMessageMember: true)
    {
        PrincipalArn = principalArn;
        Action = action;
        ResourceArn = resourceArn;
    }

    /// <summary>The caller's ARN as the message names it.</summary>
    public string PrincipalArn { get; }

    /// <summary>The IAM action that was refused, e.g. <c>dynamodb:GetItem</c>.</summary>
    public string Action { get; }

    /// <summary>The resource the action was refused on.</summary>
    public string ResourceArn { get; }

    /// <summary>
    /// The sealed decision for services that answer with an "Encoded authorization failure
    /// message" (EC2), readable with sts:DecodeAuthorizationMessage; null when none was produced.
    /// </summary>
    public string? EncodedMessage { get; init; }
}
