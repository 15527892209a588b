using Lockbox.Auth;

namespace Lockbox.Auth.Tests;

public sealed class ConstantTimeTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a", "a")]
    [InlineData("abcdefgh", "abcdefgh")]
    [InlineData("AQoDYXdzEJr//////////wEa8AL+token/with=padding", "AQoDYXdzEJr//////////wEa8AL+token/with=padding")]
    public void Equal_strings_are_equal(string left, string right) => Assert.True(ConstantTime.Equals(left, right));

    [Theory]
    [InlineData("a", "")]
    [InlineData("abcdefgh", "abcdefg")]
    [InlineData("abcdefgh", "abcdefgi")]
    [InlineData("xbcdefghijk", "abcdefghijk")]
    [InlineData("abcdefghijk", "abcdefghijx")]
    public void Strings_differing_anywhere_or_in_length_are_not_equal(string left, string right)
    {
        Assert.False(ConstantTime.Equals(left, right));
        Assert.False(ConstantTime.Equals(right, left));
    }

    [Fact]
    public void Every_single_character_change_of_a_token_is_detected()
    {
        var token = new string([.. Enumerable.Range(0, 361).Select(i => (char)('A' + (i % 26)))]);
        for (var position = 0; position < token.Length; position++)
        {
            var changed = token.ToCharArray();
            changed[position] = (char)(changed[position] ^ 0x0100); // a difference only in the high byte
            Assert.False(ConstantTime.Equals(token, changed), $"position {position}");
        }
    }
}
