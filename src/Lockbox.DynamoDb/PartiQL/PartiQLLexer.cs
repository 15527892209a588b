using System.Text;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>Kinds of PartiQL tokens.</summary>
internal enum PqlTokenKind
{
    /// <summary>An unquoted word: a keyword (case-insensitive) or an attribute/table name (case-sensitive).</summary>
    Word,

    /// <summary>A <c>"double quoted"</c> identifier; never a keyword.</summary>
    QuotedIdentifier,

    /// <summary>A <c>'single quoted'</c> string literal.</summary>
    String,
    Number,
    Parameter,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    LeftBag,
    RightBag,
    Comma,
    Dot,
    Colon,
    Semicolon,
    Star,
    Plus,
    Minus,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    End,
}

/// <summary>One PartiQL token: its kind, its text (unquoted for identifiers and strings) and where it starts.</summary>
internal readonly record struct PqlToken(PqlTokenKind Kind, string Text, int Position)
{
    public bool IsKeyword(string keyword) =>
        Kind == PqlTokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>How the token reads in an error message.</summary>
    public string Display => Kind switch
    {
        PqlTokenKind.End => "<EOF>",
        PqlTokenKind.QuotedIdentifier => "\"" + Text + "\"",
        PqlTokenKind.String => "'" + Text + "'",
        _ => Text,
    };
}

/// <summary>
/// Splits a PartiQL statement into tokens. Identifiers in double quotes and strings in single
/// quotes double their quote character to escape it, as in SQL; <c>--</c> starts a comment to the
/// end of the line.
/// </summary>
internal static class PartiQLLexer
{
    public static List<PqlToken> Tokenize(string text)
    {
        var tokens = new List<PqlToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            var start = i;
            if (c is '"' or '\'')
            {
                var quoted = ReadQuoted(text, ref i, c);
                tokens.Add(new PqlToken(c == '"' ? PqlTokenKind.QuotedIdentifier : PqlTokenKind.String, quoted, start));
                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(new PqlToken(PqlTokenKind.Number, ReadNumber(text, ref i), start));
                continue;
            }

            if (char.IsLetter(c) || c is '_' or '$')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new PqlToken(PqlTokenKind.Word, text[start..i], start));
                continue;
            }

            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            (PqlTokenKind kind, int length) = (c, next) switch
            {
                ('<', '<') => (PqlTokenKind.LeftBag, 2),
                ('>', '>') => (PqlTokenKind.RightBag, 2),
                ('<', '>') => (PqlTokenKind.NotEqual, 2),
                ('!', '=') => (PqlTokenKind.NotEqual, 2),
                ('<', '=') => (PqlTokenKind.LessOrEqual, 2),
                ('>', '=') => (PqlTokenKind.GreaterOrEqual, 2),
                ('<', _) => (PqlTokenKind.Less, 1),
                ('>', _) => (PqlTokenKind.Greater, 1),
                ('=', _) => (PqlTokenKind.Equal, 1),
                ('(', _) => (PqlTokenKind.LeftParen, 1),
                (')', _) => (PqlTokenKind.RightParen, 1),
                ('[', _) => (PqlTokenKind.LeftBracket, 1),
                (']', _) => (PqlTokenKind.RightBracket, 1),
                ('{', _) => (PqlTokenKind.LeftBrace, 1),
                ('}', _) => (PqlTokenKind.RightBrace, 1),
                (',', _) => (PqlTokenKind.Comma, 1),
                ('.', _) => (PqlTokenKind.Dot, 1),
                (':', _) => (PqlTokenKind.Colon, 1),
                (';', _) => (PqlTokenKind.Semicolon, 1),
                ('*', _) => (PqlTokenKind.Star, 1),
                ('+', _) => (PqlTokenKind.Plus, 1),
                ('-', _) => (PqlTokenKind.Minus, 1),
                ('?', _) => (PqlTokenKind.Parameter, 1),
                _ => throw PartiQLErrors.Syntax($"Unexpected character: '{c}'"),
            };
            tokens.Add(new PqlToken(kind, text.Substring(i, length), start));
            i += length;
        }

        tokens.Add(new PqlToken(PqlTokenKind.End, "", text.Length));
        return tokens;
    }

    private static string ReadQuoted(string text, ref int i, char quote)
    {
        var builder = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw PartiQLErrors.Syntax(quote == '"' ? "Unterminated quoted identifier" : "Unterminated string literal");
            }

            if (text[i] == quote)
            {
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    builder.Append(quote);
                    i += 2;
                    continue;
                }

                i++;
                return builder.ToString();
            }

            builder.Append(text[i]);
            i++;
        }
    }

    private static string ReadNumber(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var mark = i;
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                i = mark;
                return text[start..i];
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        return text[start..i];
    }
}
