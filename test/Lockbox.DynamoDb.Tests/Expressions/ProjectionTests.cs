using Lockbox.DynamoDb.Expressions;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class ProjectionTests
{
    private static string ProjectionError(string expression, ExpressionContext? context = null) =>
        ErrorOf(() => ExpressionParser.ParseProjection(expression, context ?? Ctx()));

    [Theory]
    [InlineData("whatever(stuff)")]
    [InlineData(":a")]
    [InlineData("abort,")]
    [InlineData("a,,b")]
    [InlineData("a..b")]
    [InlineData("a[b]")]
    [InlineData("(a.b).c")]
    [InlineData("(a)")]
    [InlineData("(a),(b)")]
    [InlineData("(a,b)")]
    [InlineData("a-b")]
    public void SyntaxErrors(string expression) =>
        Assert.StartsWith("Invalid ProjectionExpression: Syntax error; ", ProjectionError(expression));

    [Theory]
    [InlineData("a.abORt", "abORt")]
    [InlineData("#a,ABSoLUTE", "ABSoLUTE")]
    public void ReservedKeywords(string expression, string word) =>
        Assert.Equal("Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: " + word, ProjectionError(expression));

    [Fact]
    public void UndefinedName() =>
        Assert.Equal("Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #a",
            ProjectionError("a,b,a,#a"));

    [Theory]
    [InlineData("b[1], b.a, #a.b, a", "[a, b]", "[a]")]
    [InlineData("a, #a[1]", "[a]", "[a, [1]]")]
    public void OverlappingPaths(string expression, string one, string two) =>
        Assert.Equal($"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}",
            ProjectionError(expression, Ctx(Names(("#a", "a")))));

    [Theory]
    [InlineData("a.b, #a[1], #b", "[a, b]", "[a, [1]]")]
    [InlineData("a.b[1], #a[1], #b", "[a, b, [1]]", "[a, [1]]")]
    [InlineData("a[3].b, #a.#b.b", "[a, [3], b]", "[a, [3], b]")]
    public void ConflictingPaths(string expression, string one, string two) =>
        Assert.Equal($"Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}",
            ProjectionError(expression, Ctx(Names(("#a", "a"), ("#b", "[3]")))));

    [Fact]
    public void EmptyProjection() =>
        Assert.Equal("Invalid ProjectionExpression: The expression can not be empty;", ProjectionError(""));

    [Fact]
    public void UnusedNames()
    {
        var context = Ctx(Names(("#a", "a"), ("#b", "b")));
        ExpressionParser.ParseProjection("a,b", context);
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}", ErrorOf(context.EnsureAllUsed));
    }

    [Fact]
    public void ProjectsNestedShapes()
    {
        var item = Item(
            ("pk", S("k")),
            ("a", M(("b", N("1")), ("c", N("2")), ("d", M(("e", S("x")), ("f", S("y")))))),
            ("l", L(S("l0"), M(("x", S("1")), ("y", S("2"))), S("l2"), S("l3"))),
            ("extra", S("drop")));
        var projection = ExpressionParser.ParseProjection("pk, a.b, a.d.f, l[3], l[1].y, l[9], absent, a.zz", Ctx());
        var result = projection.Apply(item);
        Assert.Equal("a=M:{b=N:1,d=M:{f=S:y}},l=L:[M:{y=S:2},S:l3],pk=S:k", Render(result));
        Assert.Equal(["pk", "a", "l", "absent"], projection.TopLevelAttributes);
    }

    [Fact]
    public void ProjectionCopiesValues()
    {
        var item = Item(("a", M(("b", L(N("1"))))));
        var result = ExpressionParser.ParseProjection("a", Ctx()).Apply(item);
        result["a"].AsMap()["b"].AsList().Add(N("2"));
        Assert.Single(item["a"].AsMap()["b"].AsList());
    }

    [Fact]
    public void WrongShapesProjectNothing()
    {
        var item = Item(("a", S("s")), ("l", M(("0", S("x")))));
        Assert.Empty(ExpressionParser.ParseProjection("a.b, l[0]", Ctx()).Apply(item));
    }
}
