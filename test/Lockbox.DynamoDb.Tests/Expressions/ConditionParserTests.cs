using Lockbox.DynamoDb.Expressions;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class ConditionParserTests
{
    private static string FilterError(string expression, ExpressionContext? context = null) =>
        ErrorOf(() => ExpressionParser.ParseCondition(expression, context ?? Ctx(), "FilterExpression"));

    [Theory]
    [InlineData("a = :v")]
    [InlineData("a.b[1].c <> :v")]
    [InlineData("#n > :v AND NOT (a < :v OR a <= :v)")]
    [InlineData("a BETWEEN :v AND :w")]
    [InlineData("a IN (:v, :w, b)")]
    [InlineData("attribute_exists(a) and attribute_not_exists(#n.c)")]
    [InlineData("attribute_type(a, :t)")]
    [InlineData("begins_with(a, :v) OR contains(a, :v)")]
    [InlineData("size(a) >= :v")]
    [InlineData("(a)between(b.c.d)and(c)")]
    [InlineData("a > :v and (b < :v)")]
    [InlineData("not not a = :v")]
    public void ValidConditionsParse(string expression)
    {
        var context = Ctx(Names(("#n", "n")), Vals((":v", S("a")), (":w", S("b")), (":t", S("S"))));
        ExpressionParser.ParseCondition(expression, context, "ConditionExpression");
    }

    [Theory]
    [InlineData("things are not gonna be ok")]
    [InlineData("a > 4")]
    [InlineData("attribute_exists(Pictures-RearView)")]
    [InlineData("attribute_exists(\"Pictures.RearView\")")]
    [InlineData("attribute_exists(Pictures..RearView)")]
    [InlineData("attribute_exists(Pi#ctures.RearView)")]
    [InlineData("attribute_exists(asdf[a])")]
    [InlineData("a in b, c")]
    [InlineData("a > between")]
    [InlineData("a in b")]
    [InlineData("a in (b,c,)")]
    [InlineData("(a)between(b.(c.d))and(c)")]
    [InlineData("(a)between(b.c.d)and((c)")]
    [InlineData("#$.b > a")]
    [InlineData("a > :things.stuff")]
    [InlineData("b[:a] > a")]
    [InlineData("b[#_] > a")]
    [InlineData("ü > a")]
    [InlineData("(a)between(b.c[4.5].#d)and(:a)")]
    [InlineData("size(a).b > a")]
    [InlineData("(size(a)).b > a")]
    [InlineData("size(a)[0] > a")]
    [InlineData("(size(a))[0] > a")]
    [InlineData("a")]
    [InlineData("a = b = c")]
    public void SyntaxErrors(string expression) =>
        Assert.StartsWith("Invalid FilterExpression: Syntax error; token: ", FilterError(expression));

    [Theory]
    [InlineData("a = :v :w", "Invalid FilterExpression: Syntax error; token: \":w\", near: \":v :w\"")]
    [InlineData("a = ", "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"=\"")]
    [InlineData("a, #, b", "Invalid FilterExpression: Syntax error; token: \",\", near: \"a, #\"")]
    public void SyntaxErrorsNameTokenAndContext(string expression, string message) =>
        Assert.Equal(message, FilterError(expression));

    [Theory]
    [InlineData("a=a and a > ((views))")]
    [InlineData("(a)between(((b.c)).d)and(c)")]
    [InlineData("a > whatever((:things), ((a)))")]
    [InlineData("a=a AND ((a=a AND a=a)) AND a=a")]
    [InlineData("a=a OR ((a=a OR a=a)) OR a=a")]
    [InlineData("a=a AND ((a=a AND (a=a AND a=a)))")]
    [InlineData("a=a OR ((a=a OR (a=a OR a=a)))")]
    public void RedundantParentheses(string expression) =>
        Assert.Equal("Invalid FilterExpression: The expression has redundant parentheses;", FilterError(expression));

    [Theory]
    [InlineData("a=a and whatever((:things)) > a", "whatever")]
    [InlineData("attRIbute_exIsts((views), #a)", "attRIbute_exIsts")]
    [InlineData("if_not_exists(a, b) = c", "if_not_exists")]
    public void InvalidFunctionNames(string expression, string function) =>
        Assert.Equal("Invalid FilterExpression: Invalid function name; function: " + function, FilterError(expression));

    [Theory]
    [InlineData("a=a and attribute_exists((views), (#a)) > b", "attribute_exists")]
    [InlineData("attribute_not_exists(things) > b", "attribute_not_exists")]
    [InlineData("attribute_type(things, :a) > b", "attribute_type")]
    [InlineData("begins_with(things, a) > b", "begins_with")]
    [InlineData("contains(:things, c) > b", "contains")]
    [InlineData("size(contains(a, b)) > a", "contains")]
    [InlineData("size(things)", "size")]
    [InlineData("a between b and attribute_exists(things)", "attribute_exists")]
    [InlineData("a in (b, attribute_exists(things))", "attribute_exists")]
    public void FunctionsUsedIncorrectly(string expression, string function) =>
        Assert.Equal("Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: " + function, FilterError(expression));

    [Theory]
    [InlineData("attribute_exists(views, #a)", "views")]
    [InlineData(":a < abOrT", "abOrT")]
    [InlineData("a.status = :v", "status")]
    public void ReservedKeywords(string expression, string word) =>
        Assert.Equal("Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: " + word, FilterError(expression));

    [Fact]
    public void ReservedWordListIsComplete() => Assert.Equal(573, ReservedWordsCount());

    private static int ReservedWordsCount() =>
        typeof(ExpressionParser).Assembly.GetType("Lockbox.DynamoDb.Expressions.ReservedWords")!
            .GetProperty("Count")!.GetValue(null) is int n ? n : -1;

    [Theory]
    [InlineData("attribute_exists(#Pictures.RearView, :a) and a=a", "#Pictures")]
    [InlineData("begins_with(Pictures.#RearView)", "#RearView")]
    [InlineData("(#P between :lo and :hi) and (#PC in (:cat1, :cat2))", "#P")]
    [InlineData("#4g > a", "#4g")]
    [InlineData("#_ > a", "#_")]
    [InlineData("(a)between(b.c[45].#d)and(:a)", "#d")]
    public void UndefinedNames(string expression, string name) =>
        Assert.Equal("Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: " + name, FilterError(expression));

    [Theory]
    [InlineData("begins_with(:hello, #a, #b)", ":hello")]
    [InlineData(":a < :b", ":a")]
    [InlineData(":_ > a", ":_")]
    public void UndefinedValues(string expression, string name) =>
        Assert.Equal("Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: " + name, FilterError(expression));

    [Theory]
    [InlineData("attribute_exists(things, a) and a=a", "attribute_exists", 2)]
    [InlineData("attribute_not_exists(things, b)", "attribute_not_exists", 2)]
    [InlineData("attribute_type(things)", "attribute_type", 1)]
    [InlineData("begins_with(things)", "begins_with", 1)]
    [InlineData("begins_with(things, size(a), b)", "begins_with", 3)]
    [InlineData("contains(things)", "contains", 1)]
    [InlineData("size(things, a) > b", "size", 2)]
    public void OperandCounts(string expression, string function, int count) =>
        Assert.Equal($"Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}", FilterError(expression));

    public static TheoryData<string, string, string> OperandTypeCases() => new()
    {
        { "attribute_type(a, size(a)) and a=a and a=:a", "attribute_type", "N" },
        { "attribute_type(a, :a)", "attribute_type", "N" },
        { "attribute_type(a, :a)", "attribute_type", "B" },
        { "attribute_type(a, :a)", "attribute_type", "BOOL" },
        { "attribute_type(a, :a)", "attribute_type", "NULL" },
        { "attribute_type(a, :a)", "attribute_type", "L" },
        { "attribute_type(a, :a)", "attribute_type", "M" },
        { "attribute_type(a, :a)", "attribute_type", "SS" },
        { "begins_with(a, size(a)) and a=:a", "begins_with", "N" },
        { "begins_with(a, :a)", "begins_with", "N" },
        { "begins_with(a, :a)", "begins_with", "BOOL" },
        { "begins_with(a, :a)", "begins_with", "NS" },
        { "begins_with(:a, a)", "begins_with", "L" },
        { "begins_with(:a, a)", "begins_with", "M" },
        { "size(size(a)) > :a", "size", "N" },
        { "attribute_not_exists(size(:a))", "size", "N" },
        { "size(:a) > a", "size", "BOOL" },
        { "size(:a) > a", "size", "NULL" },
    };

    [Theory]
    [MemberData(nameof(OperandTypeCases))]
    public void OperandTypes(string expression, string function, string type)
    {
        var context = Ctx(values: Vals((":a", ValueOfType(type))));
        Assert.Equal($"Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: {function}, operand type: {type}", FilterError(expression, context));
    }

    private static Lockbox.DynamoDb.Values.AttributeValue ValueOfType(string type) => type switch
    {
        "N" => N("1"),
        "B" => B(1),
        "BOOL" => Bool(true),
        "NULL" => Null,
        "L" => L(),
        "M" => M(),
        "SS" => SS("1"),
        "NS" => NS("1"),
        _ => BS([1]),
    };

    [Fact]
    public void AttributeTypeWithUnknownTypeName() =>
        Assert.Equal("Invalid FilterExpression: Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            FilterError("attribute_type(a, :a)", Ctx(values: Vals((":a", S("1"))))));

    [Theory]
    [InlineData("attribute_exists(:a) and a=a", "attribute_exists")]
    [InlineData("attribute_not_exists(size(:a))", "attribute_not_exists")]
    public void FunctionsRequiringPaths(string expression, string function) =>
        Assert.Equal("Invalid FilterExpression: Operator or function requires a document path; operator or function: " + function,
            FilterError(expression, Ctx(values: Vals((":a", S("1"))))));

    [Theory]
    [InlineData("a = a AND #a = b AND :views > a", "=", "[a]")]
    [InlineData("#a <> a", "<>", "[a]")]
    [InlineData("a > #a", ">", "[a]")]
    [InlineData("((a=a) OR (a=a))", "=", "[a]")]
    [InlineData("((a=a) AND (a=a))", "=", "[a]")]
    [InlineData("contains(ab.bc[1].a, ab.bc[1].#a)", "contains", "[ab, bc, [1], a]")]
    [InlineData("attribute_type(ab.bc[1].#a, ab.bc[1].a)", "attribute_type", "[ab, bc, [1], a]")]
    [InlineData("begins_with(ab.bc[1].a, ab.bc[1].#a)", "begins_with", "[ab, bc, [1], a]")]
    public void NonDistinctOperands(string expression, string op, string path) =>
        Assert.Equal($"Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {path}",
            FilterError(expression, Ctx(Names(("#a", "a")))));

    [Fact]
    public void BetweenBoundsOfDifferentTypes() =>
        Assert.Equal("Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
            ErrorOf(() => ExpressionParser.ParseCondition("a between :b and :a", Ctx(values: Vals((":a", S("a")), (":b", N("1")))), "ConditionExpression")));

    [Fact]
    public void BetweenBoundsInWrongOrder() =>
        Assert.Equal("Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
            ErrorOf(() => ExpressionParser.ParseCondition("a between :b and :a", Ctx(values: Vals((":a", S("a")), (":b", S("b")))), "ConditionExpression")));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyExpression(string expression) =>
        Assert.Equal("Invalid ConditionExpression: The expression can not be empty;",
            ErrorOf(() => ExpressionParser.ParseCondition(expression, Ctx(), "ConditionExpression")));

    [Fact]
    public void ExpressionOver4KB()
    {
        var ok = "a = b" + new string(' ', 4096 - 5);
        ExpressionParser.ParseCondition(ok, Ctx(), "FilterExpression");
        Assert.Equal("Invalid FilterExpression: Expression size has exceeded the maximum allowed size;", FilterError(ok + " "));
    }

    [Fact]
    public void InWithMoreThan100Operands()
    {
        var values = Enumerable.Range(0, 101).ToDictionary(i => $":v{i}", i => N(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var ok = "a IN (" + string.Join(", ", values.Keys.Take(100)) + ")";
        var context = Ctx(values: values.Take(100).ToDictionary());
        ExpressionParser.ParseCondition(ok, context, "FilterExpression");
        var tooMany = "a IN (" + string.Join(", ", values.Keys) + ")";
        Assert.Equal("Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101",
            FilterError(tooMany, Ctx(values: values)));
    }

    [Fact]
    public void MoreThan300Operators()
    {
        var text = string.Join(" AND ", Enumerable.Range(0, 151).Select(i => $"a{i} = b"));
        Assert.Equal("Invalid FilterExpression: The expression contains too many operators; operator count: 301", FilterError(text));
    }

    [Fact]
    public void PlaceholdersAreMarkedUsed()
    {
        var context = Ctx(Names(("#a", "a"), ("#b", "b")), Vals((":a", S("a")), (":b", S("b"))));
        ExpressionParser.ParseCondition("#a = :a", context, "ConditionExpression");
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}", ErrorOf(context.EnsureAllUsed));
        ExpressionParser.ParseCondition("#b = :a", context, "ConditionExpression");
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}", ErrorOf(context.EnsureAllUsed));
        ExpressionParser.ParseCondition("a = :b", context, "ConditionExpression");
        context.EnsureAllUsed();
    }

    [Fact]
    public void ContextMapChecks()
    {
        Assert.Equal("ExpressionAttributeNames must not be empty", ErrorOf(() => Ctx(Names(), Vals())));
        Assert.Equal("ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"", ErrorOf(() => Ctx(Names(("a", "a")), Vals())));
        Assert.Equal("ExpressionAttributeNames contains invalid key: Syntax error; key: \"#sryLiyD8D-\"", ErrorOf(() => Ctx(Names(("#sryLiyD8D-", "a")))));
        Assert.Equal("ExpressionAttributeValues must not be empty", ErrorOf(() => Ctx(values: Vals())));
        Assert.Equal("ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"", ErrorOf(() => Ctx(values: Vals((":b", S("a")), ("b", S("a"))))));
    }
}
