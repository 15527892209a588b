using System.Text;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Iam.Tests;

/// <summary>
/// Every operation IAM offers asks the authorizer for <c>iam:&lt;Operation&gt;</c> on the exact
/// resource IAM's authorization reference names (user, group, role, policy, instance profile, MFA
/// device; <c>*</c> for account-wide operations), before it reads or changes anything, and changes
/// nothing when refused. An operation added to <see cref="IamService.Operations"/> without a case
/// here fails the test.
/// </summary>
public sealed partial class AuthorizationCoverageTests : IDisposable
{
    private const string Account = "123456789012";
    private const string Iam = "arn:aws:iam::" + Account + ":";
    private const string User = Iam + "user/team/alice";
    private const string Group = Iam + "group/team/devs";
    private const string Role = Iam + "role/team/app";
    private const string Policy = Iam + "policy/team/p";
    private const string Profile = Iam + "instance-profile/team/web";
    private const string Mfa = Iam + "mfa/team/dev";

    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-iam-authz-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;

    public AuthorizationCoverageTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
    }

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The resource each operation is authorized on, given the entities and parameters below.</summary>
    private static readonly Dictionary<string, string> s_expectedResource = new(StringComparer.Ordinal)
    {
        ["CreateUser"] = User, ["GetUser"] = User, ["ListUsers"] = Iam + "user/", ["UpdateUser"] = User, ["DeleteUser"] = User,
        ["TagUser"] = User, ["UntagUser"] = User, ["ListUserTags"] = User,
        ["CreateAccessKey"] = User, ["ListAccessKeys"] = User, ["UpdateAccessKey"] = User, ["DeleteAccessKey"] = User, ["GetAccessKeyLastUsed"] = User,
        ["CreateGroup"] = Group, ["GetGroup"] = Group, ["ListGroups"] = Iam + "group/", ["UpdateGroup"] = Group, ["DeleteGroup"] = Group,
        ["AddUserToGroup"] = Group, ["RemoveUserFromGroup"] = Group, ["ListGroupsForUser"] = User,
        ["CreatePolicy"] = Policy, ["GetPolicy"] = Policy, ["ListPolicies"] = "*", ["DeletePolicy"] = Policy, ["CreatePolicyVersion"] = Policy,
        ["GetPolicyVersion"] = Policy, ["ListPolicyVersions"] = Policy, ["SetDefaultPolicyVersion"] = Policy, ["DeletePolicyVersion"] = Policy,
        ["TagPolicy"] = Policy, ["UntagPolicy"] = Policy, ["ListPolicyTags"] = Policy,
        ["AttachUserPolicy"] = User, ["DetachUserPolicy"] = User, ["AttachGroupPolicy"] = Group, ["DetachGroupPolicy"] = Group,
        ["AttachRolePolicy"] = Role, ["DetachRolePolicy"] = Role,
        ["ListAttachedUserPolicies"] = User, ["ListAttachedGroupPolicies"] = Group, ["ListAttachedRolePolicies"] = Role, ["ListEntitiesForPolicy"] = Policy,
        ["PutUserPolicy"] = User, ["GetUserPolicy"] = User, ["ListUserPolicies"] = User, ["DeleteUserPolicy"] = User,
        ["PutGroupPolicy"] = Group, ["GetGroupPolicy"] = Group, ["ListGroupPolicies"] = Group, ["DeleteGroupPolicy"] = Group,
        ["PutRolePolicy"] = Role, ["GetRolePolicy"] = Role, ["ListRolePolicies"] = Role, ["DeleteRolePolicy"] = Role,
        ["CreateRole"] = Role, ["GetRole"] = Role, ["ListRoles"] = Iam + "role/", ["UpdateRole"] = Role, ["UpdateRoleDescription"] = Role,
        ["DeleteRole"] = Role, ["UpdateAssumeRolePolicy"] = Role, ["TagRole"] = Role, ["UntagRole"] = Role, ["ListRoleTags"] = Role,
        ["PutUserPermissionsBoundary"] = User, ["DeleteUserPermissionsBoundary"] = User,
        ["PutRolePermissionsBoundary"] = Role, ["DeleteRolePermissionsBoundary"] = Role,
        ["CreateInstanceProfile"] = Profile, ["GetInstanceProfile"] = Profile, ["ListInstanceProfiles"] = Iam + "instance-profile/",
        ["DeleteInstanceProfile"] = Profile, ["AddRoleToInstanceProfile"] = Profile, ["RemoveRoleFromInstanceProfile"] = Profile,
        ["ListInstanceProfilesForRole"] = Role, ["TagInstanceProfile"] = Profile, ["UntagInstanceProfile"] = Profile, ["ListInstanceProfileTags"] = Profile,
        ["GetAccountAuthorizationDetails"] = "*",
        ["CreateLoginProfile"] = User, ["GetLoginProfile"] = User, ["UpdateLoginProfile"] = User, ["DeleteLoginProfile"] = User,
        ["UpdateAccountPasswordPolicy"] = "*", ["GetAccountPasswordPolicy"] = "*", ["DeleteAccountPasswordPolicy"] = "*",
        ["CreateVirtualMFADevice"] = Mfa, ["EnableMFADevice"] = User, ["ResyncMFADevice"] = User, ["DeactivateMFADevice"] = User,
        ["DeleteVirtualMFADevice"] = Mfa, ["ListVirtualMFADevices"] = "*", ["ListMFADevices"] = User,
        ["SimulatePrincipalPolicy"] = User, ["SimulateCustomPolicy"] = "*",
        ["GetContextKeysForPrincipalPolicy"] = User, ["GetContextKeysForCustomPolicy"] = "*",
    };

    [Fact]
    public void Every_operation_is_authorized_on_its_resource_before_it_acts_and_changes_nothing_when_refused()
    {
        var root = Caller(root: true);
        var setup = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), TimeProvider.System);
        Invoke(setup, "CreateUser", root, ("UserName", "alice"), ("Path", "/team/"));
        Invoke(setup, "CreateGroup", root, ("GroupName", "devs"), ("Path", "/team/"));
        Invoke(setup, "CreateRole", root, ("RoleName", "app"), ("Path", "/team/"), ("AssumeRolePolicyDocument", Trust));
        Invoke(setup, "CreateInstanceProfile", root, ("InstanceProfileName", "web"), ("Path", "/team/"));
        Invoke(setup, "CreatePolicy", root, ("PolicyName", "p"), ("Path", "/team/"), ("PolicyDocument", Document));
        Invoke(setup, "CreateVirtualMFADevice", root, ("VirtualMFADeviceName", "dev"), ("Path", "/team/"));
        var keyId = KeyIdPattern().Match(Invoke(setup, "CreateAccessKey", root, ("UserName", "alice"))).Groups[1].Value;

        (string, string)[] parameters =
        [
            ("UserName", "alice"), ("GroupName", "devs"), ("RoleName", "app"), ("InstanceProfileName", "web"), ("Path", "/team/"),
            ("PolicyName", "p"), ("PolicyArn", Policy), ("VersionId", "v1"), ("PolicyDocument", Document), ("AssumeRolePolicyDocument", Trust),
            ("AccessKeyId", keyId), ("Status", "Active"), ("Description", "d"), ("PermissionsBoundary", Policy),
            ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"), ("TagKeys.member.1", "k"),
            ("Password", "Passw0rd!x"), ("VirtualMFADeviceName", "dev"), ("SerialNumber", Mfa),
            ("AuthenticationCode1", "123456"), ("AuthenticationCode2", "654321"),
            ("PolicySourceArn", User), ("ActionNames.member.1", "dynamodb:GetItem"), ("PolicyInputList.member.1", Document),
        ];

        var authorizer = new RefusingAuthorizer();
        var service = new IamService(_store, authorizer, new PolicyEngineValidator(), TimeProvider.System);
        var version = _store.Version;
        var missing = IamService.Operations.Where(o => !s_expectedResource.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, "operations without an authorization case: " + string.Join(", ", missing));
        Assert.Empty(s_expectedResource.Keys.Except(IamService.Operations));

        foreach (var operation in IamService.Operations)
        {
            authorizer.Requests.Clear();
            var error = Assert.ThrowsAny<AwsServiceException>(() => Invoke(service, operation, Caller(root: false), parameters));
            Assert.True(error.ErrorCode == "AccessDeniedException", $"{operation}: {error.ErrorCode} {error.Message}");
            var request = Assert.Single(authorizer.Requests);
            Assert.Equal("iam:" + operation, request.Action);
            Assert.True(s_expectedResource[operation] == request.ResourceArn, $"{operation}: authorized on {request.ResourceArn}, expected {s_expectedResource[operation]}");
            Assert.Equal(version, _store.Version);
        }
    }

    private const string Document = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}""";

    private const string Trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    [GeneratedRegex("<AccessKeyId>(AKIA[A-Z2-7]{16})</AccessKeyId>")]
    private static partial Regex KeyIdPattern();

    private static CallerContext Caller(bool root) => new()
    {
        RequestId = "REQ",
        Principal = root
            ? new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true)
            : new Principal(Account, $"arn:aws:iam::{Account}:user/mallory", "AIDAMALLORY", "AKIAMALLORY", IsRoot: false),
        Region = "us-east-1",
        RequestTime = DateTimeOffset.UtcNow,
    };

    private static string Invoke(IamService service, string action, CallerContext caller, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        service.InvokeAsync(action, request, caller, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>Records what was asked and refuses everyone but root.</summary>
    private sealed class RefusingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Requests { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Requests.Add(request);
            new RootOnlyAuthorizer().Authorize(caller, request);
        }
    }
}
