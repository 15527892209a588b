using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lockbox.Iam.Authorization;

namespace Lockbox.Cli;

/// <summary>
/// <c>lockbox denials</c>: shows why requests were denied — for an implicit deny the policy type
/// that lacked an allow, for an explicit deny the policy and statement that denied — from the
/// server's denial journal in the data directory. Reading the journal needs access to the data
/// directory (the administrator's), not credentials; it works while the server runs.
/// </summary>
internal static class DenialsCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d")
        {
            Description = "Data directory of the server.",
            HelpName = "directory",
            DefaultValueFactory = _ => "./lockbox-data",
        };
        var principal = new Option<string?>("--principal")
        {
            Description = "Only denials of principals whose ARN contains this text (e.g. user/alice).",
            HelpName = "text",
        };
        var action = new Option<string?>("--action")
        {
            Description = "Only denials of this IAM action (e.g. dynamodb:Scan; case-insensitive).",
            HelpName = "service:Action",
        };
        var since = new Option<string?>("--since")
        {
            Description = "Only denials since this long ago (30s, 15m, 2h, 1d) or since this UTC time (2026-11-30T18:00:00Z).",
            HelpName = "age|time",
        };
        since.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && ParseSince(value, DateTimeOffset.UtcNow) is null)
            {
                result.AddError($"--since '{value}' is not valid: give an age such as 15m, 2h or 1d, or a time such as 2026-11-30T18:00:00Z.");
            }
        });
        var limit = new Option<int>("--limit", "-n")
        {
            Description = "Show at most this many of the most recent matching denials.",
            HelpName = "count",
            DefaultValueFactory = _ => 50,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--limit must be at least 1.");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print one JSON object per denial instead of text." };

        var command = new Command("denials", "Show recent access denials and why each was denied (which policy type lacked an allow, or which policy statement denied).")
        {
            data, principal, action, since, limit, json,
        };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(data)!;
            if (!Directory.Exists(directory))
            {
                Console.Error.WriteLine($"No data directory at '{directory}'.");
                return 2;
            }

            var sinceValue = parse.GetValue(since);
            var from = sinceValue is null ? (DateTimeOffset?)null : ParseSince(sinceValue, DateTimeOffset.UtcNow);
            var principalText = parse.GetValue(principal);
            var actionName = parse.GetValue(action);
            var matching = DenialJournal.Read(directory)
                .Where(r => from is null || r.Time >= from)
                .Where(r => principalText is null || r.Principal.Contains(principalText, StringComparison.Ordinal))
                .Where(r => actionName is null || r.Action.Equals(actionName, StringComparison.OrdinalIgnoreCase));
            var recent = new Queue<DenialRecord>();
            var max = parse.GetValue(limit);
            foreach (var record in matching)
            {
                recent.Enqueue(record);
                if (recent.Count > max)
                {
                    recent.Dequeue();
                }
            }

            foreach (var record in recent)
            {
                Console.WriteLine(parse.GetValue(json) ? ToJson(record) : ToText(record));
            }

            if (recent.Count == 0 && !parse.GetValue(json))
            {
                Console.WriteLine("No denials recorded" + (sinceValue is null && principalText is null && actionName is null ? "." : " that match."));
            }

            return 0;
        });
        return command;
    }

    /// <summary>One denial as a line: when, who, what, on what, and the reason.</summary>
    internal static string ToText(DenialRecord record)
    {
        var reason = record.Decision == "explicitDeny"
            ? $"explicit deny in {Describe(record.PolicyType)} {record.PolicyId}" + (record.Sid is null ? "" : $" (Sid {record.Sid})")
            : $"no {Describe(record.PolicyType)} allows it";
        return string.Create(CultureInfo.InvariantCulture,
            $"{record.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  {record.Principal}  {record.Action}  {record.Resource}  {reason}  [{record.RequestId}]");
    }

    private static string Describe(string policyType) => policyType switch
    {
        "IdentityBased" => "identity-based policy",
        "ResourceBased" => "resource-based policy",
        "PermissionsBoundary" => "permissions boundary",
        "SessionPolicy" => "session policy",
        _ => policyType,
    };

    private static string ToJson(DenialRecord record)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            DenialJournal.WriteJson(writer, record, writeAbsentAsNull: true);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>An age (30s, 15m, 2h, 1d) before <paramref name="now"/>, or an absolute time; null when neither.</summary>
    internal static DateTimeOffset? ParseSince(string value, DateTimeOffset now)
    {
        if (value.Length >= 2 && double.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? age = value[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } span)
            {
                return now - span;
            }
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
