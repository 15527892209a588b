using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>
/// A recursive-descent parser for DynamoDB's PartiQL subset. Keywords are case-insensitive;
/// unquoted and <c>"quoted"</c> identifiers keep their case; <c>'single quotes'</c> delimit
/// strings. <c>?</c> placeholders are bound to the request's Parameters in order while parsing, and
/// the count must match exactly. WHERE clauses and SET values are built from the shared
/// expression AST so they evaluate exactly like ConditionExpression and UpdateExpression.
/// </summary>
internal sealed class PartiQLParser
{
    private static readonly Token NoToken = new(TokenKind.Identifier, "", 0, 0);

    private readonly List<PqlToken> _tokens;
    private readonly IReadOnlyList<AttributeValue> _parameters;
    private int _position;
    private int _parameterCount;
    private int _depth;

    private PartiQLParser(string text, IReadOnlyList<AttributeValue>? parameters)
    {
        _tokens = PartiQLLexer.Tokenize(text);
        _parameters = parameters ?? [];
    }

    /// <summary>Parses <paramref name="text"/> with <paramref name="parameters"/> bound to its <c>?</c> placeholders.</summary>
    /// <param name="allowExists">Whether <c>EXISTS(SELECT ...)</c> may stand as the statement (ExecuteTransaction only).</param>
    public static PartiQLStatement Parse(string text, IReadOnlyList<AttributeValue>? parameters, bool allowExists = false)
    {
        var parser = new PartiQLParser(text, parameters);
        var statement = parser.ParseStatement(allowExists);
        if (parser._parameterCount != parser._parameters.Count)
        {
            throw PartiQLErrors.ParameterCount();
        }

        return statement;
    }

    private PqlToken Current => _tokens[_position];

    private PartiQLStatement ParseStatement(bool allowExists)
    {
        var first = Current;
        PartiQLStatement statement;
        if (first.IsKeyword("EXISTS") && Peek(1).Kind == PqlTokenKind.LeftParen)
        {
            if (!allowExists)
            {
                throw PartiQLErrors.Unsupported("EXISTS can only be used within ExecuteTransaction");
            }

            _position += 2;
            var select = ParseSelect();
            Expect(PqlTokenKind.RightParen);
            statement = new ExistsStatement(select);
        }
        else if (first.IsKeyword("SELECT"))
        {
            statement = ParseSelect();
        }
        else if (first.IsKeyword("INSERT"))
        {
            statement = ParseInsert();
        }
        else if (first.IsKeyword("UPDATE"))
        {
            statement = ParseUpdate();
        }
        else if (first.IsKeyword("DELETE"))
        {
            statement = ParseDelete();
        }
        else
        {
            throw PartiQLErrors.Syntax("Expected data manipulation");
        }

        Accept(PqlTokenKind.Semicolon);
        if (Current.Kind != PqlTokenKind.End)
        {
            throw Unexpected();
        }

        return statement;
    }

    private SelectStatement ParseSelect()
    {
        ExpectKeyword("SELECT");
        List<DocumentPath>? projection = null;
        if (!Accept(PqlTokenKind.Star))
        {
            if (Current.IsKeyword("COUNT") && Peek(1).Kind == PqlTokenKind.LeftParen)
            {
                throw PartiQLErrors.Unsupported("COUNT is not supported");
            }

            projection = [ParsePath()];
            while (Accept(PqlTokenKind.Comma))
            {
                projection.Add(ParsePath());
            }
        }

        ExpectKeyword("FROM");
        var (table, index) = ParseTableReference();
        Node? where = null;
        if (AcceptKeyword("WHERE"))
        {
            where = ParseCondition();
        }

        return new SelectStatement(table, index, projection, where);
    }

    private InsertStatement ParseInsert()
    {
        ExpectKeyword("INSERT");
        ExpectKeyword("INTO");
        var (table, index) = ParseTableReference();
        if (Current.IsKeyword("VALUES"))
        {
            throw PartiQLErrors.Unsupported("Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead");
        }

        ExpectKeyword("VALUE");
        var token = Current;
        var value = ParseValue();
        if (value.Type != AttributeType.M)
        {
            throw PartiQLErrors.Syntax($"Expected a map literal as the item to insert, got {token.Display}");
        }

        return new InsertStatement(table, index, value.AsMap());
    }

