using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// An item a request carries to be stored as it is (a BatchWriteItem put): read straight into
/// its <see cref="ItemCodec"/> encoding when it can be (<see cref="ItemCodec.TryEncodeJson"/>),
/// and decoded into attribute values only if something asks for them (IAM condition keys, a
/// table's indexes or stream, an UnprocessedItems answer).
/// </summary>
public sealed class RequestItem
{
    private Dictionary<string, AttributeValue>? _item;
    private byte[]? _encoded;
    private int _size = -1;

    public RequestItem(Dictionary<string, AttributeValue> item) => _item = item;

    public RequestItem(byte[] encoded, int size)
    {
        _encoded = encoded;
        _size = size;
    }

    /// <summary>The attributes (decoded on first use when the item was read as its encoding).</summary>
    public Dictionary<string, AttributeValue> Item => _item ??= ItemCodec.Decode(_encoded!);

    /// <summary>The item's <see cref="ItemCodec"/> encoding (encoded on first use when it was read as attributes).</summary>
    public byte[] Encoded => _encoded ??= ItemCodec.Encode(_item!);

    /// <summary>The item's size as DynamoDB counts it (<see cref="ItemSize"/>).</summary>
    public int Size
    {
        get
        {
            if (_size < 0)
            {
                _size = ItemSize.Of(_item!);
            }

            return _size;
        }
    }

    /// <summary>
    /// The named top-level attributes that the item has (for its key), without decoding the rest.
    /// </summary>
    public Dictionary<string, AttributeValue> Attributes(string first, string? second)
    {
        if (_item is not null)
        {
            return _item;
        }

        return ItemCodec.TopLevelAttributes(_encoded!, first, second);
    }
}

/// <summary>System.Text.Json converter for a <see cref="RequestItem"/>: the encoding fast path, else the attribute reader.</summary>
public sealed class RequestItemJsonConverter : JsonConverter<RequestItem>
{
    public override RequestItem Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ItemCodec.TryEncodeJson(ref reader, out var encoded, out var size)
            ? new RequestItem(encoded!, size)
            : new RequestItem(AttributeValueJson.ReadItem(ref reader));

    public override void Write(Utf8JsonWriter writer, RequestItem value, JsonSerializerOptions options) =>
        AttributeValueJson.WriteItem(writer, value.Item);
}
