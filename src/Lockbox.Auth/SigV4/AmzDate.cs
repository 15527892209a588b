using System.Globalization;

namespace Lockbox.Auth.SigV4;

/// <summary>SigV4 timestamps: ISO-8601 basic format, <c>yyyyMMddTHHmmssZ</c>, always UTC.</summary>
public static class AmzDate
{
    /// <summary>Length of an ISO-8601 basic timestamp.</summary>
    public const int Length = 16;

    /// <summary>Formats a timestamp the way AWS prints it.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses <c>yyyyMMddTHHmmssZ</c> exactly, without allocating.</summary>
    public static bool TryParseBasic(ReadOnlySpan<char> value, out DateTimeOffset result)
    {
        result = default;
        if (value.Length != Length || value[8] != 'T' || value[15] != 'Z')
        {
            return false;
        }

        if (!TryDigits(value[..4], out var year) || !TryDigits(value.Slice(4, 2), out var month) ||
            !TryDigits(value.Slice(6, 2), out var day) || !TryDigits(value.Slice(9, 2), out var hour) ||
            !TryDigits(value.Slice(11, 2), out var minute) || !TryDigits(value.Slice(13, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        result = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// Parses a request date: ISO-8601 basic, or (only for the HTTP <c>Date</c> header) RFC 1123
    /// such as <c>Fri, 24 May 2013 00:00:00 GMT</c>.
    /// </summary>
    public static bool TryParse(string value, bool allowRfc1123, out DateTimeOffset result)
    {
        if (TryParseBasic(value, out result))
        {
            return true;
        }

        return allowRfc1123 && DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal, out result);
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            var d = c - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
