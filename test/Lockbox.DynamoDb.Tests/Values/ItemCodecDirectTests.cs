using System.Text;
using System.Text.Json;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

/// <summary>Size and JSON read straight from an encoding equal those of the decoded item.</summary>
public class ItemCodecDirectTests
{
    [Fact]
    public void Size_and_json_of_every_type_match_the_decoded_item()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["s"] = AttributeValue.FromString("héllo 😀 <tag> & \"quoted\" \\ \u0001"),
            ["nämé"] = AttributeValue.FromString(""),
            ["long"] = AttributeValue.FromString(new string('x', 5000)),
            ["n"] = AttributeValue.FromNumber(DynamoNumber.Parse("-12345678901234567890123456789012345678e-50")),
            ["max"] = AttributeValue.FromNumber(DynamoNumber.Parse("9.9999999999999999999999999999999999999E+125")),
            ["min"] = AttributeValue.FromNumber(DynamoNumber.Parse("1e-130")),
            ["zero"] = AttributeValue.FromNumber(DynamoNumber.Zero),
            ["dec"] = AttributeValue.FromNumber(DynamoNumber.Parse("37165.22")),
            ["b"] = AttributeValue.FromBinary([0, 1, 2, 255]),
            ["eb"] = AttributeValue.FromBinary([]),
            ["t"] = AttributeValue.True,
            ["f"] = AttributeValue.False,
            ["null"] = AttributeValue.Null,
            ["ss"] = AttributeValue.FromStringSet(["b", "a", "<é>"]),
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

        AssertMatches(item);
    }

    [Fact]
    public void Random_items_match_the_decoded_item()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            AssertMatches(ValueGenerator.RandomItem(random));
        }
    }

    [Fact]
    public void Corrupt_data_is_rejected()
    {
        var bytes = ItemCodec.Encode(new Dictionary<string, AttributeValue> { ["a"] = AttributeValue.FromString("hello") });
        Assert.Throws<InvalidDataException>(() => ItemCodec.SizeOf([]));
        Assert.Throws<InvalidDataException>(() => ItemCodec.SizeOf([99, 0]));
        Assert.Throws<InvalidDataException>(() => ItemCodec.SizeOf(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<InvalidDataException>(() => ItemCodec.SizeOf([.. bytes, 0]));
        Assert.Throws<InvalidDataException>(() => WriteJson(bytes.AsSpan(0, bytes.Length - 1).ToArray()));
        Assert.Throws<InvalidDataException>(() => WriteJson([.. bytes, 0]));
    }

    private static void AssertMatches(Dictionary<string, AttributeValue> item)
    {
        var encoded = ItemCodec.Encode(item);
        var decoded = ItemCodec.Decode(encoded);
        Assert.Equal(ItemSize.Of(decoded), ItemCodec.SizeOf(encoded));

        using var expected = new MemoryStream();
        using (var writer = new Utf8JsonWriter(expected))
        {
            AttributeValueJson.WriteItem(writer, decoded);
        }

        var (json, size) = WriteJson(encoded);
        Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()), json);
        Assert.Equal(ItemSize.Of(decoded), size);
    }

    private static (string Json, int Size) WriteJson(byte[] encoded)
    {
        using var stream = new MemoryStream();
        int size;
        using (var writer = new Utf8JsonWriter(stream))
        {
            size = ItemCodec.WriteJson(encoded, writer);
        }

        return (Encoding.UTF8.GetString(stream.ToArray()), size);
    }
}
