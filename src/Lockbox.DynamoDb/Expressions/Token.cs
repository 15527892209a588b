namespace Lockbox.DynamoDb.Expressions;

/// <summary>Kinds of lexical tokens shared by every expression grammar.</summary>
internal enum TokenKind
{
    Identifier,
    NamePlaceholder,
    ValuePlaceholder,
    Number,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Plus,
    Minus,
    Invalid,
    End,
}

/// <summary>One token with its place in the source text (used for "near:" in syntax errors).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Start, int End)
{
    /// <summary>How DynamoDB names the token in a syntax error.</summary>
    public string Display => Kind == TokenKind.End ? "<EOF>" : Text;

    public bool IsKeyword(string keyword) =>
        Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
}
