using System.Numerics;

namespace Lockbox.Bench.Load;

/// <summary>
/// Log-linear latency histogram over microseconds (HdrHistogram-style: 64 sub-buckets per
/// power of two, so any recorded value is reported within ~1.6%). Not thread-safe: each worker
/// owns one and they are merged after a run.
/// </summary>
internal sealed class Histogram
{
    private const int SubBits = 7;
    private const int Sub = 1 << SubBits;   // values below this are exact
    private const int Half = Sub / 2;
    private readonly long[] _counts = new long[64 * Half];

    public long Count { get; private set; }
    public long MaxMicros { get; private set; }
    public double SumMicros { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        _counts[Index(micros)]++;
        Count++;
        SumMicros += micros;
        if (micros > MaxMicros)
        {
            MaxMicros = micros;
        }
    }

    public void Add(Histogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        SumMicros += other.SumMicros;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    private static int Index(long v)
    {
        if (v < Sub)
        {
            return (int)v;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)v);
        int shift = msb - (SubBits - 1);
        return (shift * Half) + (int)(v >> shift);
    }

    /// <summary>Midpoint of the bucket at index i, in microseconds.</summary>
    private static double ValueAt(int i)
    {
        if (i < Sub)
        {
            return i;
        }

        int shift = (i / Half) - 1;
        long mantissa = i - (shift * Half);
        return (mantissa << shift) + ((1L << shift) / 2.0);
    }

    /// <summary>Value at quantile q (0..1) in microseconds; 0 when empty.</summary>
    public double Percentile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(ValueAt(i), MaxMicros);
            }
        }

        return MaxMicros;
    }
}
