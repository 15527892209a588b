using Lockbox.Common;
using Lockbox.Iam.Sts;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Iam.Tests;

/// <summary>Session tokens (seal/open, tamper, key binding, cache) and the issuer's trust evaluation for services.</summary>
public sealed class StsTokenTests : IDisposable
{
    private const string Account = "123456789012";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-sts-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly IdentityStore _store;
    private readonly IamService _iam;
    private readonly SessionTokenCodec _codec;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly StsIssuer _issuer;

    public StsTokenTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
        _iam = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), _clock);
        _codec = new SessionTokenCodec(_masterKey);
        _issuer = new StsIssuer(_store, _codec, _clock);
    }

    public void Dispose()
    {
        _codec.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private void Iam(string action, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        var root = new CallerContext
        {
            RequestId = "REQ",
            Principal = new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true),
            Region = "us-east-1",
            RequestTime = _clock.Now,
        };
        _iam.InvokeAsync(action, request, root, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private static string Trust(string principal) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{{principal}},"Action":"sts:AssumeRole"}]}""";

    private static SessionInfo RoleSession(DateTimeOffset now) => new()
    {
        Kind = SessionKind.RoleSession,
        IssuedAt = now,
        Expiration = now.AddHours(1),
        RoleId = "AROAEXAMPLEEXAMPLE12",
        RoleArn = $"arn:aws:iam::{Account}:role/app/reader",
        SessionName = "alice-session",
        SourceArn = $"arn:aws:iam::{Account}:user/alice",
        SourceUserId = "AIDAALICE",
        SourceIdentity = "alice@example.com",
        MfaPresent = true,
        MfaAuthTime = now.AddMinutes(-1),
        Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}""",
        PolicyArns = ["arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"],
        Tags = [new("team", "blue"), new("cost", "42")],
        TransitiveTagKeys = ["team"],
    };

    [Fact]
    public void Role_session_round_trips_through_the_token()
    {
        var now = _clock.Now;
        var credentials = _codec.Issue(Account, null, null, RoleSession(now));
        Assert.StartsWith("ASIA", credentials.AccessKeyId);
        Assert.Equal(20, credentials.AccessKeyId.Length);
        Assert.Equal(40, credentials.SecretAccessKey.Length);
        Assert.Equal(now.AddHours(1), credentials.Expiration);

        Assert.True(_codec.TryOpen(credentials.AccessKeyId, credentials.SessionToken, out var record));
        Assert.Equal(credentials.SecretAccessKey, record.SecretAccessKey);
        Assert.Equal(credentials.SessionToken, record.SessionToken);
        Assert.Equal(now.AddHours(1), record.Expiration);
        var principal = record.Principal;
        Assert.False(principal.IsRoot);
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/reader/alice-session", principal.Arn);
        Assert.Equal("AROAEXAMPLEEXAMPLE12:alice-session", principal.UserId);
        Assert.Equal(credentials.AccessKeyId, principal.AccessKeyId);
        var session = Assert.IsType<SessionInfo>(principal.Session);
        var expected = RoleSession(now);
        Assert.Equal(expected.RoleArn, session.RoleArn);
        Assert.Equal(expected.SourceIdentity, session.SourceIdentity);
        Assert.Equal(expected.SourceArn, session.SourceArn);
        Assert.True(session.MfaPresent);
        Assert.Equal(expected.MfaAuthTime, session.MfaAuthTime);
        Assert.Equal(expected.Policy, session.Policy);
        Assert.Equal(expected.PolicyArns, session.PolicyArns);
        Assert.Equal(expected.Tags, session.Tags);
        Assert.Equal(expected.TransitiveTagKeys, session.TransitiveTagKeys);
        Assert.Equal(now, session.IssuedAt);
    }

    [Fact]
    public void User_and_root_sessions_keep_their_own_identity()
    {
        var now = _clock.Now;
        var user = _codec.Issue(Account, "AIDAUSER", $"arn:aws:iam::{Account}:user/bob",
            new SessionInfo { Kind = SessionKind.UserSession, IssuedAt = now, Expiration = now.AddHours(12) });
        Assert.True(_codec.TryOpen(user.AccessKeyId, user.SessionToken, out var userRecord));
        Assert.Equal($"arn:aws:iam::{Account}:user/bob", userRecord.Principal.Arn);
        Assert.Equal("AIDAUSER", userRecord.Principal.UserId);
        Assert.False(userRecord.Principal.IsRoot);
        Assert.Equal(SessionKind.UserSession, userRecord.Principal.Session!.Kind);

        var root = _codec.Issue(Account, Account, $"arn:aws:iam::{Account}:root",
            new SessionInfo { Kind = SessionKind.RootSession, IssuedAt = now, Expiration = now.AddHours(1) });
        Assert.True(_codec.TryOpen(root.AccessKeyId, root.SessionToken, out var rootRecord));
        Assert.True(rootRecord.Principal.IsRoot);
        Assert.Equal(Account, rootRecord.Principal.UserId);
    }

    [Fact]
    public void Tampered_foreign_or_misbound_tokens_do_not_open()
    {
        var credentials = _codec.Issue(Account, null, null, RoleSession(_clock.Now));
        var bytes = Convert.FromBase64String(credentials.SessionToken);
        for (var i = 0; i < bytes.Length; i += 7)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            Assert.False(_codec.TryOpen(credentials.AccessKeyId, Convert.ToBase64String(copy), out _));
        }

        Assert.False(_codec.TryOpen(credentials.AccessKeyId, "not base64 !", out _));
        Assert.False(_codec.TryOpen(credentials.AccessKeyId, "", out _));
        Assert.False(_codec.TryOpen(credentials.AccessKeyId, credentials.SessionToken[..^8], out _));
        Assert.False(_codec.TryOpen("ASIAOTHERKEY00000000", credentials.SessionToken, out _));

        using var otherMaster = MasterKey.FromBytes(new byte[32]);
        using var otherCodec = new SessionTokenCodec(otherMaster);
        Assert.False(otherCodec.TryOpen(credentials.AccessKeyId, credentials.SessionToken, out _));
        Assert.NotEqual(credentials.SecretAccessKey, otherCodec.SecretFor(credentials.AccessKeyId));
    }

    [Fact]
    public void Resolver_caches_decoded_tokens_and_keeps_them_bound_to_their_key()
    {
        var resolver = new SessionCredentialResolver(_codec);
        var credentials = _codec.Issue(Account, null, null, RoleSession(_clock.Now));
        Assert.True(resolver.TryResolve(credentials.AccessKeyId, credentials.SessionToken, out var first));
        Assert.Equal(1, resolver.CachedCount);
        Assert.True(resolver.TryResolve(credentials.AccessKeyId, credentials.SessionToken, out var second));
        Assert.Same(first, second);
        Assert.False(resolver.TryResolve("ASIAOTHERKEY00000000", credentials.SessionToken, out _));
        Assert.False(resolver.TryResolve(credentials.AccessKeyId, "garbage", out _));
        Assert.Equal(1, resolver.CachedCount);
    }

    [Fact]
    public void Service_assumes_a_role_only_when_the_trust_policy_names_it()
    {
        Iam("CreateRole", ("RoleName", "web"), ("Path", "/app/"), ("AssumeRolePolicyDocument", Trust("""{"Service":"ec2.amazonaws.com"}""")));
        Iam("CreateRole", ("RoleName", "batch"), ("AssumeRolePolicyDocument", Trust("""{"Service":"lambda.amazonaws.com"}""")));
        var roleId = _store.Read(state => state.Roles[IdentityStore.Fold("web")].Id);

        var credentials = _issuer.AssumeRoleForService($"arn:aws:iam::{Account}:role/app/web", "ec2.amazonaws.com", "i-0123456789abcdef0",
            TimeSpan.FromHours(6));
        Assert.Equal(_clock.Now.AddHours(6), credentials.Expiration);
        Assert.True(_codec.TryOpen(credentials.AccessKeyId, credentials.SessionToken, out var record));
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/web/i-0123456789abcdef0", record.Principal.Arn);
        Assert.Equal(roleId + ":i-0123456789abcdef0", record.Principal.UserId);
        Assert.Equal("ec2.amazonaws.com", record.Principal.Session!.SourceArn);

        var denied = Assert.Throws<AccessDeniedError>(() => _issuer.AssumeRoleForService($"arn:aws:iam::{Account}:role/batch",
            "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1)));
        Assert.Equal("sts:AssumeRole", denied.Action);
        Assert.Equal($"arn:aws:iam::{Account}:role/batch", denied.ResourceArn);

        var missing = Assert.Throws<AwsServiceException>(() => _issuer.AssumeRoleForService($"arn:aws:iam::{Account}:role/nope",
            "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1)));
        Assert.Equal("NoSuchEntity", missing.ErrorCode);

        // The ARN's path must match the role's.
        Assert.Throws<AwsServiceException>(() => _issuer.AssumeRoleForService($"arn:aws:iam::{Account}:role/web",
            "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1)));
    }

    [Fact]
    public void A_changed_trust_policy_applies_to_the_next_issue()
    {
        Iam("CreateRole", ("RoleName", "web"), ("AssumeRolePolicyDocument", Trust("""{"Service":"ec2.amazonaws.com"}""")));
        var arn = $"arn:aws:iam::{Account}:role/web";
        _issuer.AssumeRoleForService(arn, "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1));
        Iam("UpdateAssumeRolePolicy", ("RoleName", "web"), ("PolicyDocument", Trust("""{"Service":"ecs-tasks.amazonaws.com"}""")));
        Assert.Throws<AccessDeniedError>(() => _issuer.AssumeRoleForService(arn, "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1)));
        _issuer.AssumeRoleForService(arn, "ecs-tasks.amazonaws.com", "task", TimeSpan.FromHours(1));

        // aws:SourceAccount is this account (confused-deputy conditions in trust policies).
        Iam("UpdateAssumeRolePolicy", ("RoleName", "web"), ("PolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"{{Account}}"} } }]}"""));
        _issuer.AssumeRoleForService(arn, "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1));
        Iam("UpdateAssumeRolePolicy", ("RoleName", "web"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"} } }]}"""));
        Assert.Throws<AccessDeniedError>(() => _issuer.AssumeRoleForService(arn, "ec2.amazonaws.com", "i-1", TimeSpan.FromHours(1)));
    }
}
