using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

public sealed class PolicyEvaluatorTests
{
    private static readonly CompiledPolicy AllowAllDynamo = Identity(Allow("dynamodb:*", "*"), "arn:aws:iam::111122223333:policy/AllowDynamo");

    private static CompiledPolicy DenyGetItem(string id = "arn:aws:iam::111122223333:policy/DenyGet") =>
        Identity("""{"Version":"2012-10-17","Statement":{"Sid":"NoReads","Effect":"Deny","Action":"dynamodb:GetItem","Resource":"*"}}""", id);

    [Fact]
    public void Nothing_allows_by_default()
    {
        var decision = Evaluate(Request());
        Assert.Equal(EvaluationDecision.ImplicitDeny, decision.Decision);
        Assert.Equal(PolicyType.IdentityBased, decision.PolicyType);
        Assert.Equal("implicitDeny", decision.EvalDecisionText);
    }

    [Fact]
    public void An_allow_allows() => Assert.Equal("allowed", Evaluate(Request(), AllowAllDynamo).EvalDecisionText);

    [Fact]
    public void Explicit_deny_wins_and_names_policy_and_statement()
    {
        var decision = Evaluate(Request(), AllowAllDynamo, DenyGetItem());
        Assert.Equal(EvaluationDecision.ExplicitDeny, decision.Decision);
        Assert.Equal(PolicyType.IdentityBased, decision.PolicyType);
        Assert.Equal("arn:aws:iam::111122223333:policy/DenyGet", decision.PolicyId);
        Assert.Equal("NoReads", decision.Sid);
        Assert.Equal(0, decision.StatementIndex);
        Assert.True(Evaluate(Request("dynamodb:PutItem"), AllowAllDynamo, DenyGetItem()).IsAllowed);
    }

