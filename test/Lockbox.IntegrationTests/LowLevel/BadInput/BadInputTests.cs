using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel.BadInput;

/// <summary>
/// Bad input never yields a 500, a hang or a crash, and never changes stored data.
/// </summary>
/// <remarks>
/// <para>
/// For each operation, valid request bodies (<see cref="BadInputRequests"/>) are mutated
/// deterministically (<see cref="BodyMutator"/>, fixed seed per operation) and sent raw, SigV4
/// signed, to the real server. Every answer must be HTTP 200 or 400 within 10 s; a 400 must be JSON
/// whose <c>__type</c> names an allowed DynamoDB error; every answer must carry an
/// <c>x-amz-crc32</c> equal to the CRC32 of its body; <c>GET /</c> must still answer 200 after it.
/// </para>
/// <para>
/// Stored data. The item requests target two seeded "guarded" tables (pk S + sk N, and id B).
/// Their items and descriptions are snapshotted by consistent Scans / DescribeTable after seeding,
/// and the tables are compared with the snapshot after <em>every</em> mutated request:
/// </para>
/// <list type="bullet">
/// <item>An answer other than 200 (any error) must leave the tables exactly as snapshotted; a
/// difference is reported against that one request, so there is no ambiguity about which request
/// changed the data.</item>
/// <item>A 200 is a legitimate success (a mutation can stay valid: an unknown member, a dropped
/// optional member). A 200 from a read must also leave the tables unchanged. After a 200 from a
/// write, whatever it wrote is accepted and the snapshot is put back (extra items deleted, changed
/// ones rewritten) and checked before the next request, so every request starts from the snapshot.</item>
/// <item>At the end, items and the full DescribeTable output (item count and size included) must
/// equal the snapshot: size accounting must also survive rejected and restored writes.</item>
/// </list>
/// <para>
/// Table operations run against a scratch table of their own, recreated after a mutated
/// UpdateTable or DeleteTable succeeds; tables a mutated CreateTable created are deleted at once.
/// </para>
/// <para>
/// Reproduce a failure from its message: it prints the exact body (and the bytes are saved under
/// the temp directory), the mutation account, the seed and the index. LOCKBOX_BADINPUT_REQUESTS
/// (default 600 per operation) and LOCKBOX_BADINPUT_SEED change the storm.
/// </para>
/// </remarks>
[Collection(LockboxCollection.Name)]
public sealed class BadInputTests(LockboxServerFixture fixture)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Short names of the error types a malformed request may legitimately produce.</summary>
    private static readonly HashSet<string> AllowedErrors =
    [
        "ValidationException", "SerializationException", "ResourceNotFoundException", "ConditionalCheckFailedException",
        "ResourceInUseException", "LimitExceededException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "ThrottlingException", "ItemCollectionSizeLimitExceededException", "TransactionConflictException",
        "TransactionCanceledException", "TransactionInProgressException", "IdempotentParameterMismatchException",
        "DuplicateItemException", "TableNotFoundException", "ContinuousBackupsUnavailableException",
    ];

    private static readonly string[] OperationNames =
    [
        "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable", "PutItem", "GetItem", "UpdateItem", "DeleteItem",
        "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
        "TagResource", "UntagResource", "ListTagsOfResource", "DescribeEndpoints", "DescribeLimits",
        "ExecuteTransaction", "ExecuteStatement", "BatchExecuteStatement", "DescribeTimeToLive", "DescribeContinuousBackups", "ListBackups",
    ];

    /// <summary>Operations whose success answer is an empty body (as DynamoDB's is).</summary>
    private static readonly HashSet<string> EmptySuccessBody = ["TagResource", "UntagResource"];

    public static TheoryData<string> Operations => new(OperationNames);

    private static int RequestsPerOperation =>
        int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_BADINPUT_REQUESTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : 600;

    private static int BaseSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_BADINPUT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : 20_240_601;

    [LockboxTheory("sends thousands of malformed requests; a development emulator is not held to never answering 500")]
    [MemberData(nameof(Operations))]
    public async Task MutatedRequests_AnswerCleanErrors_AndLeaveStoredDataAlone(string operation)
    {
        using var raw = RawDynamoDbClient.For(fixture, RequestTimeout);
        var guarded = await GuardedTables.CreateAsync(raw, Tables.UniqueName("BadInputG"), Tables.UniqueName("BadInputB"));
        var scratch = Tables.UniqueName("BadInput" + operation);
        var run = new StormRun(fixture, raw, guarded, operation, scratch);
        try
        {
            await run.ExecuteAsync();
        }
        finally
        {
            await run.CleanUpAsync();
        }
        Assert.True(run.Failures.Count == 0, run.Report());
    }

    /// <summary>
    /// Null when an answer to a bad request is acceptable: HTTP 200 (JSON object, no __type) or 400
    /// (JSON object whose __type is an allowed DynamoDB error), with an x-amz-crc32 matching the body.
    /// </summary>
    internal static string? CheckAnswer(RawResponse response, out string? errorType, bool emptySuccessBody = false)
    {
        errorType = null;
        var problems = new List<string>();
        if (emptySuccessBody && response.Status == HttpStatusCode.OK && response.Body.Length == 0)
        {
            return response.Crc32Header == "0" ? null : "empty body without x-amz-crc32: 0";
        }

        if (response.Status is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.Status} (only 200 or 400 allowed)"));
        }

        var expectedCrc = Crc32.ComputeDecimal(response.Body);
        if (response.Crc32Header is null)
        {
            problems.Add("no x-amz-crc32 header");
        }
        else if (response.Crc32Header != expectedCrc)
        {
            problems.Add("x-amz-crc32 " + response.Crc32Header + " but the body's CRC32 is " + expectedCrc);
        }

        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(response.Body) as JsonObject;
            if (json is null)
            {
                problems.Add("body is JSON but not an object");
            }
        }
        catch (JsonException ex)
        {
            problems.Add("body is not JSON: " + ex.Message);
        }

        if (json is not null)
        {
            var type = json["__type"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (response.Status == HttpStatusCode.OK)
            {
                if (type is not null)
                {
                    problems.Add("200 with an error __type " + type);
                }
            }
            else if (type is null)
            {
                problems.Add("error body without a string __type");
            }
            else
            {
                errorType = type[(type.LastIndexOf('#') + 1)..];
                if (!AllowedErrors.Contains(errorType))
                {
                    problems.Add("error type " + type + " is not one a bad request may produce");
                }
            }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>One operation's storm: sends, checks, keeps the guarded tables at the snapshot.</summary>
    private sealed class StormRun(LockboxServerFixture fixture, RawDynamoDbClient raw, GuardedTables guarded, string operation, string scratch)
    {
        private const int MaxFailures = 25;
        private readonly int _seed = BaseSeed + Array.IndexOf(OperationNames, operation);
        private readonly HashSet<string> _createdTables = new(StringComparer.Ordinal);
        private readonly System.Diagnostics.Stopwatch _watch = new();
        private int _sent;
        private int _ok;
        private int _errors;
        private readonly Dictionary<string, int> _errorTypes = new(StringComparer.Ordinal);
        private bool _serverDown;

        public List<(string Text, string? RequestId)> Failures { get; } = [];

        private bool UsesScratchTable => operation is "UpdateTable" or "DeleteTable";

        public async Task ExecuteAsync()
        {
            _watch.Start();
            if (UsesScratchTable)
            {
                await CreateScratchAsync().ConfigureAwait(false);
            }
            var bases = BadInputRequests.Bases(operation)
                .Select(t => BadInputRequests.Instantiate(
                    t.Replace("{ACCOUNT}", fixture.AccountId ?? LockboxServer.DefaultAccountId, StringComparison.Ordinal),
                    guarded.Name1, guarded.Name2, scratch))
                .ToList();

            // The unmutated bodies must succeed, or the mutations would not be "one step from valid".
            for (var b = 0; b < bases.Count; b++)
            {
                var body = Encoding.UTF8.GetBytes(bases[b].ToJsonString());
                var response = await raw.SendAsync(operation, body).ConfigureAwait(false);
                if (response.Status != HttpStatusCode.OK)
                {
                    Fail(string.Create(CultureInfo.InvariantCulture, $"valid base body #{b} was not accepted"), -1, "(unmutated)", body, response, null);
                }
                await AfterRequestAsync(-1, "(unmutated)", body, response).ConfigureAwait(false);
            }

            var mutator = new BodyMutator(_seed);
            var count = RequestsPerOperation;
            for (var i = 0; i < count && !_serverDown && Failures.Count < MaxFailures; i++)
            {
                var mutant = mutator.Mutate(bases[i % bases.Count]);
                RawResponse? response = null;
                try
                {
                    response = await raw.SendAsync(operation, mutant.Body).ConfigureAwait(false);
                    _sent++;
                }
                catch (TaskCanceledException ex)
                {
                    Fail("no answer within " + RequestTimeout.TotalSeconds + " s (hang)", i, mutant.Description, mutant.Body, null, ex);
                }
                catch (HttpRequestException ex)
                {
                    Fail("transport failure (connection reset or server crash)", i, mutant.Description, mutant.Body, null, ex);
                }

                if (response is not null)
                {
                    var problem = CheckResponse(response);
                    if (problem is not null)
                    {
                        Fail(problem, i, mutant.Description, mutant.Body, response, null);
                    }
                }

                if (!await raw.IsHealthyAsync().ConfigureAwait(false))
                {
                    _serverDown = true;
                    Fail("GET / no longer answers 200 after this request (server down)", i, mutant.Description, mutant.Body, response, null);
                    break;
                }

                if (response is not null)
                {
                    await AfterRequestAsync(i, mutant.Description, mutant.Body, response).ConfigureAwait(false);
                }
            }

            if (!_serverDown)
            {
                var finalDiff = await guarded.DiffAsync(includeDescriptions: true).ConfigureAwait(false);
                if (finalDiff.Count > 0)
                {
                    Failures.Add(("After the storm the guarded tables differ from the snapshot:\n" + string.Join("\n", finalDiff), null));
                }
            }
            _watch.Stop();
        }

        /// <summary>Null when the answer is acceptable, else what is wrong with it; counts answers by kind.</summary>
        private string? CheckResponse(RawResponse response)
        {
            var problem = CheckAnswer(response, out var errorType, EmptySuccessBody.Contains(operation));
            if (response.Status == HttpStatusCode.OK)
            {
                _ok++;
            }
            else
            {
                _errors++;
            }
            if (errorType is not null)
            {
                _errorTypes[errorType] = _errorTypes.GetValueOrDefault(errorType) + 1;
            }
            return problem;
        }

        /// <summary>Checks the guarded tables and keeps the scratch tables in their expected state.</summary>
        private async Task AfterRequestAsync(int index, string description, byte[] body, RawResponse response)
        {
            try
            {
                var ok = response.Status == HttpStatusCode.OK;
                var isWrite = BadInputRequests.ItemWrites.Contains(operation);
                if (ok && isWrite)
                {
                    // An accepted write may change the guarded tables; put the snapshot back.
                    await guarded.RestoreAsync().ConfigureAwait(false);
                }
                else
                {
                    var diff = await guarded.DiffAsync().ConfigureAwait(false);
                    if (diff.Count > 0)
                    {
                        Fail(
                            (ok ? "a read answered 200 but" : "a rejected request") + " changed stored data:\n" + string.Join("\n", diff),
                            index, description, body, response, null);
                        await guarded.RestoreAsync().ConfigureAwait(false);
                    }
                }

                if (ok)
                {
                    await AfterTableOperationAsync(index, description, body, response).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException or JsonException)
            {
                Fail("checking or restoring stored data after this request failed: " + ex.Message, index, description, body, response, ex);
                _serverDown |= !await raw.IsHealthyAsync().ConfigureAwait(false);
            }
        }

        private async Task AfterTableOperationAsync(int index, string description, byte[] body, RawResponse response)
        {
            if (operation is not ("CreateTable" or "UpdateTable" or "DeleteTable"))
            {
                return;
            }
            var name = JsonNode.Parse(response.Body)?["TableDescription"]?["TableName"]?.GetValue<string>();
            if (name is null)
            {
                Fail("200 without TableDescription.TableName", index, description, body, response, null);
                return;
            }
            if (name == guarded.Name1 || name == guarded.Name2)
            {
                Fail(operation + " acted on a guarded table", index, description, body, response, null);
                return;
            }
            switch (operation)
            {
                case "CreateTable":
                    _createdTables.Add(name);
                    await DropTableAsync(name).ConfigureAwait(false);
                    _createdTables.Remove(name);
                    break;
                default:
                    if (name != scratch)
                    {
                        Fail(operation + " answered for table " + name + ", not the scratch table", index, description, body, response, null);
                    }
                    await DropTableAsync(scratch).ConfigureAwait(false);
                    await CreateScratchAsync().ConfigureAwait(false);
                    break;
            }
        }

        private async Task CreateScratchAsync()
        {
            await GuardedTables.ExpectOkAsync(raw, "CreateTable",
                "{\"TableName\":" + GuardedTables.Json(scratch)
                + ",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                + "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}").ConfigureAwait(false);
            await GuardedTables.ExpectOkAsync(raw, "DescribeTable", "{\"TableName\":" + GuardedTables.Json(scratch) + "}").ConfigureAwait(false);
        }

        /// <summary>Deletes a table if it exists (turning deletion protection off first).</summary>
        private async Task DropTableAsync(string name)
        {
            var quoted = GuardedTables.Json(name);
            var describe = await raw.SendAsync("DescribeTable", "{\"TableName\":" + quoted + "}").ConfigureAwait(false);
            if (describe.Status != HttpStatusCode.OK)
            {
                return;
            }
            if (JsonNode.Parse(describe.Body)?["Table"]?["DeletionProtectionEnabled"]?.GetValue<bool>() == true)
            {
                await GuardedTables.ExpectOkAsync(raw, "UpdateTable", "{\"TableName\":" + quoted + ",\"DeletionProtectionEnabled\":false}").ConfigureAwait(false);
            }
            await GuardedTables.ExpectOkAsync(raw, "DeleteTable", "{\"TableName\":" + quoted + "}").ConfigureAwait(false);
        }

        public async Task CleanUpAsync()
        {
            if (_serverDown)
            {
                return;
            }
            try
            {
                foreach (var name in _createdTables.Append(scratch).ToList())
                {
                    await DropTableAsync(name).ConfigureAwait(false);
                }
                await guarded.DeleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
            {
                Failures.Add(("Clean-up failed: " + ex.Message, null));
            }
        }

        public string Report()
        {
            // The server logs each unexpected exception with the request id; match them up (the log
            // arrives asynchronously, so this is done at the end).
            var log = fixture.ServerOutput.Split('\n');
            string? LogFor(string? requestId) =>
                requestId is null ? null : log.FirstOrDefault(line => line.Contains(requestId, StringComparison.Ordinal) && line.Contains("fail:", StringComparison.Ordinal));

            var sites = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var details = new StringBuilder();
            foreach (var (text, requestId) in Failures)
            {
                details.Append(text);
                var line = LogFor(requestId);
                if (line is not null)
                {
                    var site = ServerSite(line);
                    var first = text.AsSpan(0, text.IndexOf(']', StringComparison.Ordinal) + 1).ToString();
                    if (!sites.TryGetValue(site, out var at))
                    {
                        sites[site] = at = [];
                    }
                    at.Add(first);
                    details.Append("  server log: ").AppendLine(line.Length > 1200 ? line[..1200] + "..." : line);
                }
                details.AppendLine(new string('-', 100));
            }

            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture,
                $"{operation}: {Failures.Count} failure(s) in {_sent} mutated requests (seed {_seed}; {_ok} answered 200, {_errors} errors; {_watch.Elapsed.TotalSeconds:F1} s)")
                .AppendLine();
            sb.Append("Error types seen: ")
                .AppendJoin(", ", _errorTypes.OrderByDescending(p => p.Value).Select(p => p.Key + " x" + p.Value.ToString(CultureInfo.InvariantCulture)))
                .AppendLine();
            if (sites.Count > 0)
            {
                sb.AppendLine("Distinct server failure sites:");
                foreach (var (site, at) in sites)
                {
                    sb.Append("  ").Append(site).Append("  <- ").AppendJoin(", ", at).AppendLine();
                }
            }
            sb.AppendLine().Append(details);
            return sb.ToString();
        }

        /// <summary>"ExceptionType at Lockbox.Frame (file:line)" from a server log line.</summary>
        private static string ServerSite(string line)
        {
            var type = System.Text.RegularExpressions.Regex.Match(line, @"unexpected error (\S+?):");
            var frame = System.Text.RegularExpressions.Regex.Match(line, @" at (Lockbox\.[^\s(]+)\(.*? in \S*/(src/\S+:line \d+)");
            return (type.Success ? type.Groups[1].Value : "?") + " at "
                + (frame.Success ? frame.Groups[1].Value + " (" + frame.Groups[2].Value + ")" : "?");
        }

        private void Fail(string problem, int index, string mutation, byte[] body, RawResponse? response, Exception? exception) =>
            Failures.Add((Describe(problem, index, mutation, body, response, exception), response?.RequestId));

        private string Describe(string problem, int index, string mutation, byte[] body, RawResponse? response, Exception? exception)
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"[{operation} #{index}, seed {_seed}] {problem}").AppendLine();
            sb.Append("  mutation: ").AppendLine(mutation);
            sb.Append(CultureInfo.InvariantCulture, $"  request: POST / X-Amz-Target: DynamoDB_20120810.{operation}, {body.Length} bytes").AppendLine();
            var saved = SaveBody(index, body);
            if (saved is not null)
            {
                sb.Append("  exact body saved to ").AppendLine(saved);
            }
            sb.Append("  body (invalid UTF-8 and control bytes shown as \\xNN): ").AppendLine(RenderBody(body));
            if (body.Length <= 4096)
            {
                sb.Append("  body base64: ").AppendLine(Convert.ToBase64String(body));
            }
            if (response is not null)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"  response: HTTP {(int)response.Status} in {response.Elapsed.TotalMilliseconds:F0} ms, x-amz-crc32: {response.Crc32Header ?? "(none)"}, x-amzn-RequestId: {response.RequestId ?? "(none)"}")
                    .AppendLine();
                var text = response.BodyText;
                sb.Append("  response body: ").AppendLine(text.Length > 4000 ? text[..4000] + "...(truncated)" : text);
            }
            if (exception is not null)
            {
                sb.Append("  exception: ").AppendLine(exception.GetType().Name + ": " + exception.Message);
            }
            return sb.ToString();
        }

        private string? SaveBody(int index, byte[] body)
        {
            try
            {
                var dir = Path.Combine(Path.GetTempPath(), "lockbox-badinput");
                Directory.CreateDirectory(dir);
                var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"{operation}-seed{_seed}-{index}.json"));
                File.WriteAllBytes(path, body);
                return path;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>The body as text: valid UTF-8 as is, other bytes and control characters as \xNN; long bodies abridged.</summary>
        private static string RenderBody(byte[] body)
        {
            const int Head = 3000;
            const int Tail = 600;
            if (body.Length > Head + Tail + 100)
            {
                return Render(body.AsSpan(0, Head)) + string.Create(CultureInfo.InvariantCulture, $" ...[{body.Length - Head - Tail} bytes omitted]... ")
                    + Render(body.AsSpan(body.Length - Tail));
            }
            return Render(body);
        }

        private static string Render(ReadOnlySpan<byte> bytes)
        {
            var sb = new StringBuilder(bytes.Length);
            while (!bytes.IsEmpty)
            {
                var status = System.Text.Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
                if (status == System.Buffers.OperationStatus.Done && rune.Value >= 0x20 && rune.Value != 0x7F)
                {
                    sb.Append(rune.ToString());
                }
                else
                {
                    for (var i = 0; i < Math.Max(consumed, 1); i++)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{bytes[i]:X2}");
                    }
                }
                bytes = bytes[Math.Max(consumed, 1)..];
            }
            return sb.ToString();
        }
    }
}
