using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

/// <summary>What the evaluator reports for the policy simulator: statement positions and per-type detail.</summary>
public sealed class SimulationDetailTests
{
    [Fact]
    public void Statements_record_the_line_and_column_of_their_braces()
    {
        var json = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"A\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"dynamodb:GetItem\",\n      \"Resource\": \"*\"\n    },\n" +
            "    {\"Sid\": \"B\", \"Effect\": \"Deny\", \"Action\": \"dynamodb:PutItem\", \"Resource\": \"*\"}\n  ]\n}";
        var document = PolicyParser.Parse(json, PolicyKind.Identity);
        Assert.Equal(new PolicyPosition(4, 5), document.Statements[0].StartPosition);
        Assert.Equal(new PolicyPosition(9, 5), document.Statements[0].EndPosition);
        Assert.Equal(new PolicyPosition(10, 5), document.Statements[1].StartPosition);
        Assert.Equal(new PolicyPosition(10, 81), document.Statements[1].EndPosition);
    }

    [Fact]
    public void A_single_statement_object_and_non_ascii_text_are_positioned_in_characters()
    {
        var json = "{\"Version\":\"2012-10-17\",\"Id\":\"ünï\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}";
        var statement = Assert.Single(PolicyParser.Parse(json, PolicyKind.Identity).Statements);
        var open = json.IndexOf("{\"Effect", StringComparison.Ordinal) + 1;
        Assert.Equal(new PolicyPosition(1, open), statement.StartPosition);
        Assert.Equal(new PolicyPosition(1, json.Length - 1), statement.EndPosition);
    }

    [Fact]
    public void Matched_statements_carry_their_positions_and_policy()
    {
        var policy = Identity("{\"Version\":\"2012-10-17\",\"Statement\":[\n{\"Effect\":\"Allow\",\"Action\":\"dynamodb:*\",\"Resource\":\"*\"}]}");
        var trace = new EvaluationTrace();
        PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [policy] }, trace);
        var matched = Assert.Single(trace.MatchedStatements);
        Assert.Same(policy, matched.Policy);
        Assert.Equal(new PolicyPosition(2, 1), matched.StartPosition);
        Assert.Equal(new PolicyPosition(2, 55), matched.EndPosition);
    }

    [Fact]
    public void The_trace_reports_whether_the_permissions_boundary_allowed()
    {
        var identity = Identity(Allow("dynamodb:*", "*"));
        var boundary = Identity(Allow("dynamodb:GetItem", "*"), "arn:aws:iam::111122223333:policy/Boundary");
        var allowed = new EvaluationTrace();
        Assert.True(PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [identity], PermissionsBoundary = boundary }, allowed).IsAllowed);
        Assert.True(allowed.AllowedByPermissionsBoundary);

        var refused = new EvaluationTrace();
        var decision = PolicyEvaluator.Evaluate(Request("dynamodb:PutItem"), new PolicySet { IdentityPolicies = [identity], PermissionsBoundary = boundary }, refused);
        Assert.Equal(PolicyType.PermissionsBoundary, decision.PolicyType);
        Assert.False(refused.AllowedByPermissionsBoundary);
        Assert.Equal(EvaluationDecision.Allowed, refused.IdentityDecision);

        var none = new EvaluationTrace();
        PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [identity] }, none);
        Assert.Null(none.AllowedByPermissionsBoundary);
        Assert.Null(none.ResourceDecision);
    }

    [Fact]
    public void The_trace_reports_identity_and_resource_decisions_separately()
    {
        var identity = Identity(Allow("dynamodb:*", "*"));
        var resource = Resource($$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"{{Alice.Arn}}"},"Action":"dynamodb:DeleteItem","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"{{Alice.Arn}}"},"Action":"dynamodb:GetItem","Resource":"*"}]}
            """);
        var set = new PolicySet { IdentityPolicies = [identity], ResourcePolicy = resource };

        var get = new EvaluationTrace();
        Assert.True(PolicyEvaluator.Evaluate(Request(), set, get).IsAllowed);
        Assert.Equal(EvaluationDecision.Allowed, get.IdentityDecision);
        Assert.Equal(EvaluationDecision.Allowed, get.ResourceDecision);

        var delete = new EvaluationTrace();
        Assert.Equal(EvaluationDecision.ExplicitDeny, PolicyEvaluator.Evaluate(Request("dynamodb:DeleteItem"), set, delete).Decision);
        Assert.Equal(EvaluationDecision.ExplicitDeny, delete.ResourceDecision);

        var put = new EvaluationTrace();
        Assert.True(PolicyEvaluator.Evaluate(Request("dynamodb:PutItem"), set, put).IsAllowed);
        Assert.Equal(EvaluationDecision.ImplicitDeny, put.ResourceDecision);

        var nothing = new EvaluationTrace();
        PolicyEvaluator.Evaluate(Request("s3:GetObject"), new PolicySet { IdentityPolicies = [identity, Identity(Allow("s3:PutObject", "*"))] }, nothing);
        Assert.Equal(EvaluationDecision.ImplicitDeny, nothing.IdentityDecision);
    }

    [Fact]
    public void Context_keys_of_conditions_and_variables_are_discovered_once_each()
    {
        var policy = Identity("""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}",
               "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
              {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"AWS:username":"x"}}}]}
            """);
        Assert.Equal(["dynamodb:LeadingKeys", "aws:username", "aws:SourceIp", "aws:PrincipalTag/team"], policy.ContextKeys());
    }

    [Fact]
    public void Evaluating_without_a_trace_still_allocates_nothing()
    {
        var policy = Identity(Allow("dynamodb:*", "*", ""","Condition":{"StringEquals":{"aws:username":"alice"}}"""));
        var set = new PolicySet { IdentityPolicies = [policy] };
        var context = Request();
        Assert.True(PolicyEvaluator.Evaluate(context, set).IsAllowed);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            PolicyEvaluator.Evaluate(context, set);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
