using System.Buffers;

namespace Lockbox.Iam.Policy;

/// <summary>
/// A compiled policy string: literal text, optional <c>*</c>/<c>?</c> wildcards and optional policy
/// variables (<c>${aws:username}</c>, <c>${aws:PrincipalTag/team, 'none'}</c>, <c>${*}</c>,
/// <c>${?}</c>, <c>${$}</c>). Used for actions, resources, StringLike/ArnLike values and plain
/// condition values.
/// </summary>
/// <remarks>
/// Design: the pattern is flattened once into a char array plus a parallel "is wildcard" mask,
/// so <c>${*}</c> (a literal star) and <c>*</c> (a wildcard) stay distinct and matching is a
/// two-pointer glob with no allocation. Only patterns with variables build a per-match buffer
/// (stack memory up to 256 chars). A variable whose key is missing, or has more than one value,
/// and that has no default makes the pattern match nothing (AWS: the value does not match).
/// Instances are immutable and safe to share across threads.
/// </remarks>
internal sealed class PolicyPattern
{
    private readonly Part[] _parts;
    private readonly char[] _chars;
    private readonly bool[] _wild;
    private readonly bool _ignoreCase;

    private PolicyPattern(string text, Part[] parts, char[] chars, bool[] wild, bool ignoreCase)
    {
        Text = text;
        _parts = parts;
        _chars = chars;
        _wild = wild;
        _ignoreCase = ignoreCase;
        HasVariables = Array.Exists(parts, p => p.VariableKey is not null);
        HasWildcards = Array.IndexOf(wild, true) >= 0;
        IsMatchAll = !HasVariables && chars.Length > 0 && Array.TrueForAll(wild, w => w) && Array.TrueForAll(chars, c => c == '*');
    }

    /// <summary>The text as written in the policy.</summary>
    public string Text { get; }

    /// <summary>True when the pattern contains policy variables to substitute.</summary>
    public bool HasVariables { get; }

    /// <summary>True when the pattern contains <c>*</c> or <c>?</c> wildcards.</summary>
    public bool HasWildcards { get; }

    /// <summary>True when the pattern is only stars: it matches every string.</summary>
    public bool IsMatchAll { get; }

    /// <summary>The variable keys the pattern refers to (for GetContextKeysFor*Policy).</summary>
    public IEnumerable<string> VariableKeys
    {
        get
        {
            foreach (var part in _parts)
            {
                if (part.VariableKey is not null)
                {
                    yield return part.VariableKey;
                }
            }
        }
    }

    /// <summary>Compiles <paramref name="text"/>.</summary>
    /// <param name="text">The policy text.</param>
    /// <param name="variables">Substitute <c>${...}</c> (Version 2012-10-17 only); otherwise it is literal.</param>
    /// <param name="wildcards">Treat <c>*</c> and <c>?</c> as wildcards (Like operators, actions, resources).</param>
    /// <param name="ignoreCase">Compare letters case-insensitively (actions, StringEqualsIgnoreCase).</param>
    public static PolicyPattern Create(string text, bool variables, bool wildcards, bool ignoreCase)
    {
        var parts = new List<Part>();
        var chars = new List<char>(text.Length);
        var wild = new List<bool>(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (variables && text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close > i + 2 && TryParseVariable(text.AsSpan(i + 2, close - i - 2), out var escaped, out var key, out var fallback))
                {
                    if (key is null)
                    {
                        chars.Add(escaped);
                        wild.Add(false);
                    }
                    else
                    {
                        parts.Add(new Part(chars.Count, key, fallback));
                    }

                    i = close + 1;
                    continue;
                }
            }

            var c = text[i];
            chars.Add(c);
            wild.Add(wildcards && (c == '*' || c == '?'));
            i++;
        }

