using System.Text;
using System.Text.Json;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

/// <summary>Random attribute values for property tests, and a structural comparison.</summary>
internal static class ValueGenerator
{
    private static readonly string[] s_alphabet = ["a", "b", "z", "A", "0", "\0", "\u007f", "é", "\u00ff", "€", "😀", "\uffff", " "];

    public static string RandomString(Random random, int maxLength = 6)
    {
        var builder = new StringBuilder();
        var length = random.Next(maxLength + 1);
        for (var i = 0; i < length; i++)
        {
            builder.Append(s_alphabet[random.Next(s_alphabet.Length)]);
        }

        return builder.ToString();
    }

    public static byte[] RandomBytes(Random random, int maxLength = 6)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        for (var i = 0; i < bytes.Length; i++)
        {
            // Bias towards the interesting bytes 0x00, 0x01 and 0xFF.
            bytes[i] = random.Next(4) switch
            {
                0 => 0x00,
                1 => 0xFF,
                2 => 0x01,
                _ => (byte)random.Next(256),
            };
        }

        return bytes;
    }

    public static DynamoNumber RandomNumber(Random random) => random.Next(6) switch
    {
        0 => DynamoNumber.Zero,
        1 => DynamoNumber.FromInt64(random.Next(-1000, 1000)),
        _ => DynamoNumberTests.RandomNumber(random),
    };

    public static AttributeValue RandomValue(Random random, int depth = 0)
    {
        var pick = random.Next(depth > 3 ? 8 : 10);
        switch (pick)
        {
            case 0: return AttributeValue.FromString(RandomString(random));
            case 1: return AttributeValue.FromNumber(RandomNumber(random));
            case 2: return AttributeValue.FromBinary(RandomBytes(random));
            case 3: return AttributeValue.FromBool(random.Next(2) == 0);
            case 4: return AttributeValue.Null;
            case 5: return AttributeValue.FromStringSet(Enumerable.Range(0, random.Next(1, 4)).Select(i => i + RandomString(random)).ToList());
            case 6: return AttributeValue.FromNumberSet(Enumerable.Range(0, random.Next(1, 4)).Select(i => DynamoNumber.FromInt64(i * 7).Add(DynamoNumber.Parse("0.5"))).ToList());
            case 7: return AttributeValue.FromBinarySet(Enumerable.Range(0, random.Next(1, 4)).Select(i => new[] { (byte)i }.Concat(RandomBytes(random)).ToArray()).ToList());
            case 8: return AttributeValue.FromList(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)).ToList());
            default:
                var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                for (var i = random.Next(4); i > 0; i--)
                {
                    map[RandomString(random, 3) + i] = RandomValue(random, depth + 1);
                }

                return AttributeValue.FromMap(map);
        }
    }

    public static Dictionary<string, AttributeValue> RandomItem(Random random)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        for (var i = random.Next(1, 8); i > 0; i--)
        {
            item[RandomString(random, 4) + "#" + i] = RandomValue(random);
        }

        return item;
    }

    /// <summary>Canonical JSON of an item: equal text means equal items (types, order of sets and lists).</summary>
    public static string Canonical(IReadOnlyDictionary<string, AttributeValue> item)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { MaxDepth = 256 }))
        {
            AttributeValueJson.WriteItem(writer, new SortedDictionary<string, AttributeValue>(
                item.ToDictionary(p => p.Key, p => Sorted(p.Value)), StringComparer.Ordinal));
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static AttributeValue Sorted(AttributeValue value) => value.Type switch
    {
        AttributeType.M => AttributeValue.FromMap(value.AsMap()
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => Sorted(p.Value), StringComparer.Ordinal)),
        AttributeType.L => AttributeValue.FromList(value.AsList().Select(Sorted).ToList()),
        _ => value,
    };
}
