using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// Compact binary storage form of an item. Round trips are exact (numbers keep their exact
/// decimal value; strings, binaries and set order are preserved).
/// </summary>
/// <remarks>
/// Format version 1: byte 0 is the version; then a varint attribute count and, per attribute,
/// varint name length + UTF-8 name + value. A value is a tag byte (the <see cref="AttributeType"/>
/// number; BOOL uses tag 4 for false and 0x84 for true so it needs no payload) and:
/// S / B: varint length + bytes; N: see <see cref="WriteNumber"/>; NULL: nothing;
/// M: varint count + (name, value) pairs; L / SS / NS / BS: varint count + elements (set
/// elements without tags). Varints are unsigned LEB128. A new layout gets a new version byte and
/// <see cref="Decode"/> keeps reading the old ones.
/// </remarks>
public static partial class ItemCodec
{
    public const byte CurrentVersion = 1;
    private const byte TrueTag = 0x84;

    public static byte[] Encode(Dictionary<string, AttributeValue> item)
    {
        var writer = new Writer(256);
        try
        {
            writer.Byte(CurrentVersion);
            writer.VarUInt((uint)item.Count);
            foreach (var (name, value) in item)
            {
                writer.String(name);
                WriteValue(ref writer, value);
            }

            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static Dictionary<string, AttributeValue> Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw Corrupt();
        }

        if (data[0] != CurrentVersion)
        {
            throw new InvalidDataException($"Unknown item format version {data[0]}");
        }

        var reader = new Reader(data[1..]);
        var item = ReadMap(ref reader, 0);
        if (!reader.AtEnd)
        {
            throw Corrupt();
        }

        return item;
    }

