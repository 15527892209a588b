using System.Text;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

public class KeyEncodingTests
{
    private static int CompareBytes(byte[] a, byte[] b) => Math.Sign(a.AsSpan().SequenceCompareTo(b));

    // DynamoDB's key order: S by UTF-8 bytes, B by unsigned bytes, N numerically.
    private static int DynamoCompare(AttributeValue a, AttributeValue b) => Math.Sign(a.Type switch
    {
        AttributeType.S => Encoding.UTF8.GetBytes(a.AsString()).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.AsString())),
        AttributeType.B => a.AsBinary().AsSpan().SequenceCompareTo(b.AsBinary()),
        _ => a.AsNumber().CompareTo(b.AsNumber()),
    });

    private static AttributeValue RandomKey(Random random, AttributeType type) => type switch
    {
        AttributeType.S => AttributeValue.FromString(ValueGenerator.RandomString(random)),
        AttributeType.B => AttributeValue.FromBinary(ValueGenerator.RandomBytes(random)),
        _ => AttributeValue.FromNumber(ValueGenerator.RandomNumber(random)),
    };

    [Theory]
    [InlineData(AttributeType.S)]
    [InlineData(AttributeType.B)]
    [InlineData(AttributeType.N)]
    public void Byte_order_matches_DynamoDB_order(AttributeType type)
    {
        var random = new Random((int)type * 7919);
        var values = Enumerable.Range(0, 400).Select(_ => RandomKey(random, type)).ToList();
        var encoded = values.Select(KeyEncoding.Encode).ToList();
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i; j < values.Count; j++)
            {
                Assert.Equal(DynamoCompare(values[i], values[j]), CompareBytes(encoded[i], encoded[j]));
            }
        }

        // Sorting both ways gives the same sequence.
        var byValue = values.Order(Comparer<AttributeValue>.Create(DynamoCompare)).Select(KeyEncoding.Encode).ToList();
        var byBytes = encoded.Order(Comparer<byte[]>.Create(CompareBytes)).ToList();
        Assert.Equal(byValue.Select(Convert.ToHexString), byBytes.Select(Convert.ToHexString));
    }

    [Theory]
    [InlineData(AttributeType.S)]
    [InlineData(AttributeType.B)]
    [InlineData(AttributeType.N)]
    public void Decodes_what_it_encodes(AttributeType type)
    {
        var random = new Random(99 + (int)type);
        for (var i = 0; i < 500; i++)
        {
            var value = RandomKey(random, type);
            var bytes = KeyEncoding.Encode(value);
            var decoded = KeyEncoding.Decode([.. bytes, 0x42, 0x00], type, out var consumed);
            Assert.Equal(bytes.Length, consumed);
            Assert.Equal(0, DynamoCompare(value, decoded));
        }
    }

    [Fact]
    public void Encodings_are_the_stored_format()
    {
        // Stored keys are these bytes: the format must never change under existing data.
        Assert.Equal("6100FF620001", Convert.ToHexString(KeyEncoding.Encode(AttributeValue.FromString("a\0b"))));
        Assert.Equal("00FF100001", Convert.ToHexString(KeyEncoding.Encode(AttributeValue.FromBinary([0x00, 0x10]))));
        Assert.Equal("03820C01", Convert.ToHexString(KeyEncoding.Encode(AttributeValue.FromNumber(DynamoNumber.Parse("1")))));
        Assert.Equal("02", Convert.ToHexString(KeyEncoding.Encode(AttributeValue.FromNumber(DynamoNumber.Parse("0")))));
    }

    [Fact]
    public void Keys_longer_than_the_stack_buffer_encode_the_same_way()
    {
        // 1,024 two-byte characters and a zero: 2,049 UTF-8 bytes, past KeyEncoding.StackBufferLength.
        var text = new string('\u00e9', 1024) + "\0";
        var expected = Encoding.UTF8.GetBytes(new string('\u00e9', 1024)).Concat(new byte[] { 0x00, 0xFF, 0x00, 0x01 }).ToArray();

        Assert.Equal(expected, KeyEncoding.Encode(AttributeValue.FromString(text)));
        var composite = KeyEncoding.Encode(AttributeValue.FromString(text), AttributeValue.FromString("x"));
        Assert.Equal(expected.Concat(new byte[] { 0x78, 0x00, 0x01 }).ToArray(), composite);
    }

    [Fact]
    public void Composite_keys_order_by_partition_then_sort()
    {
        var random = new Random(7);
        AttributeType[] types = [AttributeType.S, AttributeType.B, AttributeType.N];
        foreach (var pkType in types)
        {
            foreach (var skType in types)
            {
                var keys = Enumerable.Range(0, 150)
                    .Select(_ => (Pk: RandomKey(random, pkType), Sk: RandomKey(random, skType)))
                    .ToList();
                var encoded = keys.Select(k => KeyEncoding.Encode(k.Pk, k.Sk)).ToList();
                for (var i = 0; i < keys.Count; i++)
                {
                    for (var j = 0; j < keys.Count; j++)
                    {
                        var expected = DynamoCompare(keys[i].Pk, keys[j].Pk);
                        if (expected == 0)
                        {
                            expected = DynamoCompare(keys[i].Sk, keys[j].Sk);
                        }

                        Assert.Equal(expected, CompareBytes(encoded[i], encoded[j]));
                    }
                }

                var pk = KeyEncoding.Decode(encoded[0], pkType, out var used);
                var sk = KeyEncoding.Decode(encoded[0].AsSpan(used), skType, out var used2);
                Assert.Equal(encoded[0].Length, used + used2);
                Assert.Equal(0, DynamoCompare(keys[0].Pk, pk));
                Assert.Equal(0, DynamoCompare(keys[0].Sk, sk));
            }
        }
    }

    [Fact]
    public void Prefixes_and_zero_bytes_sort_correctly()
    {
        string[] ordered = ["", "\0", "\0\0", "\0a", "a", "a\0", "a\0\0", "a\u0001", "aa", "b", "é", "😀"];
        var encoded = ordered.Select(s => KeyEncoding.Encode(AttributeValue.FromString(s))).ToList();
        for (var i = 1; i < encoded.Count; i++)
        {
            Assert.True(CompareBytes(encoded[i - 1], encoded[i]) < 0, $"{i}");
        }
    }

    [Fact]
    public void Numbers_at_the_extremes()
    {
        string[] ordered =
        [
            "-9.9999999999999999999999999999999999999E+125", "-1e125", "-12", "-11.5", "-1.05", "-1", "-0.99",
            "-1e-130", "0", "1e-130", "1.2345678901234567890123456789012345678e-130", "0.99", "1", "1.05", "10",
            "12345678901234567890123456789012345678", "9.9999999999999999999999999999999999999E+125",
        ];
        var encoded = ordered.Select(s => KeyEncoding.Encode(AttributeValue.FromNumber(DynamoNumber.Parse(s)))).ToList();
        for (var i = 1; i < encoded.Count; i++)
        {
            Assert.True(CompareBytes(encoded[i - 1], encoded[i]) < 0, ordered[i]);
        }

        Assert.True(encoded.Max(e => e.Length) <= KeyEncoding.MaxNumberLength);
    }

    [Fact]
    public void Only_scalar_key_types()
    {
        Assert.Throws<ArgumentException>(() => KeyEncoding.Encode(AttributeValue.True));
        Assert.Throws<InvalidDataException>(() => KeyEncoding.Decode([0x61, 0x00], AttributeType.S, out _));
    }
}
