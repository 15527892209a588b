using Lockbox.Iam.Authorization;

namespace Lockbox.Iam.Tests;

public sealed class DenialJournalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lockbox-denials-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static DenialRecord Record(int i, string? policyId = null, string? sid = null) =>
        new(new DateTimeOffset(2026, 11, 30, 12, 0, i % 60, TimeSpan.Zero), "req-" + i, "arn:aws:iam::123456789012:user/alice",
            "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t", policyId is null ? "implicitDeny" : "explicitDeny",
            "IdentityBased", policyId, sid);

    [Fact]
    public async Task Records_read_back_in_order_with_their_reasons()
    {
        await using (var journal = new DenialJournal(_directory))
        {
            journal.Record(Record(1));
            journal.Record(Record(2, "arn:aws:iam::123456789012:policy/p", "S\"1"));
            await journal.FlushAsync();
        }

        var records = DenialJournal.Read(_directory).ToList();
        Assert.Equal([Record(1), Record(2, "arn:aws:iam::123456789012:policy/p", "S\"1")], records);
    }

    [Fact]
    public async Task A_line_cut_by_a_crash_is_skipped_and_reported_and_later_records_still_read()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, DenialJournal.FileName), "{\"time\":\"2026-11-30T12:00:00.000Z\",\"requ\n");
        await using (var journal = new DenialJournal(_directory))
        {
            journal.Record(Record(3));
            await journal.FlushAsync();
        }

        var skipped = new List<string>();
        var records = DenialJournal.Read(_directory, skipped.Add).ToList();
        Assert.Equal([Record(3)], records);
        Assert.Single(skipped);
    }

    [Fact]
    public async Task The_journal_rotates_and_keeps_one_previous_file()
    {
        await using (var journal = new DenialJournal(_directory, maxFileBytes: 1024))
        {
            for (var i = 0; i < 40; i++)
            {
                journal.Record(Record(i));
                await journal.FlushAsync();
            }
        }

        Assert.True(File.Exists(Path.Combine(_directory, DenialJournal.PreviousFileName)));
        Assert.True(new FileInfo(Path.Combine(_directory, DenialJournal.FileName)).Length <= 1024);
        var requestIds = DenialJournal.Read(_directory).Select(r => r.RequestId).ToList();
        // Older generations are gone; what remains is the most recent records, oldest first, ending with the last.
        Assert.InRange(requestIds.Count, 2, 39);
        Assert.Equal("req-39", requestIds[^1]);
        Assert.Equal(Enumerable.Range(40 - requestIds.Count, requestIds.Count).Select(i => "req-" + i), requestIds);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_file_is_readable_by_its_owner_only()
    {
        await using (var journal = new DenialJournal(_directory))
        {
            journal.Record(Record(1));
            await journal.FlushAsync();
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, DenialJournal.FileName)));
    }
}