    private UpdateStatement ParseUpdate()
    {
        ExpectKeyword("UPDATE");
        var (table, index) = ParseTableReference();
        var actions = new List<UpdateAction>();
        while (true)
        {
            if (AcceptKeyword("SET"))
            {
                do
                {
                    actions.Add(ParseSetAction());
                }
                while (Accept(PqlTokenKind.Comma));
            }
            else if (AcceptKeyword("REMOVE"))
            {
                do
                {
                    actions.Add(new UpdateAction(UpdateActionKind.Remove, PathNodeOf(ParsePath()), null));
                }
                while (Accept(PqlTokenKind.Comma));
            }
            else
            {
                break;
            }
        }

        if (actions.Count == 0)
        {
            throw Unexpected();
        }

        ExpectKeyword("WHERE");
        var where = ParseCondition();
        var returning = ParseReturning();
        return new UpdateStatement(table, index, actions, where, returning);
    }

    private DeleteStatement ParseDelete()
    {
        ExpectKeyword("DELETE");
        ExpectKeyword("FROM");
        var (table, index) = ParseTableReference();
        ExpectKeyword("WHERE");
        var where = ParseCondition();
        var returning = ParseReturning();
        if (returning is not (ReturningKind.None or ReturningKind.AllOld))
        {
            var written = returning switch
            {
                ReturningKind.ModifiedOld => "MODIFIED OLD",
                ReturningKind.AllNew => "ALL NEW",
                _ => "MODIFIED NEW",
            };
            throw DynamoDbErrors.Validation($"Invalid returning clause: RETURNING {written} *. Only RETURNING ALL OLD * is allowed in DELETE statements.");
        }

        return new DeleteStatement(table, index, where, returning);
    }

    private ReturningKind ParseReturning()
    {
        if (!AcceptKeyword("RETURNING"))
        {
            return ReturningKind.None;
        }

        var modified = AcceptKeyword("MODIFIED");
        if (!modified)
        {
            ExpectKeyword("ALL");
        }

        ReturningKind kind;
        if (AcceptKeyword("OLD"))
        {
            kind = modified ? ReturningKind.ModifiedOld : ReturningKind.AllOld;
        }
        else
        {
            ExpectKeyword("NEW");
            kind = modified ? ReturningKind.ModifiedNew : ReturningKind.AllNew;
        }

        Expect(PqlTokenKind.Star);
        return kind;
    }

    private UpdateAction ParseSetAction()
    {
        var target = PathNodeOf(ParsePath());
        Expect(PqlTokenKind.Equal);
        var start = Current;
        if (start.Kind == PqlTokenKind.Word && Peek(1).Kind == PqlTokenKind.LeftParen)
        {
            var name = start.Text.ToLowerInvariant();
            if (name is "set_add" or "set_delete")
            {
                _position += 2;
                var path = ParsePath();
                Expect(PqlTokenKind.Comma);
                var valueToken = Current;
                var value = ParseValue();
                Expect(PqlTokenKind.RightParen);
                if (!path.Equals(target.ResolvedPath))
                {
                    throw DynamoDbErrors.Validation($"{name} must name the attribute it sets: {path} is not {target.ResolvedPath}");
                }

                if (!ValueSemantics.IsSet(value.Type))
                {
                    throw DynamoDbErrors.Validation(
                        $"Incorrect operand type for operator or function; operator or function: {name}, operand type: {value.Type} near: {valueToken.Display}");
                }

                return new UpdateAction(name == "set_add" ? UpdateActionKind.Add : UpdateActionKind.Delete, target, ValueNodeOf(value));
            }
        }

        var operand = ParseSetOperand();
        if (Current.Kind is PqlTokenKind.Plus or PqlTokenKind.Minus)
        {
            var plus = Current.Kind == PqlTokenKind.Plus;
            _position++;
            var right = ParseSetOperand();
            operand = new ArithmeticNode(new Token(plus ? TokenKind.Plus : TokenKind.Minus, plus ? "+" : "-", 0, 0), operand, right);
        }

        return new UpdateAction(UpdateActionKind.Set, target, operand);
    }

