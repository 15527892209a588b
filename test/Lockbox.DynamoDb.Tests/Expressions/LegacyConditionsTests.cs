using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;
using static Lockbox.DynamoDb.Tests.Expressions.Fixtures;

namespace Lockbox.DynamoDb.Tests.Expressions;

public class LegacyConditionsTests
{
    private const string Invalid = "One or more parameter values were invalid: ";

    private static readonly Dictionary<string, AttributeValue> s_item = Item(
        ("s", S("hello")), ("n", N("10")), ("ss", SS("x", "y")), ("l", L(N("1"))));

    private static Condition Cond(string op, params AttributeValue[] values) =>
        new() { ComparisonOperator = op, AttributeValueList = values.Length == 0 ? null : [.. values] };

    private static bool Filter(string attribute, Condition condition) =>
        LegacyConditions.FromConditions(new Dictionary<string, Condition> { [attribute] = condition }, null).Evaluate(s_item);

    private static bool Expression(string text, params (string Key, AttributeValue Value)[] values) =>
        ExpressionParser.ParseCondition(text, Ctx(values: values.Length == 0 ? null : Vals(values)), "FilterExpression").Evaluate(s_item);

    [Fact]
    public void ConditionsMatchTheirExpressionEquivalents()
    {
        Assert.Equal(Expression("n = :v", (":v", N("10"))), Filter("n", Cond("EQ", N("10"))));
        Assert.Equal(Expression("n <> :v", (":v", N("10"))), Filter("n", Cond("NE", N("10"))));
        Assert.Equal(Expression("absent <> :v", (":v", N("10"))), Filter("absent", Cond("NE", N("10"))));
        Assert.Equal(Expression("n < :v", (":v", N("11"))), Filter("n", Cond("LT", N("11"))));
        Assert.Equal(Expression("n <= :v", (":v", N("9"))), Filter("n", Cond("LE", N("9"))));
        Assert.Equal(Expression("n > :v", (":v", N("9"))), Filter("n", Cond("GT", N("9"))));
        Assert.Equal(Expression("n >= :v", (":v", N("10"))), Filter("n", Cond("GE", N("10"))));
        Assert.Equal(Expression("attribute_exists(s)"), Filter("s", Cond("NOT_NULL")));
        Assert.Equal(Expression("attribute_not_exists(s)"), Filter("s", Cond("NULL")));
        Assert.Equal(Expression("contains(ss, :v)", (":v", S("y"))), Filter("ss", Cond("CONTAINS", S("y"))));
        Assert.Equal(Expression("NOT contains(s, :v)", (":v", S("ell"))), Filter("s", Cond("NOT_CONTAINS", S("ell"))));
        Assert.Equal(Expression("begins_with(s, :v)", (":v", S("he"))), Filter("s", Cond("BEGINS_WITH", S("he"))));
        Assert.Equal(Expression("n IN (:a, :b)", (":a", N("1")), (":b", N("10"))), Filter("n", Cond("IN", N("1"), N("10"))));
        Assert.Equal(Expression("n BETWEEN :a AND :b", (":a", N("1")), (":b", N("10"))), Filter("n", Cond("BETWEEN", N("1"), N("10"))));
        Assert.True(Filter("n", Cond("EQ", N("10"))));
        Assert.True(Filter("absent", Cond("NULL")));
        Assert.True(Filter("l", Cond("CONTAINS", N("1"))));
    }

    [Fact]
    public void ConditionalOperatorCombines()
    {
        var conditions = new Dictionary<string, Condition> { ["n"] = Cond("EQ", N("10")), ["s"] = Cond("EQ", S("nope")) };
        Assert.False(LegacyConditions.FromConditions(conditions, "AND").Evaluate(s_item));
        Assert.False(LegacyConditions.FromConditions(conditions, null).Evaluate(s_item));
        Assert.True(LegacyConditions.FromConditions(conditions, "OR").Evaluate(s_item));
        Assert.True(LegacyConditions.FromConditions(new Dictionary<string, Condition>(), null).Evaluate(s_item));
    }

    [Theory]
    [InlineData("EQ", 0)]
    [InlineData("EQ", 2)]
    [InlineData("NE", 0)]
    [InlineData("LT", 2)]
    [InlineData("CONTAINS", 0)]
    [InlineData("BEGINS_WITH", 2)]
    [InlineData("IN", 0)]
    [InlineData("BETWEEN", 1)]
    [InlineData("BETWEEN", 3)]
    [InlineData("NULL", 1)]
    [InlineData("NOT_NULL", 2)]
    public void ArgumentCounts(string op, int count)
    {
        var condition = new Condition { ComparisonOperator = op, AttributeValueList = Enumerable.Repeat(S("a"), count).ToList() };
        Assert.Equal(Invalid + $"Invalid number of argument(s) for the {op} ComparisonOperator", ErrorOf(() => Filter("a", condition)));
    }

