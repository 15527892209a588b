namespace Lockbox.Common;

/// <summary>
/// A small lock-free pool of non-thread-safe, costly-to-create objects (AesGcm and HMAC contexts
/// bound to one key: table data keys, SigV4 signing keys). A thread takes an instance from a
/// slot, uses it and puts it back; slots are probed from a per-thread start index so threads
/// rarely contend. At most one instance per slot stays cached; surplus instances created under
/// contention are disposed after use.
/// </summary>
public sealed class SlotPool<T> : IDisposable
    where T : class, IDisposable
{
    private readonly T?[] _slots;
    private readonly Func<T> _create;
    private int _disposed;

    public SlotPool(Func<T> create)
    {
        _create = create;
        _slots = new T?[Math.Clamp(Environment.ProcessorCount * 2, 2, 64)];
    }

    public T Rent()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(typeof(T).Name, "The key has been disposed.");
        }

        var index = Environment.CurrentManagedThreadId % _slots.Length;
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[index]) is not null && Interlocked.Exchange(ref _slots[index], null) is { } item)
            {
                return item;
            }

            index = index + 1 == _slots.Length ? 0 : index + 1;
        }

        return _create();
    }

    public void Return(T item)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            var index = Environment.CurrentManagedThreadId % _slots.Length;
            for (var i = 0; i < _slots.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _slots[index], item, null) is null)
                {
                    // Dispose may have swept the slots meanwhile; take the item back out if so.
                    if (Volatile.Read(ref _disposed) != 0 && Interlocked.Exchange(ref _slots[index], null) is { } late)
                    {
                        late.Dispose();
                    }

                    return;
                }

                index = index + 1 == _slots.Length ? 0 : index + 1;
            }
        }

        item.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            Interlocked.Exchange(ref _slots[i], null)?.Dispose();
        }
    }
}
