using System.Collections.Concurrent;
using System.Diagnostics;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;
using Microsoft.Extensions.Logging;

namespace Lockbox.DynamoDb.Backups;

/// <summary>
/// Fills restored tables in the background. A restore target is created with its
/// <see cref="RestoreRecord"/> marked in progress: DescribeTable shows it CREATING, item
/// operations do not see it, and it turns ACTIVE only once every item is written.
/// <para>Items go through <see cref="ItemStore.WriteAtomically"/> (origin
/// <see cref="WriteOrigin.Restore"/>), so observers such as index maintenance derive their data
/// as for any write. Progress is logged every few seconds.</para>
/// <para>Crash safety: a target still in progress at start-up (the server stopped or was killed
/// mid-restore) is resumed: its partial items are removed and the copy starts again from the
/// same source, which the record names. If the source is gone, or a restore fails, the target
/// is dropped, so a half-restored table never looks ACTIVE.</para>
/// </summary>
internal sealed partial class RestoreJobs : IDisposable
{
    private const int ItemsPerWrite = 100;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly TableCatalog _catalog;
    private readonly ItemStore _store;
    private readonly BackupStore _backups;
    private readonly ChangeLog _changeLog;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TableRuntime, Task> _running = new();

    public RestoreJobs(TableCatalog catalog, ItemStore store, BackupStore backups, ChangeLog changeLog, ILogger logger)
    {
        _catalog = catalog;
        _store = store;
        _backups = backups;
        _changeLog = changeLog;
        _logger = logger;
    }

    /// <summary>Test seam: runs after each committed group of items (count so far), before the next.</summary>
    internal Action<long>? AfterWrite { get; set; }

    /// <summary>True while a restore reads from this backup (it cannot be deleted meanwhile).</summary>
    public bool IsRestoringFrom(string backupArn) =>
        _running.Keys.Any(t => t.Definition.Restore?.SourceBackupArn == backupArn);

    /// <summary>Starts filling <paramref name="target"/> from the source its restore record names.</summary>
    public void Start(TableRuntime target)
    {
        // Registered before it starts, so a quick job's own removal cannot precede its registration.
        var job = new Task(() => Run(target), TaskCreationOptions.LongRunning);
        _running[target] = job;
        job.Start(TaskScheduler.Default);
    }

    /// <summary>Start-up: resumes every restore a stop or crash interrupted.</summary>
    public void ResumeInterrupted()
    {
        foreach (var table in _catalog.All.ToList())
        {
            if (table.Definition.Restore is { InProgress: true })
            {
                LogResuming(_logger, table.Definition.TableName);
                var end = KeyRange.PrefixSuccessor(table.StoragePrefix)!;
                _store.Storage.Commit(new WriteBatch().DeleteRange(_catalog.Items, table.StoragePrefix, end));
                table.SetCounters(0, 0);
                Start(table);
            }
        }
    }

    /// <summary>Waits for running restores (tests and shutdown).</summary>
    public bool WaitAll(TimeSpan timeout)
    {
        try
        {
            return Task.WaitAll(_running.Values.ToArray(), timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private void Run(TableRuntime target)
    {
        var name = target.Definition.TableName;
        var watch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long written = 0;
        try
        {
            var token = _stopping.Token;
            LogStarted(_logger, name, Describe(target.Definition.Restore!));
            var group = new List<ItemWrite>(ItemsPerWrite);
            foreach (var item in Source(target.Definition.Restore!))
            {
                token.ThrowIfCancellationRequested();
                group.Add(new ItemWrite(target, ItemStore.StorageKey(target, item), _ => item));
                if (group.Count == ItemsPerWrite)
                {
                    written += Flush(target, group);
                    AfterWrite?.Invoke(written);
                    if (watch.Elapsed - lastReport >= ProgressInterval)
                    {
                        lastReport = watch.Elapsed;
                        LogProgress(_logger, name, written, (long)watch.Elapsed.TotalSeconds);
                    }
                }
            }

            token.ThrowIfCancellationRequested();
            written += Flush(target, group);
            var finished = TableCatalog.Copy(target.Definition);
            finished.Restore!.InProgress = false;
            _catalog.Update(target, finished);
            LogFinished(_logger, name, written, watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException)
        {
            // The server is stopping: the target stays CREATING in storage and is resumed at the next start.
            LogInterrupted(_logger, name, written);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogFailed(_logger, name, exception);
            _catalog.Delete(target);
        }
        finally
        {
            _running.TryRemove(target, out _);
        }
    }

    private long Flush(TableRuntime target, List<ItemWrite> group)
    {
        if (group.Count == 0)
        {
            return 0;
        }

        _store.WriteAtomically(group, WriteOrigin.Restore);
        var count = group.Count;
        group.Clear();
        return count;
    }

    private IEnumerable<Dictionary<string, AttributeValue>> Source(RestoreRecord restore)
    {
        if (restore.SourceBackupArn is { } backupArn)
        {
            var backup = _backups.Find(backupArn);
            if (backup is not { BackupStatus: "AVAILABLE" })
            {
                throw new InvalidOperationException($"the source backup {backupArn} no longer exists");
            }

            return _backups.ReadItems(backup);
        }

        var source = _catalog.All.FirstOrDefault(t => t.Definition.StorageId == restore.SourceStorageId)
            ?? throw new InvalidOperationException($"the source table {restore.SourceTableArn} no longer exists");
        return _changeLog.ItemsAt(source, (long)Math.Round(restore.RestoreDateTime * 1000));
    }

    private static string Describe(RestoreRecord restore) =>
        restore.SourceBackupArn ?? $"{restore.SourceTableArn} at {DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(restore.RestoreDateTime * 1000)):O}";

    public void Dispose()
    {
        _stopping.Cancel();
        WaitAll(TimeSpan.FromSeconds(30));
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Restore of table {TableName} from {Source} started")]
    private static partial void LogStarted(ILogger logger, string tableName, string source);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Restore of table {TableName}: {Items} items written in {Seconds} s")]
    private static partial void LogProgress(ILogger logger, string tableName, long items, long seconds);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Restore of table {TableName} finished: {Items} items in {Milliseconds} ms; the table is ACTIVE")]
    private static partial void LogFinished(ILogger logger, string tableName, long items, long milliseconds);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Restore of table {TableName} interrupted by shutdown after {Items} items; it resumes at the next start")]
    private static partial void LogInterrupted(ILogger logger, string tableName, long items);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Error, Message = "Restore of table {TableName} failed; the partly restored table was dropped")]
    private static partial void LogFailed(ILogger logger, string tableName, Exception exception);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Restore of table {TableName} was interrupted by a stop or crash; starting it again")]
    private static partial void LogResuming(ILogger logger, string tableName);
}
