namespace Lockbox.DynamoDb.Capacity;

/// <summary>
/// One provisioned-throughput budget (a table's reads, a table's writes, later one index's): it
/// fills at <see cref="Rate"/> capacity units per second and holds at most
/// <c>Rate × burst seconds</c> of unused capacity, as DynamoDB's burst capacity does. A request is
/// admitted while the balance is positive and then charged what it really consumed, so a large
/// read or write can leave the bucket in debt that later requests wait out (DynamoDB admits before
/// it knows the size, too). The lock guards a few arithmetic instructions and is never held
/// across I/O.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private double _rate;
    private double _capacity;
    private double _tokens;
    private long _last;

    /// <summary>A bucket that starts full (a new or newly provisioned table has its burst available).</summary>
    public TokenBucket(TimeProvider time, double rate, double burstSeconds)
    {
        _time = time;
        _rate = rate;
        _capacity = rate * burstSeconds;
        _tokens = _capacity;
        _last = time.GetTimestamp();
    }

    public double Rate
    {
        get
        {
            lock (_lock)
            {
                return _rate;
            }
        }
    }

    /// <summary>The current balance (negative while in debt).</summary>
    public double Balance
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens;
            }
        }
    }

    /// <summary>Changes the rate at once (UpdateTable); saved-up capacity beyond the new burst limit is dropped.</summary>
    public void Reconfigure(double rate, double burstSeconds)
    {
        lock (_lock)
        {
            Refill();
            _rate = rate;
            _capacity = rate * burstSeconds;
            _tokens = Math.Min(_tokens, _capacity);
        }
    }

    /// <summary>True (and charges <paramref name="units"/>) when the balance is positive; false when it is spent.</summary>
    public bool TryTake(double units)
    {
        lock (_lock)
        {
            Refill();
            if (_tokens <= 0)
            {
                return false;
            }

            _tokens -= units;
            return true;
        }
    }

    /// <summary>True when a request would be admitted now (nothing is charged).</summary>
    public bool HasCapacity()
    {
        lock (_lock)
        {
            Refill();
            return _tokens > 0;
        }
    }

    /// <summary>Charges <paramref name="units"/> (a negative value refunds an over-estimate).</summary>
    public void Charge(double units)
    {
        lock (_lock)
        {
            Refill();
            _tokens = Math.Min(_capacity, _tokens - units);
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = (now - _last) / (double)_time.TimestampFrequency;
        _last = now;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + elapsed * _rate);
        }
    }
}
