using System.Text;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;

namespace Lockbox.Iam.Tests;

/// <summary>Login profiles, the password policy and virtual MFA devices, in process over a real RocksDB store.</summary>
public sealed partial class CredentialTests : IDisposable
{
    private const string Account = "123456789012";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-iam-cred-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;
    private readonly ManualTime _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_015));
    private readonly IamService _service;
    private readonly CallerContext _root = new()
    {
        RequestId = "REQ",
        Principal = new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true),
        Region = "us-east-1",
        RequestTime = DateTimeOffset.UtcNow,
    };

    public CredentialTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
        _service = new IamService(_store, new RootOnlyAuthorizer(), new PolicyEngineValidator(), _time);
    }

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string Invoke(string action, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        _service.InvokeAsync(action, request, _root, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private AwsServiceException Fails(string action, params (string Name, string Value)[] parameters) =>
        Assert.Throws<AwsServiceException>(() => Invoke(action, parameters));

    private static string Element(string xml, string name) => Regex.Match(xml, $"<{name}>([^<]*)</{name}>").Groups[1].Value;

    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    public void Totp_codes_match_the_rfc_6238_sha1_vectors(long unixSeconds, string expected)
    {
        // RFC 6238 appendix B: seed "12345678901234567890", SHA-1; the RFC's 8-digit values, last 6 digits.
        var seed = Encoding.ASCII.GetBytes("12345678901234567890");
        var step = TotpCodes.Step(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        Assert.Equal(expected, TotpCodes.Code(seed, step));
        Assert.Equal(step, TotpCodes.Find(seed, expected, step + 1, 1, after: -10));
        Assert.Null(TotpCodes.Find(seed, expected, step, 1, after: step));
        Assert.Equal(step, TotpCodes.FindConsecutive(seed, TotpCodes.Code(seed, step - 1), expected, step, 0, after: -10));
        Assert.Null(TotpCodes.FindConsecutive(seed, expected, TotpCodes.Code(seed, step - 1), step, 2, after: -10));
    }

    [Fact]
    public void Password_hashes_are_salted_slow_and_verify()
    {
        var first = PasswordHasher.Hash("Correct horse 1!", 1000);
        var second = PasswordHasher.Hash("Correct horse 1!", 1000);
        Assert.NotEqual(first, second);
        Assert.StartsWith("pbkdf2-sha512$1000$", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Correct", first, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("Correct horse 1!", first));
        Assert.False(PasswordHasher.Verify("Correct horse 1?", first));
        Assert.False(PasswordHasher.Verify("Correct horse 1!", "md5$x"));
        Assert.StartsWith("pbkdf2-sha512$210000$", PasswordHasher.Hash("x"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "Password should have a minimum length of 10")]
    [InlineData("abcdefghijk", "Password should have at least one uppercase letter")]
    [InlineData("ABCDEFGHIJK", "Password should have at least one lowercase letter")]
    [InlineData("ABCDEFghijk", "Password should have at least one number")]
    [InlineData("ABCDEFghijk1", "Password should have at least one symbol")]
    [InlineData("ABCDEFghijk1|", null)]
    public void Password_policy_rules_name_the_first_rule_broken(string password, string? violation)
    {
        var policy = new PasswordPolicyEntity
        {
            MinimumPasswordLength = 10,
            RequireUppercaseCharacters = true,
            RequireLowercaseCharacters = true,
            RequireNumbers = true,
            RequireSymbols = true,
        };
        if (violation is null)
        {
            IamService.CheckPassword(policy, password);
            return;
        }

        var error = Assert.Throws<AwsServiceException>(() => IamService.CheckPassword(policy, password));
        Assert.Equal("PasswordPolicyViolation", error.ErrorCode);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(violation, error.ErrorMessage);
    }

    [Theory]
    [InlineData("Abcdefg1", true)]
    [InlineData("abcdef1!", true)]
    [InlineData("abcdefgh1", false)]
    [InlineData("Ab1!", false)]
    public void Without_a_policy_the_aws_default_policy_applies(string password, bool accepted)
    {
        if (accepted)
        {
            IamService.CheckPassword(null, password);
        }
        else
        {
            Assert.Equal("PasswordPolicyViolation", Assert.Throws<AwsServiceException>(() => IamService.CheckPassword(null, password)).ErrorCode);
        }
    }

    [Fact]
    public void Password_policy_defaults_round_trip_and_delete()
    {
        var missing = Fails("GetAccountPasswordPolicy");
        Assert.Equal("NoSuchEntity", missing.ErrorCode);
        Assert.Equal(404, missing.HttpStatus);
        Assert.Equal("The Password Policy with domain name ACCOUNT cannot be found.", missing.ErrorMessage);
        Assert.Equal("NoSuchEntity", Fails("DeleteAccountPasswordPolicy").ErrorCode);

        Invoke("UpdateAccountPasswordPolicy", ("RequireNumbers", "true"), ("MaxPasswordAge", "90"));
        var xml = Invoke("GetAccountPasswordPolicy");
        Assert.Equal("6", Element(xml, "MinimumPasswordLength"));
        Assert.Equal("true", Element(xml, "RequireNumbers"));
        Assert.Equal("false", Element(xml, "RequireSymbols"));
        Assert.Equal("true", Element(xml, "ExpirePasswords"));
        Assert.Equal("90", Element(xml, "MaxPasswordAge"));
        Assert.DoesNotContain("PasswordReusePrevention", xml, StringComparison.Ordinal);

        // Members not given go back to their defaults; the policy survives a reopen.
        Invoke("UpdateAccountPasswordPolicy", ("MinimumPasswordLength", "12"));
        xml = Invoke("GetAccountPasswordPolicy");
        Assert.Equal("false", Element(xml, "RequireNumbers"));
        Assert.Equal("false", Element(xml, "ExpirePasswords"));
        Assert.Equal(12, IdentityStore.Open(_storage, _masterKey, Account).Read(s => s.PasswordPolicy!.MinimumPasswordLength));

        var range = Fails("UpdateAccountPasswordPolicy", ("MinimumPasswordLength", "5"));
        Assert.Equal("ValidationError", range.ErrorCode);
        Invoke("DeleteAccountPasswordPolicy");
        Assert.Equal("NoSuchEntity", Fails("GetAccountPasswordPolicy").ErrorCode);
    }

    [Fact]
    public void Login_profiles_check_the_policy_store_only_a_hash_and_block_user_deletion()
    {
        Invoke("CreateUser", ("UserName", "alice"));
        Invoke("UpdateAccountPasswordPolicy", ("MinimumPasswordLength", "10"), ("RequireSymbols", "true"));
        var violation = Fails("CreateLoginProfile", ("UserName", "alice"), ("Password", "Short1!"));
        Assert.Equal("PasswordPolicyViolation", violation.ErrorCode);
        Assert.Equal("Password should have a minimum length of 10", violation.ErrorMessage);
        Assert.Equal("NoSuchEntity", Fails("GetLoginProfile", ("UserName", "alice")).ErrorCode);
        Assert.Equal("Login Profile for User alice cannot be found.", Fails("GetLoginProfile", ("UserName", "alice")).ErrorMessage);
        Assert.Equal("NoSuchEntity", Fails("CreateLoginProfile", ("UserName", "bob"), ("Password", "Long enough!")).ErrorCode);

        // A password is never echoed in a validation error.
        var tooLong = Fails("CreateLoginProfile", ("UserName", "alice"), ("Password", new string('x', 129)));
        Assert.Equal("1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128", tooLong.ErrorMessage);

        var xml = Invoke("CreateLoginProfile", ("UserName", "ALICE"), ("Password", "Long enough!"), ("PasswordResetRequired", "true"));
        Assert.Equal("alice", Element(xml, "UserName"));
        Assert.Equal("true", Element(xml, "PasswordResetRequired"));
        Assert.DoesNotContain("Long enough", xml, StringComparison.Ordinal);
        Assert.Equal("EntityAlreadyExists", Fails("CreateLoginProfile", ("UserName", "alice"), ("Password", "Long enough!")).ErrorCode);

        var hash = _store.Read(s => s.LoginProfiles.Values.Single().PasswordHash);
        Assert.True(PasswordHasher.Verify("Long enough!", hash));
        var keyspace = _storage.OpenKeyspace(IdentityStore.KeyspaceName);
        foreach (var entry in _storage.Scan(keyspace, Lockbox.Storage.KeyRange.All))
        {
            Assert.DoesNotContain("Long enough", Encoding.UTF8.GetString(entry.Value), StringComparison.Ordinal);
        }

        Assert.Equal("PasswordPolicyViolation", Fails("UpdateLoginProfile", ("UserName", "alice"), ("Password", "nosymbols12")).ErrorCode);
        Invoke("UpdateLoginProfile", ("UserName", "alice"), ("Password", "New password!"), ("PasswordResetRequired", "false"));
        Assert.Equal("false", Element(Invoke("GetLoginProfile", ("UserName", "alice")), "PasswordResetRequired"));
        Assert.True(PasswordHasher.Verify("New password!", _store.Read(s => s.LoginProfiles.Values.Single().PasswordHash)));

        var conflict = Fails("DeleteUser", ("UserName", "alice"));
        Assert.Equal("DeleteConflict", conflict.ErrorCode);
        Assert.Equal("Cannot delete entity, must delete login profile first.", conflict.ErrorMessage);
        Invoke("DeleteLoginProfile", ("UserName", "alice"));
        Assert.Equal("NoSuchEntity", Fails("DeleteLoginProfile", ("UserName", "alice")).ErrorCode);
        Invoke("DeleteUser", ("UserName", "alice"));
    }

    [Fact]
    public void Virtual_mfa_devices_enable_with_consecutive_codes_verify_once_and_follow_iams_lifecycle()
    {
        Invoke("CreateUser", ("UserName", "alice"));
        var xml = Invoke("CreateVirtualMFADevice", ("VirtualMFADeviceName", "phone"), ("Path", "/team/"));
        var serial = Element(xml, "SerialNumber");
        Assert.Equal($"arn:aws:iam::{Account}:mfa/team/phone", serial);
        var base32 = Encoding.ASCII.GetString(Convert.FromBase64String(Element(xml, "Base32StringSeed")));
        Assert.Matches("^[A-Z2-7]{64}$", base32);
        var png = Convert.FromBase64String(Element(xml, "QRCodePNG"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        // The image is the QR code of IAM's documented URI (QRCoder's output is deterministic).
        Assert.Equal(IamService.QrCodePng($"otpauth://totp/phone@{Account}?secret={base32}"), png);
        Assert.NotEqual(IamService.QrCodePng($"otpauth://totp/phone@{Account}?secret={(base32[0] == 'A' ? 'B' : 'A')}{base32[1..]}"), png);
        Assert.Equal("EntityAlreadyExists", Fails("CreateVirtualMFADevice", ("VirtualMFADeviceName", "PHONE"), ("Path", "/team/")).ErrorCode);

        // The seed is sealed on disk.
        var seed = OtpNet.Base32Encoding.ToBytes(base32);
        var keyspace = _storage.OpenKeyspace(IdentityStore.KeyspaceName);
        foreach (var entry in _storage.Scan(keyspace, Lockbox.Storage.KeyRange.All))
        {
            var text = Encoding.UTF8.GetString(entry.Value);
            Assert.DoesNotContain(base32, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(seed), text, StringComparison.Ordinal);
        }

        var now = TotpCodes.Step(_time.GetUtcNow());
        var invalid = Fails("EnableMFADevice", ("UserName", "alice"), ("SerialNumber", serial),
            ("AuthenticationCode1", TotpCodes.Code(seed, now)), ("AuthenticationCode2", TotpCodes.Code(seed, now - 1)));
        Assert.Equal("InvalidAuthenticationCode", invalid.ErrorCode);
        Assert.Equal(403, invalid.HttpStatus);
        Assert.Equal("Authentication code for device is not valid.", invalid.ErrorMessage);
        Assert.Contains("<VirtualMFADevices><member><SerialNumber>" + serial, Invoke("ListVirtualMFADevices", ("AssignmentStatus", "Unassigned")), StringComparison.Ordinal);

        Invoke("EnableMFADevice", ("UserName", "alice"), ("SerialNumber", serial),
            ("AuthenticationCode1", TotpCodes.Code(seed, now - 1)), ("AuthenticationCode2", TotpCodes.Code(seed, now)));
        var listed = Invoke("ListMFADevices", ("UserName", "alice"));
        Assert.Equal(serial, Element(listed, "SerialNumber"));
        Assert.Equal("alice", Element(listed, "UserName"));
        Assert.Contains("<VirtualMFADevices></VirtualMFADevices>", Invoke("ListVirtualMFADevices", ("AssignmentStatus", "Unassigned")), StringComparison.Ordinal);
        Assert.Equal("alice", Element(Invoke("ListVirtualMFADevices", ("AssignmentStatus", "Assigned")), "UserName"));

        // STS seam: the code just used is not accepted again; the next step's code is accepted once.
        var userId = _store.Read(s => s.Users["ALICE"].Id);
        Assert.False(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now), _time.GetUtcNow(), userId));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 1), _time.GetUtcNow(), "AIDAOTHERUSER"));
        Assert.True(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 1), _time.GetUtcNow(), userId));
        Assert.False(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 1), _time.GetUtcNow(), userId));
        Assert.False(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 5), _time.GetUtcNow(), userId));

        // Resync learns a device clock 5 minutes ahead.
        _time.Advance(TimeSpan.FromSeconds(30));
        now = TotpCodes.Step(_time.GetUtcNow());
        Invoke("ResyncMFADevice", ("UserName", "alice"), ("SerialNumber", serial),
            ("AuthenticationCode1", TotpCodes.Code(seed, now + 9)), ("AuthenticationCode2", TotpCodes.Code(seed, now + 10)));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 11), _time.GetUtcNow()));

        Assert.Equal("EntityAlreadyExists", Fails("EnableMFADevice", ("UserName", "alice"), ("SerialNumber", serial),
            ("AuthenticationCode1", "000000"), ("AuthenticationCode2", "000000")).ErrorCode);
        var inUse = Fails("DeleteVirtualMFADevice", ("SerialNumber", serial));
        Assert.Equal("DeleteConflict", inUse.ErrorCode);
        Assert.Equal("Cannot delete entity, must delete MFA device first.", Fails("DeleteUser", ("UserName", "alice")).ErrorMessage);

        Invoke("DeactivateMFADevice", ("UserName", "alice"), ("SerialNumber", serial));
        Assert.Contains("<MFADevices></MFADevices>", Invoke("ListMFADevices", ("UserName", "alice")), StringComparison.Ordinal);
        Assert.False(_store.VerifyMfaCode(serial, TotpCodes.Code(seed, now + 12), _time.GetUtcNow()));
        Assert.Equal("NoSuchEntity", Fails("DeactivateMFADevice", ("UserName", "alice"), ("SerialNumber", serial)).ErrorCode);
        Invoke("DeleteVirtualMFADevice", ("SerialNumber", serial));
        var gone = Fails("DeleteVirtualMFADevice", ("SerialNumber", serial));
        Assert.Equal("NoSuchEntity", gone.ErrorCode);
        Assert.Equal($"VirtualMFADevice with serial number {serial} doesn't exist.", gone.ErrorMessage);
        Invoke("DeleteUser", ("UserName", "alice"));
    }

    [Fact]
    public void Virtual_mfa_devices_page_by_serial_number()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            Invoke("CreateVirtualMFADevice", ("VirtualMFADeviceName", name));
        }

        var first = Invoke("ListVirtualMFADevices", ("MaxItems", "2"));
        Assert.Equal("true", Element(first, "IsTruncated"));
        Assert.Equal(new[] { $"arn:aws:iam::{Account}:mfa/a", $"arn:aws:iam::{Account}:mfa/b" },
            Regex.Matches(first, "<SerialNumber>([^<]*)</SerialNumber>").Select(m => m.Groups[1].Value));
        var second = Invoke("ListVirtualMFADevices", ("MaxItems", "2"), ("Marker", Element(first, "Marker")));
        Assert.Equal("false", Element(second, "IsTruncated"));
        Assert.Equal($"arn:aws:iam::{Account}:mfa/c", Element(second, "SerialNumber"));
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