    [Theory]
    [InlineData("LT", "BOOL")]
    [InlineData("GE", "NULL")]
    [InlineData("IN", "SS")]
    [InlineData("GT", "M")]
    [InlineData("LE", "L")]
    [InlineData("CONTAINS", "SS")]
    [InlineData("NOT_CONTAINS", "L")]
    [InlineData("BEGINS_WITH", "N")]
    [InlineData("BEGINS_WITH", "BOOL")]
    public void ArgumentTypes(string op, string type)
    {
        var value = type switch
        {
            "BOOL" => Bool(true),
            "NULL" => Null,
            "SS" => SS("a"),
            "M" => M(),
            "L" => L(),
            _ => N("1"),
        };
        Assert.Equal(Invalid + $"ComparisonOperator {op} is not valid for {type} AttributeValue type", ErrorOf(() => Filter("a", Cond(op, value))));
    }

    [Fact]
    public void BetweenArgumentsChecked()
    {
        Assert.Equal(Invalid + "ComparisonOperator BETWEEN is not valid for BOOL AttributeValue type", ErrorOf(() => Filter("a", Cond("BETWEEN", Bool(true), Bool(true)))));
        Assert.Equal(Invalid + "AttributeValues inside AttributeValueList must be of same type", ErrorOf(() => Filter("a", Cond("IN", S("b"), N("1")))));
        Assert.Equal("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
            ErrorOf(() => Filter("a", Cond("BETWEEN", S("b"), S("a")))));
    }

    private static string ExpectedError(ExpectedAttributeValue expected) =>
        ErrorOf(() => LegacyConditions.FromExpected(new Dictionary<string, ExpectedAttributeValue> { ["a"] = expected }, null));

