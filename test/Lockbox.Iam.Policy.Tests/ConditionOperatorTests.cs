using static Lockbox.Iam.Policy.Tests.TestPolicies;

namespace Lockbox.Iam.Policy.Tests;

public sealed class ConditionOperatorTests
{
    private static (string, string[]) K(string key, params string[] values) => (key, values);

    [Theory]
    [InlineData("StringEquals", "\"alice\"", "alice", true)]
    [InlineData("StringEquals", "\"Alice\"", "alice", false)]
    [InlineData("StringEquals", "[\"bob\",\"alice\"]", "alice", true)]
    [InlineData("StringNotEquals", "\"bob\"", "alice", true)]
    [InlineData("StringNotEquals", "[\"bob\",\"alice\"]", "alice", false)]
    [InlineData("StringEqualsIgnoreCase", "\"ALICE\"", "alice", true)]
    [InlineData("StringNotEqualsIgnoreCase", "\"ALICE\"", "alice", false)]
    [InlineData("StringLike", "\"al*\"", "alice", true)]
    [InlineData("StringLike", "\"al?ce\"", "alice", true)]
    [InlineData("StringLike", "\"al?e\"", "alice", false)]
    [InlineData("StringLike", "\"AL*\"", "alice", false)]
    [InlineData("StringNotLike", "\"b*\"", "alice", true)]
    [InlineData("StringNotLike", "\"a*\"", "alice", false)]
    public void String_operators(string op, string values, string requestValue, bool expected) =>
        Assert.Equal(expected, Holds(op, "test:key", values, K("test:key", requestValue)));

    [Theory]
    [InlineData("NumericEquals", "10", "10", true)]
    [InlineData("NumericEquals", "\"10\"", "10.0", true)]
    [InlineData("NumericEquals", "10", "11", false)]
    [InlineData("NumericNotEquals", "10", "11", true)]
    [InlineData("NumericNotEquals", "10", "10", false)]
    [InlineData("NumericLessThan", "10", "9.5", true)]
    [InlineData("NumericLessThan", "10", "10", false)]
    [InlineData("NumericLessThanEquals", "10", "10", true)]
    [InlineData("NumericGreaterThan", "10", "10", false)]
    [InlineData("NumericGreaterThan", "-1", "0", true)]
    [InlineData("NumericGreaterThanEquals", "10", "10", true)]
    [InlineData("NumericGreaterThanEquals", "10", "not-a-number", false)]
    public void Numeric_operators(string op, string values, string requestValue, bool expected) =>
        Assert.Equal(expected, Holds(op, "test:n", values, K("test:n", requestValue)));

    [Theory]
    [InlineData("DateEquals", "\"2026-11-30T12:00:00Z\"", true)]
    [InlineData("DateEquals", "\"2026-11-30T13:00:00+01:00\"", true)]
    [InlineData("DateNotEquals", "\"2026-11-30T12:00:00Z\"", false)]
    [InlineData("DateLessThan", "\"2026-12-01\"", true)]
    [InlineData("DateLessThan", "\"2026-11-30T12:00:00Z\"", false)]
    [InlineData("DateLessThanEquals", "\"2026-11-30T12:00:00Z\"", true)]
    [InlineData("DateGreaterThan", "\"2026-01-01T00:00:00Z\"", true)]
    [InlineData("DateGreaterThan", "\"2027\"", false)]
    [InlineData("DateGreaterThanEquals", "\"2026-11-30T12:00:00.000Z\"", true)]
    [InlineData("DateGreaterThan", "1764460800", true)] // 2025-11-30 as epoch seconds
    [InlineData("DateLessThan", "\"1796083200\"", true)] // 2026-12-01 as epoch seconds, quoted
    public void Date_operators_against_the_request_time(string op, string values, bool expected) =>
        Assert.Equal(expected, Holds(op, "aws:CurrentTime", values));

    [Fact]
    public void Date_operators_take_epoch_request_values()
    {
        Assert.True(Holds("DateGreaterThan", "aws:EpochTime", "\"2026-01-01T00:00:00Z\""));
        Assert.True(Holds("DateLessThan", "aws:TokenIssueTime", "\"2026-01-01T00:00:00Z\"", K("aws:TokenIssueTime", "2025-06-01T00:00:00Z")));
    }

    [Theory]
    [InlineData("\"true\"", "true", true)]
    [InlineData("true", "true", true)]
    [InlineData("\"true\"", "false", false)]
    [InlineData("false", "false", true)]
    [InlineData("\"TRUE\"", "true", true)]
    public void Bool(string values, string requestValue, bool expected) =>
        Assert.Equal(expected, Holds("Bool", "aws:SecureTransport", values, K("aws:SecureTransport", requestValue)));

