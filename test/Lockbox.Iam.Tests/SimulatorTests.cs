using System.Text;
using System.Xml.Linq;
using Lockbox.Common;
using Lockbox.Iam.Authorization;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage.RocksDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Iam.Tests;

/// <summary>
/// The policy simulator in process over a real identity store, with the server's authorizer, so a
/// simulation can be compared with the decision the authorizer takes on a real request.
/// </summary>
public sealed class SimulatorTests : IDisposable
{
    private const string Account = "123456789012";
    private const string Table = "arn:aws:dynamodb:us-east-1:123456789012:table/books";
    private const string AliceArn = "arn:aws:iam::123456789012:user/eng/alice";
    private static readonly XNamespace Ns = IamService.Namespace;
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-iamsim-").FullName;
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly IdentityStore _store;
    private readonly IamAuthorizer _authorizer;
    private readonly IamService _iam;

    public SimulatorTests()
    {
        _storage = RocksDbStorageEngine.Open(Path.Combine(_directory, "db"), new RocksDbStorageOptions());
        _store = IdentityStore.Open(_storage, _masterKey, Account);
        _authorizer = new IamAuthorizer(_store, null, NullLogger.Instance);
        _iam = new IamService(_store, _authorizer, new PolicyEngineValidator(), TimeProvider.System);
        Iam("CreateUser", ("UserName", "alice"), ("Path", "/eng/"));
        Iam("CreateGroup", ("GroupName", "readers"));
        Iam("AddUserToGroup", ("GroupName", "readers"), ("UserName", "alice"));
        Iam("PutGroupPolicy", ("GroupName", "readers"), ("PolicyName", "Read"), ("PolicyDocument", ReadPolicy));
        Iam("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "NoDeletes"), ("PolicyDocument", DenyDeletes));
    }

    public void Dispose()
    {
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private const string ReadPolicy = """
        {"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:DeleteItem"],
          "Resource":"arn:aws:dynamodb:*:*:table/books","Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}}]}
        """;

    private const string DenyDeletes = "{\"Version\":\"2012-10-17\",\n \"Statement\":[\n  {\"Sid\":\"NoDeletes\",\"Effect\":\"Deny\",\"Action\":\"dynamodb:DeleteItem\",\"Resource\":\"*\"}\n ]\n}";

    private static CallerContext Root() => new()
    {
        RequestId = "REQ",
        Principal = new Principal(Account, $"arn:aws:iam::{Account}:root", Account, "AKIAROOT", IsRoot: true),
        Region = "us-east-1",
        RequestTime = DateTimeOffset.UtcNow,
    };

    private XElement Iam(string action, params (string Name, string Value)[] parameters)
    {
        using var output = new PooledBufferWriter(256);
        var request = QueryRequest.FromValues(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        _iam.InvokeAsync(action, request, Root(), output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return XElement.Parse(Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static IEnumerable<XElement> Results(XElement response) =>
        response.Descendants(Ns + "EvaluationResults").Single().Elements(Ns + "member");

    private static string Decision(XElement result) => result.Element(Ns + "EvalDecision")!.Value;

    private static (string Name, string Value)[] LeadingKey(string value) =>
    [
        ("ContextEntries.member.1.ContextKeyName", "dynamodb:LeadingKeys"),
        ("ContextEntries.member.1.ContextKeyType", "stringList"),
        ("ContextEntries.member.1.ContextKeyValues.member.1", value),
    ];

    /// <summary>The authorizer's decision for alice on a real request with these keys.</summary>
    private string Real(string action, string? leadingKey)
    {
        var user = _store.Read(state => state.Users[IdentityStore.Fold("alice")]);
        var caller = new CallerContext
        {
            RequestId = "REQ",
            Principal = new Principal(Account, AliceArn, user.Id, "AKIAUSER", IsRoot: false),
            Region = "us-east-1",
            RequestTime = DateTimeOffset.UtcNow,
        };
        var keys = leadingKey is null ? null : new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = [leadingKey] };
        try
        {
            _authorizer.Authorize(caller, new AuthorizationRequest(action, Table, keys));
            return "allowed";
        }
        catch (AwsServiceException e) when (e.ErrorCode == "AccessDeniedException")
        {
            return e.Message.Contains("explicit deny", StringComparison.Ordinal) ? "explicitDeny" : "implicitDeny";
        }
    }

    [Theory]
    [InlineData("dynamodb:GetItem", "alice")]
    [InlineData("dynamodb:GetItem", "bob")]
    [InlineData("dynamodb:PutItem", "alice")]
    [InlineData("dynamodb:DeleteItem", "alice")]
    [InlineData("dynamodb:Scan", "alice")]
    public void A_simulation_and_a_real_request_of_the_same_user_agree(string action, string leadingKey)
    {
        var response = Iam("SimulatePrincipalPolicy", [("PolicySourceArn", AliceArn), ("ActionNames.member.1", action), ("ResourceArns.member.1", Table),
            .. LeadingKey(leadingKey)]);
        var result = Assert.Single(Results(response));
        Assert.Equal(Real(action, leadingKey), Decision(result));
    }

    [Fact]
    public void The_users_group_and_inline_policies_are_simulated_with_their_statements_and_positions()
    {
        var response = Iam("SimulatePrincipalPolicy", [("PolicySourceArn", AliceArn), ("ActionNames.member.1", "dynamodb:GetItem"),
            ("ActionNames.member.2", "dynamodb:DeleteItem"), ("ResourceArns.member.1", Table), .. LeadingKey("alice")]);
        var results = Results(response).ToList();
        Assert.Equal(["allowed", "explicitDeny"], results.Select(Decision));

        var allow = Assert.Single(results[0].Element(Ns + "MatchedStatements")!.Elements(Ns + "member"));
        Assert.Equal("Read", allow.Element(Ns + "SourcePolicyId")!.Value);
        Assert.Equal("group", allow.Element(Ns + "SourcePolicyType")!.Value);

        // The deny is the only statement reported, with its place in the inline policy's text.
        var deny = Assert.Single(results[1].Element(Ns + "MatchedStatements")!.Elements(Ns + "member"));
        Assert.Equal("NoDeletes", deny.Element(Ns + "SourcePolicyId")!.Value);
        Assert.Equal("user", deny.Element(Ns + "SourcePolicyType")!.Value);
        Assert.Equal("3", deny.Element(Ns + "StartPosition")!.Element(Ns + "Line")!.Value);
        Assert.Equal("3", deny.Element(Ns + "StartPosition")!.Element(Ns + "Column")!.Value);
        Assert.Equal("3", deny.Element(Ns + "EndPosition")!.Element(Ns + "Line")!.Value);
        Assert.Equal("83", deny.Element(Ns + "EndPosition")!.Element(Ns + "Column")!.Value);

        // A specific resource: the detail is per resource.
        var specific = Assert.Single(results[0].Element(Ns + "ResourceSpecificResults")!.Elements(Ns + "member"));
        Assert.Equal(Table, specific.Element(Ns + "EvalResourceName")!.Value);
        Assert.Equal("allowed", specific.Element(Ns + "EvalResourceDecision")!.Value);
    }

    [Fact]
    public void Keys_the_request_lacks_are_reported_as_missing_context_values()
    {
        (string, string)[] request =
        [
            ("PolicyInputList.member.1", """
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*",
                 "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["alice"]},"Bool":{"aws:SecureTransport":"true"}}}}
                """),
            ("ActionNames.member.1", "dynamodb:GetItem"),
            ("ContextEntries.member.1.ContextKeyName", "aws:SecureTransport"), ("ContextEntries.member.1.ContextKeyType", "boolean"),
            ("ContextEntries.member.1.ContextKeyValues.member.1", "true"),
        ];
        var result = Assert.Single(Results(Iam("SimulateCustomPolicy", request)));
        Assert.Equal("*", result.Element(Ns + "EvalResourceName")!.Value);

        // ForAllValues with the key missing holds, so the statement allows; the key is still reported missing.
        Assert.Equal("allowed", Decision(result));
        Assert.Equal(["dynamodb:LeadingKeys"], result.Element(Ns + "MissingContextValues")!.Elements(Ns + "member").Select(e => e.Value));
        Assert.Null(result.Element(Ns + "ResourceSpecificResults"));
        Assert.Null(result.Element(Ns + "EvalDecisionDetails"));

        // With a specific resource the missing keys are reported per resource.
        var specific = Assert.Single(Results(Iam("SimulateCustomPolicy", [.. request, ("ResourceArns.member.1", Table)])));
        Assert.Empty(specific.Element(Ns + "MissingContextValues")!.Elements());
        var perResource = Assert.Single(specific.Element(Ns + "ResourceSpecificResults")!.Elements(Ns + "member"));
        Assert.Equal(["dynamodb:LeadingKeys"], perResource.Element(Ns + "MissingContextValues")!.Elements(Ns + "member").Select(e => e.Value));
        Assert.Empty(specific.Element(Ns + "EvalDecisionDetails")!.Elements());
    }

    [Fact]
    public void Results_are_paged_with_max_items_and_marker()
    {
        (string, string)[] request =
        [
            ("PolicyInputList.member.1", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:Get*","Resource":"*"}}"""),
            ("ActionNames.member.1", "dynamodb:GetItem"), ("ActionNames.member.2", "dynamodb:PutItem"), ("ActionNames.member.3", "dynamodb:GetRecords"),
            ("MaxItems", "2"),
        ];
        var first = Iam("SimulateCustomPolicy", request);
        Assert.Equal(["allowed", "implicitDeny"], Results(first).Select(Decision));
        Assert.Equal("true", first.Descendants(Ns + "IsTruncated").Single().Value);
        var marker = first.Descendants(Ns + "Marker").Single().Value;

        var second = Iam("SimulateCustomPolicy", [.. request, ("Marker", marker)]);
        var last = Assert.Single(Results(second));
        Assert.Equal("dynamodb:GetRecords", last.Element(Ns + "EvalActionName")!.Value);
        Assert.Equal("allowed", Decision(last));
        Assert.Equal("false", second.Descendants(Ns + "IsTruncated").Single().Value);
        Assert.Empty(second.Descendants(Ns + "Marker"));
    }

    [Fact]
    public void A_permissions_boundary_input_replaces_the_entitys_and_is_reported()
    {
        var response = Iam("SimulatePrincipalPolicy", [("PolicySourceArn", AliceArn), ("ActionNames.member.1", "dynamodb:GetItem"),
            ("ActionNames.member.2", "dynamodb:PutItem"), ("ResourceArns.member.1", Table),
            ("PermissionsBoundaryPolicyInputList.member.1", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}}"""),
            .. LeadingKey("alice")]);
        var results = Results(response).ToList();
        Assert.Equal(["allowed", "implicitDeny"], results.Select(Decision));
        Assert.Equal(["true", "false"], results.Select(r => r.Element(Ns + "PermissionsBoundaryDecisionDetail")!.Element(Ns + "AllowedByPermissionsBoundary")!.Value));
    }

    [Fact]
    public void A_resource_policy_takes_part_with_the_caller_arn_and_its_detail_is_reported()
    {
        var resourcePolicy = """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"dynamodb:Scan","Resource":"*"}}
            """;
        (string, string)[] request =
        [
            ("PolicyInputList.member.1", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}}"""),
            ("ActionNames.member.1", "dynamodb:Scan"), ("ResourceArns.member.1", Table), ("ResourcePolicy", resourcePolicy),
        ];
        var error = Assert.Throws<AwsServiceException>(() => Iam("SimulateCustomPolicy", request));
        Assert.Equal("InvalidInput", error.ErrorCode);

        var bob = Assert.Single(Results(Iam("SimulateCustomPolicy", [.. request, ("CallerArn", "arn:aws:iam::123456789012:user/bob")])));
        Assert.Equal("allowed", Decision(bob));
        var statement = Assert.Single(bob.Element(Ns + "MatchedStatements")!.Elements(Ns + "member"));
        Assert.Equal("ResourcePolicy", statement.Element(Ns + "SourcePolicyId")!.Value);
        Assert.Equal("resource", statement.Element(Ns + "SourcePolicyType")!.Value);
        var details = bob.Element(Ns + "EvalDecisionDetails")!.Elements(Ns + "entry")
            .ToDictionary(e => e.Element(Ns + "key")!.Value, e => e.Element(Ns + "value")!.Value);
        Assert.Equal("implicitDeny", details["IAM Policy"]);
        Assert.Equal("allowed", details["Resource Policy"]);

        var carol = Assert.Single(Results(Iam("SimulateCustomPolicy", [.. request, ("CallerArn", "arn:aws:iam::123456789012:user/carol")])));
        Assert.Equal("implicitDeny", Decision(carol));
    }

    [Fact]
    public void Context_entries_of_every_type_are_checked_and_used()
    {
        var policy = """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{
              "NumericLessThan":{"dynamodb:Limit":"10"},"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
              "DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"},"BinaryEquals":{"test:blob":"QUJD"},
              "ForAllValues:StringLike":{"dynamodb:Attributes":["Id","Ti*"]}}}}
            """;
        (string, string)[] Entry(int n, string name, string type, params string[] values) =>
        [
            ($"ContextEntries.member.{n}.ContextKeyName", name), ($"ContextEntries.member.{n}.ContextKeyType", type),
            .. values.Select((v, i) => ($"ContextEntries.member.{n}.ContextKeyValues.member.{i + 1}", v)),
        ];
        (string, string)[] Request(string ip) =>
        [
            ("PolicyInputList.member.1", policy), ("ActionNames.member.1", "dynamodb:GetItem"),
            .. Entry(1, "dynamodb:Limit", "numeric", "5"), .. Entry(2, "aws:SecureTransport", "boolean", "TRUE"),
            .. Entry(3, "aws:SourceIp", "ip", ip), .. Entry(4, "aws:TokenIssueTime", "date", "2026-01-01T00:00:00Z"),
            .. Entry(5, "test:blob", "binary", "QUJD"), .. Entry(6, "dynamodb:Attributes", "stringList", "Id", "Title"),
        ];
        Assert.Equal("allowed", Decision(Assert.Single(Results(Iam("SimulateCustomPolicy", Request("10.1.2.3"))))));
        Assert.Equal("implicitDeny", Decision(Assert.Single(Results(Iam("SimulateCustomPolicy", Request("192.168.0.1"))))));

        var bad = Assert.Throws<AwsServiceException>(() => Iam("SimulateCustomPolicy", Request("not-an-ip")));
        Assert.Equal("InvalidInput", bad.ErrorCode);
        var badType = Assert.Throws<AwsServiceException>(() => Iam("SimulateCustomPolicy",
            [("PolicyInputList.member.1", policy), ("ActionNames.member.1", "dynamodb:GetItem"), .. Entry(1, "aws:SourceIp", "address", "1.2.3.4")]));
        Assert.Equal("ValidationError", badType.ErrorCode);
        var twoValues = Assert.Throws<AwsServiceException>(() => Iam("SimulateCustomPolicy",
            [("PolicyInputList.member.1", policy), ("ActionNames.member.1", "dynamodb:GetItem"), .. Entry(1, "dynamodb:Limit", "numeric", "1", "2")]));
        Assert.Equal("InvalidInput", twoValues.ErrorCode);
    }

    [Fact]
    public void Bad_inputs_get_iams_errors()
    {
        AwsServiceException Fails(string action, params (string, string)[] parameters) => Assert.Throws<AwsServiceException>(() => Iam(action, parameters));

        Assert.Equal("NoSuchEntity", Fails("SimulatePrincipalPolicy", ("PolicySourceArn", "arn:aws:iam::123456789012:user/nobody"), ("ActionNames.member.1", "s3:GetObject")).ErrorCode);
        Assert.Equal("NoSuchEntity", Fails("GetContextKeysForPrincipalPolicy", ("PolicySourceArn", "arn:aws:iam::123456789012:role/nobody")).ErrorCode);
        Assert.Equal("InvalidInput", Fails("SimulatePrincipalPolicy", ("PolicySourceArn", "arn:aws:s3:::bucket/thing/x"), ("ActionNames.member.1", "s3:GetObject")).ErrorCode);
        Assert.Equal("ValidationError", Fails("SimulatePrincipalPolicy", ("PolicySourceArn", AliceArn)).ErrorCode);
        Assert.Equal("ValidationError", Fails("SimulateCustomPolicy", ("ActionNames.member.1", "s3:GetObject")).ErrorCode);
        var malformed = Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", "{nope"), ("ActionNames.member.1", "s3:GetObject"));
        Assert.Equal("InvalidInput", malformed.ErrorCode);
        Assert.Contains("Syntax errors in policy.", malformed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("InvalidInput", Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", ReadPolicy), ("ActionNames.member.1", "dynamodb:*")).ErrorCode);
        Assert.Equal("InvalidInput", Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", ReadPolicy), ("ActionNames.member.1", "GetItem")).ErrorCode);
        var shortName = Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", ReadPolicy), ("ActionNames.member.1", "s3"));
        Assert.Equal("ValidationError", shortName.ErrorCode);
        Assert.Equal("1 validation error detected: Value '[s3]' at 'actionNames' failed to satisfy constraint: Member must satisfy constraint: " +
            "[Member must have length greater than or equal to 3]", shortName.ErrorMessage);
        Assert.Equal("InvalidInput", Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", ReadPolicy), ("ActionNames.member.1", "s3:GetObject"), ("Marker", "bm9wZQ==")).ErrorCode);
        Assert.Equal("ValidationError", Fails("SimulateCustomPolicy", ("PolicyInputList.member.1", ReadPolicy), ("ActionNames.member.1", "s3:GetObject"), ("MaxItems", "0")).ErrorCode);
    }

    [Fact]
    public void Context_keys_are_discovered_for_a_principal_and_for_custom_policies()
    {
        var keys = Iam("GetContextKeysForPrincipalPolicy", ("PolicySourceArn", AliceArn),
                ("PolicyInputList.member.1", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"""))
            .Descendants(Ns + "ContextKeyNames").Single().Elements(Ns + "member").Select(e => e.Value);
        Assert.Equal(["dynamodb:LeadingKeys", "aws:username", "aws:SecureTransport"], keys);

        var group = Iam("GetContextKeysForPrincipalPolicy", ("PolicySourceArn", "arn:aws:iam::123456789012:group/readers"))
            .Descendants(Ns + "ContextKeyNames").Single().Elements(Ns + "member").Select(e => e.Value);
        Assert.Equal(["dynamodb:LeadingKeys", "aws:username"], group);

        var custom = Iam("GetContextKeysForCustomPolicy", ("PolicyInputList.member.1", DenyDeletes))
            .Descendants(Ns + "ContextKeyNames").Single().Elements(Ns + "member");
        Assert.Empty(custom);
    }

    [Fact]
    public void A_role_is_simulated_with_its_own_policies_and_boundary()
    {
        Iam("CreateRole", ("RoleName", "worker"), ("AssumeRolePolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""));
        Iam("PutRolePolicy", ("RoleName", "worker"), ("PolicyName", "All"), ("PolicyDocument", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}}"""));
        Iam("CreatePolicy", ("PolicyName", "OnlyReads"), ("PolicyDocument", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}}"""));
        Iam("PutRolePermissionsBoundary", ("RoleName", "worker"), ("PermissionsBoundary", "arn:aws:iam::123456789012:policy/OnlyReads"));
        var results = Results(Iam("SimulatePrincipalPolicy", ("PolicySourceArn", "arn:aws:iam::123456789012:role/worker"),
            ("ActionNames.member.1", "dynamodb:GetItem"), ("ActionNames.member.2", "dynamodb:PutItem"))).ToList();
        Assert.Equal(["allowed", "implicitDeny"], results.Select(Decision));
        var statements = results[0].Element(Ns + "MatchedStatements")!.Elements(Ns + "member")
            .Select(m => m.Element(Ns + "SourcePolicyId")!.Value + "/" + m.Element(Ns + "SourcePolicyType")!.Value);
        Assert.Equal(["All/role", "OnlyReads/user-managed"], statements);
    }

    [Fact]
    public void A_policy_change_is_simulated_at_once()
    {
        (string, string)[] request = [("PolicySourceArn", AliceArn), ("ActionNames.member.1", "dynamodb:DeleteItem"), ("ResourceArns.member.1", Table), .. LeadingKey("alice")];
        Assert.Equal("explicitDeny", Decision(Assert.Single(Results(Iam("SimulatePrincipalPolicy", request)))));
        Iam("DeleteUserPolicy", ("UserName", "alice"), ("PolicyName", "NoDeletes"));
        Assert.Equal("allowed", Decision(Assert.Single(Results(Iam("SimulatePrincipalPolicy", request)))));
    }
}
