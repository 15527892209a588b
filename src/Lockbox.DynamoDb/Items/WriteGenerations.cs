namespace Lockbox.DynamoDb.Items;

/// <summary>
/// Lets background work wait until every item write that may have read an older table definition
/// has finished (committed or abandoned).
/// <para>Design: writers enter the current generation (one of two counters chosen by the
/// generation's parity) and leave it when done; <see cref="WaitForOlder"/> starts a new generation
/// and waits for the previous one to drain. A writer re-checks the generation after counting
/// itself, so one counted in the previous generation entered before the wait started. Whoever
/// changed a definition before calling <see cref="WaitForOlder"/> therefore knows that every
/// write still running reads the changed definition: an expiry-index build that starts after the
/// wait cannot miss an item written without an entry, and a range delete after it cannot be
/// followed by an entry written under the old definition. Cost per write: two or three
/// interlocked operations on a counter, no lock.</para>
/// </summary>
public sealed class WriteGenerations
{
    private readonly Lock _waitLock = new();
    private long _generation;
    private long _even;
    private long _odd;

    /// <summary>Counts a write in; pass the result to <see cref="Exit"/> when it is done.</summary>
    public long Enter()
    {
        while (true)
        {
            var generation = Volatile.Read(ref _generation);
            Interlocked.Increment(ref Counter(generation));
            if (Volatile.Read(ref _generation) == generation)
            {
                return generation;
            }

            Interlocked.Decrement(ref Counter(generation));
        }
    }

    /// <summary>Counts a write out.</summary>
    public void Exit(long generation) => Interlocked.Decrement(ref Counter(generation));

    /// <summary>Returns once every write that entered before this call has exited.</summary>
    public void WaitForOlder()
    {
        lock (_waitLock)
        {
            var previous = Interlocked.Increment(ref _generation) - 1;
            var spin = new SpinWait();
            while (Volatile.Read(ref Counter(previous)) != 0)
            {
                spin.SpinOnce(sleep1Threshold: 20);
            }
        }
    }

    private ref long Counter(long generation) => ref ((generation & 1) == 0 ? ref _even : ref _odd);
}