    [Fact]
    public void BinaryEquals_compares_base64() =>
        Assert.True(Holds("BinaryEquals", "test:b", "\"QmluYXJ5\"", K("test:b", "QmluYXJ5")) && !Holds("BinaryEquals", "test:b", "\"QmluYXJ5\"", K("test:b", "QmluYXJ6")));

    [Theory]
    [InlineData("IpAddress", "\"203.0.113.0/24\"", "203.0.113.77", true)]
    [InlineData("IpAddress", "\"203.0.113.0/24\"", "203.0.114.1", false)]
    [InlineData("IpAddress", "\"203.0.113.5\"", "203.0.113.5", true)]
    [InlineData("IpAddress", "\"203.0.113.9/30\"", "203.0.113.10", true)]
    [InlineData("IpAddress", "\"10.0.0.0/8\"", "::ffff:10.1.2.3", true)]
    [InlineData("IpAddress", "\"2001:db8::/32\"", "2001:db8:1234::1", true)]
    [InlineData("IpAddress", "\"2001:db8::/32\"", "2001:db9::1", false)]
    [InlineData("IpAddress", "[\"192.0.2.0/24\",\"2001:db8::/32\"]", "192.0.2.1", true)]
    [InlineData("IpAddress", "\"0.0.0.0/0\"", "not-an-ip", false)]
    [InlineData("NotIpAddress", "\"203.0.113.0/24\"", "198.51.100.1", true)]
    [InlineData("NotIpAddress", "\"203.0.113.0/24\"", "203.0.113.1", false)]
    public void Ip_operators(string op, string values, string requestValue, bool expected) =>
        Assert.Equal(expected, Holds(op, "aws:SourceIp", values, K("aws:SourceIp", requestValue)));

    [Theory]
    [InlineData("ArnEquals", "\"arn:aws:iam::111122223333:role/Reader\"", true)]
    [InlineData("ArnEquals", "\"arn:aws:iam::111122223333:role/*\"", true)]
    [InlineData("ArnLike", "\"arn:aws:iam::*:role/Read?r\"", true)]
    [InlineData("ArnLike", "\"arn:aws:iam::111122223333:role/reader\"", false)]
    [InlineData("ArnLike", "\"arn:aws:*:111122223333:role/Reader\"", false)] // * does not cross the ARN's colons
    [InlineData("ArnNotEquals", "\"arn:aws:iam::111122223333:role/Writer\"", true)]
    [InlineData("ArnNotLike", "\"arn:aws:iam::*:role/*\"", false)]
    public void Arn_operators_match_component_by_component(string op, string values, bool expected) =>
        Assert.Equal(expected, Holds(op, "aws:PrincipalArn", values, K("aws:PrincipalArn", "arn:aws:iam::111122223333:role/Reader")));

    [Fact]
    public void Arn_operators_do_not_match_a_value_that_is_not_an_arn() =>
        Assert.False(Holds("ArnLike", "aws:SourceArn", "\"arn:aws:s3:::*\"", K("aws:SourceArn", "bucket")));

    [Fact]
    public void Null_checks_presence()
    {
        Assert.True(Holds("Null", "aws:TokenIssueTime", "\"true\""));
        Assert.False(Holds("Null", "aws:TokenIssueTime", "\"true\"", K("aws:TokenIssueTime", "2026-01-01T00:00:00Z")));
        Assert.True(Holds("Null", "aws:TokenIssueTime", "\"false\"", K("aws:TokenIssueTime", "2026-01-01T00:00:00Z")));
        Assert.False(Holds("Null", "aws:TokenIssueTime", "false"));
        Assert.True(Holds("Null", "aws:TagKeys", "\"true\"", K("aws:TagKeys")));
    }

    [Theory]
    [InlineData("StringEquals", false)]
    [InlineData("StringLike", false)]
    [InlineData("NumericLessThan", false)]
    [InlineData("DateGreaterThan", false)]
    [InlineData("Bool", false)]
    [InlineData("IpAddress", false)]
    [InlineData("ArnLike", false)]
    [InlineData("BinaryEquals", false)]
    [InlineData("StringNotEquals", true)]
    [InlineData("StringNotEqualsIgnoreCase", true)]
    [InlineData("StringNotLike", true)]
    [InlineData("NumericNotEquals", true)]
    [InlineData("DateNotEquals", true)]
    [InlineData("NotIpAddress", true)]
    [InlineData("ArnNotEquals", true)]
    [InlineData("ArnNotLike", true)]
    public void A_missing_key_fails_positive_operators_and_satisfies_negated_ones(string op, bool expected) =>
        Assert.Equal(expected, Holds(op, "test:absent", "\"1\""));

