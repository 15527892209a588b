using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

/// <summary>The DynamoDB fine-grained access control examples of the DynamoDB developer guide.</summary>
public sealed class DynamoDbFineGrainedTests
{
    private static readonly PrincipalInfo WebUser = new($"arn:aws:sts::{Account}:assumed-role/WebApp/web-session", Account, PrincipalKind.AssumedRole,
        SourceArn: $"arn:aws:iam::{Account}:role/WebApp");

    private static readonly CompiledPolicy OwnItems = Identity("""
        {"Version":"2012-10-17","Statement":[{
          "Sid":"AllowAccessToOnlyItemsMatchingUserID","Effect":"Allow",
          "Action":["dynamodb:GetItem","dynamodb:BatchGetItem","dynamodb:Query","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem","dynamodb:BatchWriteItem"],
          "Resource":["arn:aws:dynamodb:us-west-2:111122223333:table/GameScores"],
          "Condition":{
            "ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${www.amazon.com:user_id}"],"dynamodb:Attributes":["UserId","GameTitle","Wins","Losses","TopScore","TopScoreDateTime"]},
            "StringEqualsIfExists":{"dynamodb:Select":"SPECIFIC_ATTRIBUTES"}}}]}
        """);

    private static bool Allowed(string action, params (string, string[])[] keys)
    {
        var context = new RequestContext(WebUser, action, "arn:aws:dynamodb:us-west-2:111122223333:table/GameScores", Now);
        context.Set("www.amazon.com:user_id", "amzn1.account.A1");
        foreach (var (key, values) in keys)
        {
            context.Set(key, values);
        }

        return PolicyEvaluator.Evaluate(context, new PolicySet { IdentityPolicies = [OwnItems] }).IsAllowed;
    }

    [Fact]
    public void LeadingKeys_confines_a_user_to_their_own_partition()
    {
        Assert.True(Allowed("dynamodb:GetItem", ("dynamodb:LeadingKeys", ["amzn1.account.A1"])));
        Assert.False(Allowed("dynamodb:GetItem", ("dynamodb:LeadingKeys", ["amzn1.account.B2"])));
        Assert.False(Allowed("dynamodb:BatchGetItem", ("dynamodb:LeadingKeys", ["amzn1.account.A1", "amzn1.account.B2"])));
    }

    [Fact]
    public void Attributes_and_Select_limit_what_can_be_read()
    {
        Assert.True(Allowed("dynamodb:Query", ("dynamodb:LeadingKeys", ["amzn1.account.A1"]), ("dynamodb:Attributes", ["UserId", "TopScore"]), ("dynamodb:Select", ["SPECIFIC_ATTRIBUTES"])));
        Assert.False(Allowed("dynamodb:Query", ("dynamodb:LeadingKeys", ["amzn1.account.A1"]), ("dynamodb:Attributes", ["UserId", "Secret"]), ("dynamodb:Select", ["SPECIFIC_ATTRIBUTES"])));
        Assert.False(Allowed("dynamodb:Query", ("dynamodb:LeadingKeys", ["amzn1.account.A1"]), ("dynamodb:Select", ["ALL_ATTRIBUTES"])));
        Assert.True(Allowed("dynamodb:GetItem", ("dynamodb:LeadingKeys", ["amzn1.account.A1"])));
    }

    [Fact]
    public void Missing_identity_key_means_the_user_id_variable_matches_nothing()
    {
        var context = new RequestContext(WebUser, "dynamodb:GetItem", "arn:aws:dynamodb:us-west-2:111122223333:table/GameScores", Now)
            .Set("dynamodb:LeadingKeys", "amzn1.account.A1");
        Assert.False(PolicyEvaluator.Evaluate(context, new PolicySet { IdentityPolicies = [OwnItems] }).IsAllowed);
    }

    [Fact]
    public void Catalog_example_numeric_leading_keys_and_StringLike_attributes()
    {
        // Issue 4's acceptance scenario: partition keys 100-199 and a fixed attribute list.
        var books = Identity("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:*:*:table/ProductCatalog",
              "Condition":{
                "ForAllValues:NumericGreaterThanEquals":{"dynamodb:LeadingKeys":"100"},
                "ForAllValues:NumericLessThanEquals":{"dynamodb:LeadingKeys":"199"},
                "ForAllValues:StringLike":{"dynamodb:Attributes":["Id","Title","ISBN","Authors","Price","Dimensions","PageCount","inPublication","ProductCategory"]}}}}
            """);
        bool Can(string key, params string[] attributes)
        {
            var context = new RequestContext(Alice, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/ProductCatalog", Now)
                .Set("dynamodb:LeadingKeys", key).Set("dynamodb:Attributes", attributes);
            return PolicyEvaluator.Evaluate(context, new PolicySet { IdentityPolicies = [books] }).IsAllowed;
        }

        Assert.True(Can("101", "Id", "Title", "Price"));
        Assert.True(Can("199"));
        Assert.False(Can("200", "Id"));
        Assert.False(Can("99", "Id"));
        Assert.False(Can("150", "Id", "Color"));
    }

    [Fact]
    public void Username_in_LeadingKeys()
    {
        var own = Identity("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/Notes",
              "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}}}
            """);
        RequestContext For(string user, string key) =>
            new RequestContext(new PrincipalInfo($"arn:aws:iam::{Account}:user/{user}", Account, PrincipalKind.User), "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Notes", Now)
                .Set("aws:username", user).Set("dynamodb:LeadingKeys", key);
        Assert.True(PolicyEvaluator.Evaluate(For("alice", "alice"), new PolicySet { IdentityPolicies = [own] }).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(For("alice", "bob"), new PolicySet { IdentityPolicies = [own] }).IsAllowed);
    }
}
