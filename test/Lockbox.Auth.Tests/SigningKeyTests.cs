using System.Security.Cryptography;
using System.Text;
using Lockbox.Auth.SigV4;

namespace Lockbox.Auth.Tests;

public sealed class SigningKeyTests
{
    [Fact]
    public void Reused_hmac_contexts_give_the_one_shot_hmac_every_time()
    {
        var key = SigningKeyCache.Derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        var signingKey = new SigningKey(key);
        var messages = Enumerable.Range(0, 8).Select(i => Encoding.UTF8.GetBytes($"AWS4-HMAC-SHA256\n20120215T000000Z\nscope\n{i}")).ToArray();

        // Many threads at once, each message many times: a context that kept state from an
        // earlier message, or that two threads shared, would give a different MAC.
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var message = messages[i % messages.Length];
            Span<byte> mac = stackalloc byte[32];
            signingKey.Sign(message, mac);
            Assert.Equal(HMACSHA256.HashData(key, message), mac.ToArray());
        });
    }

    [Fact]
    public void The_cache_hands_out_one_key_per_scope()
    {
        var cache = new SigningKeyCache();

        var first = cache.Get("secret", "20120215", "us-east-1", "dynamodb");
        var again = cache.Get("secret", "20120215", "us-east-1", "dynamodb");
        var otherDay = cache.Get("secret", "20120216", "us-east-1", "dynamodb");

        Assert.Same(first, again);
        Assert.NotEqual(first.Key, otherDay.Key);
        Assert.Equal(SigningKeyCache.Derive("secret", "20120216", "us-east-1", "dynamodb"), otherDay.Key);
    }
}