    [Fact]
    public void ExpectedValidations()
    {
        Assert.Equal(Invalid + "Value must be provided when Exists is null for Attribute: a", ExpectedError(new()));
        Assert.Equal(Invalid + "Value must be provided when Exists is true for Attribute: a", ExpectedError(new() { Exists = true }));
        Assert.Equal(Invalid + "Value cannot be used when Exists is false for Attribute: a", ExpectedError(new() { Exists = false, Value = S("a") }));
        Assert.Equal(Invalid + "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a", ExpectedError(new() { ComparisonOperator = "LT" }));
        Assert.Equal(Invalid + "Exists and ComparisonOperator cannot be used together for Attribute: a", ExpectedError(new() { Exists = true, ComparisonOperator = "LT" }));
        Assert.Equal(Invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a", ExpectedError(new() { AttributeValueList = [] }));
        Assert.Equal(Invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a", ExpectedError(new() { Exists = true, AttributeValueList = [] }));
        Assert.Equal(Invalid + "Value and AttributeValueList cannot be used together for Attribute: a", ExpectedError(new() { Value = S("a"), AttributeValueList = [] }));
        Assert.Equal(Invalid + "Invalid number of argument(s) for the NULL ComparisonOperator", ExpectedError(new() { ComparisonOperator = "NULL", Value = S("a") }));
        Assert.Equal(Invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator", ExpectedError(new() { ComparisonOperator = "BETWEEN", Value = S("a") }));
        Assert.Equal(Invalid + "AttributeValues inside AttributeValueList must be of same type",
            ExpectedError(new() { ComparisonOperator = "IN", AttributeValueList = [S("b"), N("1")] }));
    }

    [Fact]
    public void ExpectedSemantics()
    {
        bool Check(ExpectedAttributeValue e, IReadOnlyDictionary<string, AttributeValue>? item) =>
            LegacyConditions.FromExpected(new Dictionary<string, ExpectedAttributeValue> { ["n"] = e }, null).Evaluate(item);

        Assert.True(Check(new() { Value = N("10") }, s_item));
        Assert.True(Check(new() { Value = N("10"), Exists = true }, s_item));
        Assert.False(Check(new() { Value = N("11") }, s_item));
        Assert.False(Check(new() { Exists = false }, s_item));
        Assert.True(Check(new() { Exists = false }, null));
        Assert.True(Check(new() { ComparisonOperator = "GT", Value = N("9") }, s_item));
        Assert.True(Check(new() { ComparisonOperator = "NOT_NULL" }, s_item));
    }

    private static Dictionary<string, Condition> Keys(params (string Name, Condition Condition)[] entries) =>
        entries.ToDictionary(e => e.Name, e => e.Condition);

    [Fact]
    public void KeyConditions()
    {
        var bound = LegacyConditions.FromKeyConditions(Keys(("pk", Cond("EQ", S("p"))), ("sk", Cond("BEGINS_WITH", S("x")))), "pk", "sk");
        Assert.Equal("p", bound.PartitionValue.AsString());
        Assert.Equal(SortKeyOperator.BeginsWith, bound.SortKey!.Operator);

        Assert.Equal("Conditions can be of length 1 or 2 only", ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(), "pk", null)));
        Assert.Equal(Invalid + "Invalid number of argument(s) for the EQ ComparisonOperator",
            ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond("EQ")), ("b", Cond("NULL")), ("c", Cond("NULL"))), "a", null)));
        Assert.Equal("Conditions can be of length 1 or 2 only",
            ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond("NULL")), ("b", Cond("NULL")), ("c", Cond("NULL"))), "a", null)));

        foreach (var op in new[] { "NULL", "NOT_NULL" })
        {
            Assert.Equal("Attempted conditional constraint is not an indexable operation",
                ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond(op))), "a", null)));
        }

        foreach (var condition in new[] { Cond("NE", N("1")), Cond("CONTAINS", S("a")), Cond("NOT_CONTAINS", S("a")), Cond("IN", S("a")) })
        {
            Assert.Equal("Attempted conditional constraint is not an indexable operation",
                ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond("EQ", S("b"))), ("b", condition)), "a", "b")));
        }

        foreach (var op in new[] { "LE", "LT", "GE", "GT", "BEGINS_WITH" })
        {
            Assert.Equal("Query key condition not supported",
                ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond(op, S("a")))), "a", null)));
        }

        Assert.Equal("Query key condition not supported",
            ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond("EQ", S("a"))), ("b", Cond("EQ", S("a")))), "a", null)));
        Assert.Equal("Query condition missed key schema element: b",
            ErrorOf(() => LegacyConditions.FromKeyConditions(Keys(("a", Cond("EQ", S("b"))), ("c", Cond("NULL"))), "a", "b")));
    }

    [Fact]
    public void AttributeUpdatesValidation()
    {
        string Error(AttributeValueUpdate update) =>
            ErrorOf(() => LegacyConditions.FromAttributeUpdates(new Dictionary<string, AttributeValueUpdate> { ["a"] = update }));

        Assert.Equal(Invalid + "Only DELETE action is allowed when no attribute value is specified", Error(new() { Action = "PUT" }));
        Assert.Equal(Invalid + "Only DELETE action is allowed when no attribute value is specified", Error(new()));
        foreach (var value in new[] { S("1"), N("1"), B(1), Null, Bool(true), M(), L() })
        {
            Assert.Equal(Invalid + $"DELETE action with value is not supported for the type {value.Type}", Error(new() { Action = "DELETE", Value = value }));
        }

        foreach (var value in new[] { S("1"), B(1), Null, Bool(true), M() })
        {
            Assert.Equal(Invalid + $"ADD action is not supported for the type {value.Type}", Error(new() { Action = "ADD", Value = value }));
        }
    }

    [Fact]
    public void AttributeUpdatesSemantics()
    {
        var item = Item(("pk", S("k")), ("b", SS("1")), ("c", N("1")), ("d", NS("1")), ("e", S("x")), ("l", L(N("1"))));
        var update = LegacyConditions.FromAttributeUpdates(new Dictionary<string, AttributeValueUpdate>
        {
            ["b"] = new() { Action = "ADD", Value = SS("2") },
            ["c"] = new() { Action = "ADD", Value = N("4") },
            ["d"] = new() { Action = "DELETE", Value = NS("1") },
            ["e"] = new() { Action = "DELETE" },
            ["f"] = new() { Value = S("put") },
            ["l"] = new() { Action = "ADD", Value = L(N("2")) },
        });
        update.Apply(item);
        Assert.Equal("b=SS:[1,2],c=N:5,f=S:put,l=L:[N:1,N:2],pk=S:k", Render(item));
        Assert.Equal(["b", "c", "d", "e", "f", "l"], update.TopLevelAttributes);

        foreach (var (name, action, value) in new[] { ("b", "DELETE", NS("1")), ("b", "DELETE", BS([0x61])), ("c", "DELETE", NS("1")), ("b", "ADD", NS("1")), ("d", "ADD", N("1")) })
        {
            var target = Item(("b", SS("1")), ("c", N("1")), ("d", NS("1")));
            var bad = LegacyConditions.FromAttributeUpdates(new Dictionary<string, AttributeValueUpdate> { [name] = new() { Action = action, Value = value } });
            Assert.Equal("Type mismatch for attribute to update", ErrorOf(() => bad.Apply(target)));
        }
    }

    [Fact]
    public void AttributesToGet()
    {
        var projection = LegacyConditions.FromAttributesToGet(["s", "absent", "n"]);
        Assert.Equal("n=N:10,s=S:hello", Render(projection.Apply(s_item)));
        Assert.Equal(Invalid + "Duplicate value in attribute name: a", ErrorOf(() => LegacyConditions.FromAttributesToGet(["a", "a"])));
    }
}
