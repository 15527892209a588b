using System.Text.Json.Serialization;

namespace Lockbox.Iam;

/// <summary>A tag on a user, role, policy or instance profile.</summary>
public sealed class IamTag
{
    /// <summary>The tag key (case-sensitive, unique per entity ignoring case, as in IAM).</summary>
    public string Key { get; set; } = "";

    /// <summary>The tag value (may be empty).</summary>
    public string Value { get; set; } = "";
}

/// <summary>What users, groups and roles have in common: a name, a path, an id and policies.</summary>
public abstract class PrincipalEntity
{
    /// <summary>The name as created (unique in the account ignoring case).</summary>
    public string Name { get; set; } = "";

    /// <summary>The path, <c>/</c> or <c>/a/b/</c>.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The unique id (AIDA…, AGPA…, AROA…), never reused.</summary>
    public string Id { get; set; } = "";

    /// <summary>When the entity was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>Inline policies: name → document as submitted.</summary>
    public SortedDictionary<string, string> InlinePolicies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>ARNs of the attached managed policies, in attachment order.</summary>
    public List<string> AttachedPolicies { get; set; } = [];
}

/// <summary>An IAM user (stored at <c>iam/user/&lt;id&gt;</c>).</summary>
public sealed class UserEntity : PrincipalEntity
{
    /// <summary>Ids of the groups the user belongs to.</summary>
    public List<string> GroupIds { get; set; } = [];

    /// <summary>The user's tags, in the order set.</summary>
    public List<IamTag> Tags { get; set; } = [];

    /// <summary>ARN of the permissions boundary policy, if any.</summary>
    public string? PermissionsBoundary { get; set; }
}

/// <summary>An IAM group (stored at <c>iam/group/&lt;id&gt;</c>). Members are kept on the users.</summary>
public sealed class GroupEntity : PrincipalEntity;

/// <summary>An IAM role (stored at <c>iam/role/&lt;id&gt;</c>).</summary>
public sealed class RoleEntity : PrincipalEntity
{
    /// <summary>The trust policy, as submitted.</summary>
    public string AssumeRolePolicyDocument { get; set; } = "";

    /// <summary>The description, if any.</summary>
    public string? Description { get; set; }

    /// <summary>Longest session in seconds (3600–43200; 3600 by default).</summary>
    public int MaxSessionDuration { get; set; } = 3600;

    /// <summary>The role's tags.</summary>
    public List<IamTag> Tags { get; set; } = [];

    /// <summary>ARN of the permissions boundary policy, if any.</summary>
    public string? PermissionsBoundary { get; set; }
}

/// <summary>One version of a managed policy.</summary>
public sealed class PolicyVersionEntity
{
    /// <summary><c>v1</c>, <c>v2</c>, … (never reused within the policy).</summary>
    public string VersionId { get; set; } = "";

    /// <summary>The document as submitted.</summary>
    public string Document { get; set; } = "";

    /// <summary>When the version was created.</summary>
    public DateTimeOffset CreateDate { get; set; }
}

/// <summary>A managed policy: customer managed (stored at <c>iam/policy/&lt;id&gt;</c>) or AWS managed (from the catalog).</summary>
public sealed class PolicyEntity
{
    /// <summary>The policy name (unique in the account ignoring case).</summary>
    public string Name { get; set; } = "";

    /// <summary>The path.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The policy id (ANPA…).</summary>
    public string Id { get; set; } = "";

    /// <summary>The policy ARN.</summary>
    public string Arn { get; set; } = "";

    /// <summary>The description, if any (immutable after creation, as in IAM).</summary>
    public string? Description { get; set; }

    /// <summary>When the policy was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>When the default version last changed.</summary>
    public DateTimeOffset UpdateDate { get; set; }

    /// <summary>The id of the default version.</summary>
    public string DefaultVersionId { get; set; } = "v1";

    /// <summary>The versions (at most 5), oldest first.</summary>
    public List<PolicyVersionEntity> Versions { get; set; } = [];

    /// <summary>The number of the next version to create.</summary>
    public int NextVersion { get; set; } = 2;

    /// <summary>The policy's tags.</summary>
    public List<IamTag> Tags { get; set; } = [];

    /// <summary>True for AWS managed policies (read-only, not stored).</summary>
    [JsonIgnore]
    public bool IsAwsManaged { get; set; }

    /// <summary>The default version.</summary>
    [JsonIgnore]
    public PolicyVersionEntity DefaultVersion => Versions.First(v => v.VersionId == DefaultVersionId);
}

/// <summary>An instance profile (stored at <c>iam/instance-profile/&lt;id&gt;</c>).</summary>
public sealed class InstanceProfileEntity
{
    /// <summary>The name (unique ignoring case).</summary>
    public string Name { get; set; } = "";

    /// <summary>The path.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The id (AIPA…).</summary>
    public string Id { get; set; } = "";

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>Ids of its roles (at most one, as IAM's quota).</summary>
    public List<string> RoleIds { get; set; } = [];

    /// <summary>Its tags.</summary>
    public List<IamTag> Tags { get; set; } = [];
}

/// <summary>
/// An IAM user's access key (stored at <c>iam/access-key/&lt;id&gt;</c>). The secret is sealed
/// with the master key (AES-256-GCM), associated data <c>iam/access-key/&lt;id&gt;</c>.
/// </summary>
public sealed class AccessKeyEntity
{
    /// <summary>The AKIA… id.</summary>
    public string AccessKeyId { get; set; } = "";

    /// <summary>Id of the owning user.</summary>
    public string UserId { get; set; } = "";

    /// <summary><c>Active</c> or <c>Inactive</c>.</summary>
    public string Status { get; set; } = "Active";

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreateDate { get; set; }

    /// <summary>The sealed secret.</summary>
    public byte[] SealedSecret { get; set; } = [];

    /// <summary>When the key last signed an accepted request (minute precision).</summary>
    public DateTimeOffset? LastUsedDate { get; set; }

    /// <summary>The signing name of the service last called with the key.</summary>
    public string? LastUsedService { get; set; }

    /// <summary>The region last called with the key.</summary>
    public string? LastUsedRegion { get; set; }
}

/// <summary>Source-generated JSON contracts for the stored entities.</summary>
[JsonSerializable(typeof(UserEntity))]
[JsonSerializable(typeof(GroupEntity))]
[JsonSerializable(typeof(RoleEntity))]
[JsonSerializable(typeof(PolicyEntity))]
[JsonSerializable(typeof(InstanceProfileEntity))]
[JsonSerializable(typeof(AccessKeyEntity))]
[JsonSerializable(typeof(LoginProfileEntity))]
[JsonSerializable(typeof(PasswordPolicyEntity))]
[JsonSerializable(typeof(MfaDeviceEntity))]
internal sealed partial class IamEntityJsonContext : JsonSerializerContext;
