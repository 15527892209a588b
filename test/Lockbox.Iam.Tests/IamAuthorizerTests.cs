using System.Text;
using Lockbox.Common;
using Lockbox.Iam.Authorization;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Iam.Tests;

/// <summary>The IAM authorizer over a real identity store, changed through the IAM service as root.</summary>
public sealed class IamAuthorizerTests : IDisposable
{
    private const string Account = "123456789012";
    private const string Table = "arn:aws:dynamodb:us-east-1:123456789012:table/books";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-iamauthz-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;
    private readonly IamService _iam;
    private readonly FakeResourcePolicies _resourcePolicies = new();
    private readonly IamAuthorizer _authorizer;
    private readonly List<DenialRecord> _denials = [];

    public IamAuthorizerTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
        _iam = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), TimeProvider.System);
        _authorizer = new IamAuthorizer(_store, _resourcePolicies, NullLogger.Instance);
        _authorizer.Denied += _denials.Add;
    }

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class FakeResourcePolicies : IResourcePolicySource
    {
        public Dictionary<string, string> Policies { get; } = [];

        public string? GetResourcePolicy(string resourceArn) => Policies.GetValueOrDefault(resourceArn);
    }

    private static CallerContext Root() => new()
    {
        RequestId = "REQ",
        Principal = new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true),
        Region = "us-east-1",
        RequestTime = DateTimeOffset.UtcNow,
    };

    private void Iam(string action, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        _iam.InvokeAsync(action, request, Root(), output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private CallerContext User(string name, string ip = "127.0.0.1")
    {
        var user = _store.Read(state => state.Users[IdentityStore.Fold(name)]);
        return new CallerContext
        {
            RequestId = "REQ",
            Principal = new Principal(Account, $"arn:aws:iam::{Account}:user/{name}", user.Id, "AKIAUSER", IsRoot: false),
            Region = "us-east-1",
            RequestTime = DateTimeOffset.UtcNow,
            SourceIp = System.Net.IPAddress.Parse(ip),
        };
    }

    private static string Policy(string effect, string action, string resource, string condition = "") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"{{effect}}","Action":"{{action}}","Resource":"{{resource}}"{{condition}}}]}""";

    private string Deny(CallerContext caller, string action, string resource = Table, Dictionary<string, IReadOnlyList<string>>? keys = null)
    {
        var error = Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(caller, new AuthorizationRequest(action, resource, keys)));
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Equal(400, error.HttpStatus);
        return error.Message;
    }

    [Fact]
    public void Root_is_allowed_and_a_user_without_policies_is_denied_in_AWS_wording()
    {
        _authorizer.Authorize(Root(), new AuthorizationRequest("dynamodb:DeleteTable", Table));
        Iam("CreateUser", ("UserName", "alice"));
        Assert.Equal($"User: arn:aws:iam::{Account}:user/alice is not authorized to perform: dynamodb:GetItem on resource: {Table} because no identity-based policy allows the dynamodb:GetItem action",
            Deny(User("alice"), "dynamodb:GetItem"));
        var record = Assert.Single(_denials);
        Assert.Equal(("implicitDeny", "IdentityBased", null), (record.Decision, record.PolicyType, record.PolicyId));
    }

    [Fact]
    public void An_IAM_change_applies_to_the_next_request()
    {
        Iam("CreateUser", ("UserName", "bob"));
        var bob = User("bob");
        Deny(bob, "dynamodb:GetItem");
        Iam("PutUserPolicy", ("UserName", "bob"), ("PolicyName", "read"), ("PolicyDocument", Policy("Allow", "dynamodb:GetItem", Table)));
        _authorizer.Authorize(bob, new AuthorizationRequest("dynamodb:GetItem", Table));
        _authorizer.Authorize(bob, new AuthorizationRequest("dynamodb:GetItem", Table)); // cached

        // A group's managed deny joins in; the denying policy and statement are recorded.
        Iam("CreateGroup", ("GroupName", "frozen"));
        Iam("CreatePolicy", ("PolicyName", "nothing"), ("PolicyDocument", Policy("Deny", "dynamodb:*", "*")));
        Iam("AttachGroupPolicy", ("GroupName", "frozen"), ("PolicyArn", $"arn:aws:iam::{Account}:policy/nothing"));
        Iam("AddUserToGroup", ("GroupName", "frozen"), ("UserName", "bob"));
        Assert.EndsWith($"with an explicit deny in an identity-based policy, with policy ARN: arn:aws:iam::{Account}:policy/nothing",
            Deny(bob, "dynamodb:GetItem"), StringComparison.Ordinal);
        Assert.Equal(($"arn:aws:iam::{Account}:policy/nothing", "S1"), (_denials[^1].PolicyId, _denials[^1].Sid));

        Iam("RemoveUserFromGroup", ("GroupName", "frozen"), ("UserName", "bob"));
        _authorizer.Authorize(bob, new AuthorizationRequest("dynamodb:GetItem", Table));
        Iam("DeleteUserPolicy", ("UserName", "bob"), ("PolicyName", "read"));
        Deny(bob, "dynamodb:GetItem");
    }

    [Fact]
    public void Permissions_boundaries_limit_and_global_and_request_keys_are_supplied()
    {
        Iam("CreateUser", ("UserName", "carol"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "books"));
        Iam("PutUserPolicy", ("UserName", "carol"), ("PolicyName", "all"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"books","aws:username":"carol","aws:PrincipalType":"User","aws:RequestedRegion":"us-east-1"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}}]}"""));
        var carol = User("carol", "10.1.2.3");
        _authorizer.Authorize(carol, new AuthorizationRequest("dynamodb:GetItem", Table,
            new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = ["carol"] }));
        Deny(carol, "dynamodb:GetItem", keys: new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = ["dave"] });
        Deny(User("carol", "192.168.0.1"), "dynamodb:GetItem");

        Iam("CreatePolicy", ("PolicyName", "reads"), ("PolicyDocument", Policy("Allow", "dynamodb:GetItem", "*")));
        Iam("PutUserPermissionsBoundary", ("UserName", "carol"), ("PermissionsBoundary", $"arn:aws:iam::{Account}:policy/reads"));
        _authorizer.Authorize(carol, new AuthorizationRequest("dynamodb:GetItem", Table));
        Assert.EndsWith("because no permissions boundary allows the dynamodb:PutItem action", Deny(carol, "dynamodb:PutItem"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_policy_takes_part()
    {
        Iam("CreateUser", ("UserName", "erin"));
        var erin = User("erin");
        Deny(erin, "dynamodb:GetItem");
        _resourcePolicies.Policies[Table] = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/erin"},"Action":"dynamodb:GetItem","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"dynamodb:Scan","Resource":"*"}]}""";
        _authorizer.Authorize(erin, new AuthorizationRequest("dynamodb:GetItem", Table));
        Assert.EndsWith("with an explicit deny in a resource-based policy", Deny(erin, "dynamodb:Scan"), StringComparison.Ordinal);
        Assert.EndsWith("because no identity-based policy allows the dynamodb:Query action", Deny(erin, "dynamodb:Query"), StringComparison.Ordinal);
    }
}