    /// <summary>A SET operand: a value, a path, or <c>list_append(a, b)</c>.</summary>
    private Node ParseSetOperand()
    {
        var token = Current;
        if (token.Kind == PqlTokenKind.Word && Peek(1).Kind == PqlTokenKind.LeftParen)
        {
            var name = token.Text.ToLowerInvariant();
            if (name is not (FunctionNames.ListAppend or FunctionNames.IfNotExists))
            {
                throw DynamoDbErrors.Validation($"Unsupported function in SET: {token.Text}");
            }

            _position += 2;
            var first = ParseSetOperand();
            Expect(PqlTokenKind.Comma);
            var second = ParseSetOperand();
            Expect(PqlTokenKind.RightParen);
            if (name == FunctionNames.IfNotExists && first is not PathNode)
            {
                throw DynamoDbErrors.Validation("if_not_exists needs an attribute path as its first operand");
            }

            return new FunctionNode(new Token(TokenKind.Identifier, name, 0, 0), [first, second]);
        }

        return IsPathStart(token) ? PathNodeOf(ParsePath()) : ValueNodeOf(ParseValue());
    }

    private (string Table, string? Index) ParseTableReference()
    {
        var table = ParseIdentifier("table name");
        string? index = null;
        if (Accept(PqlTokenKind.Dot))
        {
            index = ParseIdentifier("index name");
        }

        return (table, index);
    }

    private string ParseIdentifier(string what)
    {
        var token = Current;
        if (token.Kind is PqlTokenKind.Word or PqlTokenKind.QuotedIdentifier)
        {
            _position++;
            return token.Text;
        }

        throw PartiQLErrors.Syntax($"Expected {what}, got {token.Display}");
    }

    // ----- conditions -----

    private Node ParseCondition()
    {
        if (++_depth > 100)
        {
            throw PartiQLErrors.Syntax("Statement is nested too deeply");
        }

        var left = ParseAnd();
        while (AcceptKeyword("OR"))
        {
            left = new LogicalNode(NoToken, isAnd: false, left, ParseAnd());
        }

        _depth--;
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseNot();
        while (AcceptKeyword("AND"))
        {
            left = new LogicalNode(NoToken, isAnd: true, left, ParseNot());
        }

        return left;
    }

    private Node ParseNot()
    {
        if (AcceptKeyword("NOT"))
        {
            if (++_depth > 100)
            {
                throw PartiQLErrors.Syntax("Statement is nested too deeply");
            }

            var operand = ParseNot();
            _depth--;
            return new NotNode(NoToken, operand);
        }

        return ParsePredicate();
    }

