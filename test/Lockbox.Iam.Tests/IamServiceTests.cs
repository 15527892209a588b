using System.Text;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Iam.Tests;

/// <summary>The IAM service in process over a real RocksDB store (no server).</summary>
public sealed class IamServiceTests : IDisposable
{
    private const string Account = "123456789012";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-iam-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;

    public IamServiceTests()
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

    /// <summary>Every parameter any operation may need, all valid, so only authorization can refuse.</summary>
    private static readonly (string, string)[] s_allParameters =
    [
        ("UserName", "alice"), ("GroupName", "devs"), ("RoleName", "app"), ("InstanceProfileName", "web"),
        ("PolicyName", "p"), ("PolicyArn", $"arn:aws:iam::{Account}:policy/p"), ("VersionId", "v1"),
        ("PolicyDocument", """{"Version":"2012-10-17","Statement":[]}"""),
        ("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[]}"""),
        ("AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"), ("Status", "Active"), ("Description", "d"),
        ("PermissionsBoundary", $"arn:aws:iam::{Account}:policy/p"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"),
        ("TagKeys.member.1", "k"),
        ("Password", "Passw0rd!x"), ("VirtualMFADeviceName", "dev"), ("SerialNumber", $"arn:aws:iam::{Account}:mfa/dev"),
        ("AuthenticationCode1", "123456"), ("AuthenticationCode2", "654321"),
    ];

    [Fact]
    public void Every_operation_is_authorized_with_its_iam_action_before_it_acts_and_changes_nothing_when_refused()
    {
        var authorizer = new RecordingAuthorizer();
        var service = new IamService(_store, authorizer, new PolicyEngineValidator(), TimeProvider.System);
        var version = _store.Version;
        Assert.Equal(IamService.Operations.Count, IamService.Operations.Distinct().Count());
        foreach (var operation in IamService.Operations)
        {
            authorizer.Requests.Clear();
            var error = Assert.ThrowsAny<AwsServiceException>(() => Invoke(service, operation, Caller(root: false), s_allParameters));
            Assert.True(error.ErrorCode == "AccessDeniedException", $"{operation}: {error.ErrorCode} {error.Message}");
            var request = Assert.Single(authorizer.Requests);
            Assert.Equal("iam:" + operation, request.Action);
            Assert.True(request.ResourceArn == "*" || request.ResourceArn.StartsWith($"arn:aws:iam::{Account}:", StringComparison.Ordinal),
                $"{operation}: {request.ResourceArn}");
            Assert.Equal(version, _store.Version);
        }

        // Every operation of the data files (IAM's and STS's) is offered and vice versa.
        Assert.Equal(IamService.Operations.Concat(Lockbox.Iam.Sts.StsService.Operations).Order(), IamValidation.Operations.Order());
    }

    [Fact]
    public void Users_keys_and_policies_persist_and_keys_authenticate_as_the_user()
    {
        var service = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), TimeProvider.System);
        var root = Caller(root: true);
        Invoke(service, "CreateUser", root, ("UserName", "Alice"), ("Path", "/eng/"));
        var xml = Invoke(service, "CreateAccessKey", root, ("UserName", "alice"));
        var keyId = System.Text.RegularExpressions.Regex.Match(xml, "<AccessKeyId>(AKIA[A-Z2-7]{16})</AccessKeyId>").Groups[1].Value;
        var secret = System.Text.RegularExpressions.Regex.Match(xml, "<SecretAccessKey>([^<]{40})</SecretAccessKey>").Groups[1].Value;
        Assert.NotEmpty(keyId);
        Assert.NotEmpty(secret);

        Assert.True(_store.TryGetAccessKey(keyId, out var record));
        Assert.Equal(secret, record.SecretAccessKey);
        Assert.Equal($"arn:aws:iam::{Account}:user/eng/Alice", record.Principal.Arn);
        Assert.StartsWith("AIDA", record.Principal.UserId, StringComparison.Ordinal);
        Assert.Equal(21, record.Principal.UserId.Length);
        Assert.False(record.Principal.IsRoot);

        // The secret is sealed on disk, never stored in plain text.
        var keyspace = _storage.OpenKeyspace(IdentityStore.KeyspaceName);
        foreach (var entry in _storage.Scan(keyspace, Lockbox.Storage.KeyRange.All))
        {
            Assert.DoesNotContain(secret, Encoding.UTF8.GetString(entry.Value), StringComparison.Ordinal);
        }

        // A reopened store sees the same identities; an inactive key does not authenticate.
        var reopened = IdentityStore.Open(_storage, _masterKey, Account);
        Assert.True(reopened.TryGetAccessKey(keyId, out _));
        Invoke(service, "UpdateAccessKey", root, ("UserName", "alice"), ("AccessKeyId", keyId), ("Status", "Inactive"));
        Assert.False(_store.TryGetAccessKey(keyId, out _));

        var error = Assert.Throws<AwsServiceException>(() => Invoke(service, "DeleteUser", root, ("UserName", "alice")));
        Assert.Equal("DeleteConflict", error.ErrorCode);
        Assert.Equal(409, error.HttpStatus);
    }

    [Fact]
    public void A_malformed_policy_document_is_refused_and_nothing_is_stored()
    {
        var service = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), TimeProvider.System);
        var version = _store.Version;
        var error = Assert.Throws<AwsServiceException>(() =>
            Invoke(service, "CreatePolicy", Caller(root: true), ("PolicyName", "p"), ("PolicyDocument", "{nope")));
        Assert.Equal("MalformedPolicyDocument", error.ErrorCode);
        Assert.Equal("Syntax errors in policy.", error.ErrorMessage);
        Assert.Equal(version, _store.Version);
        Assert.Empty(_store.Read(s => s.Policies.Values.ToList()));
    }

    [Fact]
    public void Validation_errors_follow_the_model_and_iams_wording()
    {
        var service = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), TimeProvider.System);
        var error = Assert.Throws<AwsServiceException>(() =>
            Invoke(service, "CreateRole", Caller(root: true), ("RoleName", "r r"), ("AssumeRolePolicyDocument", "{}"), ("MaxSessionDuration", "50000")));
        Assert.Equal("ValidationError", error.ErrorCode);
        Assert.Equal("2 validation errors detected: Value 'r r' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
            "Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", error.ErrorMessage);
    }

    private sealed class RecordingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Requests { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Requests.Add(request);
            new RootOnlyAuthorizer().Authorize(caller, request);
        }
    }
}
