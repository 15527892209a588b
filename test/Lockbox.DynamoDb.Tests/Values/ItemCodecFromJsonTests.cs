using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

/// <summary>
/// An item read straight from JSON into its encoding has exactly the bytes the attribute reader
/// and <see cref="ItemCodec.Encode"/> give, and everything the fast path does not read is left,
/// with the reader unmoved, to the attribute reader (which reports DynamoDB's errors).
/// </summary>
public class ItemCodecFromJsonTests
{
    private static readonly JsonWriterOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 256 };

    [Fact]
    public void An_item_of_every_type_is_read_into_the_encoding_the_attribute_reader_gives()
    {
        const string json = """
            {"pk":{"S":"p000001"},"sk":{"S":"s0001"},"name":{"S":"item 1 of the bench – ünïcode 😀"},"empty":{"S":""},
             "qty":{"N":"123456"},"price":{"N":"-37165.220"},"big":{"N":"9.9999999999999999999999999999999999999E+125"},
             "b":{"B":"AAEC/w=="},"eb":{"B":""},"t":{"BOOL":true},"f":{"BOOL":false},"nul":{"NULL":true},
             "ss":{"SS":["bench","load","red"]},"ns":{"NS":["1","2.5","-3"]},"bs":{"BS":["AQ==","AgM="]},
             "l":{"L":[{"N":"1"},{"S":"two"},{"NULL":true},{"L":[]},{"M":{}}]},
             "m":{"M":{"w":{"N":"10"},"inner":{"M":{"deep":{"SS":["x"]}}}}}}
            """;

        var encoded = AssertFastPathMatches(json);
        Assert.Equal(ItemSize.Of(ItemCodec.Decode(encoded)), ItemCodec.SizeOf(encoded));
    }

    [Fact]
    public void An_empty_item_is_read_as_the_empty_encoding() =>
        Assert.Equal(ItemCodec.Encode(new Dictionary<string, AttributeValue>()), AssertFastPathMatches("{}"));

    [Fact]
    public void Random_items_are_read_into_the_encoding_the_attribute_reader_gives_or_left_to_it()
    {
        var random = new Random(11);
        var fast = 0;
        var unescaped = 0;
        for (var i = 0; i < 2000; i++)
        {
            var item = ValueGenerator.RandomItem(random);
            var json = Json(item, s_relaxed);
            var reader = new Utf8JsonReader(json);
            reader.Read();
            var expected = ItemCodec.Encode(ReadWithAttributeReader(json));
            unescaped += json.Contains((byte)'\\') ? 0 : 1;
            if (ItemCodec.TryEncodeJson(ref reader, out var encoded, out var size))
            {
                fast++;
                Assert.Equal(expected, encoded);
                Assert.Equal(ItemSize.Of(ItemCodec.Decode(expected)), size);
                Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
                Assert.Equal(json.Length, reader.BytesConsumed);
            }
            else
            {
                Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
                Assert.Equal(1, reader.BytesConsumed);
            }
        }

        // The generator's alphabet has characters JSON escapes (control characters); every item
        // written without an escape is valid, so it must take the fast path.
        Assert.True(unescaped > 100, $"only {unescaped} items were written without escapes");
        Assert.Equal(unescaped, fast);
    }

    [Theory]
    [InlineData("""{"a\u0062":{"S":"x"}}""")]                 // escaped name
    [InlineData("""{"a":{"S":"x\"y"}}""")]                    // escaped string
    [InlineData("""{"a":{"S":"x"},"a":{"S":"y"}}""")]         // repeated name: the last wins
    [InlineData("""{"m":{"M":{"k":{"N":"1"},"k":{"N":"2"}}}}""")]
    [InlineData("""{"a":null}""")]                            // null member
    [InlineData("""{"a":{"S":null}}""")]
    [InlineData("""{"a":{}}""")]                              // no datatype
    [InlineData("""{"a":{"S":"x","N":"1"}}""")]               // two datatypes
    [InlineData("""{"a":{"X":"x"}}""")]                       // unknown member
    [InlineData("""{"a":{"S":"x","X":1}}""")]
    [InlineData("""{"a":{"BOOL":"true"}}""")]                 // coerced boolean
    [InlineData("""{"a":{"NULL":false}}""")]
    [InlineData("""{"a":{"S":5}}""")]                         // wrong JSON types
    [InlineData("""{"a":{"N":5}}""")]
    [InlineData("""{"a":{"M":[]}}""")]
    [InlineData("""{"a":{"L":{}}}""")]
    [InlineData("""{"a":{"N":"1e126"}}""")]                   // out of range
    [InlineData("""{"a":{"N":"123456789012345678901234567890123456789"}}""")] // 39 digits
    [InlineData("""{"a":{"N":"abc"}}""")]
    [InlineData("""{"a":{"N":"１"}}""")]                       // not ASCII
    [InlineData("""{"a":{"B":"AAE"}}""")]                     // bad base64
    [InlineData("""{"a":{"B":"AA=="},"b":{"B":"AB=="}}""")]   // unused bits set
    [InlineData("""{"a":{"SS":[]}}""")]                       // empty sets
    [InlineData("""{"a":{"NS":[]}}""")]
    [InlineData("""{"a":{"BS":[]}}""")]
    [InlineData("""{"a":{"SS":["x","x"]}}""")]                // repeated elements
    [InlineData("""{"a":{"NS":["1","1.0"]}}""")]
    [InlineData("""{"a":{"BS":["AQ==","AQ=="]}}""")]
    [InlineData("""{"a":{"SS":["x",null]}}""")]
    [InlineData("""{"a":{"L":[null]}}""")]
    [InlineData("""[{"a":{"S":"x"}}]""")]                     // not an object
    [InlineData("""{"a":{"S":"x"}""")]                        // truncated
    [InlineData("""{"a":{"S":"x"},""")]
    public void Input_the_fast_path_does_not_read_is_left_to_the_attribute_reader(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: default);
        reader.Read();
        var before = (reader.TokenType, reader.BytesConsumed);

        Assert.False(ItemCodec.TryEncodeJson(ref reader, out var encoded, out var size));
        Assert.Null(encoded);
        Assert.Equal(before, (reader.TokenType, reader.BytesConsumed));
    }

    [Fact]
    public void Nesting_is_read_to_DynamoDB_s_limit_and_deeper_items_are_left_to_the_attribute_reader()
    {
        // A top-level value is level 1; DynamoDB stores 32 levels.
        AssertFastPathMatches(Nested(levels: 32));
        var deeper = Encoding.UTF8.GetBytes(Nested(levels: 33));
        var reader = new Utf8JsonReader(deeper, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        Assert.False(ItemCodec.TryEncodeJson(ref reader, out _, out _));
    }

    [Fact]
    public void Maps_and_sets_past_the_pairwise_check_are_left_to_the_attribute_reader()
    {
        var names = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"a{i}\":{{\"N\":\"{i}\"}}"));
        var elements = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"{i}\""));
        foreach (var json in new[] { "{" + names + "}", "{\"ns\":{\"NS\":[" + elements + "]}}" })
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            reader.Read();
            Assert.False(ItemCodec.TryEncodeJson(ref reader, out _, out _));
        }

        var sixtyFour = string.Join(",", Enumerable.Range(0, 64).Select(i => $"\"a{i}\":{{\"N\":\"{i}\"}}"));
        AssertFastPathMatches("{" + sixtyFour + "}");
    }

    [Fact]
    public void Counts_and_lengths_past_one_varint_byte_are_written_as_the_attribute_reader_gives()
    {
        var elements = string.Join(",", Enumerable.Range(0, 200).Select(i => $"{{\"N\":\"{i}\"}}"));
        AssertFastPathMatches("{\"l\":{\"L\":[" + elements + "]},\"s\":{\"S\":\"" + new string('x', 300) + "\"},\"after\":{\"SS\":[\"a\"]}}");
    }

    [Fact]
    public void An_item_split_across_buffer_segments_is_read_or_left_to_the_attribute_reader_at_every_split()
    {
        var utf8 = Encoding.UTF8.GetBytes(
            """{"pk":{"S":"p1"},"n":{"N":"12.5"},"b":{"B":"AAEC"},"ss":{"SS":["a","b"]},"m":{"M":{"k":{"BOOL":true}}}}""");
        var expected = ItemCodec.Encode(ReadWithAttributeReader(utf8));
        for (var split = 1; split < utf8.Length; split++)
        {
            var sequence = Segment.Sequence(utf8.AsMemory(0, split), utf8.AsMemory(split));
            var reader = new Utf8JsonReader(sequence);
            reader.Read();
            if (ItemCodec.TryEncodeJson(ref reader, out var encoded, out _))
            {
                Assert.Equal(expected, encoded);
            }
            else
            {
                Assert.Equal((JsonTokenType.StartObject, 1L), (reader.TokenType, reader.BytesConsumed));
            }
        }
    }

    private sealed class Segment : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static System.Buffers.ReadOnlySequence<byte> Sequence(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
        {
            var head = new Segment(first, 0);
            var tail = new Segment(second, first.Length);
            head.Next = tail;
            return new System.Buffers.ReadOnlySequence<byte>(head, 0, tail, second.Length);
        }
    }

    [Fact]
    public void The_top_level_attributes_of_an_encoding_are_read_by_name_alone()
    {
        var encoded = AssertFastPathMatches("""
            {"data":{"M":{"pk":{"S":"inner"}}},"pk":{"S":"p1"},"ключ":{"N":"7"},"rest":{"L":[{"S":"x"}]}}
            """);

        var both = ItemCodec.TopLevelAttributes(encoded, "pk", "ключ");
        Assert.Equal(2, both.Count);
        Assert.Equal("p1", both["pk"].AsString());
        Assert.Equal(DynamoNumber.FromInt64(7), both["ключ"].AsNumber());

        var partitionOnly = ItemCodec.TopLevelAttributes(encoded, "pk", null);
        Assert.Equal("p1", Assert.Single(partitionOnly).Value.AsString());
        Assert.Empty(ItemCodec.TopLevelAttributes(encoded, "missing", "also missing"));
    }

    private static byte[] AssertFastPathMatches(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json.Trim());
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        Assert.True(ItemCodec.TryEncodeJson(ref reader, out var encoded, out var size));
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.Equal(utf8.Length, reader.BytesConsumed);
        Assert.Equal(ItemCodec.Encode(ReadWithAttributeReader(utf8)), encoded);
        return encoded!;
    }

    private static Dictionary<string, AttributeValue> ReadWithAttributeReader(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        return AttributeValueJson.ReadItem(ref reader);
    }

    private static byte[] Json(Dictionary<string, AttributeValue> item, JsonWriterOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            AttributeValueJson.WriteItem(writer, item);
        }

        return stream.ToArray();
    }

    // {"a":{"M":{"a":{"M":...{"a":{"S":"x"}}}}}} with the S at level `levels`.
    private static string Nested(int levels)
    {
        var json = "{\"S\":\"x\"}";
        for (var i = 1; i < levels; i++)
        {
            json = "{\"M\":{\"a\":" + json + "}}";
        }

        return "{\"a\":" + json + "}";
    }
}
