using Lockbox.DynamoDb.Expressions.Ast;

namespace Lockbox.DynamoDb.Expressions.Parsing;

/// <summary>
/// Condition grammar (ConditionExpression, FilterExpression, KeyConditionExpression):
/// OR binds loosest, then AND, then NOT; comparators, BETWEEN and IN bind tighter than all of
/// them. Parentheses may wrap a condition or an operand, so both share one primary rule and
/// the kind of a node is checked where it is used.
/// </summary>
internal sealed partial class Parser
{
    public static Node ParseCondition(string text, string parameter, out int operatorCount)
    {
        var parser = new Parser(text, parameter, updateGrammar: false);
        var root = parser.ParseOr();
        parser.RequireCondition(root, parser._position);
        parser.ExpectEnd();
        operatorCount = parser.OperatorCount;
        return root;
    }

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsKeyword("OR"))
        {
            var op = _position;
            Advance();
            var right = ParseAnd();
            RequireCondition(left, op);
            RequireCondition(right, _position);
            left = new LogicalNode(_tokens[op], isAnd: false, left, right);
            OperatorCount++;
        }

        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsKeyword("AND"))
        {
            var op = _position;
            Advance();
            var right = ParseNot();
            RequireCondition(left, op);
            RequireCondition(right, _position);
            left = new LogicalNode(_tokens[op], isAnd: true, left, right);
            OperatorCount++;
        }

        return left;
    }

    private Node ParseNot()
    {
        if (!Current.IsKeyword("NOT"))
        {
            return ParseComparison();
        }

        var token = Advance();
        var operand = ParseNot();
        RequireCondition(operand, _position);
        OperatorCount++;
        return new NotNode(token, operand);
    }

    private Node ParseComparison()
    {
        var left = ParsePrimary();
        var comparator = Current.Kind switch
        {
            TokenKind.Equal => Comparator.Equal,
            TokenKind.NotEqual => Comparator.NotEqual,
            TokenKind.Less => Comparator.Less,
            TokenKind.LessOrEqual => Comparator.LessOrEqual,
            TokenKind.Greater => Comparator.Greater,
            TokenKind.GreaterOrEqual => Comparator.GreaterOrEqual,
            _ => (Comparator?)null,
        };

        if (comparator is { } c)
        {
            var op = _position;
            RequireOperand(left, op);
            Advance();
            var right = ParsePrimary();
            RequireOperand(right, _position);
            OperatorCount++;
            return new ComparisonNode(_tokens[op], c, left, right);
        }

        if (Current.IsKeyword("BETWEEN"))
        {
            var op = _position;
            RequireOperand(left, op);
            Advance();
            var lower = ParsePrimary();
            if (!Current.IsKeyword("AND"))
            {
                throw SyntaxError();
            }

            RequireOperand(lower, _position);
            Advance();
            var upper = ParsePrimary();
            RequireOperand(upper, _position);
            OperatorCount++;
            return new BetweenNode(_tokens[op], left, lower, upper);
        }

        if (Current.IsKeyword("IN"))
        {
            var op = _position;
            RequireOperand(left, op);
            Advance();
            Expect(TokenKind.LeftParen);
            var candidates = new List<Node>();
            while (true)
            {
                var candidate = ParsePrimary();
                RequireOperand(candidate, _position);
                candidates.Add(candidate);
                if (Current.Kind == TokenKind.Comma)
                {
                    Advance();
                    continue;
                }

                Expect(TokenKind.RightParen);
                break;
            }

            if (candidates.Count > ExpressionErrors.MaxInOperands)
            {
                throw ExpressionErrors.TooManyInOperands(_parameter, candidates.Count);
            }

            OperatorCount++;
            return new InNode(_tokens[op], left, candidates);
        }

        return left;
    }

    private Node ParsePrimary()
    {
        if (Current.Kind == TokenKind.LeftParen)
        {
            Advance();
            var inner = ParseOr();
            if (Current.Kind != TokenKind.RightParen)
            {
                throw SyntaxError();
            }

            if (inner.Parenthesized)
            {
                throw ExpressionErrors.RedundantParentheses(_parameter);
            }

            Advance();
            inner.Parenthesized = true;
            return inner;
        }

        if (IsFunctionCall())
        {
            var name = Advance();
            Advance();
            var arguments = new List<Node>();
            if (Current.Kind != TokenKind.RightParen)
            {
                while (true)
                {
                    var argument = ParsePrimary();
                    RequireOperand(argument, _position);
                    arguments.Add(argument);
                    if (Current.Kind != TokenKind.Comma)
                    {
                        break;
                    }

                    Advance();
                }
            }

            Expect(TokenKind.RightParen);
            OperatorCount++;
            return new FunctionNode(name, arguments);
        }

        if (Current.Kind == TokenKind.ValuePlaceholder)
        {
            return ParseValue();
        }

        return ParsePath();
    }

    /// <summary>A bare path or value where a condition belongs is a syntax error at <paramref name="errorAt"/>.</summary>
    private void RequireCondition(Node node, int errorAt)
    {
        // Functions are accepted here; using size() as a condition is reported later, as DynamoDB does.
        if (!node.IsCondition && node is not FunctionNode)
        {
            throw SyntaxErrorAt(errorAt);
        }
    }

    /// <summary>A comparison or logical expression where an operand belongs is a syntax error.</summary>
    private void RequireOperand(Node node, int errorAt)
    {
        if (node.IsCondition && node is not FunctionNode)
        {
            throw SyntaxErrorAt(errorAt);
        }
    }
}
