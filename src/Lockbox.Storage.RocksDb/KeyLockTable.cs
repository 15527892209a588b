using System.Buffers;

namespace Lockbox.Storage.RocksDb;

/// <summary>
/// Striped locks over (keyspace, key) pairs. A commit locks the stripes of every key it checks or
/// writes, so the read of a condition and the write that depends on it cannot interleave with
/// another commit touching the same key. Stripes are always taken in ascending index order, which
/// makes deadlock impossible no matter how many keys a batch touches.
/// </summary>
internal sealed class KeyLockTable
{
    private readonly object[] _stripes;
    private readonly int _mask;

    public KeyLockTable(int stripeCount)
    {
        if (stripeCount <= 0 || (stripeCount & (stripeCount - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stripeCount), "Stripe count must be a power of two.");
        }

        _stripes = new object[stripeCount];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new object();
        }

        _mask = stripeCount - 1;
    }

    public int StripeCount => _stripes.Length;

    public int StripeOf(int keyspaceId, ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.Add(keyspaceId);
        hash.AddBytes(key);
        return hash.ToHashCode() & _mask;
    }

    /// <summary>
    /// Locks the first <paramref name="count"/> stripes of <paramref name="stripes"/> (duplicates
    /// allowed; sorted in place) and returns a handle that releases them. The handle takes
    /// ownership of <paramref name="stripes"/>, which must come from <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    public Held Acquire(int[] stripes, int count)
    {
        var span = stripes.AsSpan(0, count);
        span.Sort();
        var distinct = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (distinct == 0 || span[distinct - 1] != span[i])
            {
                span[distinct++] = span[i];
            }
        }

        var taken = 0;
        try
        {
            for (; taken < distinct; taken++)
            {
                Monitor.Enter(_stripes[stripes[taken]]);
            }
        }
        catch
        {
            Release(stripes, taken);
            ArrayPool<int>.Shared.Return(stripes);
            throw;
        }

        return new Held(this, stripes, distinct);
    }

    private void Release(int[] stripes, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            Monitor.Exit(_stripes[stripes[i]]);
        }
    }

    /// <summary>Locks held by one commit; dispose on the same thread to release them.</summary>
    internal readonly struct Held : IDisposable
    {
        private readonly KeyLockTable? _table;
        private readonly int[]? _stripes;
        private readonly int _count;

        public Held(KeyLockTable table, int[] stripes, int count)
        {
            _table = table;
            _stripes = stripes;
            _count = count;
        }

        public void Dispose()
        {
            if (_table is not null && _stripes is not null)
            {
                _table.Release(_stripes, _count);
                ArrayPool<int>.Shared.Return(_stripes);
            }
        }
    }
}