    private Node ParsePredicate()
    {
        var token = Current;
        if (token.Kind == PqlTokenKind.LeftParen)
        {
            _position++;
            var inner = ParseCondition();
            Expect(PqlTokenKind.RightParen);
            inner.Parenthesized = true;
            return inner;
        }

        if (token.Kind == PqlTokenKind.Word && Peek(1).Kind == PqlTokenKind.LeftParen)
        {
            var name = token.Text.ToLowerInvariant();
            if (FunctionNames.IsBoolean(name))
            {
                return ParseFunction(name);
            }
        }

        var left = ParseOperand();
        var op = Current;
        switch (op.Kind)
        {
            case PqlTokenKind.Equal:
            case PqlTokenKind.NotEqual:
            case PqlTokenKind.Less:
            case PqlTokenKind.LessOrEqual:
            case PqlTokenKind.Greater:
            case PqlTokenKind.GreaterOrEqual:
                _position++;
                var comparator = op.Kind switch
                {
                    PqlTokenKind.Equal => Comparator.Equal,
                    PqlTokenKind.NotEqual => Comparator.NotEqual,
                    PqlTokenKind.Less => Comparator.Less,
                    PqlTokenKind.LessOrEqual => Comparator.LessOrEqual,
                    PqlTokenKind.Greater => Comparator.Greater,
                    _ => Comparator.GreaterOrEqual,
                };
                var right = ParseOperand();
                CheckOrderable(comparator, op.Text, left, right);
                return new ComparisonNode(new Token(TokenKind.Equal, op.Text, 0, 0), comparator, left, right);
        }

        if (AcceptKeyword("BETWEEN"))
        {
            var lower = ParseOperand();
            ExpectKeyword("AND");
            var upper = ParseOperand();
            CheckOrderable(Comparator.Less, "BETWEEN", lower, upper);
            return new BetweenNode(NoToken, left, lower, upper);
        }

        if (AcceptKeyword("IN"))
        {
            var close = Current.Kind switch
            {
                PqlTokenKind.LeftParen => PqlTokenKind.RightParen,
                PqlTokenKind.LeftBracket => PqlTokenKind.RightBracket,
                _ => throw PartiQLErrors.Syntax($"Expected '(' or '[' after IN, got {Current.Display}"),
            };
            _position++;
            var candidates = new List<Node> { ParseOperand() };
            while (Accept(PqlTokenKind.Comma))
            {
                candidates.Add(ParseOperand());
            }

            Expect(close);
            if (candidates.Count > 100)
            {
                throw DynamoDbErrors.Validation("IN expression can only have up to 100 values");
            }

            return new InNode(NoToken, left, candidates);
        }

        if (AcceptKeyword("IS"))
        {
            var negated = AcceptKeyword("NOT");
            Node result;
            if (AcceptKeyword("MISSING"))
            {
                result = Function(negated ? FunctionNames.AttributeExists : FunctionNames.AttributeNotExists, left);
                return result;
            }

            if (AcceptKeyword("NULL"))
            {
                result = Function(FunctionNames.AttributeType, left, ValueNodeOf(AttributeValue.FromString("NULL")));
                return negated ? new NotNode(NoToken, result) : result;
            }

            throw PartiQLErrors.Syntax($"Expected MISSING or NULL after IS, got {Current.Display}");
        }

        throw PartiQLErrors.Syntax($"Expected a comparison after {token.Display}, got {Current.Display}");
    }

    private FunctionNode ParseFunction(string name)
    {
        _position += 2;
        var arguments = new List<Node>();
        if (Current.Kind != PqlTokenKind.RightParen)
        {
            arguments.Add(ParseOperand());
            while (Accept(PqlTokenKind.Comma))
            {
                arguments.Add(ParseOperand());
            }
        }

        Expect(PqlTokenKind.RightParen);
        var expected = name is FunctionNames.AttributeExists or FunctionNames.AttributeNotExists or FunctionNames.Size ? 1 : 2;
        if (arguments.Count != expected)
        {
            throw DynamoDbErrors.Validation($"Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {arguments.Count}");
        }

        if (arguments[0] is not PathNode && name != FunctionNames.Contains)
        {
            throw DynamoDbErrors.Validation($"Operator or function requires a document path; operator or function: {name}");
        }

        return new FunctionNode(new Token(TokenKind.Identifier, name, 0, 0), arguments);
    }

    /// <summary>An operand of a comparison: a path, a value, a parameter or <c>size(path)</c>.</summary>
    private Node ParseOperand()
    {
        var token = Current;
        if (token.Kind == PqlTokenKind.Word && Peek(1).Kind == PqlTokenKind.LeftParen)
        {
            var name = token.Text.ToLowerInvariant();
            if (name == FunctionNames.Size)
            {
                return ParseFunction(name);
            }

            throw PartiQLErrors.Syntax($"Unexpected function {token.Text} in operand position");
        }

        return IsPathStart(token) ? PathNodeOf(ParsePath()) : ValueNodeOf(ParseValue());
    }

