using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.PartiQL;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.PartiQL;

public sealed class PartiQLParserTests
{
    private static readonly Dictionary<string, AttributeValue> Item = new(StringComparer.Ordinal)
    {
        ["pk"] = AttributeValue.FromString("p1"),
        ["sk"] = AttributeValue.FromNumber(DynamoNumber.Parse("5")),
        ["name"] = AttributeValue.FromString("Alice"),
        ["tags"] = AttributeValue.FromStringSet(["a", "b"]),
        ["doc"] = AttributeValue.FromMap(new(StringComparer.Ordinal)
        {
            ["list"] = AttributeValue.FromList([AttributeValue.FromNumber(DynamoNumber.Parse("10")), AttributeValue.FromString("x")]),
        }),
        ["Flag"] = AttributeValue.True,
        ["nothing"] = AttributeValue.Null,
    };

    private static bool Where(string condition, params AttributeValue[] parameters)
    {
        var statement = (SelectStatement)PartiQLParser.Parse("SELECT * FROM \"t\" WHERE " + condition, parameters);
        return new ConditionExpression(statement.Where).Evaluate(Item);
    }

    [Fact]
    public void Select_star_with_quoted_table_and_index()
    {
        var statement = Assert.IsType<SelectStatement>(PartiQLParser.Parse("select * from \"Music\".\"byArtist\"", null));
        Assert.Equal("Music", statement.TableName);
        Assert.Equal("byArtist", statement.IndexName);
        Assert.Null(statement.Projection);
        Assert.Null(statement.Where);
        Assert.Equal("dynamodb:PartiQLSelect", statement.Action);
    }

