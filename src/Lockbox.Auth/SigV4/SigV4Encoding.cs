using System.Text;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// The URI encoding SigV4 prescribes: every byte of the UTF-8 form is percent-encoded
/// (upper-case hex) except the unreserved characters <c>A-Z a-z 0-9 - _ . ~</c>; space is
/// <c>%20</c>, never '+'. Also the matching decoder for raw query components.
/// </summary>
internal static class SigV4Encoding
{
    private static ReadOnlySpan<byte> HexUpper => "0123456789ABCDEF"u8;

    public static bool IsUnreserved(int c) =>
        (uint)(c - 'A') <= 'Z' - 'A' || (uint)(c - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 ||
        c == '-' || c == '_' || c == '.' || c == '~';

    /// <summary>Appends the encoding of <paramref name="text"/>; '/' is kept when <paramref name="keepSlash"/>.</summary>
    public static void Encode(ref CharBuffer output, scoped ReadOnlySpan<char> text, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[8];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsUnreserved(c) || (keepSlash && c == '/'))
            {
                output.Append(c);
                continue;
            }

            if (c < 0x80)
            {
                AppendByte(ref output, (byte)c);
                continue;
            }

            // Non-ASCII: encode the UTF-8 bytes of this character (or surrogate pair).
            var length = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var written = Encoding.UTF8.GetBytes(text.Slice(i, length), utf8);
            foreach (var b in utf8[..written])
            {
                AppendByte(ref output, b);
            }

            i += length - 1;
        }
    }

    /// <summary>Appends the canonical encoding of raw bytes.</summary>
    public static void EncodeBytes(ref CharBuffer output, scoped ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (IsUnreserved(b))
            {
                output.Append((char)b);
            }
            else
            {
                AppendByte(ref output, b);
            }
        }
    }

    /// <summary>
    /// Re-encodes one raw query component canonically: percent escapes are decoded to bytes first
    /// (malformed escapes are kept literally), '+' stays a literal plus (RFC 3986), and the bytes
    /// are then encoded as SigV4 prescribes. So <c>a%2Fb</c>, <c>a/b</c> both become <c>a%2Fb</c>.
    /// </summary>
    public static void ReencodeQueryComponent(ref CharBuffer output, scoped ReadOnlySpan<char> raw)
    {
        if (IsCanonical(raw))
        {
            output.Append(raw);
            return;
        }

        Span<byte> stack = stackalloc byte[256];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(raw.Length);
        // Long components are rare (presigned tokens); a plain array is fine there.
        var bytes = maxBytes > stack.Length ? new byte[maxBytes] : stack;
        var count = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%' && i + 2 < raw.Length && IsHex(raw[i + 1]) && IsHex(raw[i + 2]))
            {
                bytes[count++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                var length = char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]) ? 2 : 1;
                count += Encoding.UTF8.GetBytes(raw.Slice(i, length), bytes[count..]);
                i += length - 1;
            }
        }

        EncodeBytes(ref output, bytes[..count]);
    }

    /// <summary>Decodes a raw query component to text (for reading X-Amz-* parameters).</summary>
    public static string DecodeQueryComponent(ReadOnlySpan<char> raw)
    {
        if (raw.IndexOf('%') < 0)
        {
            return raw.ToString();
        }

        var buffer = new CharBuffer(raw.Length + 16);
        try
        {
            ReencodeQueryComponent(ref buffer, raw);
            return Uri.UnescapeDataString(buffer.ToString());
        }
        finally
        {
            buffer.Dispose();
        }
    }

    // Already canonical: only unreserved characters and upper-case escapes of reserved bytes.
    private static bool IsCanonical(ReadOnlySpan<char> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (IsUnreserved(c))
            {
                continue;
            }

            if (c != '%' || i + 2 >= raw.Length || !IsUpperHex(raw[i + 1]) || !IsUpperHex(raw[i + 2]))
            {
                return false;
            }

            var value = (HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]);
            if (IsUnreserved(value))
            {
                return false;
            }

            i += 2;
        }

        return true;
    }

    private static void AppendByte(ref CharBuffer output, byte b)
    {
        output.Append('%');
        output.Append((char)HexUpper[b >> 4]);
        output.Append((char)HexUpper[b & 0xF]);
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static bool IsUpperHex(char c) => (uint)(c - '0') <= 9 || (uint)(c - 'A') <= 'F' - 'A';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
