using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Lockbox.Iam.Policy;

/// <summary>Parsing of the typed condition values (numbers, dates, CIDR blocks).</summary>
internal static class ConditionValues
{
    private static readonly string[] DateFormats =
    [
        "yyyy", "yyyy-MM", "yyyy-MM-dd", "yyyy-MM-dd'T'HH", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyyMMdd'T'HHmmss'Z'", "yyyyMMdd'T'HHmmssK",
    ];

    /// <summary>
    /// A date as IAM accepts it: epoch seconds (an integer) or ISO 8601 (date, or date and time
    /// with optional fraction and zone; no zone means UTC).
    /// </summary>
    public static bool TryParseDate(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length == 0)
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var epoch))
        {
            if (text.Length == 4 && text[0] != '-')
            {
                // "2025" alone is a year in ISO 8601, not 2025 seconds after the epoch.
                return DateTimeOffset.TryParseExact(text, "yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
            }

            if (epoch < -62135596800 || epoch > 253402300799)
            {
                return false;
            }

            value = DateTimeOffset.FromUnixTimeSeconds(epoch);
            return true;
        }

        var normalized = text.Replace('t', 'T').Replace('z', 'Z');
        return DateTimeOffset.TryParseExact(normalized, DateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>A number as the Numeric operators take it (integers and decimals, invariant culture).</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);
}

/// <summary>
/// An IPv4 or IPv6 CIDR block. A bare address is a /32 (or /128). Host bits in the policy value
/// are ignored ("10.1.2.3/24" is 10.1.2.0/24). IPv4-mapped IPv6 request addresses match IPv4 blocks.
/// </summary>
internal readonly struct IpBlock
{
    private readonly byte[] _network;
    private readonly int _prefix;

    private IpBlock(byte[] network, int prefix)
    {
        _network = network;
        _prefix = prefix;
    }

    public static bool TryParse(string text, out IpBlock block)
    {
        block = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text.AsSpan() : text.AsSpan(0, slash);
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        block = new IpBlock(bytes, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (_network is null)
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && _network.Length == 4 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written) || written != _network.Length)
        {
            return false;
        }

        var full = _prefix / 8;
        if (!bytes[..full].SequenceEqual(_network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = _prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (_network[full] & mask);
    }
}
