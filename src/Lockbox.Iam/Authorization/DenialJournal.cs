using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Lockbox.Iam.Authorization;

/// <summary>
/// Keeps every denial (issue §6: which policy type lacked an allow, or which policy and statement
/// denied) in the data directory as JSON lines, so an administrator can read them with
/// <c>lockbox denials</c> while the server runs or after it stopped. The request thread only
/// queues the record; one background task appends, so a flood of denials never makes requests
/// wait on the disk. When the file passes <see cref="DefaultMaxFileBytes"/> it becomes
/// <c>denials.1.jsonl</c> (replacing the previous one), which bounds the journal at two files.
/// </summary>
public sealed class DenialJournal : IAsyncDisposable
{
    /// <summary>The current journal file's name inside the data directory.</summary>
    public const string FileName = "denials.jsonl";

    /// <summary>The previous journal file's name (one generation is kept).</summary>
    public const string PreviousFileName = "denials.1.jsonl";

    /// <summary>Size at which the journal rotates, unless the constructor is given another.</summary>
    public const long DefaultMaxFileBytes = 16 * 1024 * 1024;

    // Beyond this many queued records the oldest are dropped (and counted) rather than letting
    // memory grow without bound under a denial storm.
    private const int QueueCapacity = 10_000;

    private readonly long _maxFileBytes;
    private readonly string _path;
    private readonly string _previousPath;
    private readonly Channel<DenialRecord> _queue;
    private readonly Task _writer;
    private long _dropped;

    /// <summary>Opens (creating if needed) the journal in <paramref name="dataDirectory"/> and starts its writer.</summary>
    public DenialJournal(string dataDirectory, long maxFileBytes = DefaultMaxFileBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        _maxFileBytes = maxFileBytes;
        _path = Path.Combine(dataDirectory, FileName);
        _previousPath = Path.Combine(dataDirectory, PreviousFileName);
        _queue = Channel.CreateBounded<DenialRecord>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            OnDropped);
        _writer = Task.Run(WriteLoopAsync);
    }

    private void OnDropped(DenialRecord record)
    {
        if (ReferenceEquals(record, FlushMarker))
        {
            // A flush marker pushed out by a storm still releases its waiter.
            if (_flushRequests.TryDequeue(out var waiter))
            {
                waiter.TrySetResult();
            }

            return;
        }

        Interlocked.Increment(ref _dropped);
    }

    /// <summary>Records dropped because the writer could not keep up (also written to the journal as a gap marker).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues one denial; never blocks. Subscribe it to <see cref="IamAuthorizer.Denied"/>.</summary>
    public void Record(DenialRecord record) => _queue.Writer.TryWrite(record);

    /// <summary>Waits until every record queued so far is on disk (for tests and shutdown).</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushRequests.Enqueue(done);
        _queue.Writer.TryWrite(FlushMarker);
        await done.Task.ConfigureAwait(false);
    }

    private static readonly DenialRecord FlushMarker = new(default, "", "", "", "", "", "", null, null);
    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource> _flushRequests = new();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new MemoryStream();
        var reported = 0L;
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            buffer.SetLength(0);
            var flushes = 0;
            while (_queue.Reader.TryRead(out var record))
            {
                if (ReferenceEquals(record, FlushMarker))
                {
                    flushes++;
                    continue;
                }

                Serialize(record, buffer);
            }

            var dropped = Dropped;
            if (dropped != reported)
            {
                WriteGap(buffer, dropped - reported);
                reported = dropped;
            }

            try
            {
                if (buffer.Length > 0)
                {
                    Append(buffer);
                }
            }
#pragma warning disable CA1031 // A full or read-only disk must not take the server down; the log line still has the denial.
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
#pragma warning restore CA1031

            for (var i = 0; i < flushes && _flushRequests.TryDequeue(out var flushed); i++)
            {
                flushed.TrySetResult();
            }
        }

        while (_flushRequests.TryDequeue(out var pending))
        {
            pending.TrySetResult();
        }
    }

    private void Append(MemoryStream buffer)
    {
        if (File.Exists(_path) && new FileInfo(_path).Length + buffer.Length > _maxFileBytes)
        {
            File.Move(_path, _previousPath, overwrite: true);
        }

        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            // Denials name principals and resources: readable by the server's user only, like the credentials file.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(_path, options);
        buffer.Position = 0;
        buffer.CopyTo(file);
    }

    private static void Serialize(DenialRecord record, Stream into)
    {
        using (var json = new Utf8JsonWriter(into))
        {
            WriteJson(json, record, writeAbsentAsNull: false);
        }

        into.WriteByte((byte)'\n');
    }

    /// <summary>
    /// One denial as the journal's JSON object; <paramref name="writeAbsentAsNull"/> writes a
    /// missing policy id and Sid as null (for readers that want every member) instead of leaving them out.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter json, DenialRecord record, bool writeAbsentAsNull)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(record);
        json.WriteStartObject();
        json.WriteString("time", record.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("requestId", record.RequestId);
        json.WriteString("principal", record.Principal);
        json.WriteString("action", record.Action);
        json.WriteString("resource", record.Resource);
        json.WriteString("decision", record.Decision);
        json.WriteString("policyType", record.PolicyType);
        if (record.PolicyId is not null || writeAbsentAsNull)
        {
            json.WriteString("policyId", record.PolicyId);
        }

        if (record.Sid is not null || writeAbsentAsNull)
        {
            json.WriteString("sid", record.Sid);
        }

        json.WriteEndObject();
    }

    private static void WriteGap(Stream into, long dropped)
    {
        var line = Encoding.UTF8.GetBytes($"{{\"gap\":{dropped}}}\n");
        into.Write(line);
    }

    /// <summary>
    /// Reads the journal of <paramref name="dataDirectory"/>, oldest first: the previous file, then
    /// the current one. Lines that are not whole records (a gap marker, a line cut by a crash) are
    /// reported through <paramref name="skipped"/> and otherwise ignored.
    /// </summary>
    public static IEnumerable<DenialRecord> Read(string dataDirectory, Action<string>? skipped = null)
    {
        foreach (var name in new[] { PreviousFileName, FileName })
        {
            var path = Path.Combine(dataDirectory, name);
            if (!File.Exists(path))
            {
                continue;
            }

            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (TryParse(line) is { } record)
                {
                    yield return record;
                }
                else
                {
                    skipped?.Invoke(line);
                }
            }
        }
    }

    private static DenialRecord? TryParse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("time", out var time))
            {
                return null;
            }

            return new DenialRecord(
                DateTimeOffset.Parse(time.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                Text(root, "requestId") ?? "", Text(root, "principal") ?? "", Text(root, "action") ?? "",
                Text(root, "resource") ?? "", Text(root, "decision") ?? "", Text(root, "policyType") ?? "",
                Text(root, "policyId"), Text(root, "sid"));
        }
        catch (JsonException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
