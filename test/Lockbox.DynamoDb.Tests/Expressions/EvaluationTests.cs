using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class EvaluationTests
{
    private static readonly Dictionary<string, AttributeValue> s_item = Item(
        ("s", S("hello")),
        ("n", N("10")),
        ("b", B(1, 2, 3)),
        ("t", Bool(true)),
        ("z", Null),
        ("ss", SS("x", "y")),
        ("ns", NS("1", "2")),
        ("bs", BS([1], [2])),
        ("l", L(S("a"), N("1"), M(("k", S("v"))))),
        ("m", M(("k", S("v")), ("nested", M(("deep", N("5")))))),
        ("emoji", S("é𝄞")));

    private static bool Eval(string expression, params (string Key, AttributeValue Value)[] values) =>
        Eval(expression, s_item, values);

    private static bool Eval(string expression, IReadOnlyDictionary<string, AttributeValue>? item, params (string Key, AttributeValue Value)[] values)
    {
        var context = Ctx(values: values.Length == 0 ? null : Vals(values));
        return ExpressionParser.ParseCondition(expression, context, "ConditionExpression").Evaluate(item);
    }

    [Theory]
    [InlineData("s = :v", "S", "hello", true)]
    [InlineData("s = :v", "S", "hellO", false)]
    [InlineData("s <> :v", "S", "hellO", true)]
    [InlineData("n = :v", "N", "10.0", true)]
    [InlineData("n = :v", "S", "10", false)]
    [InlineData("n <> :v", "S", "10", true)]
    [InlineData("n < :v", "N", "9.5", false)]
    [InlineData("n > :v", "N", "9.5", true)]
    [InlineData("n >= :v", "N", "1E1", true)]
    [InlineData("n <= :v", "N", "-3", false)]
    [InlineData("s < :v", "S", "help", true)]
    [InlineData("s > :v", "S", "hell", true)]
    [InlineData("n < :v", "S", "zzz", false)]
    [InlineData("n > :v", "S", "0", false)]
    [InlineData("absent = :v", "S", "x", false)]
    [InlineData("absent <> :v", "S", "x", true)]
    [InlineData("absent < :v", "S", "x", false)]
    public void Comparisons(string expression, string type, string text, bool expected)
    {
        var value = type == "N" ? N(text) : S(text);
        Assert.Equal(expected, Eval(expression, (":v", value)));
    }

    [Fact]
    public void StringsCompareByUtf8Bytes()
    {
        // U+FF5E sorts before U+1F600 in UTF-8 (and code points) but after it in UTF-16 code units.
        var item = Item(("a", S("\uFF5E")));
        Assert.True(Eval("a < :v", item, (":v", S("\U0001F600"))));
    }

    [Fact]
    public void BinaryComparesUnsigned()
    {
        var item = Item(("a", B(0x80)));
        Assert.True(Eval("a > :v", item, (":v", B(0x7F))));
        Assert.True(Eval("b < :v", (":v", B(1, 2, 4))));
    }

    [Fact]
    public void EqualityIsDeepAndSetsAreUnordered()
    {
        Assert.True(Eval("ss = :v", (":v", SS("y", "x"))));
        Assert.False(Eval("ss = :v", (":v", SS("x"))));
        Assert.True(Eval("ns = :v", (":v", NS("2.0", "1"))));
        Assert.True(Eval("bs = :v", (":v", BS([2], [1]))));
        Assert.True(Eval("l = :v", (":v", L(S("a"), N("1"), M(("k", S("v")))))));
        Assert.False(Eval("l = :v", (":v", L(N("1"), S("a"), M(("k", S("v")))))));
        Assert.True(Eval("m = :v", (":v", M(("nested", M(("deep", N("5")))), ("k", S("v"))))));
        Assert.True(Eval("t = :v", (":v", Bool(true))));
        Assert.True(Eval("z = :v", (":v", Null)));
        Assert.True(Eval("m.nested.deep = :v AND l[2].k = :w", (":v", N("5")), (":w", S("v"))));
        Assert.False(Eval("ss < :v", (":v", SS("z"))));
    }

    [Theory]
    [InlineData("n BETWEEN :lo AND :hi", "5", "10", true)]
    [InlineData("n BETWEEN :lo AND :hi", "10", "20", true)]
    [InlineData("n BETWEEN :lo AND :hi", "11", "20", false)]
    [InlineData("absent BETWEEN :lo AND :hi", "1", "20", false)]
    public void Between(string expression, string lo, string hi, bool expected) =>
        Assert.Equal(expected, Eval(expression, (":lo", N(lo)), (":hi", N(hi))));

    [Fact]
    public void In()
    {
        Assert.True(Eval("n IN (:a, :b)", (":a", S("10")), (":b", N("10"))));
        Assert.False(Eval("n IN (:a)", (":a", S("10"))));
        Assert.True(Eval("ss IN (:a)", (":a", SS("y", "x"))));
        Assert.False(Eval("absent IN (:a)", (":a", S("10"))));
    }

    [Fact]
    public void Functions()
    {
        Assert.True(Eval("attribute_exists(m.nested.deep)"));
        Assert.False(Eval("attribute_exists(m.nope)"));
        Assert.True(Eval("attribute_not_exists(l[7])"));
        Assert.True(Eval("attribute_exists(z)"));
        Assert.False(Eval("attribute_exists(a)", (IReadOnlyDictionary<string, AttributeValue>?)null));
        Assert.True(Eval("attribute_not_exists(a)", (IReadOnlyDictionary<string, AttributeValue>?)null));

        foreach (var (name, type) in new[] { ("s", "S"), ("n", "N"), ("b", "B"), ("t", "BOOL"), ("z", "NULL"), ("ss", "SS"), ("ns", "NS"), ("bs", "BS"), ("l", "L"), ("m", "M") })
        {
            Assert.True(Eval($"attribute_type({name}, :t)", (":t", S(type))));
            Assert.False(Eval($"attribute_type({name}, :t)", (":t", S(type == "S" ? "N" : "S"))));
        }

        Assert.True(Eval("begins_with(s, :p)", (":p", S("he"))));
        Assert.False(Eval("begins_with(s, :p)", (":p", S("lo"))));
        Assert.True(Eval("begins_with(b, :p)", (":p", B(1, 2))));
        Assert.False(Eval("begins_with(n, :p)", (":p", S("1"))));

        Assert.True(Eval("contains(s, :p)", (":p", S("ell"))));
        Assert.False(Eval("contains(s, :p)", (":p", S("xyz"))));
        Assert.True(Eval("contains(ss, :p)", (":p", S("y"))));
        Assert.False(Eval("contains(ss, :p)", (":p", SS("y"))));
        Assert.True(Eval("contains(ns, :p)", (":p", N("2.00"))));
        Assert.True(Eval("contains(bs, :p)", (":p", B(2))));
        Assert.True(Eval("contains(b, :p)", (":p", B(2, 3))));
        Assert.True(Eval("contains(l, :p)", (":p", M(("k", S("v"))))));
        Assert.True(Eval("contains(l, :p)", (":p", N("1"))));
        Assert.False(Eval("contains(m, :p)", (":p", S("k"))));
        Assert.False(Eval("NOT contains(s, :p)", (":p", S("ell"))));
        Assert.True(Eval("NOT contains(absent, :p)", (":p", S("ell"))));
    }

    [Theory]
    [InlineData("s", 5)]
    [InlineData("b", 3)]
    [InlineData("ss", 2)]
    [InlineData("ns", 2)]
    [InlineData("bs", 2)]
    [InlineData("l", 3)]
    [InlineData("m", 2)]
    [InlineData("emoji", 3)]
    public void Size(string attribute, int size) =>
        Assert.True(Eval($"size({attribute}) = :n", (":n", N(size.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

    [Fact]
    public void SizeOfScalarsAndMissingIsNothing()
    {
        Assert.False(Eval("size(n) = :n", (":n", N("2"))));
        Assert.False(Eval("size(t) >= :n", (":n", N("0"))));
        Assert.True(Eval("size(absent) <> :n", (":n", N("0"))));
        Assert.True(Eval("size(:s) = :n", (":n", N("3")), (":s", S("abc"))));
    }

    [Theory]
    [InlineData("a = :t OR b = :t AND c = :t", true, false, false, true)]
    [InlineData("(a = :t OR b = :t) AND c = :t", false, true, false, false)]
    [InlineData("NOT a = :t AND b = :t", false, true, false, true)]
    [InlineData("NOT (a = :t AND b = :t)", true, true, false, false)]
    [InlineData("a = :t AND b = :t OR c = :t", false, false, true, true)]
    public void PrecedenceIsNotThenAndThenOr(string expression, bool a, bool b, bool c, bool expected)
    {
        var item = Item(("a", Bool(a)), ("b", Bool(b)), ("c", Bool(c)));
        Assert.Equal(expected, Eval(expression, item, (":t", Bool(true))));
    }
}
