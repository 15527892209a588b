namespace Lockbox.Iam.Policy;

/// <summary>
/// IAM's MalformedPolicyDocument messages, as the IAM API returns them (collected from public
/// transcripts of real IAM responses; see docs/ARCHITECTURE.md "IAM policy engine").
/// </summary>
public static class PolicyErrors
{
    /// <summary>Not JSON, wrong JSON types, unknown or misspelt elements, bad Effect, bad Condition shape.</summary>
    public const string SyntaxErrors = "Syntax errors in policy.";

    /// <summary>CreatePolicy/CreatePolicyVersion with no Version or Version 2008-10-17.</summary>
    public const string VersionTooOld = "Policy document must be version 2012-10-17 or greater.";

    /// <summary>Effect not exactly Allow/Deny, a malformed date condition value, a malformed ARN.</summary>
    public const string LegacyParsing = "The policy failed legacy parsing";

    /// <summary>Two statements share a Sid.</summary>
    public const string DuplicateSid = "Statement IDs (SID) in a single policy must be unique.";

    /// <summary>A Sid with characters other than ASCII letters and digits (IAM policies).</summary>
    public const string SidNotAlphanumeric = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";

    /// <summary>A statement without Action/NotAction (or with an empty list).</summary>
    public const string MissingActions = "Policy statement must contain actions.";

    /// <summary>A statement without Resource/NotResource (or with an empty list).</summary>
    public const string MissingResources = "Policy statement must contain resources.";

    /// <summary>An identity policy (or permissions boundary, session policy) with Principal/NotPrincipal.</summary>
    public const string PrincipalNotAllowed = "Policy document should not specify a principal.";

    /// <summary>An action or condition key without a "vendor:" prefix.</summary>
    public const string MissingVendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

    /// <summary>An action with more than one colon.</summary>
    public const string TooManyColons = "Actions/Condition can contain only one colon.";

    /// <summary>A resource whose service part is empty or a wildcard.</summary>
    public const string ResourceVendorNotQualified = "Resource vendor must be fully qualified and cannot contain regexes.";

    /// <summary>A trust policy statement whose actions are not sts:AssumeRole*, sts:TagSession...</summary>
    public const string TrustPolicyActions = "AssumeRole policy may only specify STS AssumeRole actions.";

    /// <summary>"Vendor X is not valid".</summary>
    public static string InvalidVendor(string vendor) => $"Vendor {vendor} is not valid";

    /// <summary>A resource that is neither "*" nor an ARN.</summary>
    public static string ResourceNotArn(string resource) => $"Resource {resource} must be in ARN format or \"*\".";

    /// <summary>An ARN whose partition is not aws.</summary>
    public static string InvalidPartition(string partition, string arn1, string arn2, string arn3, string arn4) =>
        $"Partition \"{partition}\" is not valid for resource \"arn:{partition}:{arn1}:{arn2}:{arn3}:{arn4}\".";

    /// <summary>An IAM resource ARN with a region.</summary>
    public static string IamResourceWithRegion(string resource) => $"IAM resource {resource} cannot contain region information.";

    /// <summary>An S3 resource ARN with a region.</summary>
    public static string S3ResourceWithRegion(string resource) => $"Resource {resource} can not contain region information.";

    /// <summary>An IAM resource ARN with an unknown resource type.</summary>
    public const string IamResourcePath = "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";

    /// <summary>A trust or resource policy element that is not allowed in that kind of policy.</summary>
    public static string ProhibitedField(string field) => $"Has prohibited field {field}";

    /// <summary>A trust or resource policy statement missing a required element.</summary>
    public static string MissingRequiredField(string field) => $"Missing required field {field}";

    /// <summary>A resource policy element IAM does not know.</summary>
    public static string UnknownField(string field) => $"Unknown field {field}";

    /// <summary>A principal identifier that is not well formed (trust and resource policies).</summary>
    public static string InvalidPrincipal(string type, string value) => $"Invalid principal in policy: \"{type}\":\"{value}\"";
}
