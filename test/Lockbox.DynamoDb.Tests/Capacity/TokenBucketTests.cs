using Lockbox.DynamoDb.Capacity;

namespace Lockbox.DynamoDb.Tests.Capacity;

public sealed class TokenBucketTests
{
    [Fact]
    public void Starts_with_the_full_burst_and_refuses_once_it_is_spent()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(time, rate: 5, burstSeconds: 300);
        Assert.Equal(1500, bucket.Balance);
        for (var i = 0; i < 1500; i++)
        {
            Assert.True(bucket.TryTake(1), $"write {i} refused");
        }

        Assert.False(bucket.TryTake(1));
        Assert.False(bucket.HasCapacity());
    }

    [Fact]
    public void Refills_at_the_provisioned_rate_up_to_the_burst_window()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(time, rate: 10, burstSeconds: 2);
        bucket.Charge(20);
        Assert.Equal(0, bucket.Balance);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, bucket.Balance, 6);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(20, bucket.Balance, 6);
    }

    [Fact]
    public void A_large_request_leaves_debt_that_later_requests_wait_out()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(time, rate: 4, burstSeconds: 1);
        Assert.True(bucket.TryTake(12)); // admitted while positive, charged in full
        Assert.Equal(-8, bucket.Balance, 6);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(bucket.HasCapacity()); // exactly zero is still spent
        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(bucket.HasCapacity());
    }

    [Fact]
    public void Reconfigure_applies_the_new_rate_at_once_and_drops_burst_beyond_the_new_window()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(time, rate: 100, burstSeconds: 1);
        bucket.Reconfigure(rate: 10, burstSeconds: 1);
        Assert.Equal(10, bucket.Balance, 6);
        bucket.Charge(10);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, bucket.Balance, 6);
    }

    [Fact]
    public void A_refund_never_raises_the_balance_above_the_burst_window()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(time, rate: 1, burstSeconds: 5);
        bucket.Charge(-100);
        Assert.Equal(5, bucket.Balance, 6);
    }
}
