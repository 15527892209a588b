using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class UpdateApplyTests
{
    private static readonly Dictionary<string, AttributeValue> s_values = Vals(
        (":one", N("1")),
        (":two", N("2")),
        (":s", S("x")),
        (":l", L(S("new"))),
        (":empty", L()),
        (":ss", SS("b", "c")),
        (":ns", NS("3")),
        (":big", N("9.9999999999999999999999999999999999999E+125")));

    private static Dictionary<string, AttributeValue> Apply(string expression, Dictionary<string, AttributeValue> item)
    {
        var update = ExpressionParser.ParseUpdate(expression, Ctx(Names(("#k", "k")), s_values));
        var copy = AttributeValue.CloneItem(item);
        update.Apply(copy);
        return copy;
    }

    private static Dictionary<string, AttributeValue> Sample() => Item(
        ("pk", S("k")),
        ("n", N("5")),
        ("s", S("text")),
        ("l", L(S("l0"), S("l1"), S("l2"), S("l3"))),
        ("m", M(("a", N("1")), ("elems", L(M(("x", S("y"))))))),
        ("ss", SS("a", "b")),
        ("ns", NS("1", "2")));

    [Fact]
    public void SetValuesPathsAndArithmetic()
    {
        var result = Apply("SET a = :s, b = n + :one, c = n - :two, d = :one + :two, e = s, m.a = :two, m.elems[0].x = :s", Sample());
        Assert.Equal("S:x", Render(result["a"]));
        Assert.Equal("N:6", Render(result["b"]));
        Assert.Equal("N:3", Render(result["c"]));
        Assert.Equal("N:3", Render(result["d"]));
        Assert.Equal("S:text", Render(result["e"]));
        Assert.Equal("M:{a=N:2,elems=L:[M:{x=S:x}]}", Render(result["m"]));
    }

    [Fact]
    public void SetValuesSeeTheOldItem()
    {
        var result = Apply("SET n = n + :one, dup = n", Sample());
        Assert.Equal("N:6", Render(result["n"]));
        Assert.Equal("N:5", Render(result["dup"]));
    }

    [Fact]
    public void IfNotExistsAndListAppend()
    {
        var result = Apply("SET n = if_not_exists(n, :two), x = if_not_exists(x, :two), l = list_append(l, :l), y = list_append(:l, if_not_exists(y, :empty))", Sample());
        Assert.Equal("N:5", Render(result["n"]));
        Assert.Equal("N:2", Render(result["x"]));
        Assert.Equal("L:[S:l0,S:l1,S:l2,S:l3,S:new]", Render(result["l"]));
        Assert.Equal("L:[S:new]", Render(result["y"]));
    }

    [Fact]
    public void ListIndexes()
    {
        var result = Apply("SET l[1] = :s, l[10] = :one", Sample());
        Assert.Equal("L:[S:l0,S:x,S:l2,S:l3,N:1]", Render(result["l"]));
        var removed = Apply("REMOVE l[0], l[2], l[9]", Sample());
        Assert.Equal("L:[S:l1,S:l3]", Render(removed["l"]));
    }

    [Fact]
    public void RemoveAttributesAndMapEntries()
    {
        var result = Apply("REMOVE s, nothing, m.a, m.nothing", Sample());
        Assert.False(result.ContainsKey("s"));
        Assert.Equal("M:{elems=L:[M:{x=S:y}]}", Render(result["m"]));
    }

    [Fact]
    public void AddNumbersAndSets()
    {
        var result = Apply("ADD n :two, fresh :one, ss :ss, newset :ns, ns :ns", Sample());
        Assert.Equal("N:7", Render(result["n"]));
        Assert.Equal("N:1", Render(result["fresh"]));
        Assert.Equal("SS:[a,b,c]", Render(result["ss"]));
        Assert.Equal("NS:[3]", Render(result["newset"]));
        Assert.Equal("NS:[1,2,3]", Render(result["ns"]));
    }

    [Fact]
    public void DeleteFromSets()
    {
        var result = Apply("DELETE ss :ss, nothing :ss", Sample());
        Assert.Equal("SS:[a]", Render(result["ss"]));
        Assert.False(result.ContainsKey("nothing"));
        var emptied = Apply("DELETE ss :ss", Item(("ss", SS("b", "c"))));
        Assert.False(emptied.ContainsKey("ss"));
    }

    [Theory]
    [InlineData("SET c = absent")]
    [InlineData("SET e = list_append(absent, :l)")]
    [InlineData("SET e = absent + :one")]
    public void MissingOperands(string expression) =>
        Assert.Equal("The provided expression refers to an attribute that does not exist in the item", ErrorOf(() => Apply(expression, Sample())));

    [Theory]
    [InlineData("SET e = s + :one")]
    [InlineData("SET e = :one - l")]
    [InlineData("SET e = list_append(s, :l)")]
    [InlineData("ADD s :one")]
    [InlineData("ADD ss :ns")]
    [InlineData("ADD ns :one")]
    [InlineData("DELETE ns :ss")]
    [InlineData("DELETE n :ns")]
    [InlineData("SET e = list_append(ss, if_not_exists(f, :empty))")]
    public void IncorrectDataTypes(string expression) =>
        Assert.Equal("An operand in the update expression has an incorrect data type", ErrorOf(() => Apply(expression, Sample())));

    [Theory]
    [InlineData("SET y.a = :s")]
    [InlineData("SET y[1] = :s")]
    [InlineData("SET s.a = :s")]
    [InlineData("SET m[1] = :s")]
    [InlineData("SET l.a = :s")]
    [InlineData("REMOVE y.a")]
    [InlineData("REMOVE y[1]")]
    [InlineData("REMOVE s.a")]
    [InlineData("REMOVE m[0]")]
    [InlineData("ADD y.a :one")]
    [InlineData("ADD m[0] :one")]
    [InlineData("DELETE y.a :ss")]
    [InlineData("DELETE l.a :ss")]
    public void InvalidDocumentPaths(string expression) =>
        Assert.Equal("The document path provided in the update expression is invalid for update", ErrorOf(() => Apply(expression, Sample())));

    [Fact]
    public void NestedUpdateOfNewItemIsInvalid() =>
        Assert.Equal("The document path provided in the update expression is invalid for update",
            ErrorOf(() => Apply("set b.a = :s", Item(("pk", S("k"))))));

    [Fact]
    public void NumberOverflowIsReported() =>
        Assert.Equal("Number overflow. Attempting to store a number with magnitude larger than supported range",
            ErrorOf(() => Apply("SET n = :big + :big", Sample())));

    [Fact]
    public void SetValuesAreCopies()
    {
        var result = Apply("SET dup = m", Sample());
        result["dup"].AsMap()["a"] = N("99");
        Assert.Equal("N:1", Render(result["m"].AsMap()["a"]));
    }
}
