using System.Buffers.Binary;
using System.Numerics;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.TimeToLive;

/// <summary>
/// The expiry index of tables with Time to Live: one entry per item whose TTL attribute is a
/// Number, ordered by expiry, so a sweep reads exactly the items that expired and nothing else.
/// <para>Design: keyspace <c>dynamodb-expiry</c>, key <c>tableStorageId(8) | expiry(8) | item
/// storage key</c>, empty value. The expiry is the attribute's value in whole epoch seconds, rounded
/// down (an item expires at <c>now</c> exactly when <c>floor(value) &lt; now</c>, now being whole
/// seconds), clamped to a signed 64-bit range and stored big-endian with the sign bit flipped, so
/// byte order is numeric order. As an <see cref="IItemChangeObserver"/> the index writes its entries
/// in the item's own atomic batch while the table's TTL status is ENABLING or ENABLED, so an entry
/// exists exactly when the item version committed. Items whose attribute is missing or not a Number
/// have no entry (DynamoDB ignores them). The key <c>tableStorageId | FF×8</c> (no item key) holds
/// the cursor of an index build in progress; entries never reach that expiry.</para>
/// </summary>
public sealed class ExpiryIndex(Keyspace expiry) : IItemChangeObserver
{
    private const int PrefixLength = 8;
    private const int ExpiryLength = 8;

    /// <summary>The expiry keyspace.</summary>
    public Keyspace Keyspace => expiry;

    /// <summary>The TTL attribute whose entries writes maintain for <paramref name="definition"/>, or null.</summary>
    public static string? MaintainedAttribute(TableDefinition definition) =>
        definition.TimeToLiveAttribute is { } attribute && definition.TimeToLiveState() is "ENABLING" or "ENABLED" ? attribute : null;

    public void OnChange(in ItemChange change, WriteBatch batch)
    {
        if (MaintainedAttribute(change.Table.Definition) is not { } attribute)
        {
            return;
        }

        var prefix = change.Table.StoragePrefix;
        var oldKey = change.Old is not null && TryGetExpiry(change.Old, attribute, out var oldExpiry)
            ? EntryKey(prefix, oldExpiry, change.StorageKey)
            : null;
        var newKey = change.New is not null && TryGetExpiry(change.New, attribute, out var newExpiry)
            ? EntryKey(prefix, newExpiry, change.StorageKey)
            : null;
        if (oldKey is not null && newKey is not null && oldKey.AsSpan().SequenceEqual(newKey))
        {
            return;
        }

        if (oldKey is not null)
        {
            batch.Delete(expiry, oldKey);
        }

        if (newKey is not null)
        {
            batch.Put(expiry, newKey, []);
        }
    }

    /// <summary>
    /// The item's expiry in whole epoch seconds (rounded down, clamped to the index's range) when its
    /// attribute <paramref name="attribute"/> is a Number; false otherwise.
    /// </summary>
    public static bool TryGetExpiry(IReadOnlyDictionary<string, AttributeValue> item, string attribute, out long seconds)
    {
        seconds = 0;
        if (!item.TryGetValue(attribute, out var value) || value.Type != AttributeType.N)
        {
            return false;
        }

        seconds = Floor(value.AsNumber());
        return true;
    }

    /// <summary>The largest whole number not above <paramref name="number"/>, clamped to the index's range.</summary>
    public static long Floor(DynamoNumber number)
    {
        const long max = long.MaxValue - 1; // long.MaxValue (FF×8 once encoded) marks the build cursor.
        if (number.TryGetInt64(out var whole))
        {
            return Math.Min(whole, max);
        }

        BigInteger value;
        if (number.Exponent >= 0)
        {
            value = number.Coefficient * BigInteger.Pow(10, number.Exponent);
        }
        else
        {
            value = BigInteger.DivRem(number.Coefficient, BigInteger.Pow(10, -number.Exponent), out var remainder);
            if (remainder.Sign < 0)
            {
                value -= 1;
            }
        }

        return value > max ? max : value < long.MinValue ? long.MinValue : (long)value;
    }

    /// <summary><c>prefix | expiry | storageKey</c>.</summary>
    public static byte[] EntryKey(byte[] tablePrefix, long seconds, byte[] storageKey)
    {
        var key = new byte[PrefixLength + ExpiryLength + storageKey.Length];
        WriteBound(tablePrefix, seconds, key);
        storageKey.CopyTo(key, PrefixLength + ExpiryLength);
        return key;
    }

    /// <summary><c>prefix | expiry</c>: the first key of the entries expiring at <paramref name="seconds"/>.</summary>
    public static byte[] Bound(byte[] tablePrefix, long seconds)
    {
        var key = new byte[PrefixLength + ExpiryLength];
        WriteBound(tablePrefix, seconds, key);
        return key;
    }

    /// <summary>Where a table's index build keeps its progress (the last item storage key it covered).</summary>
    public static byte[] CursorKey(byte[] tablePrefix) => Bound(tablePrefix, long.MaxValue);

    /// <summary>The expiry and the item storage key of an entry.</summary>
    public static (long Seconds, byte[] StorageKey) Parse(byte[] entryKey)
    {
        var sortable = BinaryPrimitives.ReadUInt64BigEndian(entryKey.AsSpan(PrefixLength, ExpiryLength));
        return ((long)(sortable ^ 0x8000_0000_0000_0000UL), entryKey[(PrefixLength + ExpiryLength)..]);
    }

    private static void WriteBound(byte[] tablePrefix, long seconds, byte[] destination)
    {
        tablePrefix.AsSpan(0, PrefixLength).CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination.AsSpan(PrefixLength, ExpiryLength), (ulong)seconds ^ 0x8000_0000_0000_0000UL);
    }
}