    private static void CheckOrderable(Comparator comparator, string symbol, Node left, Node right)
    {
        if (comparator is Comparator.Equal or Comparator.NotEqual)
        {
            return;
        }

        foreach (var operand in new[] { left, right })
        {
            if (operand is ValueNode { Value: { } value } && value.Type is not (AttributeType.S or AttributeType.N or AttributeType.B))
            {
                throw DynamoDbErrors.Validation(
                    $"Incorrect operand type for operator or function; operator or function: {symbol}, operand type: {value.Type}");
            }
        }
    }

    // ----- paths and values -----

    private static bool IsPathStart(PqlToken token) =>
        token.Kind == PqlTokenKind.QuotedIdentifier
        || (token.Kind == PqlTokenKind.Word && !IsValueKeyword(token));

    private static bool IsValueKeyword(PqlToken token) =>
        token.IsKeyword("TRUE") || token.IsKeyword("FALSE") || token.IsKeyword("NULL") || token.IsKeyword("MISSING");

    private DocumentPath ParsePath()
    {
        var token = Current;
        if (!IsPathStart(token))
        {
            throw PartiQLErrors.Syntax($"Expected an attribute path, got {token.Display}");
        }

        _position++;
        var elements = new List<PathElement> { PathElement.Key(token.Text) };
        while (true)
        {
            if (Current.Kind == PqlTokenKind.Dot && Peek(1).Kind is PqlTokenKind.Word or PqlTokenKind.QuotedIdentifier)
            {
                elements.Add(PathElement.Key(Peek(1).Text));
                _position += 2;
            }
            else if (Current.Kind == PqlTokenKind.LeftBracket)
            {
                _position++;
                var inside = Current;
                if (inside.Kind == PqlTokenKind.Number && int.TryParse(inside.Text, System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    elements.Add(PathElement.At(index));
                }
                else if (inside.Kind == PqlTokenKind.String)
                {
                    elements.Add(PathElement.Key(inside.Text));
                }
                else
                {
                    throw PartiQLErrors.Syntax($"Expected a list index or a quoted key in [], got {inside.Display}");
                }

                _position++;
                Expect(PqlTokenKind.RightBracket);
            }
            else
            {
                break;
            }

            if (elements.Count > AttributeValueJson.MaxNestingLevels + 1)
            {
                throw PartiQLErrors.Syntax("Document path is nested too deeply");
            }
        }

        return new DocumentPath(elements);
    }

    /// <summary>A literal value or a <c>?</c> parameter.</summary>
    private AttributeValue ParseValue()
    {
        if (++_depth > AttributeValueJson.MaxNestingLevels + 2)
        {
            throw DynamoDbErrors.Validation("Nesting Levels have exceeded supported limits");
        }

        var token = Current;
        _position++;
        AttributeValue value;
        switch (token.Kind)
        {
            case PqlTokenKind.Parameter:
                var index = _parameterCount++;
                if (index >= _parameters.Count)
                {
                    throw PartiQLErrors.ParameterCount();
                }

                value = _parameters[index];
                break;
            case PqlTokenKind.String:
                value = AttributeValue.FromString(token.Text);
                break;
            case PqlTokenKind.Number:
                value = AttributeValue.FromNumber(DynamoNumber.Parse(token.Text));
                break;
            case PqlTokenKind.Minus when Current.Kind == PqlTokenKind.Number:
                value = AttributeValue.FromNumber(DynamoNumber.Parse("-" + Current.Text));
                _position++;
                break;
            case PqlTokenKind.Word when token.IsKeyword("TRUE"):
                value = AttributeValue.True;
                break;
            case PqlTokenKind.Word when token.IsKeyword("FALSE"):
                value = AttributeValue.False;
                break;
            case PqlTokenKind.Word when token.IsKeyword("NULL"):
                value = AttributeValue.Null;
                break;
            case PqlTokenKind.LeftBrace:
                value = ParseMap();
                break;
            case PqlTokenKind.LeftBracket:
                value = AttributeValue.FromList(ParseValues(PqlTokenKind.RightBracket));
                break;
            case PqlTokenKind.LeftBag:
                value = MakeSet(ParseValues(PqlTokenKind.RightBag));
                break;
            default:
                _position--;
                throw PartiQLErrors.Syntax($"Expected a value, got {token.Display}");
        }

        _depth--;
        return value;
    }

    private AttributeValue ParseMap()
    {
        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        if (Accept(PqlTokenKind.RightBrace))
        {
            return AttributeValue.FromMap(map);
        }

        do
        {
            var key = Current;
            if (key.Kind is not (PqlTokenKind.String or PqlTokenKind.QuotedIdentifier))
            {
                throw PartiQLErrors.Syntax($"Expected a quoted key in the map literal, got {key.Display}");
            }

            _position++;
            Expect(PqlTokenKind.Colon);
            if (Current.IsKeyword("MISSING"))
            {
                // A MISSING value leaves the attribute out, as in PartiQL.
                _position++;
                continue;
            }

            var value = ParseValue();
            if (!map.TryAdd(key.Text, value))
            {
                throw DynamoDbErrors.Validation($"Duplicate attribute name in the item: {key.Text}");
            }
        }
        while (Accept(PqlTokenKind.Comma));

        Expect(PqlTokenKind.RightBrace);
        return AttributeValue.FromMap(map);
    }

    private List<AttributeValue> ParseValues(PqlTokenKind close)
    {
        var values = new List<AttributeValue>();
        if (Accept(close))
        {
            return values;
        }

        do
        {
            values.Add(ParseValue());
        }
        while (Accept(PqlTokenKind.Comma));

        Expect(close);
        return values;
    }

    /// <summary>A <c>&lt;&lt;...&gt;&gt;</c> literal: a string, number or binary set (duplicates collapse, as in a set).</summary>
    private static AttributeValue MakeSet(List<AttributeValue> elements)
    {
        if (elements.Count == 0)
        {
            throw DynamoDbErrors.InvalidParameter("An string set  may not be empty");
        }

        var type = elements[0].Type;
        if (elements.Any(e => e.Type != type) || type is not (AttributeType.S or AttributeType.N or AttributeType.B))
        {
            throw DynamoDbErrors.Validation("Sets must contain elements of one type: strings, numbers or binary values");
        }

        return type switch
        {
            AttributeType.S => AttributeValue.FromStringSet(elements.Select(e => e.AsString()).Distinct(StringComparer.Ordinal).ToList()),
            AttributeType.N => AttributeValue.FromNumberSet(elements.Select(e => e.AsNumber()).Distinct().ToList()),
            _ => AttributeValue.FromBinarySet(elements.Select(e => e.AsBinary()).DistinctBy(Convert.ToBase64String).ToList()),
        };
    }

    // ----- helpers -----

    private static PathNode PathNodeOf(DocumentPath path) => new(NoToken, []) { Path = path };

    private static ValueNode ValueNodeOf(AttributeValue value) => new(new Token(TokenKind.ValuePlaceholder, "?", 0, 0)) { Value = value };

    private static FunctionNode Function(string name, params Node[] arguments) =>
        new(new Token(TokenKind.Identifier, name, 0, 0), arguments);

    private PqlToken Peek(int ahead) => _tokens[Math.Min(_position + ahead, _tokens.Count - 1)];

    private bool Accept(PqlTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        _position++;
        return true;
    }

    private bool AcceptKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword))
        {
            return false;
        }

        _position++;
        return true;
    }

    private void Expect(PqlTokenKind kind)
    {
        if (!Accept(kind))
        {
            throw Unexpected();
        }
    }

    private void ExpectKeyword(string keyword)
    {
        if (!AcceptKeyword(keyword))
        {
            throw PartiQLErrors.Syntax($"Expected {keyword}, got {Current.Display}");
        }
    }

    private Lockbox.Common.AwsServiceException Unexpected() =>
        Current.Kind == PqlTokenKind.End
            ? PartiQLErrors.Syntax("Unexpected end of statement")
            : PartiQLErrors.Syntax($"Unexpected token: {Current.Display}");
}
