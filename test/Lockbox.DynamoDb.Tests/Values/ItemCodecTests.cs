using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

public class ItemCodecTests
{
    [Fact]
    public void Round_trips_every_type_including_nested()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["s"] = AttributeValue.FromString("héllo 😀"),
            ["empty"] = AttributeValue.FromString(""),
            ["long"] = AttributeValue.FromString(new string('x', 5000)),
            ["n"] = AttributeValue.FromNumber(DynamoNumber.Parse("-12345678901234567890123456789012345678e-50")),
            ["max"] = AttributeValue.FromNumber(DynamoNumber.Parse("9.9999999999999999999999999999999999999E+125")),
            ["min"] = AttributeValue.FromNumber(DynamoNumber.Parse("1e-130")),
            ["zero"] = AttributeValue.FromNumber(DynamoNumber.Zero),
            ["b"] = AttributeValue.FromBinary([0, 1, 2, 255]),
            ["eb"] = AttributeValue.FromBinary([]),
            ["t"] = AttributeValue.True,
            ["f"] = AttributeValue.False,
            ["null"] = AttributeValue.Null,
            ["ss"] = AttributeValue.FromStringSet(["b", "a", ""]),
            ["ns"] = AttributeValue.FromNumberSet([DynamoNumber.Parse("1.5"), DynamoNumber.Parse("-2")]),
            ["bs"] = AttributeValue.FromBinarySet([[1], [2, 3], []]),
            ["l"] = AttributeValue.FromList([AttributeValue.Null, AttributeValue.FromList([]), AttributeValue.FromString("x")]),
            ["m"] = AttributeValue.FromMap(new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                ["inner"] = AttributeValue.FromMap(new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
                {
                    ["deep"] = AttributeValue.FromNumberSet([DynamoNumber.FromInt64(7)]),
                }),
                ["empty"] = AttributeValue.FromMap(new Dictionary<string, AttributeValue>(StringComparer.Ordinal)),
            }),
        };

        var bytes = ItemCodec.Encode(item);
        Assert.Equal(ItemCodec.CurrentVersion, bytes[0]);
        var decoded = ItemCodec.Decode(bytes);
        Assert.Equal(ValueGenerator.Canonical(item), ValueGenerator.Canonical(decoded));
        Assert.Equal(DynamoNumber.Parse("-12345678901234567890123456789012345678e-50"), decoded["n"].AsNumber());
        Assert.Equal(["b", "a", ""], decoded["ss"].AsStringSet());
    }

    [Fact]
    public void Random_items_round_trip()
    {
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var item = ValueGenerator.RandomItem(random);
            var decoded = ItemCodec.Decode(ItemCodec.Encode(item));
            Assert.Equal(ValueGenerator.Canonical(item), ValueGenerator.Canonical(decoded));
        }
    }

    [Fact]
    public void Encoding_is_compact()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["id"] = AttributeValue.FromString("abc"),
            ["n"] = AttributeValue.FromNumber(DynamoNumber.FromInt64(42)),
        };

        // version + count + (2 + "id" + tag + 1 + "abc") + (1 + "n" + tag + exponent + header + 1 byte)
        Assert.Equal(1 + 1 + 8 + 6, ItemCodec.Encode(item).Length);
    }

    [Fact]
    public void Corrupt_data_is_rejected()
    {
        var bytes = ItemCodec.Encode(new Dictionary<string, AttributeValue> { ["a"] = AttributeValue.FromString("hello") });
        Assert.Throws<InvalidDataException>(() => ItemCodec.Decode([]));
        Assert.Throws<InvalidDataException>(() => ItemCodec.Decode([99, 0]));
        Assert.Throws<InvalidDataException>(() => ItemCodec.Decode(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<InvalidDataException>(() => ItemCodec.Decode([.. bytes, 0]));
    }
}