    private static void WriteValue(ref Writer writer, AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.S:
                writer.Byte((byte)AttributeType.S);
                writer.String(value.AsString());
                break;
            case AttributeType.N:
                writer.Byte((byte)AttributeType.N);
                WriteNumber(ref writer, value.AsNumber());
                break;
            case AttributeType.B:
                writer.Byte((byte)AttributeType.B);
                writer.Bytes(value.AsBinary());
                break;
            case AttributeType.BOOL:
                writer.Byte(value.AsBool() ? TrueTag : (byte)AttributeType.BOOL);
                break;
            case AttributeType.NULL:
                writer.Byte((byte)AttributeType.NULL);
                break;
            case AttributeType.M:
            {
                var map = value.AsMap();
                writer.Byte((byte)AttributeType.M);
                writer.VarUInt((uint)map.Count);
                foreach (var (name, element) in map)
                {
                    writer.String(name);
                    WriteValue(ref writer, element);
                }

                break;
            }

            case AttributeType.L:
            {
                var list = value.AsList();
                writer.Byte((byte)AttributeType.L);
                writer.VarUInt((uint)list.Count);
                foreach (var element in list)
                {
                    WriteValue(ref writer, element);
                }

                break;
            }

            case AttributeType.SS:
            {
                var set = value.AsStringSet();
                writer.Byte((byte)AttributeType.SS);
                writer.VarUInt((uint)set.Count);
                foreach (var s in set)
                {
                    writer.String(s);
                }

                break;
            }

            case AttributeType.NS:
            {
                var set = value.AsNumberSet();
                writer.Byte((byte)AttributeType.NS);
                writer.VarUInt((uint)set.Count);
                foreach (var n in set)
                {
                    WriteNumber(ref writer, n);
                }

                break;
            }

            case AttributeType.BS:
            {
                var set = value.AsBinarySet();
                writer.Byte((byte)AttributeType.BS);
                writer.VarUInt((uint)set.Count);
                foreach (var b in set)
                {
                    writer.Bytes(b);
                }

                break;
            }

            default:
                throw new InvalidOperationException("Unknown attribute type " + value.Type);
        }
    }

    // A number: zigzag varint exponent, then a header byte = magnitude byte count (0 for zero,
    // 1..16) | 0x80 when negative, then the magnitude little-endian. Small integers take 3 bytes.
    private static void WriteNumber(ref Writer writer, DynamoNumber number)
    {
        var exponent = number.Exponent;
        writer.VarUInt((uint)((exponent << 1) ^ (exponent >> 31)));
        var magnitude = number.Magnitude;
        var length = magnitude == UInt128.Zero ? 0 : 16 - ((int)UInt128.LeadingZeroCount(magnitude) / 8);
        writer.Byte((byte)(length | (number.Sign < 0 ? 0x80 : 0)));
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(bytes, magnitude);
        writer.Raw(bytes[..length]);
    }

    private static DynamoNumber ReadNumber(ref Reader reader)
    {
        var (negative, magnitude, exponent) = ReadNumberParts(ref reader);
        return DynamoNumber.FromNormalizedParts(negative, magnitude, exponent);
    }

    /// <summary>An encoded number's sign, magnitude (below 10^38) and exponent: zigzag exponent | sign-and-length byte | little-endian magnitude.</summary>
    private static (bool Negative, UInt128 Magnitude, int Exponent) ReadNumberParts(ref Reader reader)
    {
        var zigzag = reader.VarUInt();
        var exponent = (int)(zigzag >> 1) ^ -(int)(zigzag & 1);
        var header = reader.Byte();
        var length = header & 0x7F;
        if (length > 16)
        {
            throw Corrupt();
        }

        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        reader.Raw(length).CopyTo(bytes);
        var magnitude = BinaryPrimitives.ReadUInt128LittleEndian(bytes);
        if (magnitude >= DynamoNumber.Pow10(DynamoNumber.MaxDigits))
        {
            throw Corrupt();
        }

        return ((header & 0x80) != 0, magnitude, exponent);
    }

    private static Dictionary<string, AttributeValue> ReadMap(ref Reader reader, int depth)
    {
        var count = reader.Count();
        var map = new Dictionary<string, AttributeValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.String();
            map[name] = ReadValue(ref reader, depth);
        }

        return map;
    }

    private static AttributeValue ReadValue(ref Reader reader, int depth)
    {
        // Stored items are at most 32 levels deep; a deeper encoding is corrupt, and this bound
        // keeps a damaged record from exhausting the stack.
        if (depth > 64)
        {
            throw Corrupt();
        }

        var tag = reader.Byte();
        switch (tag)
        {
            case (byte)AttributeType.S:
                return AttributeValue.FromString(reader.String());
            case (byte)AttributeType.N:
                return AttributeValue.FromNumber(ReadNumber(ref reader));
            case (byte)AttributeType.B:
                return AttributeValue.FromBinary(reader.Raw(reader.Count()).ToArray());
            case (byte)AttributeType.BOOL:
                return AttributeValue.False;
            case TrueTag:
                return AttributeValue.True;
            case (byte)AttributeType.NULL:
                return AttributeValue.Null;
            case (byte)AttributeType.M:
                return AttributeValue.FromMap(ReadMap(ref reader, depth + 1));
            case (byte)AttributeType.L:
            {
                var count = reader.Count();
                var list = new List<AttributeValue>(count);
                for (var i = 0; i < count; i++)
                {
                    list.Add(ReadValue(ref reader, depth + 1));
                }

                return AttributeValue.FromList(list);
            }

            case (byte)AttributeType.SS:
            {
                var count = reader.Count();
                var set = new List<string>(count);
                for (var i = 0; i < count; i++)
                {
                    set.Add(reader.String());
                }

                return AttributeValue.FromStringSet(set);
            }

            case (byte)AttributeType.NS:
            {
                var count = reader.Count();
                var set = new List<DynamoNumber>(count);
                for (var i = 0; i < count; i++)
                {
                    set.Add(ReadNumber(ref reader));
                }

                return AttributeValue.FromNumberSet(set);
            }

            case (byte)AttributeType.BS:
            {
                var count = reader.Count();
                var set = new List<byte[]>(count);
                for (var i = 0; i < count; i++)
                {
                    set.Add(reader.Raw(reader.Count()).ToArray());
                }

                return AttributeValue.FromBinarySet(set);
            }

            default:
                throw Corrupt();
        }
    }

    private static InvalidDataException Corrupt() => new("Corrupt item encoding");

    /// <summary>Growable output over pooled arrays.</summary>
    private struct Writer(int initialCapacity) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        private int _pos;

        public void Byte(byte b)
        {
            Ensure(1);
            _buffer[_pos++] = b;
        }

        public void VarUInt(uint value)
        {
            Ensure(5);
            while (value >= 0x80)
            {
                _buffer[_pos++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[_pos++] = (byte)value;
        }

        public void String(string s)
        {
            // Short strings: the UTF-8 length is at most 3 bytes per char, so one pass suffices.
            if (s.Length <= 42)
            {
                Ensure(1 + (s.Length * 3));
                var n = Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos + 1));
                _buffer[_pos] = (byte)n;
                _pos += 1 + n;
                return;
            }

            var length = Encoding.UTF8.GetByteCount(s);
            VarUInt((uint)length);
            Ensure(length);
            _pos += Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos));
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            VarUInt((uint)bytes.Length);
            Raw(bytes);
        }

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_pos));
            _pos += bytes.Length;
        }

        public readonly byte[] ToArray() => _buffer.AsSpan(0, _pos).ToArray();

        /// <summary>Bytes written so far.</summary>
        public readonly int Position => _pos;

        /// <summary>The <paramref name="length"/> bytes written at <paramref name="start"/>.</summary>
        public readonly ReadOnlySpan<byte> Written(int start, int length) => _buffer.AsSpan(start, length);

        /// <summary>Whether <paramref name="bytes"/> equal one of the runs written at <paramref name="starts"/> / <paramref name="lengths"/>.</summary>
        public readonly bool Repeats(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths)
        {
            for (var i = 0; i < starts.Length; i++)
            {
                if (lengths[i] == bytes.Length && _buffer.AsSpan(starts[i], lengths[i]).SequenceEqual(bytes))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Reserves one byte for a count that is known only once its elements have been written
        /// (see <see cref="CompleteCount"/>).
        /// </summary>
        public int ReserveCount()
        {
            Ensure(1);
            return _pos++;
        }

        /// <summary>Writes the count reserved at <paramref name="at"/>, moving what follows when it needs more than one byte.</summary>
        public void CompleteCount(int at, uint count)
        {
            Span<byte> varint = stackalloc byte[5];
            var length = 0;
            while (count >= 0x80)
            {
                varint[length++] = (byte)(count | 0x80);
                count >>= 7;
            }

            varint[length++] = (byte)count;
            if (length > 1)
            {
                Ensure(length - 1);
                _buffer.AsSpan(at + 1, _pos - at - 1).CopyTo(_buffer.AsSpan(at + length));
                _pos += length - 1;
            }

            varint[..length].CopyTo(_buffer.AsSpan(at));
        }

        private void Ensure(int more)
        {
            if (_pos + more <= _buffer.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _pos + more));
            _buffer.AsSpan(0, _pos).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;

        public byte Byte() => _pos < _data.Length ? _data[_pos++] : throw Corrupt();

        public uint VarUInt()
        {
            uint result = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Byte();
                result |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw Corrupt();
        }

        /// <summary>A length or element count, which can't exceed what is left.</summary>
        public int Count()
        {
            var n = VarUInt();
            return n <= (uint)(_data.Length - _pos) ? (int)n : throw Corrupt();
        }

        public ReadOnlySpan<byte> Raw(int length)
        {
            if (length > _data.Length - _pos)
            {
                throw Corrupt();
            }

            var span = _data.Slice(_pos, length);
            _pos += length;
            return span;
        }

        public string String() => Encoding.UTF8.GetString(Raw(Count()));

        public void Skip(int length) => Raw(length);
    }
}
