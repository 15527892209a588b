using System.Security.Cryptography;
using System.Text;
using Lockbox.Kms.Envelope;

namespace Lockbox.Storage.Tests;

/// <summary>AES-256-GCM envelope encryption: data keys, wrapping, tampering, keyed hash.</summary>
public sealed class EnvelopeTests
{
    private static readonly byte[] _aad = Encoding.UTF8.GetBytes("table-1/item-key");

    private static MasterKey NewMasterKey() => MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(400 * 1024)]
    public void DataKey_seal_open_round_trips(int length)
    {
        using var key = DataKey.Generate();
        var plaintext = RandomNumberGenerator.GetBytes(length);
        var sealedData = key.Seal(plaintext, _aad);
        Assert.Equal(DataKey.SealedLength(length), sealedData.Length);
        Assert.Equal(length + 29, sealedData.Length);
        Assert.Equal(1, sealedData[0]);
        Assert.Equal(plaintext, key.Open(sealedData, _aad));

        // Span variant writes the same format.
        var destination = new byte[DataKey.SealedLength(length) + 5];
        Assert.Equal(sealedData.Length, key.Seal(plaintext, _aad, destination));
        Assert.Equal(plaintext, key.Open(destination.AsSpan(0, sealedData.Length), _aad));
    }

    /// <summary>
    /// The sealing format is AES-256-GCM exactly as the platform's AesGcm computes it, in both
    /// directions, for every length around the block and four-block boundaries and for associated
    /// data of several block counts (the sealer runs its own AES-NI code where the CPU has it).
    /// </summary>
    [Fact]
    public void Sealed_values_are_standard_aes_gcm_in_both_directions()
    {
        var random = new Random(20261201);
        var rawKey = new byte[32];
        for (var keyIndex = 0; keyIndex < 4; keyIndex++)
        {
            random.NextBytes(rawKey);
            using var master = MasterKey.FromBytes(rawKey);
            using var reference = new AesGcm(rawKey, 16);
            foreach (var aadLength in new[] { 0, 1, 15, 16, 17, 33, 64, 100 })
            {
                for (var length = 0; length <= 200; length += length < 80 ? 1 : 7)
                {
                    var plaintext = new byte[length];
                    random.NextBytes(plaintext);
                    var aad = new byte[aadLength];
                    random.NextBytes(aad);

                    // Ours sealed, the platform opens.
                    var sealedData = master.Seal(plaintext, aad);
                    var opened = new byte[length];
                    reference.Decrypt(sealedData.AsSpan(1, 12), sealedData.AsSpan(13, length), sealedData.AsSpan(13 + length, 16), opened, aad);
                    Assert.Equal(plaintext, opened);

                    // The platform sealed, ours opens.
                    var theirs = new byte[29 + length];
                    theirs[0] = 1;
                    random.NextBytes(theirs.AsSpan(1, 12));
                    reference.Encrypt(theirs.AsSpan(1, 12), plaintext, theirs.AsSpan(13, length), theirs.AsSpan(13 + length, 16), aad);
                    Assert.Equal(plaintext, master.Open(theirs, aad));
                }
            }
        }
    }

    /// <summary>The test case with a 256-bit key, associated data and a partial last block from the GCM specification.</summary>
    [Fact]
    public void Opens_the_gcm_specification_test_vector()
    {
        using var master = MasterKey.FromBytes(Convert.FromHexString("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
        var sealedData = Convert.FromHexString("01" + "cafebabefacedbaddecaf888" +
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
            "76fc6ece0f4e1768cddf8853bb2d551b");
        var plaintext = master.Open(sealedData, Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2"));
        Assert.Equal(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            Convert.ToHexStringLower(plaintext));
    }

    [Fact]
    public void Seal_uses_a_fresh_nonce_each_time()
    {
        using var key = DataKey.Generate();
        var a = key.Seal(Encoding.UTF8.GetBytes("same"), _aad);
        var b = key.Seal(Encoding.UTF8.GetBytes("same"), _aad);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.AsSpan(1, 12).ToArray(), b.AsSpan(1, 12).ToArray());
    }

    [Fact]
    public void Tampering_wrong_aad_and_wrong_key_are_detected()
    {
        using var key = DataKey.Generate();
        using var other = DataKey.Generate();
        var sealedData = key.Seal(Encoding.UTF8.GetBytes("secret value"), _aad);

        for (var i = 0; i < sealedData.Length; i++)
        {
            var tampered = (byte[])sealedData.Clone();
            tampered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => key.Open(tampered, _aad));
        }

        Assert.ThrowsAny<CryptographicException>(() => key.Open(sealedData, Encoding.UTF8.GetBytes("table-1/other-key")));
        Assert.ThrowsAny<CryptographicException>(() => key.Open(sealedData, []));
        Assert.ThrowsAny<CryptographicException>(() => other.Open(sealedData, _aad));
        Assert.ThrowsAny<CryptographicException>(() => key.Open(sealedData.AsSpan(0, sealedData.Length - 1), _aad));
        Assert.ThrowsAny<CryptographicException>(() => key.Open(sealedData.AsSpan(0, 10), _aad));
        Assert.ThrowsAny<CryptographicException>(() => key.Open([], _aad));
    }

    [Fact]
    public void Master_key_seal_open_and_failures()
    {
        using var master = NewMasterKey();
        using var otherMaster = NewMasterKey();
        var sealedData = master.Seal(Encoding.UTF8.GetBytes("kms key material"), _aad);
        Assert.Equal("kms key material", Encoding.UTF8.GetString(master.Open(sealedData, _aad)));
        Assert.ThrowsAny<CryptographicException>(() => otherMaster.Open(sealedData, _aad));
        Assert.ThrowsAny<CryptographicException>(() => master.Open(sealedData, [1]));
        sealedData[^1] ^= 0x80;
        Assert.ThrowsAny<CryptographicException>(() => master.Open(sealedData, _aad));
        Assert.ThrowsAny<CryptographicException>(() => MasterKey.FromBytes(new byte[16]));
    }

    [Fact]
    public void Wrap_and_unwrap_bind_the_key_to_master_key_and_context()
    {
        using var master = NewMasterKey();
        using var otherMaster = NewMasterKey();
        var context = Encoding.UTF8.GetBytes("arn:aws:dynamodb:us-east-1:000000000000:table/Orders");
        using var key = DataKey.Generate();
        var wrapped = key.Wrap(master, context);
        var sealedData = key.Seal(Encoding.UTF8.GetBytes("item"), _aad);

        using (var unwrapped = DataKey.Unwrap(master, wrapped, context))
        {
            Assert.Equal("item", Encoding.UTF8.GetString(unwrapped.Open(sealedData, _aad)));
            Span<byte> h1 = stackalloc byte[16];
            Span<byte> h2 = stackalloc byte[16];
            key.KeyedHash([1, 2, 3], h1);
            unwrapped.KeyedHash([1, 2, 3], h2);
            Assert.True(h1.SequenceEqual(h2));
        }

        Assert.ThrowsAny<CryptographicException>(() => DataKey.Unwrap(master, wrapped, Encoding.UTF8.GetBytes("arn:...:table/Other")));
        Assert.ThrowsAny<CryptographicException>(() => DataKey.Unwrap(otherMaster, wrapped, context));
        var tampered = (byte[])wrapped.Clone();
        tampered[20] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => DataKey.Unwrap(master, tampered, context));
        Assert.ThrowsAny<CryptographicException>(() => DataKey.Unwrap(master, wrapped.AsSpan(1), context));

        // Something the master key sealed for another purpose is not accepted as a wrapped data key.
        var notAKey = master.Seal(RandomNumberGenerator.GetBytes(32), context);
        Assert.ThrowsAny<CryptographicException>(() => DataKey.Unwrap(master, notAKey, context));
    }

    [Fact]
    public void Keyed_hash_is_stable_per_key_and_differs_across_keys()
    {
        using var key = DataKey.Generate();
        using var other = DataKey.Generate();
        var a = new byte[16];
        var b = new byte[16];
        var c = new byte[16];
        var d = new byte[16];
        key.KeyedHash(Encoding.UTF8.GetBytes("pk-1"), a);
        key.KeyedHash(Encoding.UTF8.GetBytes("pk-1"), b);
        key.KeyedHash(Encoding.UTF8.GetBytes("pk-2"), c);
        other.KeyedHash(Encoding.UTF8.GetBytes("pk-1"), d);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
        Assert.Throws<ArgumentException>(() => key.KeyedHash([1], new byte[15]));
    }

    [Fact]
    public void Disposed_keys_refuse_to_work()
    {
        var key = DataKey.Generate();
        var sealedData = key.Seal([1, 2, 3], _aad);
        key.Dispose();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Open(sealedData, _aad));
        Assert.Throws<ObjectDisposedException>(() => key.Seal([1], _aad));
        Assert.Throws<ObjectDisposedException>(() => key.KeyedHash([1], new byte[16]));
    }

    [Fact]
    public void Many_threads_can_seal_and_open_with_one_key()
    {
        using var key = DataKey.Generate();
        var failures = 0;
        var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            var destination = new byte[DataKey.SealedLength(2048)];
            for (var i = 0; i < 2000; i++)
            {
                var plaintext = new byte[random.Next(2048)];
                random.NextBytes(plaintext);
                var aad = BitConverter.GetBytes((t * 100_000) + i);
                var length = key.Seal(plaintext, aad, destination);
                var opened = key.Open(destination.AsSpan(0, length), aad);
                if (!opened.AsSpan().SequenceEqual(plaintext))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, failures);
    }
}
