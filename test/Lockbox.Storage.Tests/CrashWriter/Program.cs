using System.Text;
using Lockbox.Storage;
using Lockbox.Storage.CrashWriter;
using Lockbox.Storage.RocksDb;

// Usage: CrashWriter <directory> <firstKey> [sync]
// Writes key N (8-byte big-endian) with a value derived from N, each in its own conditional
// commit, and prints "ack N ok" only after Commit returned. Runs until killed.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CrashWriter <directory> <firstKey> [sync]");
    return 2;
}

var directory = args[0];
var next = long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var sync = args.Length > 2 && args[2] == "sync";

using var engine = RocksDbStorageEngine.Open(directory, new RocksDbStorageOptions { SyncWrites = sync });
var keyspace = engine.OpenKeyspace("crash");
var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
output.WriteLine("ready");

while (true)
{
    var key = CrashValues.Key(next);
    var batch = new WriteBatch()
        .Expect(keyspace, key, null)
        .Put(keyspace, key, CrashValues.Value(next));
    if (!engine.Commit(batch).Committed)
    {
        Console.Error.WriteLine($"key {next} already present");
        return 1;
    }

    output.WriteLine($"ack {next} ok");
    next++;
}