        return new PolicyPattern(text, parts.ToArray(), chars.ToArray(), wild.ToArray(), ignoreCase);
    }

    /// <summary>
    /// Parses the inside of <c>${...}</c>: <c>*</c>, <c>?</c>, <c>$</c> (escapes; key null) or
    /// <c>key</c> or <c>key, 'default'</c>.
    /// </summary>
    private static bool TryParseVariable(ReadOnlySpan<char> inner, out char escaped, out string? key, out string? fallback)
    {
        escaped = default;
        key = null;
        fallback = null;
        var trimmed = inner.Trim();
        if (trimmed.Length == 1 && (trimmed[0] == '*' || trimmed[0] == '?' || trimmed[0] == '$'))
        {
            escaped = trimmed[0];
            return true;
        }

        var comma = trimmed.IndexOf(',');
        var name = comma < 0 ? trimmed : trimmed[..comma].TrimEnd();
        if (name.IsEmpty || name.ContainsAny(" '\"{$"))
        {
            return false;
        }

        if (comma >= 0)
        {
            var rest = trimmed[(comma + 1)..].Trim();
            if (rest.Length < 2 || rest[0] != '\'' || rest[^1] != '\'')
            {
                return false;
            }

            fallback = rest[1..^1].ToString();
        }

        key = name.ToString();
        return true;
    }

    /// <summary>Whether <paramref name="value"/> matches a pattern without variables.</summary>
    public bool IsMatch(ReadOnlySpan<char> value) => !HasVariables && MatchFlat(value);

    /// <summary>Variable-free match: a plain (vectorised) comparison when there is no wildcard.</summary>
    private bool MatchFlat(ReadOnlySpan<char> value) => HasWildcards
        ? Glob(_chars, _wild, value, _ignoreCase)
        : value.Equals(_chars, _ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>Whether <paramref name="value"/> matches, with variables resolved from <paramref name="context"/>.</summary>
    public bool IsMatch(ReadOnlySpan<char> value, RequestContext context)
    {
        if (!HasVariables)
        {
            return MatchFlat(value);
        }

        // Two passes over the variables (a dictionary lookup each) instead of an array of
        // resolved values: no allocation on this path.
        var length = _chars.Length;
        foreach (var part in _parts)
        {
            var v = Resolve(part, context);
            if (v is null)
            {
                return false;
            }

            length += v.Length;
        }

        char[]? rentedChars = null;
        bool[]? rentedWild = null;
        var chars = length <= 256 ? stackalloc char[length] : (rentedChars = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        var wild = length <= 256 ? stackalloc bool[length] : (rentedWild = ArrayPool<bool>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            var src = 0;
            var dst = 0;
            for (var p = 0; p < _parts.Length; p++)
            {
                var take = _parts[p].Position - src;
                _chars.AsSpan(src, take).CopyTo(chars[dst..]);
                _wild.AsSpan(src, take).CopyTo(wild[dst..]);
                src += take;
                dst += take;
                var v = Resolve(_parts[p], context)!;
                v.AsSpan().CopyTo(chars[dst..]);
                wild.Slice(dst, v.Length).Clear();
                dst += v.Length;
            }

            _chars.AsSpan(src).CopyTo(chars[dst..]);
            _wild.AsSpan(src).CopyTo(wild[dst..]);
            return Glob(chars, wild, value, _ignoreCase);
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }

            if (rentedWild is not null)
            {
                ArrayPool<bool>.Shared.Return(rentedWild);
            }
        }
    }

    /// <summary>
    /// The pattern's text with variables substituted (no wildcard handling), or null when a
    /// variable cannot be resolved. Used by operators that parse their value (numbers, dates, IPs).
    /// </summary>
    public string? Render(RequestContext context)
    {
        if (!HasVariables)
        {
            return new string(_chars);
        }

        var builder = new System.Text.StringBuilder();
        var src = 0;
        foreach (var part in _parts)
        {
            builder.Append(_chars, src, part.Position - src);
            src = part.Position;
            var v = Resolve(part, context);
            if (v is null)
            {
                return null;
            }

            builder.Append(v);
        }

        builder.Append(_chars, src, _chars.Length - src);
        return builder.ToString();
    }

    private static string? Resolve(Part part, RequestContext context)
    {
        var values = context.GetValues(part.VariableKey!);
        if (values is { Length: 1 })
        {
            return values[0];
        }

        return part.Default;
    }

    /// <summary>
    /// Two-pointer glob: <c>*</c> matches any run (including empty), <c>?</c> exactly one char;
    /// linear in practice, worst case O(n·m).
    /// </summary>
    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<bool> wild, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int p = 0, s = 0, starP = -1, starS = 0;
        while (s < text.Length)
        {
            if (p < pattern.Length)
            {
                if (wild[p])
                {
                    if (pattern[p] == '*')
                    {
                        starP = p++;
                        starS = s;
                        continue;
                    }

                    p++;
                    s++;
                    continue;
                }

                if (CharEquals(pattern[p], text[s], ignoreCase))
                {
                    p++;
                    s++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            s = ++starS;
        }

        while (p < pattern.Length && wild[p] && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));

    /// <summary>A variable inserted before flattened position <see cref="Position"/>.</summary>
    private readonly record struct Part(int Position, string? VariableKey, string? Default);
}
