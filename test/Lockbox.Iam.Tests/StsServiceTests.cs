using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Iam.Authorization;
using Lockbox.Iam.Sts;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Iam.Tests;

/// <summary>The STS service and role-session enforcement in process, over a real identity store.</summary>
public sealed partial class StsServiceTests : IDisposable
{
    private const string Account = "123456789012";
    private const string Table = "arn:aws:dynamodb:us-east-1:123456789012:table/books";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-stssvc-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;
    private readonly IamService _iam;
    private readonly SessionTokenCodec _codec;
    private readonly StsTokenTests.ManualClock _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly StsIssuer _issuer;
    private readonly IamAuthorizer _authorizer;

    public StsServiceTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
        _iam = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), _clock);
        _codec = new SessionTokenCodec(_masterKey);
        _issuer = new StsIssuer(_store, _codec, _clock);
        _authorizer = new IamAuthorizer(_store, null, NullLogger.Instance, _codec.Messages);
    }

    public void Dispose()
    {
        _codec.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Policy(string effect, string action, string resource = "*", string condition = "") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"{{effect}}","Action":"{{action}}","Resource":"{{resource}}"{{condition}}}]}""";

    private CallerContext Caller(Principal principal) => new()
    {
        RequestId = "REQ",
        Principal = principal,
        Region = "us-east-1",
        RequestTime = _clock.Now,
    };

    private CallerContext Root() => Caller(new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true));

    private string Iam(string action, params (string Name, string Value)[] parameters) => Invoke(_iam, action, Root(), parameters);

    private static string Invoke(IQueryService service, string action, CallerContext caller, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        service.InvokeAsync(action, request, caller, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private CallerContext User(string name)
    {
        var user = _store.Read(state => state.Users[IdentityStore.Fold(name)]);
        return Caller(new Principal(Account, $"arn:aws:iam::{Account}:user/{name}", user.Id, "AKIAUSER", IsRoot: false));
    }

    /// <summary>The caller context of temporary credentials, as the authenticator resolves them.</summary>
    private CallerContext Session(string xml)
    {
        var keyId = Element(xml, "AccessKeyId");
        var token = Element(xml, "SessionToken");
        Assert.True(_codec.TryOpen(keyId, token, out var record));
        Assert.Equal(Element(xml, "SecretAccessKey"), record.SecretAccessKey);
        return Caller(record.Principal);
    }

    private static string Element(string xml, string name) =>
        System.Net.WebUtility.HtmlDecode(Regex.Match(xml, $"<{name}>([^<]*)</{name}>").Groups[1].Value);

    private sealed class RecordingAuthorizer : IRequestAuthorizer
    {
        public List<AuthorizationRequest> Requests { get; } = [];

        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            Requests.Add(request);
            new RootOnlyAuthorizer().Authorize(caller, request);
        }
    }

    [Fact]
    public void Every_operation_is_authorized_as_AWS_does_before_it_acts()
    {
        Iam("CreateUser", ("UserName", "mallory"));
        Iam("CreateRole", ("RoleName", "app"), ("AssumeRolePolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/mallory"},"Action":"sts:AssumeRole"}]}"""));
        var authorizer = new RecordingAuthorizer();
        var service = new StsService(_issuer, authorizer);
        var mallory = User("mallory");
        (string, string)[] parameters = [("RoleArn", $"arn:aws:iam::{Account}:role/app"), ("RoleSessionName", "s1"), ("EncodedMessage", "abc")];
        Assert.Equal(StsService.Operations.Count, StsService.Operations.Distinct().Count());
        foreach (var operation in StsService.Operations)
        {
            authorizer.Requests.Clear();
            switch (operation)
            {
                case "GetCallerIdentity":
                case "GetSessionToken":
                    // AWS: "No permissions are required" — these work for a caller with no policy at all.
                    var xml = Invoke(service, operation, mallory, parameters);
                    Assert.Contains($"<{operation}Result>", xml, StringComparison.Ordinal);
                    Assert.Empty(authorizer.Requests);
                    break;
                case "AssumeRole":
                    var refused = Assert.Throws<AccessDeniedError>(() => Invoke(service, operation, mallory, parameters));
                    var request = Assert.Single(authorizer.Requests);
                    Assert.Equal("sts:AssumeRole", request.Action);
                    Assert.Equal($"arn:aws:iam::{Account}:role/app", request.ResourceArn);
                    Assert.NotNull(request.TrustPolicy);
                    Assert.Equal(["s1"], request.ConditionKeys!["sts:RoleSessionName"]);
                    Assert.Equal("sts:AssumeRole", refused.Action);
                    break;
                case "DecodeAuthorizationMessage":
                    Assert.Throws<AccessDeniedError>(() => Invoke(service, operation, mallory, parameters));
                    request = Assert.Single(authorizer.Requests);
                    Assert.Equal("sts:DecodeAuthorizationMessage", request.Action);
                    Assert.Equal("*", request.ResourceArn);
                    break;
                default:
                    Assert.Fail("No authorization case for " + operation);
                    break;
            }
        }
    }

    [Fact]
    public void Role_sessions_are_evaluated_with_the_role_policies_and_a_new_default_version_applies_next_call()
    {
        Iam("CreateUser", ("UserName", "alice"));
        Iam("CreateRole", ("RoleName", "reader"), ("Path", "/app/"), ("AssumeRolePolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/alice"},"Action":"sts:AssumeRole"}]}"""));
        Iam("CreatePolicy", ("PolicyName", "read"), ("PolicyDocument", Policy("Allow", "dynamodb:ListTables")));
        var policyArn = $"arn:aws:iam::{Account}:policy/read";
        Iam("AttachRolePolicy", ("RoleName", "reader"), ("PolicyArn", policyArn));
        var sts = new StsService(_issuer, _authorizer);
        var xml = Invoke(sts, "AssumeRole", User("alice"), ("RoleArn", $"arn:aws:iam::{Account}:role/app/reader"), ("RoleSessionName", "job-7"));
        var session = Session(xml);
        var sessionArn = $"arn:aws:sts::{Account}:assumed-role/reader/job-7";
        Assert.Equal(sessionArn, session.Principal.Arn);
        Assert.Equal(sessionArn, Element(xml, "Arn"));

        _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:ListTables", "*"));
        var denied = Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:DescribeTable", Table)));
        Assert.Equal($"User: {sessionArn} is not authorized to perform: dynamodb:DescribeTable on resource: {Table} because no identity-based policy allows the dynamodb:DescribeTable action",
            denied.Message);

        Iam("CreatePolicyVersion", ("PolicyArn", policyArn), ("SetAsDefault", "true"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:ListTables","dynamodb:DescribeTable"],"Resource":"*"}]}"""));
        _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:DescribeTable", Table));

        // The permissions boundary of the role limits its sessions.
        Iam("CreatePolicy", ("PolicyName", "bound"), ("PolicyDocument", Policy("Allow", "dynamodb:ListTables")));
        Iam("PutRolePermissionsBoundary", ("RoleName", "reader"), ("PermissionsBoundary", $"arn:aws:iam::{Account}:policy/bound"));
        denied = Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:DescribeTable", Table)));
        Assert.EndsWith("because no permissions boundary allows the dynamodb:DescribeTable action", denied.Message, StringComparison.Ordinal);

        // A deleted role's sessions can do nothing.
        Iam("DeleteRolePermissionsBoundary", ("RoleName", "reader"));
        Iam("DetachRolePolicy", ("RoleName", "reader"), ("PolicyArn", policyArn));
        Iam("DeleteRole", ("RoleName", "reader"));
        Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:ListTables", "*")));
    }

    [Fact]
    public void Session_policies_tags_and_session_keys_take_part()
    {
        Iam("CreateUser", ("UserName", "alice"));
        Iam("CreateRole", ("RoleName", "tagged"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "red"),
            ("Tags.member.2.Key", "tier"), ("Tags.member.2.Value", "gold"), ("AssumeRolePolicyDocument",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/alice"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"""));
        var roleId = _store.Read(state => state.Roles[IdentityStore.Fold("tagged")].Id);
        Iam("PutRolePolicy", ("RoleName", "tagged"), ("PolicyName", "keys"), ("PolicyDocument", $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{
              "StringEquals":{"aws:PrincipalTag/team":"blue","aws:PrincipalTag/tier":"gold","aws:userid":"{{roleId}}:s1",
                "aws:PrincipalArn":"arn:aws:iam::{{Account}}:role/tagged","aws:PrincipalType":"AssumedRole","aws:SourceIdentity":"alice"},
              "Bool":{"aws:MultiFactorAuthPresent":"false"},
              "DateEquals":{"aws:TokenIssueTime":"2026-11-30T12:00:00Z"} } }]}
            """));
        var sts = new StsService(_issuer, _authorizer);
        var xml = Invoke(sts, "AssumeRole", User("alice"), ("RoleArn", $"arn:aws:iam::{Account}:role/tagged"), ("RoleSessionName", "s1"),
            ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "blue"), ("SourceIdentity", "alice"),
            ("Policy", Policy("Allow", "dynamodb:GetItem")));
        Assert.Equal("alice", Element(xml, "SourceIdentity"));
        Assert.NotEmpty(Element(xml, "PackedPolicySize"));
        var session = Session(xml);
        _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:GetItem", Table));
        var denied = Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:PutItem", Table)));
        Assert.EndsWith("because no session policy allows the dynamodb:PutItem action", denied.Message, StringComparison.Ordinal);

        // Without the session tag the role's own tag (red) applies and the condition fails.
        xml = Invoke(sts, "AssumeRole", User("alice"), ("RoleArn", $"arn:aws:iam::{Account}:role/tagged"), ("RoleSessionName", "s1"),
            ("SourceIdentity", "alice"));
        Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(Session(xml), new AuthorizationRequest("dynamodb:GetItem", Table)));
    }

    [Fact]
    public void GetSessionToken_sessions_carry_MFA_and_cannot_call_IAM_without_it()
    {
        Iam("CreateUser", ("UserName", "bob"));
        Iam("PutUserPolicy", ("UserName", "bob"), ("PolicyName", "mfa"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:ListTables","iam:GetUser"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"300"}}}]}"""));
        var xml = Iam("CreateVirtualMFADevice", ("VirtualMFADeviceName", "phone"));
        var seed = Base32(Encoding.ASCII.GetString(Convert.FromBase64String(Element(xml, "Base32StringSeed"))));
        var serial = Element(xml, "SerialNumber");
        var step = _clock.Now.ToUnixTimeSeconds() / 30;
        Iam("EnableMFADevice", ("UserName", "bob"), ("SerialNumber", serial), ("AuthenticationCode1", Totp(seed, step - 1)),
            ("AuthenticationCode2", Totp(seed, step)));

        var sts = new StsService(_issuer, _authorizer);
        var bob = User("bob");
        Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(bob, new AuthorizationRequest("dynamodb:ListTables", "*")));
        var wrong = Assert.Throws<AwsServiceException>(() => Invoke(sts, "GetSessionToken", bob, ("SerialNumber", serial), ("TokenCode", "000000")));
        Assert.Equal(("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), (wrong.ErrorCode, wrong.ErrorMessage));

        var session = Session(Invoke(sts, "GetSessionToken", bob, ("SerialNumber", serial), ("TokenCode", Totp(seed, step + 1))));
        Assert.Equal(bob.Principal.Arn, session.Principal.Arn);
        Assert.True(session.Principal.Session!.MfaPresent);
        _authorizer.Authorize(session, new AuthorizationRequest("dynamodb:ListTables", "*"));
        _authorizer.Authorize(session, new AuthorizationRequest("iam:GetUser", bob.Principal.Arn));

        // aws:MultiFactorAuthAge grows with the request time.
        var later = new CallerContext { RequestId = "R", Principal = session.Principal, Region = "us-east-1", RequestTime = _clock.Now.AddMinutes(10) };
        Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(later, new AuthorizationRequest("dynamodb:ListTables", "*")));

        var plainXml = Invoke(sts, "GetSessionToken", bob);
        Assert.Equal("2026-12-01T00:00:00Z", Element(plainXml, "Expiration")); // 12 hours by default
        var plain = Session(plainXml);
        Assert.False(plain.Principal.Session!.MfaPresent);
        var iamRefused = Assert.Throws<AwsServiceException>(() => _authorizer.Authorize(plain, new AuthorizationRequest("iam:GetUser", bob.Principal.Arn)));
        Assert.Equal("UnrecognizedClientException", iamRefused.ErrorCode);
        Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(plain, new AuthorizationRequest("dynamodb:ListTables", "*")));
    }

    [Fact]
    public void Denials_carry_an_encoded_message_that_DecodeAuthorizationMessage_reads()
    {
        Iam("CreateUser", ("UserName", "carol"));
        Iam("PutUserPolicy", ("UserName", "carol"), ("PolicyName", "deny"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletes","Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}]}"""));
        var denied = Assert.Throws<AccessDeniedError>(() => _authorizer.Authorize(User("carol"), new AuthorizationRequest("dynamodb:DeleteTable", Table)));
        Assert.NotNull(denied.EncodedMessage);

        var sts = new StsService(_issuer, _authorizer);
        var xml = Invoke(sts, "DecodeAuthorizationMessage", Root(), ("EncodedMessage", denied.EncodedMessage!));
        using var decoded = JsonDocument.Parse(Element(xml, "DecodedMessage"));
        var root = decoded.RootElement;
        Assert.False(root.GetProperty("allowed").GetBoolean());
        Assert.True(root.GetProperty("explicitDeny").GetBoolean());
        Assert.Equal("NoDeletes", root.GetProperty("matchedStatements").GetProperty("items")[0].GetProperty("statementId").GetString());
        var context = root.GetProperty("context");
        Assert.Equal("dynamodb:DeleteTable", context.GetProperty("action").GetString());
        Assert.Equal(Table, context.GetProperty("resource").GetString());
        Assert.Equal($"arn:aws:iam::{Account}:user/carol", context.GetProperty("principal").GetProperty("arn").GetString());
        Assert.Equal("carol", context.GetProperty("principal").GetProperty("name").GetString());
        Assert.Contains(context.GetProperty("conditions").GetProperty("items").EnumerateArray(),
            item => item.GetProperty("key").GetString() == "aws:username");

        var garbage = Assert.Throws<AwsServiceException>(() => Invoke(sts, "DecodeAuthorizationMessage", Root(), ("EncodedMessage", "bm90IGEgbWVzc2FnZQ")));
        Assert.Equal("InvalidAuthorizationMessageException", garbage.ErrorCode);
        var tampered = denied.EncodedMessage![..^2] + (denied.EncodedMessage[^2] == 'A' ? "B" : "A") + denied.EncodedMessage[^1];
        Assert.Throws<AwsServiceException>(() => Invoke(sts, "DecodeAuthorizationMessage", Root(), ("EncodedMessage", tampered)));
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }

    private static string Totp(byte[] seed, long step)
    {
        var counter = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = System.Security.Cryptography.HMACSHA1.HashData(seed, counter);
        var offset = hash[^1] & 0x0F;
        var value = (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7FFFFFFF) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}
