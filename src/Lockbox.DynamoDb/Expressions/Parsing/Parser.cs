using Lockbox.Common;
using Lockbox.DynamoDb.Expressions.Ast;

namespace Lockbox.DynamoDb.Expressions.Parsing;

/// <summary>
/// Recursive-descent parser for DynamoDB's expression grammars. This part holds the token
/// cursor, syntax errors and document paths; the grammars live in the other parts. Redundant
/// parentheses are reported as soon as they are seen, which is what DynamoDB's parser does
/// (a later syntax error in the same text loses to them).
/// </summary>
internal sealed partial class Parser
{
    private static readonly string[] s_conditionKeywords = ["AND", "OR", "NOT", "BETWEEN", "IN"];
    private static readonly string[] s_updateKeywords = ["AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"];

    private readonly string _text;
    private readonly string _parameter;
    private readonly List<Token> _tokens;
    private readonly string[] _keywords;
    private int _position;

    private Parser(string text, string parameter, bool updateGrammar)
    {
        _text = text;
        _parameter = parameter;
        _tokens = Lexer.Tokenize(text);
        _keywords = updateGrammar ? s_updateKeywords : s_conditionKeywords;
    }

    /// <summary>Operators seen while parsing, for DynamoDB's 300-operator limit.</summary>
    public int OperatorCount { get; private set; }

    private Token Current => _tokens[_position];

    private Token Peek(int ahead) => _tokens[Math.Min(_position + ahead, _tokens.Count - 1)];

    private Token Advance() => _tokens[_position++];

    private bool IsKeyword(Token token) =>
        token.Kind == TokenKind.Identifier && _keywords.Any(k => token.IsKeyword(k));

    /// <summary>A name that may start or continue a path: an unreserved-by-grammar identifier or <c>#name</c>.</summary>
    private bool IsNameToken(Token token) =>
        token.Kind == TokenKind.NamePlaceholder || (token.Kind == TokenKind.Identifier && !IsKeyword(token));

    private void Expect(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw SyntaxError();
        }

        Advance();
    }

    private void ExpectEnd()
    {
        if (Current.Kind != TokenKind.End)
        {
            throw SyntaxError();
        }
    }

    /// <summary>
    /// DynamoDB's syntax error at the current token: the token itself and, as "near", the
    /// source text from the token before it to the token after it.
    /// </summary>
    private AwsServiceException SyntaxError() => SyntaxErrorAt(_position);

    private AwsServiceException SyntaxErrorAt(int index)
    {
        var token = _tokens[index];
        var start = index > 0 ? _tokens[index - 1].Start : token.Start;
        int end;
        if (token.Kind == TokenKind.End)
        {
            // At the end of the text only the last real token is shown (trailing blanks are not).
            end = index > 0 ? _tokens[index - 1].End : token.End;
        }
        else
        {
            end = _tokens[index + 1].Kind != TokenKind.End ? _tokens[index + 1].End : token.End;
        }

        return ExpressionErrors.Syntax(_parameter, token.Display, _text[start..end]);
    }

    private PathNode ParsePath()
    {
        var first = Current;
        if (!IsNameToken(first))
        {
            throw SyntaxError();
        }

        var segments = new List<PathSegment> { new(Advance(), -1) };
        while (true)
        {
            if (Current.Kind == TokenKind.Dot)
            {
                Advance();
                if (!IsNameToken(Current))
                {
                    throw SyntaxError();
                }

                segments.Add(new PathSegment(Advance(), -1));
            }
            else if (Current.Kind == TokenKind.LeftBracket)
            {
                Advance();
                if (Current.Kind != TokenKind.Number || !int.TryParse(Current.Text, out var index))
                {
                    throw SyntaxError();
                }

                segments.Add(new PathSegment(Advance(), index));
                Expect(TokenKind.RightBracket);
            }
            else
            {
                return new PathNode(first, segments);
            }
        }
    }

    private ValueNode ParseValue()
    {
        if (Current.Kind != TokenKind.ValuePlaceholder)
        {
            throw SyntaxError();
        }

        return new ValueNode(Advance());
    }

    private bool IsFunctionCall() =>
        Current.Kind == TokenKind.Identifier && !IsKeyword(Current) && Peek(1).Kind == TokenKind.LeftParen;
}
