using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class KeyConditionTests
{
    private static string KeyError(string expression, ExpressionContext? context = null) =>
        ErrorOf(() => ExpressionParser.ParseKeyCondition(expression, context ?? Ctx()));

    private static ExpressionContext ValuesAB(AttributeValue a, AttributeValue b) => Ctx(values: Vals((":a", a), (":b", b)));

    [Theory]
    [InlineData("things are not gonna be ok")]
    [InlineData("a > 4")]
    [InlineData("(size(a))[0] > a")]
    public void SyntaxErrors(string expression) =>
        Assert.StartsWith("Invalid KeyConditionExpression: Syntax error; ", KeyError(expression));

    [Fact]
    public void OperandTypeErrorsComeFirst()
    {
        Assert.StartsWith("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type:",
            KeyError("attribute_type(a, b)"));
        Assert.Equal("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
            KeyError("attribute_type(a, :a)", Ctx(values: Vals((":a", N("1"))))));
        Assert.Equal("Invalid operator used in KeyConditionExpression: attribute_type",
            KeyError("attribute_type(a, :a)", Ctx(values: Vals((":a", S("S"))))));
    }

    [Theory]
    [InlineData("a > b and size(b) > c or a > c", "OR")]
    [InlineData("a in (b, size(c), d)", "IN")]
    [InlineData("attribute_exists(a)", "attribute_exists")]
    [InlineData("attribute_not_exists(a)", "attribute_not_exists")]
    [InlineData("contains(a.d, b)", "contains")]
    [InlineData("not a > b", "NOT")]
    [InlineData("a <> b", "<>")]
    public void InvalidOperators(string expression, string op) =>
        Assert.Equal("Invalid operator used in KeyConditionExpression: " + op, KeyError(expression));

    [Theory]
    [InlineData(":a between size(b) and size(a) and b > :b", "BETWEEN")]
    [InlineData("begins_with(:a, b) and a > :b", "begins_with")]
    public void KeyAttributeMustComeFirst(string expression, string op) =>
        Assert.Equal($"Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand",
            KeyError(expression, ValuesAB(S("1"), S("1"))));

    [Theory]
    [InlineData("size(b) > a AND a.b > b AND b > c")]
    [InlineData("a > size(b.d)")]
    [InlineData("a between size(b) and size(a)")]
    public void NestedOperations(string expression) =>
        Assert.Equal("KeyConditionExpressions cannot contain nested operations", KeyError(expression));

    [Theory]
    [InlineData("b > a.b")]
    [InlineData("b between c[1] and d")]
    [InlineData("a between b and size(a)")]
    [InlineData("begins_with(a, b)")]
    public void MultipleAttributeNames(string expression) =>
        Assert.Equal("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition", KeyError(expression));

    [Theory]
    [InlineData("b.d > a AND c.d > e.f")]
    [InlineData("a.d > c")]
    [InlineData("b[0] > a")]
    public void NestedAttributes(string expression) =>
        Assert.Equal("KeyConditionExpressions cannot have conditions on nested attributes", KeyError(expression));

    [Theory]
    [InlineData(":b > :a AND a < :b")]
    [InlineData(":a > b AND :a < :b")]
    public void NoKeyAttribute(string expression) =>
        Assert.Equal("Invalid condition in KeyConditionExpression: No key attribute specified", KeyError(expression, ValuesAB(N("1"), N("1"))));

    [Theory]
    [InlineData("b > :a AND b < :a and c = :a and d = :a")]
    [InlineData("(a > :a and b > :a) and (b > :a and c > :a)")]
    public void OneConditionPerKey(string expression) =>
        Assert.Equal("KeyConditionExpressions must only contain one condition per key", KeyError(expression, Ctx(values: Vals((":a", N("1"))))));

    [Theory]
    [InlineData(":a = a and b = :a and :a = c")]
    [InlineData("(a > :a and b > :a) and (c > :a and d > :a) and (e > :a and f > :a)")]
    public void AtMostTwoConditions(string expression) =>
        Assert.Equal("Conditions can be of length 1 or 2 only", KeyError(expression, Ctx(values: Vals((":a", S("a"))))));

    [Fact]
    public void BetweenBounds()
    {
        Assert.Equal("Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
            KeyError("a between :b and :a", ValuesAB(S("a"), N("1"))));
        Assert.Equal("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
            KeyError("a between :b and :a", ValuesAB(S("a"), S("b"))));
    }

    [Theory]
    [InlineData("a > :a")]
    [InlineData("a < :a")]
    [InlineData(":a <= a")]
    [InlineData(":a >= a")]
    [InlineData("begins_with(a, :a)")]
    [InlineData("a between :a and :a")]
    [InlineData("a = :a AND b = :a")]
    [InlineData("y = :a and z = :a")]
    public void UnsupportedOnHashOnlyTable(string expression)
    {
        var key = ExpressionParser.ParseKeyCondition(expression, Ctx(values: Vals((":a", S("1")))));
        Assert.Equal("Query key condition not supported", ErrorOf(() => key.Bind("a", null)));
    }

    [Fact]
    public void MissingKeyElements()
    {
        var context = ValuesAB(S("b"), N("1"));
        var nonKey = ExpressionParser.ParseKeyCondition("a = :a and c = :b", context);
        Assert.Equal("Query condition missed key schema element: b", ErrorOf(() => nonKey.Bind("a", "b")));
        var noPartition = ExpressionParser.ParseKeyCondition("b = :a", context);
        Assert.Equal("Query condition missed key schema element: a", ErrorOf(() => noPartition.Bind("a", "b")));
        Assert.Equal("Query condition missed key schema element: a", ErrorOf(() => noPartition.Bind("a", null)));
    }

    [Fact]
    public void ParameterTypeMismatch()
    {
        var key = ExpressionParser.ParseKeyCondition(":a > a", Ctx(values: Vals((":a", N("1")))));
        Assert.Equal("One or more parameter values were invalid: Condition parameter type does not match schema type",
            ErrorOf(() => key.Bind("a", null, AttributeType.S)));
    }

    [Fact]
    public void BindsPartitionAndSortKey()
    {
        var context = Ctx(Names(("#pk", "pk")), Vals((":p", S("p")), (":lo", N("1")), (":hi", N("5"))));
        var key = ExpressionParser.ParseKeyCondition("#pk = :p AND sk BETWEEN :lo AND :hi", context);
        context.EnsureAllUsed();
        var bound = key.Bind("pk", "sk");
        Assert.Equal("p", bound.PartitionValue.AsString());
        Assert.Equal(SortKeyOperator.Between, bound.SortKey!.Operator);
        Assert.Equal("1", bound.SortKey.Value.AsNumber().ToString());
        Assert.Equal("5", bound.SortKey.Upper!.AsNumber().ToString());

        var flipped = ExpressionParser.ParseKeyCondition(":lo < sk AND :p = pk", Ctx(values: Vals((":p", S("p")), (":lo", N("1"))))).Bind("pk", "sk");
        Assert.Equal(SortKeyOperator.GreaterThan, flipped.SortKey!.Operator);

        var prefix = ExpressionParser.ParseKeyCondition("pk = :p and begins_with(sk, :s)", Ctx(values: Vals((":p", S("p")), (":s", S("x"))))).Bind("pk", "sk");
        Assert.Equal(SortKeyOperator.BeginsWith, prefix.SortKey!.Operator);

        var partitionOnly = ExpressionParser.ParseKeyCondition("pk = :p", Ctx(values: Vals((":p", S("p"))))).Bind("pk", "sk");
        Assert.Null(partitionOnly.SortKey);
    }
}
