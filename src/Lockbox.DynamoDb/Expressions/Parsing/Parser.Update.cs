using Lockbox.DynamoDb.Expressions.Ast;

namespace Lockbox.DynamoDb.Expressions.Parsing;

/// <summary>
/// Update grammar: clauses <c>SET path = value[, ...]</c>, <c>REMOVE path[, ...]</c>,
/// <c>ADD path :value[, ...]</c> and <c>DELETE path :value[, ...]</c> in any order. A SET value
/// is an operand or one <c>+</c>/<c>-</c> of two operands; operands are paths, values and
/// function calls. Repeated clauses parse and are rejected later (after reserved words), which
/// is DynamoDB's order.
/// </summary>
internal sealed partial class Parser
{
    public static UpdateSyntax ParseUpdate(string text, out int operatorCount)
    {
        var parser = new Parser(text, "UpdateExpression", updateGrammar: true);
        var actions = new List<UpdateAction>();
        var clauses = new List<UpdateActionKind>();
        do
        {
            var keyword = parser.Current;
            UpdateActionKind kind;
            if (keyword.IsKeyword("SET"))
            {
                kind = UpdateActionKind.Set;
            }
            else if (keyword.IsKeyword("REMOVE"))
            {
                kind = UpdateActionKind.Remove;
            }
            else if (keyword.IsKeyword("ADD"))
            {
                kind = UpdateActionKind.Add;
            }
            else if (keyword.IsKeyword("DELETE"))
            {
                kind = UpdateActionKind.Delete;
            }
            else
            {
                throw parser.SyntaxError();
            }

            parser.Advance();
            clauses.Add(kind);
            do
            {
                actions.Add(parser.ParseAction(kind));
            }
            while (parser.TryComma());
        }
        while (parser.Current.Kind != TokenKind.End);

        operatorCount = parser.OperatorCount;
        return new UpdateSyntax(actions, clauses);
    }

    private bool TryComma()
    {
        if (Current.Kind != TokenKind.Comma)
        {
            return false;
        }

        Advance();
        return true;
    }

    private UpdateAction ParseAction(UpdateActionKind kind)
    {
        var target = ParsePath();
        switch (kind)
        {
            case UpdateActionKind.Set:
                Expect(TokenKind.Equal);
                return new UpdateAction(kind, target, ParseSetValue());
            case UpdateActionKind.Remove:
                return new UpdateAction(kind, target, null);
            default:
                return new UpdateAction(kind, target, ParseValue());
        }
    }

    private Node ParseSetValue()
    {
        var left = ParseSetOperand();
        if (Current.Kind is not (TokenKind.Plus or TokenKind.Minus))
        {
            return left;
        }

        var op = Advance();
        var right = ParseSetOperand();
        OperatorCount++;
        return new ArithmeticNode(op, left, right);
    }

    private Node ParseSetOperand()
    {
        if (IsFunctionCall())
        {
            var name = Advance();
            Advance();
            var arguments = new List<Node>();
            if (Current.Kind != TokenKind.RightParen)
            {
                do
                {
                    arguments.Add(ParseSetOperand());
                }
                while (TryComma());
            }

            Expect(TokenKind.RightParen);
            OperatorCount++;
            return new FunctionNode(name, arguments);
        }

        return Current.Kind == TokenKind.ValuePlaceholder ? ParseValue() : ParsePath();
    }
}
