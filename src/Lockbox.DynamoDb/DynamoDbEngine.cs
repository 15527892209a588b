using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Streams;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.TimeToLive;
using Lockbox.DynamoDb.Transactions;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.DynamoDb;

/// <summary>Settings of a <see cref="DynamoDbEngine"/>'s background work.</summary>
public sealed class DynamoDbEngineOptions
{
    /// <summary>Default time between TTL sweeps: 30 s (DynamoDB itself takes up to days).</summary>
    public static readonly TimeSpan DefaultTimeToLiveSweepInterval = TimeSpan.FromSeconds(30);

    /// <summary>Time between two TTL sweeps.</summary>
    public TimeSpan TimeToLiveSweepInterval { get; init; } = DefaultTimeToLiveSweepInterval;

    /// <summary>Time between two rounds of stream upkeep (shard rolling, 24-hour trimming).</summary>
    public TimeSpan StreamMaintenanceInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest share of wall-clock time a TTL sweep may spend working.</summary>
    public double TimeToLiveDutyCycle { get; init; } = 0.2;

    /// <summary>DynamoDB refuses a TTL change within an hour of the previous one (it was observed to lift after about 31 minutes).</summary>
    public static readonly TimeSpan DefaultTimeToLiveChangeCooldown = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after a TTL change UpdateTimeToLive refuses another one for the same table. Defaults
    /// to one hour, as documented by DynamoDB; tests shorten it (<c>lockbox serve --ttl-change-cooldown</c>).
    /// </summary>
    public TimeSpan TimeToLiveChangeCooldown { get; init; } = DefaultTimeToLiveChangeCooldown;

    /// <summary>
    /// How many seconds of unused provisioned capacity a table keeps as burst capacity (DynamoDB:
    /// 300; tests shorten it with <c>lockbox serve --dynamodb-burst-seconds</c>).
    /// </summary>
    public double BurstSeconds { get; init; } = Capacity.ThroughputLimiter.DefaultBurstSeconds;

    /// <summary>Told about a failure of background work (which then carries on at its next round).</summary>
    public Action<string, Exception>? OnBackgroundError { get; init; }
}

/// <summary>
/// The DynamoDB engine shared by the DynamoDB and DynamoDB Streams services: one table catalog,
/// one item store (the one write path), the stream store observing it, and the TTL sweeper.
/// Background work (TTL changes and sweeps, stream upkeep) runs on one low-priority thread once
/// <see cref="StartBackgroundWork"/> is called; <see cref="Dispose"/> stops it first.
/// </summary>
public sealed class DynamoDbEngine : IDisposable
{
    private readonly DynamoDbEngineOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _background;

    public DynamoDbEngine(IStorageEngine storage, MasterKey masterKey, TimeProvider time, DynamoDbEngineOptions? options = null)
    {
        _options = options ?? new DynamoDbEngineOptions();
        Time = time;
        MasterKey = masterKey;
        Catalog = new TableCatalog(storage, masterKey);
        Items = new ItemStore(Catalog);
        // Index maintenance runs first: it refuses items whose index keys break the schema before
        // any other observer reserves anything for the write.
        Items.AddObserver(new IndexMaintenance(Catalog.Indexes));
        ItemCollections = new ItemCollections(Items);
        Items.AddObserver(ItemCollections);
        Streams = new StreamStore(storage, masterKey, time);
        Items.AddObserver(Streams);
        Items.AddObserver(new ExpiryIndex(Catalog.Expiry));
        IndexBackfill = new IndexBackfill(Catalog, Items);
        Limiter = new Capacity.ThroughputLimiter(time, _options.BurstSeconds);
        Transactions = new TransactionEngine(Items, new TransactionTokens(storage, time));
        TimeToLive = new TimeToLiveSweeper(Catalog, Items, time) { MaxDutyCycle = _options.TimeToLiveDutyCycle };
    }

    public TimeProvider Time { get; }

    public MasterKey MasterKey { get; }

    public TableCatalog Catalog { get; }

    public ItemStore Items { get; }

    public StreamStore Streams { get; }

    /// <summary>Item collection sizes of tables with local secondary indexes.</summary>
    public ItemCollections ItemCollections { get; }

    /// <summary>TransactWriteItems / TransactGetItems (and PartiQL's ExecuteTransaction).</summary>
    public TransactionEngine Transactions { get; }

    /// <summary>Provisioned-throughput throttling, shared by every operation.</summary>
    public Capacity.ThroughputLimiter Limiter { get; }

    /// <summary>Builds global secondary indexes added to existing tables.</summary>
    public IndexBackfill IndexBackfill { get; }

    public TimeToLiveSweeper TimeToLive { get; }

    /// <summary>How long after a TTL change another one is refused (see <see cref="DynamoDbEngineOptions.TimeToLiveChangeCooldown"/>).</summary>
    public TimeSpan TimeToLiveChangeCooldown => _options.TimeToLiveChangeCooldown;

    /// <summary>
    /// Starts the background thread (TTL sweeps and stream upkeep) and resumes index backfills a
    /// previous run left unfinished. Idempotent.
    /// </summary>
    public void StartBackgroundWork()
    {
        if (_background is not null)
        {
            return;
        }

        IndexBackfill.ResumeAll();
        _background = new Thread(RunBackground)
        {
            IsBackground = true,
            Name = "lockbox-dynamodb-background",
            Priority = ThreadPriority.BelowNormal,
        };
        _background.Start();
    }

    private void RunBackground()
    {
        var token = _stop.Token;
        var nextSweep = DateTime.UtcNow + _options.TimeToLiveSweepInterval;
        var nextUpkeep = DateTime.UtcNow;
        var applyTimeToLiveChanges = true; // resumes expiry-index builds a previous run left unfinished
        WaitHandle[] wakers = [token.WaitHandle, TimeToLive.ChangeSignal];
        while (!token.IsCancellationRequested)
        {
            if (applyTimeToLiveChanges)
            {
                Guard("TTL change", () => TimeToLive.ApplyChanges(token));
                applyTimeToLiveChanges = false;
            }

            var now = DateTime.UtcNow;
            if (now >= nextUpkeep)
            {
                Guard("stream upkeep", Streams.Maintain);
                nextUpkeep = DateTime.UtcNow + _options.StreamMaintenanceInterval;
            }

            if (now >= nextSweep)
            {
                Guard("TTL sweep", () => TimeToLive.SweepOnce(token));
                nextSweep = DateTime.UtcNow + _options.TimeToLiveSweepInterval;
            }

            var wait = (nextSweep < nextUpkeep ? nextSweep : nextUpkeep) - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                applyTimeToLiveChanges = WaitHandle.WaitAny(wakers, wait) == 1;
            }
        }
    }

    private void Guard(string what, Action work)
    {
        try
        {
            work();
        }
#pragma warning disable CA1031 // Background work must survive any failure and retry at its next round.
        catch (Exception error)
#pragma warning restore CA1031
        {
            _options.OnBackgroundError?.Invoke(what, error);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _background?.Join();
        _stop.Dispose();
        IndexBackfill.Dispose();
        TimeToLive.Dispose();
        Streams.Dispose();
        Catalog.Dispose();
    }
}
