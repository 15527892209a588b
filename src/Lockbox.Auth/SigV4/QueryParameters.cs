namespace Lockbox.Auth.SigV4;

/// <summary>
/// The raw query string split into <c>name=value</c> pairs (still encoded), parsed only when a
/// request has a query at all (SDK calls to JSON services have none).
/// </summary>
internal sealed class QueryParameters
{
    private readonly string _raw;
    private readonly List<(int NameStart, int NameLength, int ValueStart, int ValueLength)> _pairs = [];

    private QueryParameters(string raw)
    {
        _raw = raw;
        var start = 0;
        while (start <= raw.Length)
        {
            var end = raw.IndexOf('&', start);
            if (end < 0)
            {
                end = raw.Length;
            }

            if (end > start)
            {
                var eq = raw.IndexOf('=', start, end - start);
                _pairs.Add(eq < 0
                    ? (start, end - start, end, 0)
                    : (start, eq - start, eq + 1, end - eq - 1));
            }

            start = end + 1;
        }
    }

    public int Count => _pairs.Count;

    public static QueryParameters Parse(string raw) => new(raw);

    public ReadOnlySpan<char> RawName(int index) => _raw.AsSpan(_pairs[index].NameStart, _pairs[index].NameLength);

    public ReadOnlySpan<char> RawValue(int index) => _raw.AsSpan(_pairs[index].ValueStart, _pairs[index].ValueLength);

    /// <summary>True when a parameter with this (unencoded, ASCII) name is present, even without a value.</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The decoded value of the first parameter named <paramref name="name"/>; null when absent.</summary>
    public string? Get(string name)
    {
        var index = IndexOf(name);
        return index < 0 ? null : SigV4Encoding.DecodeQueryComponent(RawValue(index));
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < _pairs.Count; i++)
        {
            if (RawName(i).SequenceEqual(name))
            {
                return i;
            }
        }

        return -1;
    }
}
