using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

public sealed class PolicyParserTests
{
    private static string Error(string json, PolicyKind kind = PolicyKind.Identity, bool requireVersion2012 = false)
    {
        var e = Assert.Throws<MalformedPolicyDocumentException>(() => PolicyParser.Parse(json, kind, requireVersion2012));
        return e.Message;
    }

    [Fact]
    public void Accepts_the_usual_shapes()
    {
        var doc = PolicyParser.Parse("""
            {"Version":"2012-10-17","Id":"P1","Statement":[
              {"Sid":"One","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":["arn:aws:dynamodb:*:*:table/Books"],
               "Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["Id","Title"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}},
              {"Effect":"Deny","NotAction":"dynamodb:*","NotResource":"*"}]}
            """, PolicyKind.Identity);
        Assert.Equal(PolicyVersion.V2012_10_17, doc.Version);
        Assert.Equal("P1", doc.Id);
        Assert.Equal(2, doc.Statements.Count);
        var first = doc.Statements[0];
        Assert.Equal("One", first.Sid);
        Assert.Equal(["dynamodb:GetItem", "dynamodb:Query"], first.Actions);
        Assert.Equal(3, first.Conditions.Count);
        Assert.Equal(SetQualifier.ForAllValues, first.Conditions[0].Qualifier);
        Assert.Equal(["true"], first.Conditions[1].Values);
        Assert.Equal(["10"], first.Conditions[2].Values);
        Assert.True(doc.Statements[1].IsNotAction);
        Assert.True(doc.Statements[1].IsNotResource);
    }

    [Fact]
    public void Statement_may_be_a_single_object_and_Version_may_be_2008_or_absent()
    {
        var single = PolicyParser.Parse("""{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""", PolicyKind.Identity);
        Assert.Equal(PolicyVersion.V2008_10_17, single.Version);
        Assert.Single(single.Statements);
        var absent = PolicyParser.Parse("""{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""", PolicyKind.Identity);
        Assert.Equal(PolicyVersion.V2008_10_17, absent.Version);
        Assert.False(absent.VersionPresent);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"Version":"2012-10-17"}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":[]}""")]
    [InlineData("""{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"},"Extra":1}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"effect":"Allow","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"x"}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"aws:username":"x"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"aws:username":"x"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"0":{"aws:username":"true"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{" Bool":{"aws:username":"true"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool,Null":{"aws:username":"true"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Sid":1,"Effect":"Allow","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}""")]
    public void Syntax_errors(string json) => Assert.Equal("Syntax errors in policy.", Error(json));

    [Fact]
    public void An_unknown_operator_with_an_empty_body_is_tolerated()
    {
        var doc = PolicyParser.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Whatever":{}}}}""", PolicyKind.Identity);
        Assert.Empty(doc.Statements[0].Conditions);
    }

    [Fact]
    public void Identity_policies_refuse_a_principal() =>
        Assert.Equal("Policy document should not specify a principal.",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}"""));

    [Fact]
    public void Managed_policies_need_version_2012() =>
        Assert.Equal("Policy document must be version 2012-10-17 or greater.",
            Error("""{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""", requireVersion2012: true));

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3::bucket"}}""")]
    public void Legacy_parsing_failures(string json) => Assert.Equal("The policy failed legacy parsing", Error(json));

    [Fact]
    public void Sids_must_be_unique_and_alphanumeric()
    {
        Assert.Equal("Statement IDs (SID) in a single policy must be unique.",
            Error("""{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"""));
        Assert.Equal("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
            Error("""{"Version":"2012-10-17","Statement":{"Sid":"my sid","Effect":"Allow","Action":"s3:*","Resource":"*"}}"""));
    }

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}""", "Policy statement must contain actions.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}""", "Policy statement must contain actions.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}""", "Policy statement must contain resources.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":[]}}""", "Policy statement must contain resources.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetItem","Resource":"*"}}""", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"username":"x"}}}}""", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:Get:Item","Resource":"*"}}""", "Actions/Condition can contain only one colon.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dyna mo:GetItem","Resource":"*"}}""", "Vendor dyna mo is not valid")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"Books"}}""", "Resource Books must be in ARN format or \"*\".")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws"}}""", "Resource vendor must be fully qualified and cannot contain regexes.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:*:us-east-1:111122223333:x"}}""", "Resource vendor must be fully qualified and cannot contain regexes.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:other:dynamodb:us-east-1:1:table/T"}}""", "Partition \"other\" is not valid for resource \"arn:other:dynamodb:us-east-1:1:table/T\".")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:111122223333:user/bob"}}""", "IAM resource arn:aws:iam:us-east-1:111122223333:user/bob cannot contain region information.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:person/bob"}}""", "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.")]
    public void Semantic_errors_have_IAMs_messages(string json, string message) => Assert.Equal(message, Error(json));

    [Fact]
    public void Trust_policies_need_a_principal_refuse_resources_and_allow_only_sts_actions()
    {
        var ok = PolicyParser.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}""", PolicyKind.Trust);
        Assert.Null(ok.Statements[0].Resources);
        Assert.Equal("Has prohibited field Resource",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}}""", PolicyKind.Trust));
        Assert.Equal("Missing required field Principal",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}""", PolicyKind.Trust));
        Assert.Equal("AssumeRole policy may only specify STS AssumeRole actions.",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}}""", PolicyKind.Trust));
        Assert.Equal("Invalid principal in policy: \"AWS\":\"bob\"",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}}""", PolicyKind.Trust));
    }

    [Fact]
    public void Resource_policies_name_unknown_and_missing_fields()
    {
        var ok = PolicyParser.Parse($$$"""{"Version":"2012-10-17","Statement":{"Sid":"read only","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"dynamodb:GetItem","Resource":"{{{TableArn}}}"}}""", PolicyKind.Resource);
        Assert.Equal(2, ok.Statements[0].Principal!.Entries.Count);
        Assert.Equal("Unknown field Actions",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Actions":"dynamodb:*","Resource":"*"}}""", PolicyKind.Resource));
        Assert.Equal("Missing required field Effect",
            Error("""{"Version":"2012-10-17","Statement":{"Principal":"*","Action":"dynamodb:*","Resource":"*"}}""", PolicyKind.Resource));
        Assert.Equal("Missing required field Principal",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}}""", PolicyKind.Resource));
        Assert.Equal("Syntax errors in policy.",
            Error("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Users":"x"},"Action":"dynamodb:*","Resource":"*"}}""", PolicyKind.Resource));
    }

    [Fact]
    public void TryParse_reports_instead_of_throwing()
    {
        Assert.False(PolicyParser.TryParse("{", PolicyKind.Identity, out var doc, out var error));
        Assert.Null(doc);
        Assert.Equal("Syntax errors in policy.", error);
        Assert.True(PolicyParser.TryParse(Allow("s3:*", "*"), PolicyKind.Identity, out doc, out error));
        Assert.NotNull(doc);
        Assert.Null(error);
    }

    [Fact]
    public void ContextKeys_lists_condition_and_variable_keys_once()
    {
        var policy = Identity("""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}",
               "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":"${aws:userid}"},"Bool":{"AWS:SecureTransport":"true"}}},
              {"Effect":"Deny","Action":"dynamodb:*","Resource":"*","Condition":{"Bool":{"aws:securetransport":"false"}}}]}
            """);
        Assert.Equal(["dynamodb:LeadingKeys", "aws:userid", "AWS:SecureTransport", "aws:username"], policy.ContextKeys());
    }
}
