namespace Lockbox.Common;

/// <summary>
/// One thing an operation is about to do, described for authorization: the IAM action, the
/// resource ARN and the request's condition keys (e.g. dynamodb:LeadingKeys).
/// </summary>
public sealed record AuthorizationRequest(
    string Action,
    string ResourceArn,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? ConditionKeys = null)
{
    /// <summary>
    /// For sts:AssumeRole* only: the role's trust policy (JSON), evaluated as the resource-based
    /// policy of the request (AWS's same-account rules: a trust policy naming the caller allows on
    /// its own, one naming the account needs the caller's identity-based allow too).
    /// </summary>
    public string? TrustPolicy { get; init; }
}

/// <summary>
/// The pipeline stage that decides whether a caller may do what a handler described.
/// Handlers describe; they never evaluate policies themselves. Throws AccessDeniedException
/// (as <see cref="AwsServiceException"/>) when denied.
/// </summary>
public interface IRequestAuthorizer
{
    void Authorize(CallerContext caller, AuthorizationRequest request);
}

/// <summary>
/// Lets the account's root principal do everything and denies every other principal, so
/// nothing is open by accident. The server runs <c>IamAuthorizer</c> (Lockbox.Iam); this is
/// the authorizer of service tests that are not about IAM.
/// </summary>
public sealed class RootOnlyAuthorizer : IRequestAuthorizer
{
    public void Authorize(CallerContext caller, AuthorizationRequest request)
    {
        if (caller.Principal.IsRoot)
        {
            return;
        }

        throw new AccessDeniedError(caller.Principal.Arn, request.Action, request.ResourceArn,
            $"User: {caller.Principal.Arn} is not authorized to perform: {request.Action} on resource: {request.ResourceArn} because no identity-based policy allows the {request.Action} action");
    }
}
