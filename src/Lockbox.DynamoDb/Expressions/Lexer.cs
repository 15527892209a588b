namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Splits expression text into tokens. Characters DynamoDB's grammar does not know become
/// <see cref="TokenKind.Invalid"/> tokens so the parser reports them as syntax errors at the
/// right place (DynamoDB names the offending character as the token).
/// </summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                i++;
                continue;
            }

            var start = i;
            TokenKind kind;
            if (IsNameStart(c))
            {
                i++;
                while (i < text.Length && IsNamePart(text[i]))
                {
                    i++;
                }

                kind = TokenKind.Identifier;
            }
            else if (c is >= '0' and <= '9')
            {
                while (i < text.Length && text[i] is >= '0' and <= '9')
                {
                    i++;
                }

                kind = TokenKind.Number;
            }
            else if (c is '#' or ':')
            {
                i++;
                while (i < text.Length && IsNamePart(text[i]))
                {
                    i++;
                }

                // A bare '#' or ':' is not a placeholder; DynamoDB reports the lone character.
                kind = i - start == 1 ? TokenKind.Invalid
                    : c == '#' ? TokenKind.NamePlaceholder : TokenKind.ValuePlaceholder;
            }
            else
            {
                (kind, var length) = c switch
                {
                    '(' => (TokenKind.LeftParen, 1),
                    ')' => (TokenKind.RightParen, 1),
                    '[' => (TokenKind.LeftBracket, 1),
                    ']' => (TokenKind.RightBracket, 1),
                    ',' => (TokenKind.Comma, 1),
                    '.' => (TokenKind.Dot, 1),
                    '=' => (TokenKind.Equal, 1),
                    '+' => (TokenKind.Plus, 1),
                    '-' => (TokenKind.Minus, 1),
                    '<' when Next(text, i) == '>' => (TokenKind.NotEqual, 2),
                    '<' when Next(text, i) == '=' => (TokenKind.LessOrEqual, 2),
                    '<' => (TokenKind.Less, 1),
                    '>' when Next(text, i) == '=' => (TokenKind.GreaterOrEqual, 2),
                    '>' => (TokenKind.Greater, 1),
                    _ => (TokenKind.Invalid, char.IsSurrogatePair(text, i) ? 2 : 1),
                };
                i += length;
            }

            tokens.Add(new Token(kind, text[start..i], start, i));
        }

        tokens.Add(new Token(TokenKind.End, "", text.Length, text.Length));
        return tokens;
    }

    private static char Next(string text, int i) => i + 1 < text.Length ? text[i + 1] : '\0';

    // Unquoted attribute names are ASCII letters, digits and underscores, not starting with a digit.
    private static bool IsNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsNamePart(char c) => IsNameStart(c) || c is >= '0' and <= '9';
}
