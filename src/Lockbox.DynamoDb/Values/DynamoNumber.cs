using System.Globalization;
using System.Numerics;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// A DynamoDB number: exact decimal, up to 38 significant digits, magnitude 1E-130 to
/// 9.9999999999999999999999999999999999999E+125 (and zero). Value = Coefficient * 10^Exponent,
/// normalized so the coefficient has no trailing zeros (zero is 0E0); equal numbers therefore
/// have equal fields, whatever text they were written as ("1.50" == "1.5" == "15E-1").
/// </summary>
/// <remarks>
/// The coefficient is held as an <see cref="Int128"/>: 38 decimal digits need at most 127 bits,
/// so every valid number fits, and comparison, hashing and the common arithmetic need no
/// allocation. <see cref="Coefficient"/> converts to <see cref="BigInteger"/> on demand.
/// </remarks>
public readonly struct DynamoNumber : IEquatable<DynamoNumber>, IComparable<DynamoNumber>, IComparable
{
    /// <summary>Most significant digits DynamoDB stores.</summary>
    public const int MaxDigits = 38;

    /// <summary>Largest power of ten of the leading digit (9.99..E+125).</summary>
    public const int MaxAdjustedExponent = 125;

    /// <summary>Smallest power of ten of the leading digit (1E-130).</summary>
    public const int MinAdjustedExponent = -130;

    // 10^0 .. 10^38; 10^38 < UInt128.MaxValue, and every valid magnitude is below 10^38.
    private static readonly UInt128[] s_pow10 = BuildPowers();

    private readonly Int128 _coefficient; // no trailing zeros; |value| < 10^38; 0 for zero
    private readonly int _exponent;       // 0 for zero
    private readonly int _digits;         // decimal digits in |_coefficient|; 0 for zero

    /// <summary>
    /// Creates coefficient * 10^exponent, normalized. Throws DynamoDB's ValidationException when
    /// the value needs more than 38 significant digits or lies outside DynamoDB's range.
    /// </summary>
    public DynamoNumber(BigInteger coefficient, int exponent)
    {
        this = FromBig(coefficient, exponent, arithmetic: false);
    }

    private DynamoNumber(Int128 coefficient, int exponent, int digits)
    {
        _coefficient = coefficient;
        _exponent = exponent;
        _digits = digits;
    }

    public BigInteger Coefficient => (BigInteger)_coefficient;
    public int Exponent => _exponent;

    public static DynamoNumber Zero => default;

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => _coefficient.CompareTo(Int128.Zero);

    public bool IsZero => _digits == 0;

    /// <summary>Significant digits (1 for zero).</summary>
    public int SignificantDigits => _digits == 0 ? 1 : _digits;

    /// <summary>True when the value has no fractional part.</summary>
    public bool IsInteger => _exponent >= 0;

    /// <summary>Power of ten of the leading digit (0 for zero): 123.4 → 2, 0.05 → -2.</summary>
    internal int AdjustedExponent => _digits == 0 ? 0 : _exponent + _digits - 1;

    /// <summary>Number of digits in the coefficient (0 for zero).</summary>
    internal int Digits => _digits;

    /// <summary>|Coefficient| without allocating.</summary>
    internal UInt128 Magnitude => _coefficient < Int128.Zero ? (UInt128)(-_coefficient) : (UInt128)_coefficient;

    /// <summary>Builds a number from its parts without validation; callers guarantee normal form.</summary>
    internal static DynamoNumber FromNormalizedParts(bool negative, UInt128 magnitude, int exponent)
    {
        if (magnitude == UInt128.Zero)
        {
            return default;
        }

        var c = (Int128)magnitude;
        return new DynamoNumber(negative ? -c : c, exponent, CountDigits(magnitude));
    }

    public static DynamoNumber FromInt64(long value)
    {
        if (value == 0)
        {
            return default;
        }

        // Int128 holds |long.MinValue| without overflow.
        Int128 c = value;
        var e = 0;
        while (c % 10 == 0)
        {
            c /= 10;
            e++;
        }

        return new DynamoNumber(c, e, CountDigits(c < 0 ? (UInt128)(-c) : (UInt128)c));
    }

    /// <summary>Parses DynamoDB number text; on failure <paramref name="error"/> holds DynamoDB's message.</summary>
    public static bool TryParse(string text, out DynamoNumber value, out string? error) =>
        TryParse(text.AsSpan(), out value, out error);

    /// <inheritdoc cref="TryParse(string, out DynamoNumber, out string?)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out DynamoNumber value, out string? error)
    {
        var status = ParseCore(text, out value);
        error = status switch
        {
            ParseStatus.Ok => null,
            ParseStatus.NotNumeric => ValueErrors.NotNumericMessage(text),
            ParseStatus.Overflow => ValueErrors.NumberOverflow,
            ParseStatus.Underflow => ValueErrors.NumberUnderflow,
            _ => ValueErrors.TooManyDigits,
        };
        return status == ParseStatus.Ok;
    }

    /// <summary>Parses DynamoDB number text or throws DynamoDB's ValidationException.</summary>
    public static DynamoNumber Parse(string text) => Parse(text.AsSpan());

    /// <inheritdoc cref="Parse(string)"/>
    public static DynamoNumber Parse(ReadOnlySpan<char> text) =>
        TryParse(text, out var value, out var error) ? value : throw ValueErrors.Validation(error!);

    private enum ParseStatus
    {
        Ok,
        NotNumeric,
        Overflow,
        Underflow,
        TooManyDigits,
    }

    // Grammar (what DynamoDB accepts, e.g. "+3", ".123", "0001.23", "1e+5", "-17.4E37", "0e1000"):
    //   [+-] (digits [. digits?] | . digits) ([eE] [+-] digits)?
    // No whitespace, NaN or Infinity. Range is checked on the leading digit's power of ten
    // before precision, the order in which DynamoDB reports them.
    private static ParseStatus ParseCore(ReadOnlySpan<char> s, out DynamoNumber value)
    {
        value = default;
        var i = 0;
        var negative = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            i = 1;
        }

        UInt128 acc = UInt128.Zero;
        var sig = 0;             // significant digits taken so far (first to last non-zero)
        var pendingZeros = 0;    // zeros seen after the last non-zero digit
        var intDigits = 0;
        var fracDigits = 0;
        var seenPoint = false;
        var lastNonZeroIsFraction = false;
        var lastNonZeroIndex = -1; // integer digit index, or fraction digit index
        var tooMany = false;

        for (; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch == '.')
            {
                if (seenPoint)
                {
                    return ParseStatus.NotNumeric;
                }

                seenPoint = true;
                continue;
            }

            var d = (uint)(ch - '0');
            if (d > 9)
            {
                break;
            }

            if (d == 0)
            {
                if (sig > 0)
                {
                    pendingZeros++;
                }
            }
            else
            {
                var newSig = sig + pendingZeros + 1;
                if (newSig > MaxDigits)
                {
                    tooMany = true;
                }
                else
                {
                    acc = (acc * s_pow10[pendingZeros + 1]) + d;
                }

                sig = newSig;
                pendingZeros = 0;
                lastNonZeroIsFraction = seenPoint;
                lastNonZeroIndex = seenPoint ? fracDigits : intDigits;
            }

            if (seenPoint)
            {
                fracDigits++;
            }
            else
            {
                intDigits++;
            }
        }

        if (intDigits + fracDigits == 0)
        {
            return ParseStatus.NotNumeric;
        }

        long exp = 0;
        if (i < s.Length)
        {
            if (s[i] != 'e' && s[i] != 'E')
            {
                return ParseStatus.NotNumeric;
            }

            i++;
            var expNegative = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                expNegative = s[i] == '-';
                i++;
            }

            if (i >= s.Length)
            {
                return ParseStatus.NotNumeric;
            }

            for (; i < s.Length; i++)
            {
                var d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    return ParseStatus.NotNumeric;
                }

                // Clamp: anything this large is out of range anyway (unless the value is zero).
                if (exp < 1_000_000_000)
                {
                    exp = (exp * 10) + d;
                }
            }

            if (expNegative)
            {
                exp = -exp;
            }
        }

        if (sig == 0)
        {
            return ParseStatus.Ok; // zero, whatever its exponent ("0e1000" is legal)
        }

        // Power of ten of the last significant digit.
        long weight = lastNonZeroIsFraction ? -(lastNonZeroIndex + 1) : intDigits - 1 - lastNonZeroIndex;
        var exponent = weight + exp;
        var adjusted = exponent + sig - 1;
        if (adjusted > MaxAdjustedExponent)
        {
            return ParseStatus.Overflow;
        }

        if (adjusted < MinAdjustedExponent)
        {
            return ParseStatus.Underflow;
        }

        if (tooMany)
        {
            return ParseStatus.TooManyDigits;
        }

        var c = (Int128)acc;
        value = new DynamoNumber(negative ? -c : c, (int)exponent, sig);
        return ParseStatus.Ok;
    }

    /// <summary>Exact sum; throws DynamoDB's ValidationException when the result is not storable.</summary>
    public DynamoNumber Add(DynamoNumber other)
    {
        if (other._digits == 0)
        {
            return this;
        }

        if (_digits == 0)
        {
            return other;
        }

        var e = Math.Min(_exponent, other._exponent);
        var shiftA = _exponent - e;
        var shiftB = other._exponent - e;

        // Fast path: both aligned operands stay below 10^37, so the sum fits an Int128.
        if (_digits + shiftA <= 37 && other._digits + shiftB <= 37)
        {
            var sum = (_coefficient * (Int128)s_pow10[shiftA]) + (other._coefficient * (Int128)s_pow10[shiftB]);
            return FromArithmetic(sum, e);
        }

        var big = ((BigInteger)_coefficient * BigInteger.Pow(10, shiftA))
            + ((BigInteger)other._coefficient * BigInteger.Pow(10, shiftB));
        return FromBig(big, e, arithmetic: true);
    }

    /// <summary>Exact difference; throws DynamoDB's ValidationException when the result is not storable.</summary>
    public DynamoNumber Subtract(DynamoNumber other) => Add(other.Negate());

    public DynamoNumber Negate() => new(-_coefficient, _exponent, _digits);

    /// <summary>The value as a long when it is an integer in range.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        if (_digits == 0)
        {
            return true;
        }

        if (_exponent < 0 || _digits + _exponent > 19)
        {
            return false;
        }

        var v = _coefficient * (Int128)s_pow10[_exponent];
        if (v > long.MaxValue || v < long.MinValue)
        {
            return false;
        }

        value = (long)v;
        return true;
    }

    /// <summary>Nearest double (for TTL and similar approximate uses, never for storage).</summary>
    public double ToDouble() => double.Parse(ToString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static DynamoNumber FromArithmetic(Int128 c, int e)
    {
        if (c == Int128.Zero)
        {
            return default;
        }

        while (c % 10 == 0)
        {
            c /= 10;
            e++;
        }

        var digits = CountDigits(c < 0 ? (UInt128)(-c) : (UInt128)c);
        Check(digits, (long)e + digits - 1, arithmetic: true);
        return new DynamoNumber(c, e, digits);
    }

    private static DynamoNumber FromBig(BigInteger c, long e, bool arithmetic)
    {
        if (c.IsZero)
        {
            return default;
        }

        while (true)
        {
            var q = BigInteger.DivRem(c, 10, out var r);
            if (!r.IsZero)
            {
                break;
            }

            c = q;
            e++;
        }

        var magnitude = BigInteger.Abs(c);
        // Digit count: 10^(d-1) <= m < 10^d.
        var digits = (int)Math.Floor(BigInteger.Log10(magnitude)) + 1;
        if (BigInteger.Pow(10, digits - 1) > magnitude)
        {
            digits--;
        }
        else if (BigInteger.Pow(10, digits) <= magnitude)
        {
            digits++;
        }

        Check(digits, e + digits - 1, arithmetic);
        return new DynamoNumber((Int128)c, (int)e, digits);
    }

    // Parse-style checks report precision as its own error; DynamoDB reports an arithmetic
    // result that needs more than 38 digits as "Number overflow" (observed: 1e50 + 1).
    private static void Check(int digits, long adjusted, bool arithmetic)
    {
        if (adjusted > MaxAdjustedExponent)
        {
            throw ValueErrors.Validation(ValueErrors.NumberOverflow);
        }

        if (adjusted < MinAdjustedExponent)
        {
            throw ValueErrors.Validation(ValueErrors.NumberUnderflow);
        }

        if (digits > MaxDigits)
        {
            throw ValueErrors.Validation(arithmetic ? ValueErrors.NumberOverflow : ValueErrors.TooManyDigits);
        }
    }

    internal static int CountDigits(UInt128 magnitude)
    {
        if (magnitude == UInt128.Zero)
        {
            return 0;
        }

        // A value of b bits has floor(b·log10 2) or one more digits (1233/4096 ≈ log10 2); one
        // comparison with the power of ten decides.
        var bits = 128 - (int)UInt128.LeadingZeroCount(magnitude);
        var guess = (bits * 1233) >> 12;
        return magnitude >= s_pow10[guess] ? guess + 1 : guess;
    }

    internal static UInt128 Pow10(int n) => s_pow10[n];

    private static UInt128[] BuildPowers()
    {
        var powers = new UInt128[39];
        powers[0] = UInt128.One;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    public int CompareTo(DynamoNumber other)
    {
        var sa = Sign;
        var sb = other.Sign;
        if (sa != sb)
        {
            return sa < sb ? -1 : 1;
        }

        if (sa == 0)
        {
            return 0;
        }

        int cmp;
        var adjA = _exponent + _digits;
        var adjB = other._exponent + other._digits;
        if (adjA != adjB)
        {
            cmp = adjA < adjB ? -1 : 1;
        }
        else
        {
            // Same leading power of ten: pad the shorter coefficient to the same digit count.
            var ma = Magnitude;
            var mb = other.Magnitude;
            if (_digits < other._digits)
            {
                ma *= s_pow10[other._digits - _digits];
            }
            else if (other._digits < _digits)
            {
                mb *= s_pow10[_digits - other._digits];
            }

            cmp = ma.CompareTo(mb);
        }

        return sa > 0 ? cmp : -cmp;
    }

    public int CompareTo(object? obj) => obj is DynamoNumber n
        ? CompareTo(n)
        : throw new ArgumentException("Object is not a DynamoNumber", nameof(obj));

    public bool Equals(DynamoNumber other) => _coefficient == other._coefficient && _exponent == other._exponent;
    public override bool Equals(object? obj) => obj is DynamoNumber n && Equals(n);
    public override int GetHashCode() => HashCode.Combine(_coefficient, _exponent);

    /// <summary>
    /// Canonical text as DynamoDB returns it: normalized, always plain notation (no exponent),
    /// e.g. "1.50" → "1.5", "1e2" → "100", "-0" → "0", "1E-3" → "0.001". DynamoDB answers plain
    /// digits even at the extremes (1e100 comes back as a 1 followed by 100 zeros; see boto3
    /// issues #2500 and #4636), so 1E+125 is 126 characters and 1E-130 is 132.
    /// </summary>
    public override string ToString()
    {
        if (_digits == 0)
        {
            return "0";
        }

        if (_exponent == 0 && _digits <= 18)
        {
            return ((long)_coefficient).ToString(CultureInfo.InvariantCulture);
        }

        Span<char> buffer = stackalloc char[MaxTextLength];
        var n = Format(buffer);
        return new string(buffer[..n]);
    }

    /// <summary>Longest canonical text: sign + "0." + 129 zeros + 38 digits.</summary>
    public const int MaxTextLength = 1 + 2 + 129 + MaxDigits;

    /// <summary>Writes the canonical text (see <see cref="ToString"/>) into <paramref name="destination"/>.</summary>
    public int Format(Span<char> destination)
    {
        if (_digits == 0)
        {
            destination[0] = '0';
            return 1;
        }

        Span<char> digits = stackalloc char[40];
        Magnitude.TryFormat(digits, out var d, default, CultureInfo.InvariantCulture);
        var pos = 0;
        if (_coefficient < Int128.Zero)
        {
            destination[pos++] = '-';
        }

        if (_exponent >= 0)
        {
            digits[..d].CopyTo(destination[pos..]);
            pos += d;
            destination.Slice(pos, _exponent).Fill('0');
            return pos + _exponent;
        }

        var pointAt = d + _exponent; // digits before the decimal point
        if (pointAt > 0)
        {
            digits[..pointAt].CopyTo(destination[pos..]);
            pos += pointAt;
            destination[pos++] = '.';
            digits[pointAt..d].CopyTo(destination[pos..]);
            return pos + (d - pointAt);
        }

        destination[pos++] = '0';
        destination[pos++] = '.';
        destination.Slice(pos, -pointAt).Fill('0');
        pos += -pointAt;
        digits[..d].CopyTo(destination[pos..]);
        return pos + d;
    }

    public static bool operator ==(DynamoNumber left, DynamoNumber right) => left.Equals(right);
    public static bool operator !=(DynamoNumber left, DynamoNumber right) => !left.Equals(right);
    public static bool operator <(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) < 0;
    public static bool operator >(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) > 0;
    public static bool operator <=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) <= 0;
    public static bool operator >=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) >= 0;
}
