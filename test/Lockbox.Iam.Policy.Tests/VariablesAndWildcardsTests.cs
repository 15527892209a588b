using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

public sealed class VariablesAndWildcardsTests
{
    private static bool AllowsResource(string resourcePattern, string resource, string version = "2012-10-17", params (string, string[])[] keys) =>
        Evaluate(Request(resource: resource, keys: keys),
            Identity($$$"""{"Version":"{{{version}}}","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"{{{resourcePattern}}}"}}""")).IsAllowed;

    [Theory]
    [InlineData("dynamodb:GetItem", true)]
    [InlineData("DynamoDB:getitem", true)]
    [InlineData("dynamodb:Get*", true)]
    [InlineData("dynamodb:*Item", true)]
    [InlineData("dynamodb:G?tItem", true)]
    [InlineData("dynamodb:Put*", false)]
    [InlineData("*", true)]
    [InlineData("s3:*", false)]
    public void Actions_are_case_insensitive_wildcards(string pattern, bool expected) =>
        Assert.Equal(expected, Evaluate(Request(), Identity(Allow(pattern, "*"))).IsAllowed);

    [Theory]
    [InlineData("arn:aws:dynamodb:us-east-1:111122223333:table/Books", true)]
    [InlineData("arn:aws:dynamodb:us-east-1:111122223333:table/books", false)]
    [InlineData("arn:aws:dynamodb:*:*:table/Bo?ks", true)]
    [InlineData("arn:aws:dynamodb:*:*:table/*", true)]
    [InlineData("arn:aws:dynamodb:*:*:table/Books/*", false)]
    [InlineData("*", true)]
    public void Resources_are_case_sensitive_wildcards(string pattern, bool expected) =>
        Assert.Equal(expected, AllowsResource(pattern, TableArn));

    [Fact]
    public void Username_variable_in_a_resource()
    {
        const string pattern = "arn:aws:dynamodb:*:*:table/${aws:username}-*";
        Assert.True(AllowsResource(pattern, "arn:aws:dynamodb:us-east-1:111122223333:table/alice-notes"));
        Assert.False(AllowsResource(pattern, "arn:aws:dynamodb:us-east-1:111122223333:table/bob-notes"));
    }

    [Fact]
    public void Variables_are_literal_text_in_version_2008()
    {
        const string pattern = "arn:aws:dynamodb:*:*:table/${aws:username}";
        Assert.False(AllowsResource(pattern, "arn:aws:dynamodb:us-east-1:111122223333:table/alice", "2008-10-17"));
        Assert.True(AllowsResource(pattern, "arn:aws:dynamodb:us-east-1:111122223333:table/${aws:username}", "2008-10-17"));
    }

    [Fact]
    public void Escapes_stand_for_literal_characters_not_wildcards()
    {
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/a${*}b", "arn:aws:dynamodb:us-east-1:111122223333:table/a*b"));
        Assert.False(AllowsResource("arn:aws:dynamodb:*:*:table/a${*}b", "arn:aws:dynamodb:us-east-1:111122223333:table/axxb"));
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/a${?}", "arn:aws:dynamodb:us-east-1:111122223333:table/a?"));
        Assert.False(AllowsResource("arn:aws:dynamodb:*:*:table/a${?}", "arn:aws:dynamodb:us-east-1:111122223333:table/ab"));
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/${$}x", "arn:aws:dynamodb:us-east-1:111122223333:table/$x"));
    }

    [Fact]
    public void Unresolved_variables_match_nothing_unless_they_have_a_default()
    {
        Assert.False(AllowsResource("arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}", "arn:aws:dynamodb:us-east-1:111122223333:table/"));
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}", "arn:aws:dynamodb:us-east-1:111122223333:table/blue",
            keys: ("aws:PrincipalTag/team", ["blue"])));
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team, 'shared'}", "arn:aws:dynamodb:us-east-1:111122223333:table/shared"));
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team, 'shared'}", "arn:aws:dynamodb:us-east-1:111122223333:table/red",
            keys: ("aws:PrincipalTag/team", ["red"])));
    }

    [Fact]
    public void A_multivalued_key_does_not_resolve_a_variable() =>
        Assert.False(AllowsResource("arn:aws:dynamodb:*:*:table/${test:multi}", "arn:aws:dynamodb:us-east-1:111122223333:table/a",
            keys: ("test:multi", ["a", "b"])));

    [Fact]
    public void Variables_in_condition_values()
    {
        Assert.True(Holds("StringEquals", "test:owner", "\"${aws:userid}\"", ("test:owner", ["AIDAEXAMPLEALICE"])));
        Assert.False(Holds("StringEquals", "test:owner", "\"${aws:userid}\"", ("test:owner", ["AIDAOTHER"])));
        Assert.True(Holds("StringLike", "test:path", "\"home/${aws:username}/*\"", ("test:path", ["home/alice/docs"])));
        Assert.False(Holds("StringLike", "test:path", "\"home/${aws:username}/*\"", ("test:path", ["home/bob/docs"])));
        Assert.True(Holds("StringEquals", "test:k", "\"${test:missing, 'fallback'}\"", ("test:k", ["fallback"])));
        Assert.True(Holds("NumericLessThan", "test:n", "\"${test:limit}\"", ("test:n", ["5"]), ("test:limit", ["10"])));
        Assert.False(Holds("NumericLessThan", "test:n", "\"${test:limit}\"", ("test:n", ["5"])));
    }

    [Fact]
    public void Unresolved_variable_in_a_negated_condition_does_not_match_that_value() =>
        Assert.True(Holds("StringNotEquals", "test:k", "\"${test:missing}\"", ("test:k", ["x"])));

    [Fact]
    public void Long_resolved_patterns_use_a_pooled_buffer()
    {
        var longName = new string('n', 400);
        Assert.True(AllowsResource("arn:aws:dynamodb:*:*:table/${test:name}", "arn:aws:dynamodb:us-east-1:111122223333:table/" + longName,
            keys: ("test:name", [longName])));
    }

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "aXbY", false)]
    [InlineData("*a", "bbbba", true)]
    [InlineData("a?", "a", false)]
    [InlineData("**", "anything", true)]
    [InlineData("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Glob(string pattern, string text, bool expected) =>
        Assert.Equal(expected, PolicyPattern.Create(pattern, variables: false, wildcards: true, ignoreCase: false).IsMatch(text));
}
