using System.Globalization;
using System.Net;

namespace Lockbox.Host;

/// <summary>
/// Parses <c>--listen</c> values: <c>127.0.0.1:8000</c>, <c>[::1]:8000</c>, <c>0.0.0.0:8000</c>,
/// <c>localhost:8000</c>. A port is required (0 picks a free one).
/// </summary>
public static class ListenAddress
{
    /// <summary>Parses one value, or explains what is wrong with it.</summary>
    public static bool TryParse(string value, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        var colon = value.LastIndexOf(':');
        if (colon < 0 || (value.StartsWith('[') && value.IndexOf(']', StringComparison.Ordinal) > colon))
        {
            error = $"'{value}' is not a listen address: expected HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000.";
            return false;
        }

        var host = value[..colon];
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{value}' has an invalid port '{portText}': expected a number from 0 to 65535.";
            return false;
        }

        if (host.Length > 1 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address))
        {
            error = $"'{value}' has an invalid address '{host}': expected an IP address such as 127.0.0.1, [::1] or 0.0.0.0.";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>The URL clients use for an endpoint (a wildcard address is shown as loopback).</summary>
    public static string ToUrl(IPEndPoint endpoint)
    {
        var address = endpoint.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{address}]:{endpoint.Port}"
            : $"http://{address}:{endpoint.Port}";
    }
}