    [Fact]
    public void NotAction_with_Allow_allows_everything_else()
    {
        var policy = Identity("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"dynamodb:DeleteTable","Resource":"*"}}""");
        Assert.True(Evaluate(Request("dynamodb:GetItem"), policy).IsAllowed);
        Assert.True(Evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), policy).IsAllowed);
        Assert.False(Evaluate(Request("dynamodb:DeleteTable"), policy).IsAllowed);
    }

    [Fact]
    public void NotAction_deny_with_a_condition()
    {
        // Deny everything but IAM self-service unless MFA is present.
        var deny = Identity("""
            {"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:ChangePassword","sts:GetSessionToken"],"Resource":"*",
             "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}
            """, "arn:aws:iam::111122223333:policy/RequireMfa");
        var all = Identity(Allow("*", "*"));
        Assert.Equal(EvaluationDecision.ExplicitDeny, Evaluate(Request(), all, deny).Decision);
        Assert.Equal(EvaluationDecision.ExplicitDeny, Evaluate(Request(keys: ("aws:MultiFactorAuthPresent", ["false"])), all, deny).Decision);
        Assert.True(Evaluate(Request(keys: ("aws:MultiFactorAuthPresent", ["true"])), all, deny).IsAllowed);
        Assert.True(Evaluate(Request("iam:ChangePassword", "arn:aws:iam::111122223333:user/alice"), all, deny).IsAllowed);
    }

    [Fact]
    public void NotResource_allows_everything_except()
    {
        var policy = Identity("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/Secrets"}}""");
        Assert.True(Evaluate(Request(), policy).IsAllowed);
        Assert.False(Evaluate(Request(resource: "arn:aws:dynamodb:us-east-1:111122223333:table/Secrets"), policy).IsAllowed);
    }

    [Fact]
    public void Permissions_boundary_intersects()
    {
        var boundary = Identity(Allow("dynamodb:GetItem", "*"), "arn:aws:iam::111122223333:policy/Boundary");
        var set = new PolicySet { IdentityPolicies = [AllowAllDynamo], PermissionsBoundary = boundary };
        Assert.True(PolicyEvaluator.Evaluate(Request("dynamodb:GetItem"), set).IsAllowed);
        var put = PolicyEvaluator.Evaluate(Request("dynamodb:PutItem"), set);
        Assert.Equal(EvaluationDecision.ImplicitDeny, put.Decision);
        Assert.Equal(PolicyType.PermissionsBoundary, put.PolicyType);

        // The boundary alone grants nothing.
        var onlyBoundary = PolicyEvaluator.Evaluate(Request("dynamodb:GetItem"), new PolicySet { PermissionsBoundary = boundary });
        Assert.Equal(PolicyType.IdentityBased, onlyBoundary.PolicyType);

        // A deny in the boundary is an explicit deny reported as such.
        var denyingBoundary = new PolicySet { IdentityPolicies = [AllowAllDynamo], PermissionsBoundary = DenyGetItem("arn:aws:iam::111122223333:policy/B2") };
        var denied = PolicyEvaluator.Evaluate(Request(), denyingBoundary);
        Assert.Equal(EvaluationDecision.ExplicitDeny, denied.Decision);
        Assert.Equal(PolicyType.PermissionsBoundary, denied.PolicyType);
    }

    [Fact]
    public void Session_policies_intersect()
    {
        var session = Identity(Allow("dynamodb:Query", "*"), "session-policy");
        var set = new PolicySet { IdentityPolicies = [AllowAllDynamo], SessionPolicies = [session] };
        Assert.True(PolicyEvaluator.Evaluate(Request("dynamodb:Query", principal: RoleSession), set).IsAllowed);
        var get = PolicyEvaluator.Evaluate(Request("dynamodb:GetItem", principal: RoleSession), set);
        Assert.Equal(PolicyType.SessionPolicy, get.PolicyType);
        Assert.Equal(EvaluationDecision.ImplicitDeny, get.Decision);
    }

    [Fact]
    public void Resource_policy_naming_the_user_allows_on_its_own_in_the_same_account()
    {
        var resource = Resource($$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"{{{Alice.Arn}}}"},"Action":"dynamodb:GetItem","Resource":"{{{TableArn}}}"}}""");
        var boundary = Identity(Allow("s3:*", "*"), "arn:aws:iam::111122223333:policy/Boundary");
        Assert.True(PolicyEvaluator.Evaluate(Request(), new PolicySet { ResourcePolicy = resource }).IsAllowed);
        // Not limited by an implicit deny in a permissions boundary either.
        Assert.True(PolicyEvaluator.Evaluate(Request(), new PolicySet { ResourcePolicy = resource, PermissionsBoundary = boundary }).IsAllowed);
        // But an explicit deny in an identity policy still wins.
        var denied = PolicyEvaluator.Evaluate(Request(), new PolicySet { ResourcePolicy = resource, IdentityPolicies = [DenyGetItem()] });
        Assert.Equal(EvaluationDecision.ExplicitDeny, denied.Decision);
        // Another action is not allowed by it.
        Assert.False(PolicyEvaluator.Evaluate(Request("dynamodb:PutItem"), new PolicySet { ResourcePolicy = resource }).IsAllowed);
    }

    [Fact]
    public void Resource_policy_naming_the_account_needs_an_identity_allow()
    {
        var resource = Resource($$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{{Account}}}:root"},"Action":"dynamodb:*","Resource":"*"}}""");
        var decision = PolicyEvaluator.Evaluate(Request(), new PolicySet { ResourcePolicy = resource });
        Assert.Equal(PolicyType.IdentityBased, decision.PolicyType);
        Assert.True(PolicyEvaluator.Evaluate(Request(), new PolicySet { ResourcePolicy = resource, IdentityPolicies = [AllowAllDynamo] }).IsAllowed);
    }

    [Fact]
    public void Resource_policy_naming_the_role_is_limited_by_session_policy_naming_the_session_is_not()
    {
        var session = Identity(Allow("dynamodb:Query", "*"), "session-policy");
        var namingRole = Resource($$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"{{{RoleSession.SourceArn}}}"},"Action":"dynamodb:GetItem","Resource":"*"}}""");
        var namingSession = Resource($$$"""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"{{{RoleSession.Arn}}}"},"Action":"dynamodb:GetItem","Resource":"*"}}""");
        Assert.True(PolicyEvaluator.Evaluate(Request(principal: RoleSession), new PolicySet { ResourcePolicy = namingRole }).IsAllowed);
        var limited = PolicyEvaluator.Evaluate(Request(principal: RoleSession), new PolicySet { ResourcePolicy = namingRole, SessionPolicies = [session] });
        Assert.Equal(PolicyType.SessionPolicy, limited.PolicyType);
        Assert.True(PolicyEvaluator.Evaluate(Request(principal: RoleSession), new PolicySet { ResourcePolicy = namingSession, SessionPolicies = [session] }).IsAllowed);
    }

    [Fact]
    public void Resource_policy_deny_applies_to_a_principal_it_names_and_to_root()
    {
        var deny = Resource("""{"Version":"2012-10-17","Statement":{"Sid":"NoDeletes","Effect":"Deny","Principal":"*","Action":"dynamodb:DeleteTable","Resource":"*"}}""");
        var decision = PolicyEvaluator.Evaluate(Request("dynamodb:DeleteTable"), new PolicySet { IdentityPolicies = [AllowAllDynamo], ResourcePolicy = deny });
        Assert.Equal(EvaluationDecision.ExplicitDeny, decision.Decision);
        Assert.Equal(PolicyType.ResourceBased, decision.PolicyType);
        Assert.Equal("NoDeletes", decision.Sid);
        Assert.Equal(EvaluationDecision.ExplicitDeny, PolicyEvaluator.Evaluate(Request("dynamodb:DeleteTable", principal: Root), new PolicySet { ResourcePolicy = deny }).Decision);
        var other = Resource("""{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"dynamodb:*","Resource":"*"}}""");
        Assert.True(PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [AllowAllDynamo], ResourcePolicy = other }).IsAllowed);
    }

    [Fact]
    public void NotPrincipal_deny_applies_to_everyone_not_listed()
    {
        var policy = Resource("""{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":"dynamodb:*","Resource":"*"}}""");
        Assert.Equal(EvaluationDecision.ExplicitDeny, PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [AllowAllDynamo], ResourcePolicy = policy }).Decision);
        var admin = new PrincipalInfo("arn:aws:iam::111122223333:user/admin", Account, PrincipalKind.User);
        Assert.True(PolicyEvaluator.Evaluate(Request(principal: admin), new PolicySet { IdentityPolicies = [AllowAllDynamo], ResourcePolicy = policy }).IsAllowed);
    }

    [Fact]
    public void Cross_account_needs_both_sides()
    {
        var stranger = new PrincipalInfo("arn:aws:iam::444455556666:user/eve", "444455556666", PrincipalKind.User);
        var resource = Resource("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"dynamodb:GetItem","Resource":"*"}}""");
        RequestContext Cross() => new(stranger, "dynamodb:GetItem", TableArn, Now) { ResourceAccountId = Account };
        Assert.Equal(PolicyType.IdentityBased, PolicyEvaluator.Evaluate(Cross(), new PolicySet { ResourcePolicy = resource }).PolicyType);
        Assert.Equal(PolicyType.ResourceBased, PolicyEvaluator.Evaluate(Cross(), new PolicySet { IdentityPolicies = [AllowAllDynamo] }).PolicyType);
        Assert.True(PolicyEvaluator.Evaluate(Cross(), new PolicySet { IdentityPolicies = [AllowAllDynamo], ResourcePolicy = resource }).IsAllowed);
    }

    [Fact]
    public void Root_is_allowed_without_policies_and_services_only_by_resource_policies()
    {
        Assert.True(PolicyEvaluator.Evaluate(Request(principal: Root), PolicySet.Empty).IsAllowed);
        var service = new PrincipalInfo("dynamodb.amazonaws.com", Account, PrincipalKind.Service, ServiceName: "dynamodb.amazonaws.com");
        Assert.Equal(PolicyType.ResourceBased, PolicyEvaluator.Evaluate(Request(principal: service), PolicySet.Empty).PolicyType);
        var resource = Resource("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"dynamodb.amazonaws.com"},"Action":"dynamodb:GetItem","Resource":"*"}}""");
        Assert.True(PolicyEvaluator.Evaluate(Request(principal: service), new PolicySet { ResourcePolicy = resource }).IsAllowed);
    }

    [Fact]
    public void Trace_collects_matched_statements_and_missing_context_values()
    {
        var policy = Identity("""
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Read","Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"},
              {"Sid":"Mfa","Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
              {"Sid":"Never","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Null":{"s3:prefix":"true"}}}]}
            """);
        var trace = new EvaluationTrace();
        var decision = PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [policy] }, trace);
        Assert.True(decision.IsAllowed);
        var matched = Assert.Single(trace.MatchedStatements);
        Assert.Equal("Read", matched.Sid);
        Assert.Equal(["aws:MultiFactorAuthPresent"], trace.MissingContextValues);
    }

    [Fact]
    public void With_a_trace_every_deny_is_seen_but_the_first_is_reported()
    {
        var trace = new EvaluationTrace();
        var decision = PolicyEvaluator.Evaluate(Request(), new PolicySet { IdentityPolicies = [DenyGetItem("p1"), DenyGetItem("p2")] }, trace);
        Assert.Equal("p1", decision.PolicyId);
        Assert.Equal(2, trace.MatchedStatements.Count);
    }

    [Fact]
    public void Compiled_policies_can_be_shared_across_threads()
    {
        var policy = Identity("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}"}}""");
        var failures = 0;
        Parallel.For(0, 2000, i =>
        {
            var user = "u" + (i % 7);
            var principal = new PrincipalInfo($"arn:aws:iam::{Account}:user/{user}", Account, PrincipalKind.User);
            var ok = PolicyEvaluator.Evaluate(new RequestContext(principal, "dynamodb:GetItem", $"arn:aws:dynamodb:us-east-1:{Account}:table/{user}", Now).Set("aws:username", user),
                new PolicySet { IdentityPolicies = [policy] }).IsAllowed;
            var wrong = PolicyEvaluator.Evaluate(new RequestContext(principal, "dynamodb:GetItem", $"arn:aws:dynamodb:us-east-1:{Account}:table/x{user}", Now).Set("aws:username", user),
                new PolicySet { IdentityPolicies = [policy] }).IsAllowed;
            if (!ok || wrong)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void AccessDenied_messages_in_AWS_wording()
    {
        var user = Alice.Arn;
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} because no identity-based policy allows the dynamodb:GetItem action",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, Evaluate(Request())));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} with an explicit deny in an identity-based policy",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, Evaluate(Request(), DenyGetItem())));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} with an explicit deny in an identity-based policy, with policy ARN: arn:aws:iam::111122223333:policy/DenyGet",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, Evaluate(Request(), DenyGetItem()), includePolicyArn: true));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} because no permissions boundary allows the dynamodb:GetItem action",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.PermissionsBoundary)));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} because no session policy allows the dynamodb:GetItem action",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.SessionPolicy)));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} because no resource-based policy allows the dynamodb:GetItem action",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.ResourceBased)));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} with an explicit deny in a permissions boundary",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ExplicitDeny, PolicyType.PermissionsBoundary, "b")));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} with an explicit deny in a session policy",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ExplicitDeny, PolicyType.SessionPolicy, "s")));
        Assert.Equal($"User: {user} is not authorized to perform: dynamodb:GetItem on resource: {TableArn} with an explicit deny in a resource-based policy",
            AccessDeniedMessage.Format(user, "dynamodb:GetItem", TableArn, new AuthorizationDecision(EvaluationDecision.ExplicitDeny, PolicyType.ResourceBased, "r"), includePolicyArn: true));
        Assert.Equal($"User: {user} is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action",
            AccessDeniedMessage.Format(user, "iam:ListUsers", null, new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.IdentityBased)));
    }
}
