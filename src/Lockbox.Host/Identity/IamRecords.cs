using System.Text.Json.Serialization;

namespace Lockbox.Host.Identity;

/// <summary>
/// The account record, stored at key <c>account</c> of keyspace <c>iam</c>. Written once at
/// first start so a restart keeps the same account id.
/// </summary>
public sealed record AccountRecord(string AccountId, DateTimeOffset CreateDate);

/// <summary>
/// A root access key, stored at key <c>root-access-key/&lt;id&gt;</c> of keyspace <c>iam</c>.
/// The secret is sealed with the master key (AES-256-GCM) with associated data
/// <c>iam/root-access-key/&lt;id&gt;</c>, so a sealed secret cannot be moved to another key id.
/// </summary>
public sealed record RootAccessKeyRecord(string AccessKeyId, string Status, DateTimeOffset CreateDate, byte[] SealedSecret);

/// <summary>Source-generated JSON contracts for the records above (no reflection).</summary>
[JsonSerializable(typeof(AccountRecord))]
[JsonSerializable(typeof(RootAccessKeyRecord))]
internal sealed partial class IamRecordsJsonContext : JsonSerializerContext;