    [Theory]
    [InlineData("StringEqualsIfExists")]
    [InlineData("NumericLessThanIfExists")]
    [InlineData("ArnLikeIfExists")]
    [InlineData("ForAnyValue:StringEqualsIfExists")]
    public void IfExists_holds_when_the_key_is_missing(string op) => Assert.True(Holds(op, "test:absent", "\"1\""));

    [Fact]
    public void IfExists_still_checks_a_present_key()
    {
        Assert.True(Holds("StringEqualsIfExists", "test:k", "\"a\"", K("test:k", "a")));
        Assert.False(Holds("StringEqualsIfExists", "test:k", "\"a\"", K("test:k", "b")));
    }

    [Fact]
    public void Condition_keys_are_case_insensitive_operator_values_are_not() =>
        Assert.True(Holds("StringEquals", "AWS:USERNAME", "\"alice\""));

    [Fact]
    public void ForAllValues_needs_every_request_value_to_match_and_holds_for_missing_or_empty_keys()
    {
        const string allowed = "[\"Id\",\"Title\",\"Price\"]";
        Assert.True(Holds("ForAllValues:StringEquals", "dynamodb:Attributes", allowed, K("dynamodb:Attributes", "Id", "Title")));
        Assert.False(Holds("ForAllValues:StringEquals", "dynamodb:Attributes", allowed, K("dynamodb:Attributes", "Id", "Secret")));
        Assert.True(Holds("ForAllValues:StringEquals", "dynamodb:Attributes", allowed));
        Assert.True(Holds("ForAllValues:StringEquals", "dynamodb:Attributes", allowed, K("dynamodb:Attributes")));
    }

    [Fact]
    public void ForAnyValue_needs_one_matching_request_value_and_fails_for_missing_or_empty_keys()
    {
        Assert.True(Holds("ForAnyValue:StringEquals", "aws:TagKeys", "[\"env\",\"team\"]", K("aws:TagKeys", "cost", "team")));
        Assert.False(Holds("ForAnyValue:StringEquals", "aws:TagKeys", "[\"env\",\"team\"]", K("aws:TagKeys", "cost")));
        Assert.False(Holds("ForAnyValue:StringEquals", "aws:TagKeys", "[\"env\"]"));
        Assert.False(Holds("ForAnyValue:StringEquals", "aws:TagKeys", "[\"env\"]", K("aws:TagKeys")));
    }

    [Fact]
    public void Set_operators_with_negated_operators()
    {
        // ForAllValues:StringNotEquals: no request value may be one of the listed ones.
        Assert.True(Holds("ForAllValues:StringNotEquals", "aws:TagKeys", "[\"secret\"]", K("aws:TagKeys", "env", "team")));
        Assert.False(Holds("ForAllValues:StringNotEquals", "aws:TagKeys", "[\"secret\"]", K("aws:TagKeys", "env", "secret")));
        // ForAnyValue:StringNotEquals: some request value is not one of the listed ones.
        Assert.True(Holds("ForAnyValue:StringNotEquals", "aws:TagKeys", "[\"env\"]", K("aws:TagKeys", "env", "team")));
        Assert.False(Holds("ForAnyValue:StringNotEquals", "aws:TagKeys", "[\"env\"]", K("aws:TagKeys", "env")));
        Assert.False(Holds("ForAnyValue:StringNotEquals", "aws:TagKeys", "[\"env\"]"));
    }

    [Fact]
    public void Unqualified_operators_on_multivalued_keys()
    {
        // StringLike against several request values: any match is enough.
        Assert.True(Holds("StringLike", "dynamodb:Attributes", "\"Ti*\"", K("dynamodb:Attributes", "Id", "Title")));
        Assert.False(Holds("StringLike", "dynamodb:Attributes", "\"X*\"", K("dynamodb:Attributes", "Id", "Title")));
        // StringNotEquals: true only when no request value is listed.
        Assert.False(Holds("StringNotEquals", "dynamodb:Attributes", "\"Id\"", K("dynamodb:Attributes", "Id", "Title")));
        Assert.True(Holds("StringNotEquals", "dynamodb:Attributes", "\"Secret\"", K("dynamodb:Attributes", "Id", "Title")));
    }

    [Fact]
    public void Several_keys_and_operators_are_ANDed()
    {
        var policy = Identity("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
             "Condition":{"StringEquals":{"test:a":"1","test:b":"2"},"Bool":{"aws:SecureTransport":"true"}}}}
            """);
        Assert.True(Evaluate(Request(keys: [K("test:a", "1"), K("test:b", "2"), K("aws:SecureTransport", "true")]), policy).IsAllowed);
        Assert.False(Evaluate(Request(keys: [K("test:a", "1"), K("test:b", "3"), K("aws:SecureTransport", "true")]), policy).IsAllowed);
        Assert.False(Evaluate(Request(keys: [K("test:a", "1"), K("test:b", "2")]), policy).IsAllowed);
    }
}
