using System.Globalization;
using System.Text;

namespace Lockbox.Protocols.Query;

/// <summary>
/// The parameters of one awsQuery request: an <c>application/x-www-form-urlencoded</c> body
/// (<c>Action=CreateUser&amp;Version=2010-05-08&amp;UserName=bob&amp;Tags.member.1.Key=k</c>),
/// decoded once into a name → value map. Lists are flattened as <c>Name.member.N</c> (N from 1),
/// structures as <c>Name.Member</c>; the typed helpers read those shapes.
/// </summary>
/// <remarks>
/// Decoding follows the HTML form rules the SDKs encode with: <c>+</c> is a space, <c>%XX</c> a
/// byte, bytes are UTF-8. A name given twice keeps its last value. Malformed escapes are kept
/// literally rather than failing the request, as AWS's front ends do.
/// </remarks>
public sealed class QueryRequest
{
    private readonly Dictionary<string, string> _values;

    private QueryRequest(Dictionary<string, string> values) => _values = values;

    /// <summary>The <c>Action</c> parameter (the operation name), or null.</summary>
    public string? Action => Get("Action");

    /// <summary>The <c>Version</c> parameter (the API version), or null.</summary>
    public string? Version => Get("Version");

    /// <summary>Every decoded parameter.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Parses a form-urlencoded body (UTF-8).</summary>
    public static QueryRequest Parse(ReadOnlySpan<byte> body) => Parse(Encoding.UTF8.GetString(body));

    /// <summary>Parses form-urlencoded text (a body or a URL query string without '?').</summary>
    public static QueryRequest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in text.AsSpan().Split('&'))
        {
            var pair = text.AsSpan(range);
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            if (name.Length > 0)
            {
                values[name] = value;
            }
        }

        return new QueryRequest(values);
    }

    /// <summary>Creates a request from already decoded parameters (tests, other front ends).</summary>
    public static QueryRequest FromValues(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }

        return new QueryRequest(map);
    }

    /// <summary>The value of <paramref name="name"/>, or null when absent.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>True when <paramref name="name"/> was sent.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>
    /// A flattened list <c>name.member.1</c>, <c>name.member.2</c>, ... in index order; empty
    /// when absent. <c>name</c> alone (empty list marker, sent as <c>name=</c>) is an empty list.
    /// Indexes must be contiguous from 1, as the SDKs send them; reading stops at the first gap.
    /// </summary>
    public IReadOnlyList<string> GetList(string name)
    {
        var list = new List<string>();
        for (var i = 1; ; i++)
        {
            if (!_values.TryGetValue(MemberName(name, i), out var value))
            {
                return list;
            }

            list.Add(value);
        }
    }

    /// <summary>
    /// A flattened list of structures <c>name.member.N.Field</c>: calls <paramref name="read"/>
    /// with the prefix <c>name.member.N.</c> for each N present (a structure is present when any
    /// of <paramref name="fields"/> is).
    /// </summary>
    public IReadOnlyList<T> GetStructureList<T>(string name, IReadOnlyList<string> fields, Func<string, T> read)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(read);
        var list = new List<T>();
        for (var i = 1; ; i++)
        {
            var prefix = MemberName(name, i) + ".";
            var any = false;
            foreach (var field in fields)
            {
                if (_values.ContainsKey(prefix + field))
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return list;
            }

            list.Add(read(prefix));
        }
    }

    /// <summary>True when a list parameter was sent at all (as members or as an empty list marker).</summary>
    public bool HasList(string name) => _values.ContainsKey(name) || _values.ContainsKey(MemberName(name, 1)) ||
        _values.Keys.Any(k => k.StartsWith(name + ".member.", StringComparison.Ordinal));

    /// <summary>Reads an integer parameter; null when absent; false when present but not an integer.</summary>
    public bool TryGetInt(string name, out int? value)
    {
        value = null;
        var text = Get(name);
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    /// <summary>Reads a boolean parameter (<c>true</c>/<c>false</c>, any case); null when absent; false when malformed.</summary>
    public bool TryGetBool(string name, out bool? value)
    {
        value = null;
        var text = Get(name);
        if (text is null)
        {
            return true;
        }

        if (bool.TryParse(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    private static string MemberName(string name, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}.member.{index}");

    /// <summary>Form decoding: '+' is a space, %XX a byte; the bytes are UTF-8.</summary>
    private static string Decode(ReadOnlySpan<char> text)
    {
        if (text.IndexOfAny('%', '+') < 0)
        {
            return text.ToString();
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                bytes[length++] = (byte)' ';
            }
            else if (c == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                bytes[length++] = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                i += 2;
            }
            else
            {
                length += Encoding.UTF8.GetBytes(text.Slice(i, char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1), bytes.AsSpan(length));
                if (char.IsHighSurrogate(c) && i + 1 < text.Length)
                {
                    i++;
                }
            }
        }

        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
