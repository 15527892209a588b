using System.Text.Json.Serialization;

namespace Lockbox.Iam.Sts;

/// <summary>
/// The plaintext of a session token (sealed by <see cref="SessionTokenCodec"/>). Short member names
/// keep tokens small; the shape is versioned by <see cref="V"/> and by the codec's key label.
/// Times are Unix seconds.
/// </summary>
internal sealed class SessionTokenBody
{
    /// <summary>Format version (1).</summary>
    [JsonPropertyName("v")] public int V { get; set; } = 1;

    /// <summary>The temporary access key id (ASIA…) the token belongs to.</summary>
    [JsonPropertyName("k")] public string AccessKeyId { get; set; } = "";

    /// <summary>The account (12 digits).</summary>
    [JsonPropertyName("a")] public string Account { get; set; } = "";

    /// <summary>0 role session, 1 user session, 2 root session (<see cref="Common.SessionKind"/>).</summary>
    [JsonPropertyName("t")] public int Kind { get; set; }

    /// <summary>Role sessions: the role id (AROA…); user sessions: the user id (AIDA…).</summary>
    [JsonPropertyName("i")] public string? PrincipalId { get; set; }

    /// <summary>Role sessions: the role ARN; user sessions: the user ARN.</summary>
    [JsonPropertyName("p")] public string? PrincipalArn { get; set; }

    /// <summary>Role session name.</summary>
    [JsonPropertyName("n")] public string? SessionName { get; set; }

    /// <summary>Who obtained the session (ARN).</summary>
    [JsonPropertyName("sa")] public string? SourceArn { get; set; }

    /// <summary>Who obtained the session (aws:userid).</summary>
    [JsonPropertyName("su")] public string? SourceUserId { get; set; }

    /// <summary>sts:SourceIdentity.</summary>
    [JsonPropertyName("si")] public string? SourceIdentity { get; set; }

    /// <summary>Issue time.</summary>
    [JsonPropertyName("ia")] public long IssuedAt { get; set; }

    /// <summary>Expiry.</summary>
    [JsonPropertyName("e")] public long Expiration { get; set; }

    /// <summary>MFA present.</summary>
    [JsonPropertyName("m")] public bool Mfa { get; set; }

    /// <summary>When MFA was verified.</summary>
    [JsonPropertyName("ma")] public long? MfaAuthTime { get; set; }

    /// <summary>Inline session policy.</summary>
    [JsonPropertyName("sp")] public string? Policy { get; set; }

    /// <summary>Managed session policy ARNs.</summary>
    [JsonPropertyName("pa")] public List<string>? PolicyArns { get; set; }

    /// <summary>Session tags as [key, value] pairs.</summary>
    [JsonPropertyName("tg")] public List<string[]>? Tags { get; set; }

    /// <summary>Transitive tag keys.</summary>
    [JsonPropertyName("tt")] public List<string>? TransitiveTagKeys { get; set; }

    /// <summary>Role chaining.</summary>
    [JsonPropertyName("c")] public bool Chained { get; set; }
}

/// <summary>Source-generated JSON contract for session tokens.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(SessionTokenBody))]
internal sealed partial class SessionTokenJsonContext : JsonSerializerContext;
