using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Ec2.Instances;
using Lockbox.Ec2.Metadata;
using Lockbox.Iam;
using Lockbox.Iam.Sts;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Ec2.Tests;

/// <summary>The EC2 service in process over a real RocksDB store, with real loopback metadata listeners.</summary>
public sealed class Ec2ServiceTests : IAsyncLifetime
{
    private const string Account = "123456789012";
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-ec2-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _identity;
    private readonly CountingIssuer _issuer = new();
    private readonly Ec2Options _options = new() { PendingDuration = TimeSpan.Zero, CredentialRefreshWindow = TimeSpan.FromMinutes(15) };
    private Ec2Service _service = null!;

    public Ec2ServiceTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _identity = IdentityStore.Open(_storage, _masterKey, Account);
    }

    public Task InitializeAsync()
    {
        _service = Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Ec2Service Create()
    {
        var store = InstanceStore.Open(_storage, _options);
        var metadata = new InstanceMetadataService(store, _identity, _issuer, "us-east-1", Account, TimeProvider.System, _options, NullLoggerFactory.Instance);
        metadata.RestoreAsync().GetAwaiter().GetResult();
        return new Ec2Service(store, _identity, new RootOnlyAuthorizer(), metadata, TimeProvider.System, _options);
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

    private static async Task<string> InvokeAsync(Ec2Service service, string action, CallerContext caller, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        await service.InvokeAsync(action, request, caller, output, CancellationToken.None);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private void CreateProfile(string profileName, string roleName)
    {
        _identity.Write(state =>
        {
            var role = new RoleEntity { Name = roleName, Id = "AROA" + roleName.ToUpperInvariant().PadRight(17, 'X'), CreateDate = DateTimeOffset.UtcNow };
            state.Save(role);
            state.Roles[IdentityStore.Fold(role.Name)] = role;
            state.RolesById[role.Id] = role;
            var profile = new InstanceProfileEntity
            {
                Name = profileName, Id = "AIPA" + profileName.ToUpperInvariant().PadRight(17, 'X'), CreateDate = DateTimeOffset.UtcNow,
                RoleIds = [role.Id],
            };
            state.Save(profile);
            state.InstanceProfiles[IdentityStore.Fold(profile.Name)] = profile;
            return 0;
        });
    }

    private static string Extract(string xml, string element) => Regex.Match(xml, $"<{element}>([^<]*)</{element}>").Groups[1].Value;

    [Fact]
    public async Task Every_operation_is_authorized_with_its_ec2_action_before_it_acts_and_changes_nothing_when_refused()
    {
        CreateProfile("web", "app");
        var root = Caller(root: true);
        var launched = await InvokeAsync(_service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1"), ("IamInstanceProfile.Name", "web"));
        var instanceId = Extract(launched, "instanceId");
        var associationId = Extract(await InvokeAsync(_service, "DescribeIamInstanceProfileAssociations", root), "associationId");
        Assert.StartsWith("iip-assoc-", associationId, StringComparison.Ordinal);
        var before = string.Join("|", _service.Store.List(DateTimeOffset.UtcNow).Select(i => System.Text.Json.JsonSerializer.Serialize(i)));

        var recording = new RecordingAuthorizer();
        var service = new Ec2Service(_service.Store, _identity, recording, _service.Metadata, TimeProvider.System, _options);
        (string, string)[] parameters =
        [
            ("MinCount", "1"), ("MaxCount", "1"), ("InstanceId", instanceId), ("InstanceId.1", instanceId),
            ("AssociationId", associationId), ("IamInstanceProfile.Name", "web"), ("HttpTokens", "required"),
        ];
        Assert.Equal(Ec2Service.Operations.Count, Ec2Service.Operations.Distinct().Count());
        foreach (var operation in Ec2Service.Operations)
        {
            recording.Requests.Clear();
            var error = await Assert.ThrowsAnyAsync<AwsServiceException>(() => InvokeAsync(service, operation, Caller(root: false), parameters));
            Assert.True(error is AccessDeniedError, $"{operation}: {error.ErrorCode} {error.Message}");
            var request = Assert.Single(recording.Requests);
            Assert.Equal("ec2:" + operation, request.Action);
            Assert.True(request.ResourceArn == "*" || request.ResourceArn.StartsWith($"arn:aws:ec2:us-east-1:{Account}:instance/", StringComparison.Ordinal),
                $"{operation}: {request.ResourceArn}");
            var (code, message, status) = Ec2Errors.Translate(error);
            Assert.Equal("UnauthorizedOperation", code);
            Assert.Equal(403, status);
            Assert.StartsWith("You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/mallory", message, StringComparison.Ordinal);
        }

        var after = string.Join("|", _service.Store.List(DateTimeOffset.UtcNow).Select(i => System.Text.Json.JsonSerializer.Serialize(i)));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Passing_a_role_requires_iam_PassRole_on_the_role()
    {
        CreateProfile("web", "app");
        var root = Caller(root: true);
        var instanceId = Extract(await InvokeAsync(_service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1")), "instanceId");
        var denyPassRole = new DenyAuthorizer("iam:PassRole");
        var service = new Ec2Service(_service.Store, _identity, denyPassRole, _service.Metadata, TimeProvider.System, _options);

        var error = await Assert.ThrowsAsync<AccessDeniedError>(() =>
            InvokeAsync(service, "AssociateIamInstanceProfile", root, ("InstanceId", instanceId), ("IamInstanceProfile.Name", "web")));
        Assert.Equal($"arn:aws:iam::{Account}:role/app", error.ResourceArn);
        Assert.Null(_service.Store.Find(instanceId, DateTimeOffset.UtcNow)!.Association);

        await Assert.ThrowsAsync<AccessDeniedError>(() =>
            InvokeAsync(service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1"), ("IamInstanceProfile.Name", "web")));
        Assert.Single(_service.Store.List(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Errors_are_worded_as_EC2_words_them()
    {
        var root = Caller(root: true);
        var notFound = await Assert.ThrowsAsync<AwsServiceException>(() =>
            InvokeAsync(_service, "DescribeInstances", root, ("InstanceId.1", "i-0123456789abcdef0")));
        Assert.Equal(("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"), (notFound.ErrorCode, notFound.ErrorMessage));

        var malformed = await Assert.ThrowsAsync<AwsServiceException>(() => InvokeAsync(_service, "TerminateInstances", root, ("InstanceId.1", "i-xyz")));
        Assert.Equal(("InvalidInstanceID.Malformed", "Invalid id: \"i-xyz\""), (malformed.ErrorCode, malformed.ErrorMessage));

        var association = await Assert.ThrowsAsync<AwsServiceException>(() =>
            InvokeAsync(_service, "DisassociateIamInstanceProfile", root, ("AssociationId", "iip-assoc-0123456789abcdef0")));
        Assert.Equal("InvalidAssociationID.NotFound", association.ErrorCode);

        var profile = await Assert.ThrowsAsync<AwsServiceException>(() =>
            InvokeAsync(_service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1"), ("IamInstanceProfile.Name", "missing")));
        Assert.Equal("InvalidParameterValue", profile.ErrorCode);
        Assert.Empty(_service.Store.List(DateTimeOffset.UtcNow));

        using var output = new PooledBufferWriter(256);
        var status = _service.WriteError(notFound, "REQ-1", output);
        Assert.Equal(400, status);
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &apos;i-0123456789abcdef0&apos; does not exist</Message></Error></Errors><RequestID>REQ-1</RequestID></Response>",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public async Task Describe_filters_pages_and_terminated_instances_stay_listed_without_a_metadata_service()
    {
        var root = Caller(root: true);
        var launched = await InvokeAsync(_service, "RunInstances", root, ("MinCount", "7"), ("MaxCount", "7"),
            ("TagSpecification.1.ResourceType", "instance"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "web"));
        Assert.Equal(7, Regex.Matches(launched, "<instanceId>").Count);
        Assert.Contains("<name>pending</name>", launched, StringComparison.Ordinal);

        var page1 = await InvokeAsync(_service, "DescribeInstances", root, ("MaxResults", "5"));
        Assert.Equal(5, Regex.Matches(page1, "<instanceId>").Count);
        var page2 = await InvokeAsync(_service, "DescribeInstances", root, ("MaxResults", "5"), ("NextToken", Extract(page1, "nextToken")));
        Assert.Equal(2, Regex.Matches(page2, "<instanceId>").Count);
        Assert.DoesNotContain("<nextToken>", page2, StringComparison.Ordinal);

        var first = Extract(page1, "instanceId");
        var endpoint = Extract(page1, "lockboxMetadataEndpoint");
        using var http = new HttpClient();
        Assert.Equal(first, await http.GetStringAsync(endpoint + "/latest/meta-data/instance-id"));

        var terminated = await InvokeAsync(_service, "TerminateInstances", root, ("InstanceId.1", first));
        Assert.Contains("<currentState><code>32</code><name>shutting-down</name></currentState>", terminated.Replace("\n", "", StringComparison.Ordinal),
            StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(endpoint + "/latest/meta-data/instance-id"));

        var byName = await InvokeAsync(_service, "DescribeInstances", root, ("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", "w*"),
            ("Filter.2.Name", "instance-state-name"), ("Filter.2.Value.1", "running"));
        Assert.Equal(6, Regex.Matches(byName, "<instanceId>").Count);
        var all = await InvokeAsync(_service, "DescribeInstances", root);
        Assert.Equal(7, Regex.Matches(all, "<instanceId>").Count);
        var bad = await Assert.ThrowsAsync<AwsServiceException>(() => InvokeAsync(_service, "DescribeInstances", root, ("Filter.1.Name", "nope"), ("Filter.1.Value.1", "x")));
        Assert.Equal("InvalidParameterValue", bad.ErrorCode);
    }

    [Fact]
    public async Task Metadata_service_speaks_IMDSv1_and_v2_renews_credentials_and_follows_the_association()
    {
        CreateProfile("web", "app");
        CreateProfile("batch", "worker");
        var root = Caller(root: true);
        var launched = await InvokeAsync(_service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1"));
        var id = Extract(launched, "instanceId");
        var endpoint = Extract(await InvokeAsync(_service, "DescribeInstances", root), "lockboxMetadataEndpoint");
        using var http = new HttpClient { BaseAddress = new Uri(endpoint) };

        // No profile: iam/ is absent, as on EC2.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/latest/meta-data/iam/security-credentials/")).StatusCode);
        Assert.DoesNotContain("iam/", await http.GetStringAsync("/latest/meta-data/"), StringComparison.Ordinal);

        var associationId = Extract(await InvokeAsync(_service, "AssociateIamInstanceProfile", root, ("InstanceId", id), ("IamInstanceProfile.Name", "web")),
            "associationId");
        Assert.Equal("app", await http.GetStringAsync("/latest/meta-data/iam/security-credentials/"));
        var first = await http.GetStringAsync("/latest/meta-data/iam/security-credentials/app");
        Assert.Contains("\"Code\": \"Success\"", first, StringComparison.Ordinal);
        Assert.Contains("\"Type\": \"AWS-HMAC\"", first, StringComparison.Ordinal);
        Assert.Equal(1, _issuer.Calls);
        await http.GetStringAsync("/latest/meta-data/iam/security-credentials/app");
        Assert.Equal(1, _issuer.Calls); // cached: an hour left
        Assert.Equal(("arn:aws:iam::123456789012:role/app", "ec2.amazonaws.com", id), _issuer.Last);

        // Replacing the association applies on the next request.
        await InvokeAsync(_service, "ReplaceIamInstanceProfileAssociation", root, ("AssociationId", associationId), ("IamInstanceProfile.Name", "batch"));
        Assert.Equal("worker", await http.GetStringAsync("/latest/meta-data/iam/security-credentials/"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/latest/meta-data/iam/security-credentials/app")).StatusCode);
        await http.GetStringAsync("/latest/meta-data/iam/security-credentials/worker");
        Assert.Equal(2, _issuer.Calls);

        // Credentials within the refresh window are renewed.
        _issuer.Lifetime = TimeSpan.FromMinutes(10);
        _service.Metadata.ForgetCredentials(id);
        await http.GetStringAsync("/latest/meta-data/iam/security-credentials/worker");
        await http.GetStringAsync("/latest/meta-data/iam/security-credentials/worker");
        Assert.Equal(4, _issuer.Calls);

        // IMDSv2: token TTL rules; required mode refuses requests without a token.
        using var noTtl = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(noTtl)).StatusCode);
        using var badTtl = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        badTtl.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "21601");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(badTtl)).StatusCode);
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        tokenRequest.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "60");
        var tokenResponse = await http.SendAsync(tokenRequest);
        var token = await tokenResponse.Content.ReadAsStringAsync();
        Assert.Equal("60", tokenResponse.Headers.GetValues("X-aws-ec2-metadata-token-ttl-seconds").Single());

        await InvokeAsync(_service, "ModifyInstanceMetadataOptions", root, ("InstanceId", id), ("HttpTokens", "required"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/latest/meta-data/instance-id")).StatusCode);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/latest/meta-data/placement/region");
        withToken.Headers.Add("X-aws-ec2-metadata-token", token);
        Assert.Equal("us-east-1", await (await http.SendAsync(withToken)).Content.ReadAsStringAsync());
        using var badToken = new HttpRequestMessage(HttpMethod.Get, "/latest/meta-data/instance-id");
        badToken.Headers.Add("X-aws-ec2-metadata-token", "forged");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(badToken)).StatusCode);

        // Disassociating removes the credentials.
        var current = Extract(await InvokeAsync(_service, "DescribeIamInstanceProfileAssociations", root), "associationId");
        await InvokeAsync(_service, "DisassociateIamInstanceProfile", root, ("AssociationId", current));
        using var afterwards = new HttpRequestMessage(HttpMethod.Get, "/latest/meta-data/iam/security-credentials/worker");
        afterwards.Headers.Add("X-aws-ec2-metadata-token", token);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(afterwards)).StatusCode);
    }

    [Fact]
    public async Task Instances_and_their_metadata_ports_survive_a_restart()
    {
        var root = Caller(root: true);
        var launched = await InvokeAsync(_service, "RunInstances", root, ("MinCount", "1"), ("MaxCount", "1"),
            ("TagSpecification.1.ResourceType", "instance"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "db"));
        var id = Extract(launched, "instanceId");
        var endpoint = Extract(await InvokeAsync(_service, "DescribeInstances", root), "lockboxMetadataEndpoint");
        await _service.DisposeAsync();

        _service = Create();
        var described = await InvokeAsync(_service, "DescribeInstances", root, ("InstanceId.1", id));
        Assert.Equal(endpoint, Extract(described, "lockboxMetadataEndpoint"));
        Assert.Contains("<key>Name</key><value>db</value>", described.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal(id, await http.GetStringAsync(endpoint + "/latest/meta-data/instance-id"));
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

    private sealed class DenyAuthorizer(string action) : IRequestAuthorizer
    {
        public void Authorize(CallerContext caller, AuthorizationRequest request)
        {
            if (request.Action == action)
            {
                throw new AccessDeniedError(caller.Principal.Arn, request.Action, request.ResourceArn, "denied");
            }
        }
    }

    /// <summary>Stands in for STS (which has its own tests): counts calls and hands out distinguishable credentials.</summary>
    private sealed class CountingIssuer : IRoleCredentialIssuer
    {
        public int Calls { get; private set; }

        public (string, string, string) Last { get; private set; }

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        public TemporaryCredentials AssumeRoleForService(string roleArn, string servicePrincipal, string sessionName, TimeSpan duration)
        {
            Calls++;
            Last = (roleArn, servicePrincipal, sessionName);
            return new TemporaryCredentials($"ASIATEST{Calls:D12}", "secret", "token", DateTimeOffset.UtcNow + Lifetime);
        }
    }
}
