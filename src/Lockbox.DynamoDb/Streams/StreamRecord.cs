using System.Buffers.Binary;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Streams;

/// <summary>What a stream record says happened to one item.</summary>
public enum StreamEventName : byte
{
    Insert = 1,
    Modify = 2,
    Remove = 3,
}

/// <summary>
/// One stream record as stored (before sealing): the event, when it happened, who caused it,
/// the item's key attributes and the images the stream's view type keeps.
/// </summary>
public sealed record StreamRecord(
    long SequenceNumber,
    StreamEventName EventName,
    long CreatedAtMs,
    bool ByTimeToLive,
    Dictionary<string, AttributeValue> Keys,
    Dictionary<string, AttributeValue>? OldImage,
    Dictionary<string, AttributeValue>? NewImage)
{
    private const byte Version1 = 1;
    private const byte FlagTimeToLive = 1;
    private const byte FlagOld = 2;
    private const byte FlagNew = 4;

    /// <summary>Layout: version | event | flags | createdMs(8) | len(4) keys [| len(4) old] [| len(4) new].</summary>
    public byte[] Encode() => Encode(EventName, CreatedAtMs, ByTimeToLive, Keys,
        OldImage is null ? null : ItemCodec.Encode(OldImage),
        NewImage is null ? null : ItemCodec.Encode(NewImage));

    /// <summary>
    /// <see cref="Encode()"/> with the images already in <see cref="ItemCodec"/> form (the write
    /// path has them: the old item's unsealed bytes and the new item's encoding), so a stream
    /// neither decodes the replaced item nor encodes either item a second time. Null = the image
    /// is not kept.
    /// </summary>
    public static byte[] Encode(StreamEventName eventName, long createdAtMs, bool byTimeToLive,
        Dictionary<string, AttributeValue> keyAttributes, byte[]? old, byte[]? @new)
    {
        var keys = ItemCodec.Encode(keyAttributes);
        var length = 3 + 8 + 4 + keys.Length + (old is null ? 0 : 4 + old.Length) + (@new is null ? 0 : 4 + @new.Length);
        var buffer = new byte[length];
        buffer[0] = Version1;
        buffer[1] = (byte)eventName;
        buffer[2] = (byte)((byTimeToLive ? FlagTimeToLive : 0) | (old is null ? 0 : FlagOld) | (@new is null ? 0 : FlagNew));
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(3), createdAtMs);
        var offset = 11;
        offset = WriteBlock(buffer, offset, keys);
        if (old is not null)
        {
            offset = WriteBlock(buffer, offset, old);
        }

        if (@new is not null)
        {
            WriteBlock(buffer, offset, @new);
        }

        return buffer;
    }

    public static StreamRecord Decode(long sequenceNumber, ReadOnlySpan<byte> data)
    {
        if (data.Length < 15 || data[0] != Version1)
        {
            throw new InvalidDataException("unknown stream record format");
        }

        var eventName = (StreamEventName)data[1];
        var flags = data[2];
        var created = BinaryPrimitives.ReadInt64BigEndian(data[3..]);
        var offset = 11;
        var keys = ItemCodec.Decode(ReadBlock(data, ref offset));
        var old = (flags & FlagOld) != 0 ? ItemCodec.Decode(ReadBlock(data, ref offset)) : null;
        var @new = (flags & FlagNew) != 0 ? ItemCodec.Decode(ReadBlock(data, ref offset)) : null;
        return new StreamRecord(sequenceNumber, eventName, created, (flags & FlagTimeToLive) != 0, keys, old, @new);
    }

    /// <summary>Only the creation time, without decoding the images (for retention).</summary>
    public static long ReadCreatedAtMs(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadInt64BigEndian(data[3..]);

    private static int WriteBlock(byte[] buffer, int offset, byte[] block)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), block.Length);
        block.CopyTo(buffer, offset + 4);
        return offset + 4 + block.Length;
    }

    private static ReadOnlySpan<byte> ReadBlock(ReadOnlySpan<byte> data, ref int offset)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(data[offset..]);
        var block = data.Slice(offset + 4, length);
        offset += 4 + length;
        return block;
    }
}
