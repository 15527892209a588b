using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Values;

public class AttributeValueJsonTests
{
    private static Dictionary<string, AttributeValue> ReadItem(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        var item = AttributeValueJson.ReadItem(ref reader);
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.False(reader.Read()); // consumed exactly the item
        return item;
    }

    private static AttributeValue ReadValue(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return AttributeValueJson.ReadValue(ref reader);
    }

    private static string WriteItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { MaxDepth = 256 }))
        {
            AttributeValueJson.WriteItem(writer, item);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void AssertValidation(string itemJson, string message)
    {
        var ex = Assert.Throws<AwsServiceException>(() => ReadItem(itemJson));
        Assert.Equal("com.amazon.coral.validate", ex.TypeNamespace);
        Assert.Equal("ValidationException", ex.ErrorCode);
        Assert.Equal(message, ex.ErrorMessage);
    }

    private static void AssertSerialization(string itemJson, string message)
    {
        var ex = Assert.Throws<AwsServiceException>(() => ReadItem(itemJson));
        Assert.Equal("com.amazon.coral.service", ex.TypeNamespace);
        Assert.Equal("SerializationException", ex.ErrorCode);
        Assert.True(ex.CapitalizedMessageMember);
        Assert.Equal(message, ex.ErrorMessage);
    }

    [Fact]
    public void Attribute_names_read_through_the_name_cache_are_exact_for_many_distinct_and_escaped_names()
    {
        // Names are cached per thread by their UTF-8 bytes; colliding slots, lengths around the
        // cache limit, non-ASCII and escaped names must all come back exactly as sent.
        var names = Enumerable.Range(0, 600).Select(i => "n" + i).Concat([
            "", "é", "ü", "日本", "a\"b", new string('x', 32), new string('x', 33), new string('y', 31), "\u0041"]).ToList();
        for (var pass = 0; pass < 2; pass++)
        {
            // Each name both as the serializer escapes it (non-ASCII as \uXXXX) and as raw UTF-8.
            var forms = names.Select(n => JsonSerializer.Serialize(n)).Concat(names.Where(n => !n.Contains('"')).Select(n => "\"" + n + "\""));
            foreach (var encoded in forms)
            {
                var json = "{" + encoded + ":{\"M\":{" + encoded + ":{\"S\":\"v\"}}}}";
                var item = ReadItem(json);
                var expected = JsonSerializer.Deserialize<string>(encoded)!;
                Assert.Equal(expected, Assert.Single(item.Keys));
                Assert.Equal(expected, Assert.Single(item[expected].AsMap().Keys));
            }
        }

        var unicodeEscaped = ReadItem("""{"\u0041":{"S":"1"},"A":{"S":"2"}}""");
        Assert.Equal("2", Assert.Single(unicodeEscaped).Value.AsString());
    }

    [Fact]
    public void Round_trips_every_type()
    {
        const string json = """{"s":{"S":"héllo \"x\""},"e":{"S":""},"n":{"N":"-1.5"},"b":{"B":"AAEC/w=="},"eb":{"B":""},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},"ss":{"SS":["a","b",""]},"ns":{"NS":["1","100","0.001"]},"bs":{"BS":["AA==","AQ=="]},"l":{"L":[{"S":"x"},{"N":"0"},{"L":[]},{"M":{}}]},"m":{"M":{"k":{"M":{"deep":{"NS":["7"]}}}}}}""";
        var item = ReadItem(json);
        Assert.Equal("héllo \"x\"", item["s"].AsString());
        Assert.Equal(DynamoNumber.Parse("-1.5"), item["n"].AsNumber());
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, item["b"].AsBinary());
        Assert.Empty(item["eb"].AsBinary());
        Assert.True(item["t"].AsBool());
        Assert.Equal(AttributeType.NULL, item["z"].Type);
        Assert.Equal(["a", "b", ""], item["ss"].AsStringSet());
        Assert.Equal(4, item["l"].AsList().Count);
        Assert.Equal(AttributeType.NS, item["m"].AsMap()["k"].AsMap()["deep"].Type);

        var written = WriteItem(item);
        var again = ReadItem(written);
        Assert.Equal(written, WriteItem(again));
        Assert.Contains("\"n\":{\"N\":\"-1.5\"}", written);
        Assert.Contains("\"ns\":{\"NS\":[\"1\",\"100\",\"0.001\"]}", written);
    }

    [Fact]
    public void Numbers_come_back_normalized()
    {
        var item = ReadItem("""{"a":{"N":"1.50"},"b":{"N":"1e2"},"c":{"N":"-0"},"d":{"NS":["0.10","2E1"]}}""");
        Assert.Equal("""{"a":{"N":"1.5"},"b":{"N":"100"},"c":{"N":"0"},"d":{"NS":["0.1","20"]}}""", WriteItem(item));
    }

    [Fact]
    public void Unknown_members_and_null_members_are_ignored()
    {
        var item = ReadItem("""{"a":{"S":"x","Q":{"deep":[1,2,{"x":null}]},"N":null},"b":null}""");
        Assert.Single(item);
        Assert.Equal("x", item["a"].AsString());
    }

    [Fact]
    public void Reads_a_single_value_and_escaped_member_names()
    {
        Assert.Equal("x", ReadValue("""{"\u0053":"x"}""").AsString());
        Assert.Equal(DynamoNumber.Parse("12"), ReadValue("""{"N":"1\u0032"}""").AsNumber());
        Assert.Equal(new byte[] { 0xFB, 0xFF }, ReadValue("""{"B":"+\/8="}""").AsBinary());
    }

    [Theory]
    [InlineData("""{"a":{}}""", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"a":""}}""", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"M":{"a":{}}}}""", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"L":[{}]}}""", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"L":[{"a":{}}]}}""", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"S":"a","N":"1"}}""", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")]
    [InlineData("""{"a":{"NULL":false}}""", "One or more parameter values were invalid: Null attribute value types must have the value of true")]
    [InlineData("""{"a":{"SS":[]}}""", "One or more parameter values were invalid: An string set  may not be empty")]
    [InlineData("""{"a":{"NS":[]}}""", "One or more parameter values were invalid: An number set  may not be empty")]
    [InlineData("""{"a":{"BS":[]}}""", "One or more parameter values were invalid: Binary sets should not be empty")]
    [InlineData("""{"a":{"SS":["a","a"]}}""", "One or more parameter values were invalid: Input collection [a, a] contains duplicates.")]
    [InlineData("""{"a":{"BS":["Yg==","Yg=="]}}""", "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.")]
    [InlineData("""{"a":{"NS":["1","1"]}}""", "Input collection contains duplicates")]
    [InlineData("""{"a":{"NS":["1","1.0"]}}""", "Input collection contains duplicates")]
    [InlineData("""{"a":{"S":"","N":""}}""", "The parameter cannot be converted to a numeric value")]
    [InlineData("""{"a":{"S":"a","N":"b"}}""", "The parameter cannot be converted to a numeric value: b")]
    [InlineData("""{"a":{"NS":["1",""]}}""", "The parameter cannot be converted to a numeric value")]
    [InlineData("""{"a":{"NS":["1","b","a"]}}""", "The parameter cannot be converted to a numeric value: b")]
    [InlineData("""{"a":{"N":"123456789012345678901234567890123456789"}}""", "Attempting to store more than 38 significant digits in a Number")]
    [InlineData("""{"a":{"N":"1e126"}}""", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("""{"a":{"N":"-1e-131"}}""", "Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    [InlineData("""{"a":{"L":[{"N":"x"}],"S":"a"}}""", "The parameter cannot be converted to a numeric value: x")]
    [InlineData("""{"a":{"S":"ok"},"b":{"SS":[]},"c":{"NS":[]}}""", "One or more parameter values were invalid: An string set  may not be empty")]
    public void Validation_errors_use_DynamoDB_messages(string json, string message) => AssertValidation(json, message);

    [Theory]
    [InlineData("""{"a":{"S":true}}""", "TRUE_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"S":false}}""", "FALSE_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"S":23}}""", "NUMBER_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"N":123}}""", "NUMBER_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"S":34.56}}""", "DECIMAL_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"S":[]}}""", "Unrecognized collection type class java.lang.String")]
    [InlineData("""{"a":{"S":{}}}""", "Start of structure or map found where not expected")]
    [InlineData("""{"a":{"BOOL":"23"}}""", "Unexpected token received from parser")]
    [InlineData("""{"a":{"BOOL":23}}""", "NUMBER_VALUE cannot be converted to Boolean")]
    [InlineData("""{"a":{"NULL":34.56}}""", "DECIMAL_VALUE cannot be converted to Boolean")]
    [InlineData("""{"a":{"BOOL":[]}}""", "Unrecognized collection type class java.lang.Boolean")]
    [InlineData("""{"a":{"BOOL":{}}}""", "Start of structure or map found where not expected")]
    [InlineData("""{"a":{"B":true}}""", "only base-64-encoded strings are convertible to bytes")]
    [InlineData("""{"a":{"B":23}}""", "only base-64-encoded strings are convertible to bytes")]
    [InlineData("""{"a":{"B":[]}}""", "Unrecognized collection type class java.nio.ByteBuffer")]
    [InlineData("""{"a":{"B":{}}}""", "Start of structure or map found where not expected")]
    [InlineData("""{"a":{"B":"23456"}}""", "Base64 encoded length is expected a multiple of 4 bytes but found: 5")]
    [InlineData("""{"a":{"B":"=+/="}}""", "Invalid last non-pad Base64 character dectected")]
    [InlineData("""{"a":{"B":"+/+="}}""", "Invalid last non-pad Base64 character dectected")]
    [InlineData("""{"a":{"BS":["AA==","+/+="]}}""", "Invalid last non-pad Base64 character dectected")]
    [InlineData("""{"a":{"SS":"23"}}""", "Unexpected field type")]
    [InlineData("""{"a":{"NS":true}}""", "Unexpected field type")]
    [InlineData("""{"a":{"L":34.56}}""", "Unexpected field type")]
    [InlineData("""{"a":{"L":{}}}""", "Start of structure or map found where not expected")]
    [InlineData("""{"a":{"SS":[true]}}""", "TRUE_VALUE cannot be converted to String")]
    [InlineData("""{"a":{"L":["23"]}}""", "Unexpected value type in payload")]
    [InlineData("""{"a":{"L":[[]]}}""", "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue")]
    [InlineData("""{"a":{"M":"23"}}""", "Unexpected field type")]
    [InlineData("""{"a":{"M":[]}}""", "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>")]
    [InlineData("""{"a":{"M":{"b":23}}}""", "Unexpected value type in payload")]
    [InlineData("""{"a":"23"}""", "Unexpected value type in payload")]
    [InlineData("""{"a":[]}""", "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue")]
    // A type error anywhere in the item wins over a validation error found earlier.
    [InlineData("""{"a":{"SS":[]},"b":{"S":1}}""", "NUMBER_VALUE cannot be converted to String")]
    public void Wrong_json_types_are_serialization_errors(string json, string message) => AssertSerialization(json, message);

    [Fact]
    public void Item_of_the_wrong_json_type()
    {
        var ex = Assert.Throws<AwsServiceException>(() => ReadItem("[]"));
        Assert.Equal("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>", ex.ErrorMessage);
        ex = Assert.Throws<AwsServiceException>(() => ReadItem("\"x\""));
        Assert.Equal("Unexpected field type", ex.ErrorMessage);
    }

    [Fact]
    public void Booleans_accept_true_and_false_text()
    {
        Assert.True(ReadValue("""{"BOOL":"TRUE"}""").AsBool());
        Assert.False(ReadValue("""{"BOOL":"false"}""").AsBool());
    }

    private static string Nested(int wraps)
    {
        var json = """{"S":"x"}""";
        for (var i = 0; i < wraps; i++)
        {
            json = i % 2 == 0 ? "{\"M\":{\"k\":" + json + "}}" : "{\"L\":[" + json + "]}";
        }

        return "{\"a\":" + json + "}";
    }

    [Fact]
    public void Nesting_is_limited_to_32_levels()
    {
        var item = ReadItem(Nested(31));
        Assert.Equal(AttributeType.M, item["a"].Type);
        AssertValidation(Nested(32), "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit");
        AssertValidation(Nested(100), "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit");
    }

    [Fact]
    public void Deferred_overload_reports_the_first_validation_error()
    {
        var reader = new Utf8JsonReader("""{"a":{"NS":[]},"b":{"NULL":false}}"""u8);
        reader.Read();
        string? error = null;
        var item = AttributeValueJson.ReadItem(ref reader, ref error);
        Assert.Equal(2, item.Count);
        Assert.Equal("One or more parameter values were invalid: An number set  may not be empty", error);

        reader = new Utf8JsonReader("""{":a":{"S":"x"},":b":{"M":{"x":{"NULL":false}}}}"""u8);
        reader.Read();
        error = null;
        AttributeValueJson.ReadItem(ref reader, ref error, out var key);
        Assert.Equal(":b", key);
        Assert.Equal("One or more parameter values were invalid: Null attribute value types must have the value of true", error);
    }

    [Fact]
    public void Converters_delegate()
    {
        var options = new JsonSerializerOptions();
        options.Converters.Add(new AttributeValueJsonConverter());
        options.Converters.Add(new ItemJsonConverter());
        var item = JsonSerializer.Deserialize<Dictionary<string, AttributeValue>>("""{"a":{"N":"01.0"},"b":{"L":[{"NULL":true}]}}""", options)!;
        Assert.Equal("""{"a":{"N":"1"},"b":{"L":[{"NULL":true}]}}""", JsonSerializer.Serialize(item, options));
        var value = JsonSerializer.Deserialize<AttributeValue>("""{"SS":["x"]}""", options)!;
        Assert.Equal("""{"SS":["x"]}""", JsonSerializer.Serialize(value, options));
        var ex = Assert.Throws<AwsServiceException>(() => JsonSerializer.Deserialize<AttributeValue>("""{"NS":["1","1"]}""", options));
        Assert.Equal("Input collection contains duplicates", ex.ErrorMessage);
    }
}
