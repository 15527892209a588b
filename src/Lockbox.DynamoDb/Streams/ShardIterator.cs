using System.Buffers.Binary;
using System.Text;
using Lockbox.Kms.Envelope;

namespace Lockbox.DynamoDb.Streams;

/// <summary>
/// A position in a shard handed to a client: <c>{streamArn}|1|{base64url(sealed)}</c>, where the
/// sealed part (AES-256-GCM under the server's iterator key, the stream ARN as associated data)
/// holds the shard id, the next sequence number to read and when the iterator was issued. A client
/// can neither forge nor move an iterator, nor use one stream's iterator for another.
/// </summary>
public readonly record struct ShardIterator(string StreamArn, string ShardId, long Position, long IssuedAtMs)
{
    /// <summary>Shard iterators expire 15 minutes after they are issued, as in DynamoDB.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private const byte Version1 = 1;

    public string Encode(DataKey key)
    {
        var shard = Encoding.UTF8.GetBytes(ShardId);
        var plain = new byte[1 + 8 + 8 + shard.Length];
        plain[0] = Version1;
        BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(1), Position);
        BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(9), IssuedAtMs);
        shard.CopyTo(plain, 17);
        var sealedBytes = key.Seal(plain, Encoding.UTF8.GetBytes(StreamArn));
        return StreamArn + "|1|" + Convert.ToBase64String(sealedBytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string text, DataKey key, out ShardIterator iterator)
    {
        iterator = default;
        var separator = text.LastIndexOf("|1|", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        var arn = text[..separator];
        var encoded = text[(separator + 3)..].Replace('-', '+').Replace('_', '/');
        encoded = encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=');
        try
        {
            var plain = key.Open(Convert.FromBase64String(encoded), Encoding.UTF8.GetBytes(arn));
            if (plain.Length < 17 || plain[0] != Version1)
            {
                return false;
            }

            iterator = new ShardIterator(arn, Encoding.UTF8.GetString(plain.AsSpan(17)),
                BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(1)), BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(9)));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
