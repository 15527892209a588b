using Lockbox.Common;

namespace Lockbox.Iam;

/// <summary>
/// IAM's errors with their awsQuery codes and HTTP statuses (from the IAM API model) and
/// AWS's message texts. Error paths only.
/// </summary>
public static class IamErrors
{
    /// <summary>The namespace recorded on IAM errors (awsQuery errors carry only the code on the wire).</summary>
    public const string Namespace = "iam";

    /// <summary>NoSuchEntity (404).</summary>
    public static AwsServiceException NoSuchEntity(string message) => new(Namespace, "NoSuchEntity", message, 404);

    /// <summary>EntityAlreadyExists (409).</summary>
    public static AwsServiceException EntityAlreadyExists(string message) => new(Namespace, "EntityAlreadyExists", message, 409);

    /// <summary>LimitExceeded (409).</summary>
    public static AwsServiceException LimitExceeded(string message) => new(Namespace, "LimitExceeded", message, 409);

    /// <summary>DeleteConflict (409).</summary>
    public static AwsServiceException DeleteConflict(string message) => new(Namespace, "DeleteConflict", message, 409);

    /// <summary>InvalidInput (400).</summary>
    public static AwsServiceException InvalidInput(string message) => new(Namespace, "InvalidInput", message, 400);

    /// <summary>ValidationError (400): the "N validation error(s) detected: …" texts.</summary>
    public static AwsServiceException Validation(string message) => new(Namespace, "ValidationError", message, 400);

    /// <summary>MalformedPolicyDocument (400).</summary>
    public static AwsServiceException MalformedPolicyDocument(string message) => new(Namespace, "MalformedPolicyDocument", message, 400);

    /// <summary>UnmodifiableEntity (400).</summary>
    public static AwsServiceException UnmodifiableEntity(string message) => new(Namespace, "UnmodifiableEntity", message, 400);

    /// <summary>AccessDenied (403), IAM's wording for an action on a resource the caller may not touch.</summary>
    public static AwsServiceException AccessDenied(string callerArn, string action, string resource) =>
        new(Namespace, "AccessDenied", $"User: {callerArn} is not authorized to perform: {action} on resource: {resource}", 403);

    /// <summary>The user does not exist.</summary>
    public static AwsServiceException NoSuchUser(string name) => NoSuchEntity($"The user with name {name} cannot be found.");

    /// <summary>The group does not exist.</summary>
    public static AwsServiceException NoSuchGroup(string name) => NoSuchEntity($"The group with name {name} cannot be found.");

    /// <summary>The role does not exist.</summary>
    public static AwsServiceException NoSuchRole(string name) => NoSuchEntity($"The role with name {name} cannot be found.");

    /// <summary>GetPolicy and friends on a policy that does not exist.</summary>
    public static AwsServiceException NoSuchPolicy(string arn) => NoSuchEntity($"Policy {arn} was not found.");

    /// <summary>Attach calls on a policy that does not exist.</summary>
    public static AwsServiceException PolicyNotAttachable(string arn) => NoSuchEntity($"Policy {arn} does not exist or is not attachable.");

    /// <summary>A policy version that does not exist.</summary>
    public static AwsServiceException NoSuchPolicyVersion(string arn, string versionId) =>
        NoSuchEntity($"Policy {arn} version {versionId} does not exist or is not attachable.");

    /// <summary>An instance profile that does not exist.</summary>
    public static AwsServiceException NoSuchInstanceProfile(string name) => NoSuchEntity($"Instance Profile {name} cannot be found.");

    /// <summary>An inline policy that does not exist (kind: user, group, role).</summary>
    public static AwsServiceException NoSuchInlinePolicy(string kind, string policyName) =>
        NoSuchEntity($"The {kind} policy with name {policyName} cannot be found.");

    /// <summary>An access key that does not exist (or belongs to another user).</summary>
    public static AwsServiceException NoSuchAccessKey(string id) => NoSuchEntity($"The Access Key with id {id} cannot be found.");
    /// <summary>PasswordPolicyViolation (400): the password does not satisfy the account password policy.</summary>
    public static AwsServiceException PasswordPolicyViolation(string message) => new(Namespace, "PasswordPolicyViolation", message, 400);

    /// <summary>InvalidAuthenticationCode (403): the MFA codes are not two consecutive valid codes.</summary>
    public static AwsServiceException InvalidAuthenticationCode() =>
        new(Namespace, "InvalidAuthenticationCode", "Authentication code for device is not valid.", 403);

    /// <summary>The user has no login profile.</summary>
    public static AwsServiceException NoSuchLoginProfile(string userName) => NoSuchEntity($"Login Profile for User {userName} cannot be found.");

    /// <summary>The account has no password policy.</summary>
    public static AwsServiceException NoSuchPasswordPolicy() => NoSuchEntity("The Password Policy with domain name ACCOUNT cannot be found.");

    /// <summary>A virtual MFA device that does not exist.</summary>
    public static AwsServiceException NoSuchMfaDevice(string serialNumber) => NoSuchEntity($"VirtualMFADevice with serial number {serialNumber} doesn't exist.");
}