    [Fact]
    public void Exists_wraps_a_select_and_is_allowed_only_in_transactions()
    {
        const string text = "exists( SELECT * FROM \"Music\" WHERE pk = ? AND name = 'Alice' );";
        var statement = Assert.IsType<ExistsStatement>(PartiQLParser.Parse(text, [AttributeValue.FromString("p1")], allowExists: true));
        Assert.Equal("Music", statement.TableName);
        Assert.Equal("dynamodb:PartiQLSelect", statement.Action);
        Assert.False(statement.IsRead);
        Assert.True(new ConditionExpression(statement.Select.Where).Evaluate(Item));
        Assert.False(new ConditionExpression(statement.Select.Where).Evaluate(null));

        var outside = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse(text, [AttributeValue.FromString("p1")]));
        Assert.Equal("Unsupported operation: EXISTS can only be used within ExecuteTransaction", outside.ErrorMessage);
        var unclosed = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse("EXISTS(SELECT * FROM t WHERE pk = 'a'", null, allowExists: true));
        Assert.Equal("Statement wasn't well formed, can't be processed: Unexpected end of statement", unclosed.ErrorMessage);
    }

    [Fact]
    public void Select_projection_keeps_nested_paths_and_case()
    {
        var statement = Assert.IsType<SelectStatement>(PartiQLParser.Parse("SELECT Name, doc.list[1], \"odd name\" FROM Music", null));
        Assert.Equal(["[Name]", "[doc, list, [1]]", "[odd name]"], statement.Projection!.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("pk = 'p1'", true)]
    [InlineData("pk <> 'p1'", false)]
    [InlineData("sk < 6 AND sk <= 5 AND sk > 4 AND sk >= 5", true)]
    [InlineData("sk BETWEEN 1 AND 4", false)]
    [InlineData("sk BETWEEN 1 AND 5", true)]
    [InlineData("pk IN ('x', 'p1')", true)]
    [InlineData("pk IN ['x', 'y']", false)]
    [InlineData("NOT pk = 'p1' OR name = 'Alice'", true)]
    [InlineData("NOT (pk = 'p1' OR name = 'Alice')", false)]
    [InlineData("begins_with(name, 'Al')", true)]
    [InlineData("BEGINS_WITH(name, 'al')", false)]
    [InlineData("contains(tags, 'b')", true)]
    [InlineData("attribute_exists(doc.list[1])", true)]
    [InlineData("attribute_not_exists(doc.list[2])", true)]
    [InlineData("size(tags) = 2", true)]
    [InlineData("doc.list[0] = 10", true)]
    [InlineData("doc.\"list\"[1] = 'x'", true)]
    [InlineData("name IS MISSING", false)]
    [InlineData("other IS MISSING", true)]
    [InlineData("name IS NOT MISSING", true)]
    [InlineData("nothing IS NULL", true)]
    [InlineData("name IS NOT NULL", true)]
    [InlineData("Flag = true", true)]
    [InlineData("flag = true", false)]
    [InlineData("tags = <<'b', 'a'>>", true)]
    [InlineData("doc = {'list': [10, 'x']}", true)]
    [InlineData("sk = -5", false)]
    [InlineData("sk = 5.0", true)]
    public void Where_clauses_evaluate_like_condition_expressions(string condition, bool expected)
    {
        Assert.Equal(expected, Where(condition));
    }

    [Fact]
    public void Parameters_bind_in_order()
    {
        Assert.True(Where("pk = ? AND sk = ?", AttributeValue.FromString("p1"), AttributeValue.FromNumber(DynamoNumber.Parse("5"))));
        Assert.False(Where("pk = ? AND sk = ?", AttributeValue.FromString("p1"), AttributeValue.FromNumber(DynamoNumber.Parse("6"))));
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE pk = ?", 0)]
    [InlineData("SELECT * FROM t WHERE pk = ?", 2)]
    [InlineData("SELECT * FROM t", 1)]
    public void Parameter_count_must_match(string statement, int count)
    {
        var parameters = Enumerable.Repeat(AttributeValue.FromString("x"), count).ToArray();
        var error = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse(statement, parameters));
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal("Number of parameters in request and statement don't match.", error.ErrorMessage);
    }

    [Fact]
    public void Insert_value_literals()
    {
        var statement = Assert.IsType<InsertStatement>(PartiQLParser.Parse(
            "INSERT INTO \"t\" VALUE {'pk': 'a''b', 'n': -1.5e2, 'b': false, 'z': null, 'l': [1, 'two', [3]], 'ss': <<'x', 'y'>>, 'ns': <<1, 2>>, 'm': {'k': ?}, 'gone': MISSING}",
            [AttributeValue.FromString("param")]));
        var item = statement.Item;
        Assert.Equal("a'b", item["pk"].AsString());
        Assert.Equal("-150", item["n"].AsNumber().ToString());
        Assert.False(item["b"].AsBool());
        Assert.Equal(AttributeType.NULL, item["z"].Type);
        Assert.Equal(3, item["l"].AsList().Count);
        Assert.Equal(["x", "y"], item["ss"].AsStringSet());
        Assert.Equal(2, item["ns"].AsNumberSet().Count);
        Assert.Equal("param", item["m"].AsMap()["k"].AsString());
        Assert.False(item.ContainsKey("gone"));
        Assert.Equal("dynamodb:PartiQLInsert", statement.Action);
    }

    [Fact]
    public void Update_set_remove_and_functions_apply_like_update_expressions()
    {
        var statement = Assert.IsType<UpdateStatement>(PartiQLParser.Parse(
            "UPDATE \"t\" SET sk2 = sk + 1 SET doc.list = list_append(doc.list, [?]), tags = set_add(tags, <<'c'>>) " +
            "SET gone = set_delete(gone, <<'a'>>) REMOVE name WHERE pk = 'p1' RETURNING ALL NEW *",
            [AttributeValue.FromString("y")]));
        Assert.Equal(ReturningKind.AllNew, statement.Returning);
        Assert.Equal([UpdateActionKind.Set, UpdateActionKind.Set, UpdateActionKind.Add, UpdateActionKind.Delete, UpdateActionKind.Remove],
            statement.Actions.Select(a => a.Kind));
    }

    [Fact]
    public void Set_add_applies_to_the_item()
    {
        var statement = (UpdateStatement)PartiQLParser.Parse(
            "UPDATE t SET sk = sk - 2, tags = set_add(tags, <<'c'>>), doc.list = list_append(doc.list, ['z']) REMOVE name WHERE pk = 'p1'", null);
        var item = AttributeValue.CloneItem(Item);
        new UpdateExpression(statement.Actions, legacy: false).Apply(item);
        Assert.Equal("3", item["sk"].AsNumber().ToString());
        Assert.Equal(["a", "b", "c"], item["tags"].AsStringSet().Order());
        Assert.Equal(3, item["doc"].AsMap()["list"].AsList().Count);
        Assert.False(item.ContainsKey("name"));
    }

    [Fact]
    public void Delete_allows_only_returning_all_old()
    {
        var statement = Assert.IsType<DeleteStatement>(PartiQLParser.Parse("DELETE FROM t WHERE pk = 'a' RETURNING ALL OLD *;", null));
        Assert.Equal(ReturningKind.AllOld, statement.Returning);
        var error = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse("DELETE FROM t WHERE pk = 'a' RETURNING ALL NEW *", null));
        Assert.Equal("Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.", error.ErrorMessage);
    }

    [Theory]
    [InlineData("CREATE TABLE t", "Statement wasn't well formed, can't be processed: Expected data manipulation")]
    [InlineData("SELECT * FROM", "Statement wasn't well formed, can't be processed: Expected table name, got <EOF>")]
    [InlineData("SELECT * FROM t WHERE", "Statement wasn't well formed, can't be processed: Expected a value, got <EOF>")]
    [InlineData("SELECT * FROM t WHERE a = 'x", "Statement wasn't well formed, can't be processed: Unterminated string literal")]
    [InlineData("SELECT * FROM t WHERE a = 1 extra", "Statement wasn't well formed, can't be processed: Unexpected token: extra")]
    [InlineData("SELECT * FROM t WHERE a = #", "Statement wasn't well formed, can't be processed: Unexpected character: '#'")]
    [InlineData("UPDATE t WHERE a = 1", "Statement wasn't well formed, can't be processed: Unexpected token: WHERE")]
    [InlineData("DELETE FROM t", "Statement wasn't well formed, can't be processed: Expected WHERE, got <EOF>")]
    [InlineData("INSERT INTO t VALUE 'x'", "Statement wasn't well formed, can't be processed: Expected a map literal as the item to insert, got 'x'")]
    [InlineData("SELECT * FROM t WHERE a < true", "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL")]
    [InlineData("SELECT * FROM t WHERE size(a, b) = 1", "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2")]
    [InlineData("INSERT INTO t VALUES {'a': 1}", "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead")]
    public void Bad_statements_get_validation_errors(string text, string message)
    {
        var error = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse(text, null));
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal(message, error.ErrorMessage);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_a_crash()
    {
        var text = "SELECT * FROM t WHERE " + new string('(', 5000) + "a = 1" + new string(')', 5000);
        var error = Assert.Throws<AwsServiceException>(() => PartiQLParser.Parse(text, null));
        Assert.Equal("ValidationException", error.ErrorCode);
    }
}
