namespace Lockbox.Iam.Policy;

/// <summary>
/// AWS's AccessDenied wording for a decision:
/// <c>User: ARN is not authorized to perform: ACTION on resource: RESOURCE because no identity-based policy allows the ACTION action</c>
/// or <c>... with an explicit deny in an identity-based policy</c>, and the resource-based,
/// permissions boundary and session policy variants. Each service wraps it in its own error shape.
/// </summary>
public static class AccessDeniedMessage
{
    /// <summary>Formats the message for a denied <paramref name="decision"/>.</summary>
    /// <param name="principalArn">The caller as IAM shows it (user ARN, assumed-role session ARN...).</param>
    /// <param name="action">The IAM action, e.g. dynamodb:GetItem.</param>
    /// <param name="resource">The resource ARN, "*" for actions without resource-level permissions, or
    /// null for services whose messages leave out the "on resource:" part.</param>
    /// <param name="decision">A deny decision from <see cref="PolicyEvaluator"/>.</param>
    /// <param name="includePolicyArn">Append ", with policy ARN: ARN" to explicit denies by a managed
    /// policy (not resource-based), as AWS does since 2026 for same-account requests.</param>
    public static string Format(string principalArn, string action, string? resource, AuthorizationDecision decision, bool includePolicyArn = false)
    {
        var head = resource is null
            ? $"User: {principalArn} is not authorized to perform: {action}"
            : $"User: {principalArn} is not authorized to perform: {action} on resource: {resource}";
        if (decision.Decision == EvaluationDecision.ExplicitDeny)
        {
            var text = $"{head} with an explicit deny in {Article(decision.PolicyType)}";
            return includePolicyArn && decision.PolicyType != PolicyType.ResourceBased && decision.PolicyId is { } id && id.StartsWith("arn:", StringComparison.Ordinal)
                ? $"{text}, with policy ARN: {id}"
                : text;
        }

        return $"{head} because no {Name(decision.PolicyType == PolicyType.None ? PolicyType.IdentityBased : decision.PolicyType)} allows the {action} action";
    }

    private static string Name(PolicyType type) => type switch
    {
        PolicyType.ResourceBased => "resource-based policy",
        PolicyType.PermissionsBoundary => "permissions boundary",
        PolicyType.SessionPolicy => "session policy",
        _ => "identity-based policy",
    };

    private static string Article(PolicyType type) => type switch
    {
        PolicyType.ResourceBased => "a resource-based policy",
        PolicyType.PermissionsBoundary => "a permissions boundary",
        PolicyType.SessionPolicy => "a session policy",
        _ => "an identity-based policy",
    };
}
