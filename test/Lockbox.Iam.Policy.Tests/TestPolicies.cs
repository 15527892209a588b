namespace Lockbox.Iam.Policy.Tests;

/// <summary>Builders shared by the policy tests.</summary>
internal static class TestPolicies
{
    public const string Account = "111122223333";
    public const string TableArn = "arn:aws:dynamodb:us-east-1:111122223333:table/Books";
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static readonly PrincipalInfo Alice = new($"arn:aws:iam::{Account}:user/alice", Account, PrincipalKind.User);
    public static readonly PrincipalInfo Root = new($"arn:aws:iam::{Account}:root", Account, PrincipalKind.Root);
    public static readonly PrincipalInfo RoleSession = new($"arn:aws:sts::{Account}:assumed-role/Reader/s1", Account, PrincipalKind.AssumedRole,
        SourceArn: $"arn:aws:iam::{Account}:role/Reader");

    public static RequestContext Request(string action = "dynamodb:GetItem", string resource = TableArn, PrincipalInfo? principal = null,
        params (string Key, string[] Values)[] keys)
    {
        var context = new RequestContext(principal ?? Alice, action, resource, Now);
        context.Set("aws:username", "alice");
        context.Set("aws:userid", "AIDAEXAMPLEALICE");
        foreach (var (key, values) in keys)
        {
            context.Set(key, values);
        }

        return context;
    }

    public static CompiledPolicy Identity(string json, string id = "arn:aws:iam::111122223333:policy/Test") =>
        CompiledPolicy.Parse(json, PolicyKind.Identity, id);

    public static CompiledPolicy Resource(string json) => CompiledPolicy.Parse(json, PolicyKind.Resource, "table/Books/resource-policy");

    public static AuthorizationDecision Evaluate(RequestContext context, params CompiledPolicy[] identity) =>
        PolicyEvaluator.Evaluate(context, new PolicySet { IdentityPolicies = identity });

    /// <summary>An identity policy allowing everything under one condition.</summary>
    public static string WithCondition(string op, string key, string valuesJson, string version = "2012-10-17") =>
        "{\"Version\":\"" + version + "\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"" + op + "\":{\"" + key + "\":" + valuesJson + "}}}}";

    /// <summary>Whether an identity policy with one condition allows a request with the given keys.</summary>
    public static bool Holds(string op, string key, string valuesJson, params (string Key, string[] Values)[] keys) =>
        Evaluate(Request(keys: keys), Identity(WithCondition(op, key, valuesJson))).IsAllowed;

    public static string Allow(string action, string resource, string extra = "") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"{{action}}","Resource":"{{resource}}"{{extra}}}]}""";
}
