using System.Text;

namespace Lockbox.Storage.CrashWriter;

/// <summary>Keys and values shared with the test that checks them.</summary>
internal static class CrashValues
{
    public static byte[] Key(long n)
    {
        var key = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key, n);
        return key;
    }

    // ~1 KB so memtables fill and flush during the run, exercising WAL + SST recovery together.
    public static byte[] Value(long n) => Encoding.ASCII.GetBytes($"value-{n}-" + new string((char)('a' + (n % 26)), 1000));
}
