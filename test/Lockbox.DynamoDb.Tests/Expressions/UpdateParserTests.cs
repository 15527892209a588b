using Lockbox.DynamoDb.Expressions;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class UpdateParserTests
{
    private static string UpdateError(string expression, ExpressionContext? context = null) =>
        ErrorOf(() => ExpressionParser.ParseUpdate(expression, context ?? Ctx()));

    private static ExpressionContext AbContext() =>
        Ctx(Names(("#a", "a"), ("#b", "b")), Vals((":a", S("a")), (":b", S("a"))));

    [Theory]
    [InlineData("SET a = :a")]
    [InlineData("set a = b + :n, c = :n - b, d = if_not_exists(d, :n) + :n")]
    [InlineData("SET #a = list_append(if_not_exists(#a, :l), :l) REMOVE x, y[2] ADD n :n DELETE s :s")]
    [InlineData("remove a.b[1].c")]
    [InlineData("ADD n :n, s :s")]
    public void ValidUpdatesParse(string expression)
    {
        var context = Ctx(Names(("#a", "a")), Vals((":a", S("a")), (":n", N("1")), (":l", L()), (":s", SS("x"))));
        ExpressionParser.ParseUpdate(expression, context);
    }

    [Theory]
    [InlineData("whatever")]
    [InlineData("set a")]
    [InlineData("add a")]
    [InlineData("delete a")]
    [InlineData("set a=set")]
    [InlineData("remove a = b")]
    [InlineData("add a = b")]
    [InlineData("delete a = b")]
    [InlineData("delete a b")]
    [InlineData("delete a if_not_exist(b)")]
    [InlineData("add abort b")]
    [InlineData("add a if_not_exist(b)")]
    [InlineData("remove a b")]
    [InlineData("set a b")]
    [InlineData("set :a = b")]
    [InlineData("add :a b")]
    [InlineData("delete :a b")]
    [InlineData("remove :a")]
    [InlineData("set a = b / c")]
    [InlineData("set a = b * c")]
    [InlineData("set a[1] = \"eight\"")]
    [InlineData("set a[1] = 1")]
    [InlineData("SET a = if_not_exist(a, 100)")]
    [InlineData("SET if_not_exist(a, b) = a")]
    [InlineData("set (a = (b + c))")]
    [InlineData("set a = (b.c).d + e")]
    [InlineData("set a = (b.c)[0] + e")]
    [InlineData("set a = b + c + d")]
    public void SyntaxErrors(string expression) =>
        Assert.StartsWith("Invalid UpdateExpression: Syntax error; token: ", UpdateError(expression));

    [Theory]
    [InlineData("ADD hits : incr", "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"")]
    [InlineData("INVALID SYNTAX HERE", "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"")]
    [InlineData("SET a = b, #, c", "Invalid UpdateExpression: Syntax error; token: \"#\", near: \", #,\"")]
    [InlineData("SET a", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"a\"")]
    public void SyntaxErrorsNameTokenAndContext(string expression, string message) =>
        Assert.Equal(message, UpdateError(expression));

    [Theory]
    [InlineData(" set #c = :c set abOrt = true ", "abOrt")]
    [InlineData(" remove Absolute ", "Absolute")]
    public void ReservedKeywords(string expression, string word) =>
        Assert.Equal("Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: " + word, UpdateError(expression, AbContext()));

    [Theory]
    [InlineData("set #c = if_not_exist(:c) set c = d", "if_not_exist")]
    [InlineData("set a = size(b)", "size")]
    public void InvalidFunctions(string expression, string function) =>
        Assert.Equal("Invalid UpdateExpression: Invalid function name; function: " + function, UpdateError(expression, AbContext()));

    [Theory]
    [InlineData("set a = #c set c = :d", "SET")]
    [InlineData("remove #d set a = b remove e", "REMOVE")]
    [InlineData("add #d :e set a = b add e :f", "ADD")]
    [InlineData("delete #d :e set a = b delete #e :f", "DELETE")]
    public void SectionsUsedTwice(string expression, string section) =>
        Assert.Equal($"Invalid UpdateExpression: The \"{section}\" section can only be used once in an update expression;", UpdateError(expression, AbContext()));

    [Fact]
    public void UndefinedName() =>
        Assert.Equal("Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c",
            UpdateError("SET #c = if_not_exists(:c)", AbContext()));

    [Fact]
    public void UndefinedValue() =>
        Assert.Equal("Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :c",
            UpdateError("SET #a = if_not_exists(:c)", AbContext()));

    [Theory]
    [InlineData("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", "[c, [1], a]", "[c]")]
    [InlineData("set #c[3].#d = a, #c[3] = a", "[c, [3], [3]]", "[c, [3]]")]
    [InlineData("set f = :v, f = :v", "[f]", "[f]")]
    public void OverlappingPaths(string expression, string one, string two) =>
        Assert.Equal($"Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}",
            UpdateError(expression, Ctx(Names(("#c", "c"), ("#d", "[3]")), Vals((":v", S("v"))))));

    [Theory]
    [InlineData("set #c[3].#d = a, #c.#d[3] = if_not_exists(a)", "[c, [3], [3]]", "[c, [3], [3]]")]
    [InlineData("remove a.#c set a[1] = #d", "[a, c]", "[a, [1]]")]
    public void ConflictingPaths(string expression, string one, string two) =>
        Assert.Equal($"Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}",
            UpdateError(expression, Ctx(Names(("#b", "b"), ("#c", "c"), ("#d", "[3]")))));

    public static TheoryData<string, string, string, string> ActionTypeCases() => new()
    {
        { "set b = list_append(:a, a), c = if_not_exists(a) add a.b :a", "S", "ADD", "STRING" },
        { "delete a.b :a", "S", "DELETE", "STRING" },
        { "add a.b :a", "NULL", "ADD", "NULL" },
        { "delete a.b :a", "NULL", "DELETE", "NULL" },
        { "add a.b :a", "BOOL", "ADD", "BOOLEAN" },
        { "delete a.b :a", "BOOL", "DELETE", "BOOLEAN" },
        { "add a.b :a", "B", "ADD", "BINARY" },
        { "delete a.b :a", "B", "DELETE", "BINARY" },
        { "add a.b :a", "M", "ADD", "MAP" },
        { "delete a.b :a", "M", "DELETE", "MAP" },
        { "add a.b :a", "L", "ADD", "LIST" },
        { "delete a.b :a", "L", "DELETE", "LIST" },
        { "delete a.b :a", "N", "DELETE", "NUMBER" },
    };

    [Theory]
    [MemberData(nameof(ActionTypeCases))]
    public void AddAndDeleteOperandTypes(string expression, string valueType, string action, string typeName)
    {
        var value = valueType switch
        {
            "S" => S("a"),
            "NULL" => Null,
            "BOOL" => Bool(false),
            "B" => B(0x61),
            "M" => M(("a", L(N("1")))),
            "L" => L(N("1")),
            _ => N("1"),
        };
        Assert.Equal($"Invalid UpdateExpression: Incorrect operand type for operator or function; operator: {action}, operand type: {typeName}",
            UpdateError(expression, Ctx(values: Vals((":a", value), (":b", S("a"))))));
    }

    [Theory]
    [InlineData("set a = if_not_exists(c)", "if_not_exists", 1)]
    [InlineData("set a = list_append(c)", "list_append", 1)]
    [InlineData("set a = list_append(a, b, c)", "list_append", 3)]
    public void FunctionOperandCounts(string expression, string function, int count) =>
        Assert.Equal($"Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}",
            UpdateError(expression, AbContext()));

    [Theory]
    [InlineData("set a = if_not_exists(:a, c)")]
    [InlineData("set a = if_not_exists(if_not_exists(a, b), c)")]
    public void IfNotExistsNeedsAPath(string expression) =>
        Assert.Equal("Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
            UpdateError(expression, AbContext()));

    [Theory]
    [InlineData("set a = list_append(:a, a)", "list_append", "S")]
    [InlineData("set a = list_append(a, :b)", "list_append", "N")]
    [InlineData("set a = list_append(:c, a)", "list_append", "B")]
    [InlineData("set a = list_append(:d, a)", "list_append", "BOOL")]
    [InlineData("set a = list_append(:e, a)", "list_append", "NULL")]
    [InlineData("set a = list_append(:f, a)", "list_append", "SS")]
    [InlineData("set a = list_append(:i, a)", "list_append", "M")]
    [InlineData("set a = a + :a", "+", "S")]
    [InlineData("set a = :a + :c", "+", "S")]
    [InlineData("set a = :c + a", "+", "B")]
    [InlineData("set a = a + :g", "+", "NS")]
    [InlineData("set a = a + :j", "+", "L")]
    [InlineData("set a = a - :d", "-", "BOOL")]
    [InlineData("set a = a - :i", "-", "M")]
    public void FunctionOperandTypes(string expression, string function, string type)
    {
        var context = Ctx(Names(("#a", "a"), ("#b", "b")), Vals(
            (":a", S("a")), (":b", N("1")), (":c", B(0x61)), (":d", Bool(false)), (":e", Null),
            (":f", SS("a")), (":g", NS("1")), (":h", BS([0x61])), (":i", M()), (":j", L())));
        Assert.Equal($"Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: {function}, operand type: {type}",
            UpdateError(expression, context));
    }

    [Fact]
    public void EmptyUpdate() =>
        Assert.Equal("Invalid UpdateExpression: The expression can not be empty;", UpdateError(""));

    [Fact]
    public void UnusedPlaceholdersAcrossExpressions()
    {
        var context = Ctx(Names(("#a", "a"), ("#b", "b")), Vals((":a", S("a")), (":b", S("a"))));
        ExpressionParser.ParseUpdate("remove a set b = list_append(b, if_not_exists(a, :a))", context);
        ExpressionParser.ParseCondition("a = :b", context, "ConditionExpression");
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}", ErrorOf(context.EnsureAllUsed));
    }

    [Fact]
    public void ReportsTouchedAttributesAndPaths()
    {
        var update = ExpressionParser.ParseUpdate("SET a.b[1] = :v, c = :v REMOVE d ADD a2 :n",
            Ctx(values: Vals((":v", S("x")), (":n", N("1")))));
        Assert.Equal(["a", "c", "d", "a2"], update.TopLevelAttributes);
        Assert.Equal(["[a, b, [1]]", "[c]", "[d]", "[a2]"], update.UpdatedPaths.Select(p => p.ToString()));
    }
}
