using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

public class ItemSizeTests
{
    private static int NumberSize(string text) => ItemSize.Of(AttributeValue.FromNumber(DynamoNumber.Parse(text)));

    [Theory]
    [InlineData("0", 1)]
    [InlineData("1", 2)]
    [InlineData("15", 2)]
    [InlineData("1.5", 3)]   // digits straddle the decimal point: two base-100 pairs
    [InlineData("100", 2)]
    [InlineData("123", 3)]
    [InlineData("1000000", 2)]
    [InlineData("-1", 3)]
    [InlineData("12345678901234567890123456789012345678", 20)]
    [InlineData("1.2345678901234567890123456789012345678", 21)]
    public void Number_sizes(string text, int size) => Assert.Equal(size, NumberSize(text));

    [Fact]
    public void Item_sizes_follow_the_documented_rules()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["s"] = AttributeValue.FromString("héllo"),             // 1 + 6
            ["b"] = AttributeValue.FromBinary([1, 2, 3]),           // 1 + 3
            ["t"] = AttributeValue.True,                            // 1 + 1
            ["z"] = AttributeValue.Null,                            // 1 + 1
            ["n"] = AttributeValue.FromNumber(DynamoNumber.FromInt64(42)), // 1 + 2
            ["ss"] = AttributeValue.FromStringSet(["ab", "c"]),     // 2 + 3
            ["ns"] = AttributeValue.FromNumberSet([DynamoNumber.FromInt64(1), DynamoNumber.FromInt64(2)]), // 2 + 4
            ["bs"] = AttributeValue.FromBinarySet([[1], [2, 3]]),   // 2 + 3
            ["l"] = AttributeValue.FromList([AttributeValue.Null, AttributeValue.FromString("ab")]), // 1 + 3 + (1+1) + (2+1)
            ["m"] = AttributeValue.FromMap(new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                ["k"] = AttributeValue.FromBool(false),             // 1 + 1 + 1
            }),                                                     // 1 + 3 + 3
            ["e"] = AttributeValue.FromList([]),                    // 1 + 3
        };

        Assert.Equal(7 + 4 + 2 + 2 + 3 + 5 + 6 + 5 + 9 + 7 + 4, ItemSize.Of(item));
    }

    [Fact]
    public void Names_count_in_utf8()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { ["€"] = AttributeValue.FromString("") };
        Assert.Equal(3, ItemSize.Of(item));
    }
}
