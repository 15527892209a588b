using System.Numerics;
using Lockbox.Common;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

public class DynamoNumberTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("+0.000", "0")]
    [InlineData("0e1000", "0")]
    [InlineData("1.50", "1.5")]
    [InlineData("1e2", "100")]
    [InlineData("1E+2", "100")]
    [InlineData("0.001", "0.001")]
    [InlineData("1e-3", "0.001")]
    [InlineData("+3", "3")]
    [InlineData(".123", "0.123")]
    [InlineData("0001.23", "1.23")]
    [InlineData("1.", "1")]
    [InlineData("-17e5", "-1700000")]
    [InlineData("-7.1234", "-7.1234")]
    [InlineData("-17.4E37", "-174000000000000000000000000000000000000")]
    [InlineData("123456789012345678", "123456789012345678")]
    [InlineData("1234567890123456789012", "1234567890123456789012")]
    [InlineData("12345678901234567890123456789012345678", "12345678901234567890123456789012345678")]
    [InlineData("-0.000123400", "-0.0001234")]
    [InlineData("1000000000000000000000000000000000000000000", "1000000000000000000000000000000000000000000")]
    public void Parses_and_prints_canonical_text(string text, string expected)
    {
        Assert.True(DynamoNumber.TryParse(text, out var n, out var error), error);
        Assert.Null(error);
        Assert.Equal(expected, n.ToString());
        Assert.Equal(n, DynamoNumber.Parse(expected));
    }

    [Fact]
    public void Normal_form_has_no_trailing_zeros()
    {
        var n = DynamoNumber.Parse("1500");
        Assert.Equal(new BigInteger(15), n.Coefficient);
        Assert.Equal(2, n.Exponent);
        Assert.Equal(DynamoNumber.Zero, DynamoNumber.Parse("-0.0e5"));
        Assert.Equal(0, DynamoNumber.Zero.Exponent);
        Assert.Equal(DynamoNumber.Parse("1.5"), new DynamoNumber(150, -2));
        Assert.Equal(DynamoNumber.Parse("1.5").GetHashCode(), DynamoNumber.Parse("15E-1").GetHashCode());
    }

    [Fact]
    public void Extremes_print_in_plain_notation()
    {
        Assert.Equal("1" + new string('0', 125), DynamoNumber.Parse("1e125").ToString());
        Assert.Equal("0." + new string('0', 129) + "1", DynamoNumber.Parse("1e-130").ToString());
        var max = "9.9999999999999999999999999999999999999E+125";
        Assert.Equal(new string('9', 38) + new string('0', 88), DynamoNumber.Parse(max).ToString());
        var longest = "-1.2345678901234567890123456789012345678E-130";
        Assert.Equal(DynamoNumber.MaxTextLength, DynamoNumber.Parse(longest).ToString().Length);
    }

    [Theory]
    [InlineData("", "The parameter cannot be converted to a numeric value")]
    [InlineData("b", "The parameter cannot be converted to a numeric value: b")]
    [InlineData("NaN", "The parameter cannot be converted to a numeric value: NaN")]
    [InlineData("Infinity", "The parameter cannot be converted to a numeric value: Infinity")]
    [InlineData(" 1", "The parameter cannot be converted to a numeric value:  1")]
    [InlineData("1 ", "The parameter cannot be converted to a numeric value: 1 ")]
    [InlineData("1e", "The parameter cannot be converted to a numeric value: 1e")]
    [InlineData(".", "The parameter cannot be converted to a numeric value: .")]
    [InlineData("-", "The parameter cannot be converted to a numeric value: -")]
    [InlineData("1.2.3", "The parameter cannot be converted to a numeric value: 1.2.3")]
    [InlineData("0x10", "The parameter cannot be converted to a numeric value: 0x10")]
    [InlineData("123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number")]
    [InlineData("-1.23456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number")]
    [InlineData("1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("-1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("10e125", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("1e99999999999999", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    [InlineData("-1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    [InlineData("0.1e-130", "Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    public void Rejects_with_DynamoDB_messages(string text, string message)
    {
        Assert.False(DynamoNumber.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
        var ex = Assert.Throws<AwsServiceException>(() => DynamoNumber.Parse(text));
        Assert.Equal("ValidationException", ex.ErrorCode);
        Assert.Equal("com.amazon.coral.validate", ex.TypeNamespace);
        Assert.Equal(message, ex.ErrorMessage);
    }

    [Fact]
    public void Limits_are_inclusive()
    {
        Assert.True(DynamoNumber.TryParse("9.9999999999999999999999999999999999999E+125", out _, out _));
        Assert.True(DynamoNumber.TryParse("1E-130", out _, out _));
        Assert.True(DynamoNumber.TryParse("-1E-130", out _, out _));
        Assert.True(DynamoNumber.TryParse("1.234567890123456789012345678901234567E-130", out _, out _));
    }

    [Theory]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("1", "10000000000000000000000", "10000000000000000000001")]
    [InlineData("-5", "5", "0")]
    [InlineData("1.5", "-0.25", "1.25")]
    [InlineData("9e125", "9e124", "990000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("99999999999999999999999999999999999998", "1", "99999999999999999999999999999999999999")]
    [InlineData("12345678901234567890123456789012345678", "-12345678901234567890123456789012345677", "1")]
    [InlineData("1e-130", "1e-130", "2e-130")]
    [InlineData("99999999999999999999999999999999999999", "1", "1e38")]
    [InlineData("0", "-3.5", "-3.5")]
    public void Adds_exactly(string a, string b, string sum)
    {
        var x = DynamoNumber.Parse(a);
        var y = DynamoNumber.Parse(b);
        Assert.Equal(DynamoNumber.Parse(sum), x.Add(y));
        Assert.Equal(DynamoNumber.Parse(sum), y.Add(x));
        Assert.Equal(x, DynamoNumber.Parse(sum).Subtract(y));
    }

    // 99999999999999999999999999999999999999 + 1 is exactly 1E+38 (one significant digit), which
    // DynamoDB can store; + 2 needs 39 digits and fails with DynamoDB's arithmetic message.
    [Theory]
    [InlineData("99999999999999999999999999999999999999", "2", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("1e50", "1", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("9e125", "9e125", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("1e125", "1e-130", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("-9e125", "-9e125", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    public void Arithmetic_that_cannot_be_stored_fails(string a, string b, string message)
    {
        var ex = Assert.Throws<AwsServiceException>(() => DynamoNumber.Parse(a).Add(DynamoNumber.Parse(b)));
        Assert.Equal("ValidationException", ex.ErrorCode);
        Assert.Equal(message, ex.ErrorMessage);
    }

    [Fact]
    public void Subtraction_below_the_smallest_magnitude_underflows()
    {
        var ex = Assert.Throws<AwsServiceException>(() => DynamoNumber.Parse("2e-130").Subtract(DynamoNumber.Parse("1.5e-130")));
        Assert.Equal("Number underflow. Attempting to store a number with magnitude smaller than supported range", ex.ErrorMessage);
    }

    [Fact]
    public void Compares_numerically()
    {
        string[] ordered =
        [
            "-9.9999999999999999999999999999999999999E+125", "-1e100", "-1000", "-999.5", "-10", "-1.05", "-1",
            "-0.5", "-1e-130", "0", "1e-130", "1e-5", "0.5", "1", "1.05", "1.5", "9", "10", "10.5", "99", "100",
            "1e100", "9.9999999999999999999999999999999999999E+125",
        ];
        for (var i = 0; i < ordered.Length; i++)
        {
            for (var j = 0; j < ordered.Length; j++)
            {
                var a = DynamoNumber.Parse(ordered[i]);
                var b = DynamoNumber.Parse(ordered[j]);
                Assert.Equal(i.CompareTo(j), Math.Sign(a.CompareTo(b)));
            }
        }

        Assert.True(DynamoNumber.Parse("2") > DynamoNumber.Parse("1.99"));
        Assert.True(DynamoNumber.Parse("1.0") == DynamoNumber.Parse("1"));
    }

    [Fact]
    public void Random_arithmetic_matches_BigInteger()
    {
        var random = new Random(1234);
        for (var i = 0; i < 2000; i++)
        {
            var a = RandomNumber(random);
            var b = RandomNumber(random);
            var (ca, ea) = (a.Coefficient, a.Exponent);
            var (cb, eb) = (b.Coefficient, b.Exponent);
            var e = Math.Min(ea, eb);
            var exact = (ca * BigInteger.Pow(10, ea - e)) + (cb * BigInteger.Pow(10, eb - e));
            DynamoNumber sum;
            try
            {
                sum = a.Add(b);
            }
            catch (AwsServiceException)
            {
                continue; // out of range or precision; covered above
            }

            var s = sum.Coefficient * BigInteger.Pow(10, sum.Exponent - e);
            Assert.Equal(exact, s);
            Assert.Equal(Math.Sign(exact.CompareTo(BigInteger.Zero)), sum.Sign);
            Assert.Equal(sum, DynamoNumber.Parse(sum.ToString()));
        }
    }

    [Fact]
    public void Int64_conversions()
    {
        Assert.Equal("-9223372036854775808", DynamoNumber.FromInt64(long.MinValue).ToString());
        Assert.Equal("1000", DynamoNumber.FromInt64(1000).ToString());
        Assert.True(DynamoNumber.Parse("1e3").TryGetInt64(out var v));
        Assert.Equal(1000, v);
        Assert.False(DynamoNumber.Parse("1.5").TryGetInt64(out _));
        Assert.False(DynamoNumber.Parse("1e19").TryGetInt64(out _));
        Assert.Equal(1.5, DynamoNumber.Parse("1.5").ToDouble());
    }

    [Fact]
    public void Digit_counts_match_the_decimal_text_at_every_power_of_ten()
    {
        Assert.Equal(0, DynamoNumber.CountDigits(UInt128.Zero));
        var power = UInt128.One;
        for (var digits = 1; digits <= 38; digits++)
        {
            // power = 10^(digits-1): the smallest value with this many digits; power - 1 has one fewer.
            Assert.Equal(digits, DynamoNumber.CountDigits(power));
            Assert.Equal(digits, DynamoNumber.CountDigits((power * 10) - 1));
            if (digits > 1)
            {
                Assert.Equal(digits - 1, DynamoNumber.CountDigits(power - 1));
            }

            power *= 10;
        }

        Assert.Equal(39, DynamoNumber.CountDigits(power));
        Assert.Equal(39, DynamoNumber.CountDigits(UInt128.MaxValue));
        var random = new Random(11);
        for (var i = 0; i < 10_000; i++)
        {
            var value = new UInt128((ulong)random.NextInt64() >> random.Next(64), (ulong)random.NextInt64()) >> random.Next(128);
            var expected = value == UInt128.Zero ? 0 : value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            Assert.Equal(Math.Min(expected, 39), DynamoNumber.CountDigits(value));
        }
    }

    internal static DynamoNumber RandomNumber(Random random)
    {
        var digits = random.Next(1, 39);
        var chars = new char[digits];
        for (var i = 0; i < digits; i++)
        {
            chars[i] = (char)('0' + random.Next(i == 0 ? 1 : 0, 10));
        }

        var exponent = random.Next(4) switch
        {
            0 => random.Next(-5, 5),
            1 => random.Next(-20, 20),
            _ => random.Next(-130, 126 - digits),
        };
        var sign = random.Next(2) == 0 ? "-" : "";
        return DynamoNumber.Parse($"{sign}{new string(chars)}e{exponent}");
    }
}
