using System.Buffers.Binary;
using System.Globalization;
using Lockbox.Kms.Envelope;

namespace Lockbox.DynamoDb.Streams;

/// <summary>
/// A live stream: its definition, its unwrapped data key and the sequence-number state.
/// <para>Design: sequence numbers are assigned under <see cref="Sync"/> while the writer holds its
/// item locks, and the record commits later in the item's batch, so writers of different keys
/// may commit out of sequence order. Every assigned number stays "in flight" until its batch
/// committed or was abandoned; readers never look at or past the smallest number in flight
/// (<see cref="VisibleLimit"/>), so a record can never appear behind a reader's position.</para>
/// </summary>
public sealed class StreamRuntime : IDisposable
{
    private readonly SortedSet<long> _inFlight = [];
    private long _next;

    internal StreamRuntime(StreamDefinition definition, DataKey dataKey, long next, long trimHorizon)
    {
        Definition = definition;
        DataKey = dataKey;
        Prefix = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(Prefix, definition.StreamId);
        _next = next;
        TrimHorizon = trimHorizon;
        Enabled = definition.DisabledAt is null;
    }

    public StreamDefinition Definition { get; }

    public DataKey DataKey { get; }

    /// <summary>The 8-byte stream id every record key of this stream starts with.</summary>
    public byte[] Prefix { get; }

    /// <summary>Guards the sequence counter, the in-flight set, <see cref="Enabled"/> and the shard list.</summary>
    public object Sync { get; } = new();

    /// <summary>True until the stream is disabled or its table deleted; then no record is added.</summary>
    public bool Enabled { get; internal set; }

    /// <summary>The lowest sequence number not yet removed by the 24-hour retention.</summary>
    public long TrimHorizon { get; internal set; }

    public string Arn => Definition.Arn;

    /// <summary>Every record below this number has committed or will never exist.</summary>
    public long VisibleLimit
    {
        get
        {
            lock (Sync)
            {
                return _inFlight.Count == 0 ? _next : _inFlight.Min;
            }
        }
    }

    /// <summary>The number the next record will get (under <see cref="Sync"/>).</summary>
    internal long Next => _next;

    /// <summary>Reserves the next sequence number; call under <see cref="Sync"/>.</summary>
    internal long Reserve()
    {
        var sequence = _next++;
        _inFlight.Add(sequence);
        return sequence;
    }

    /// <summary>A reserved number's batch committed or was abandoned.</summary>
    internal void Release(long sequence)
    {
        lock (Sync)
        {
            _inFlight.Remove(sequence);
        }
    }

    /// <summary>A copy of the shard list, consistent at one instant.</summary>
    public ShardDefinition[] SnapshotShards()
    {
        lock (Sync)
        {
            return [.. Definition.Shards.Select(Copy)];
        }
    }

    public byte[] RecordKey(long sequence)
    {
        var key = new byte[16];
        Prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), sequence);
        return key;
    }

    public static long SequenceOf(ReadOnlySpan<byte> recordKey) => BinaryPrimitives.ReadInt64BigEndian(recordKey[8..]);

    /// <summary>Sequence numbers on the wire: "1" then 20 digits, so they compare as text and as numbers (21 characters, the model's minimum).</summary>
    public static string FormatSequence(long sequence) => "1" + sequence.ToString("D20", CultureInfo.InvariantCulture);

    public static bool TryParseSequence(string? text, out long sequence)
    {
        sequence = 0;
        return text is { Length: 21 } && text[0] == '1'
            && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    internal static ShardDefinition Copy(ShardDefinition shard) => new()
    {
        ShardId = shard.ShardId,
        ParentShardId = shard.ParentShardId,
        Start = shard.Start,
        End = shard.End,
        CreatedAtMs = shard.CreatedAtMs,
        ClosedAtMs = shard.ClosedAtMs,
    };

    public void Dispose() => DataKey.Dispose();
}
