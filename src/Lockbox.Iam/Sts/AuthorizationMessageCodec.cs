using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Iam.Policy;

namespace Lockbox.Iam.Sts;

/// <summary>
/// The "encoded authorization failure message" some services (EC2) return with a denial, and
/// sts:DecodeAuthorizationMessage reads back: the decision as AWS's decoded JSON (allowed,
/// explicitDeny, matchedStatements, failures, context{principal, action, resource, conditions}),
/// sealed with AES-256-GCM under a key derived from the master key (HKDF label
/// <c>lockbox/sts/authorization-message/v1</c>) so only this server can read it, then base64url.
/// </summary>
public sealed class AuthorizationMessageCodec : IDisposable
{
    private const string Label = "lockbox/sts/authorization-message/v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] s_associatedData = Encoding.UTF8.GetBytes(Label);
    private readonly AesGcm _aes;

    /// <summary>Derives the message key from <paramref name="masterKey"/>.</summary>
    public AuthorizationMessageCodec(Lockbox.Kms.Envelope.MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        var key = masterKey.DeriveKey(Label);
        try
        {
            _aes = new AesGcm(key, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Builds and seals the decoded JSON of a denial. <paramref name="deniedBy"/> is the denying
    /// statement for an explicit deny (policy id, Sid), null for an implicit one.
    /// </summary>
    public string Encode(DecodedAuthorization decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var json = Json(decision);
        var plaintext = Encoding.UTF8.GetBytes(json);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_aes)
        {
            _aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(output.Length - TagSize), s_associatedData);
        }

        return Base64Url(output);
    }

    /// <summary>The decoded JSON, or null when <paramref name="encoded"/> is not a message of this server.</summary>
    public string? Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        byte[] sealedBytes;
        try
        {
            var text = encoded.Trim().Replace('-', '+').Replace('_', '/');
            text += (text.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
            sealedBytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            lock (_aes)
            {
                _aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plaintext.Length),
                    sealedBytes.AsSpan(sealedBytes.Length - TagSize), plaintext, s_associatedData);
            }
        }
        catch (CryptographicException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plaintext);
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => _aes.Dispose();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Json(DecodedAuthorization d)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteBoolean("allowed", d.Allowed);
            w.WriteBoolean("explicitDeny", d.Decision.Decision == EvaluationDecision.ExplicitDeny);
            w.WriteStartObject("matchedStatements");
            w.WriteStartArray("items");
            if (d.Decision.Decision == EvaluationDecision.ExplicitDeny)
            {
                w.WriteStartObject();
                w.WriteString("statementId", d.Decision.Sid ?? "");
                w.WriteString("effect", "DENY");
                w.WriteString("sourcePolicyId", d.Decision.PolicyId ?? "");
                w.WriteString("sourcePolicyType", PolicyTypeName(d.Decision.PolicyType));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("failures");
            w.WriteStartArray("items");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("context");
            w.WriteStartObject("principal");
            w.WriteString("id", d.PrincipalId);
            if (d.PrincipalName is not null)
            {
                w.WriteString("name", d.PrincipalName);
            }

            w.WriteString("arn", d.PrincipalArn);
            w.WriteEndObject();
            w.WriteString("action", d.Action);
            w.WriteString("resource", d.Resource);
            w.WriteStartObject("conditions");
            w.WriteStartArray("items");
            foreach (var (key, values) in d.Conditions.OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteStartObject("values");
                w.WriteStartArray("items");
                foreach (var value in values)
                {
                    w.WriteStartObject();
                    w.WriteString("value", value);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string PolicyTypeName(PolicyType type) => type switch
    {
        PolicyType.ResourceBased => "RESOURCE_BASED",
        PolicyType.PermissionsBoundary => "PERMISSIONS_BOUNDARY",
        PolicyType.SessionPolicy => "SESSION_POLICY",
        _ => "IDENTITY_BASED",
    };
}

/// <summary>What a decoded authorization message says.</summary>
/// <param name="Allowed">Whether the request was allowed (always false for denials).</param>
/// <param name="Decision">The evaluator's decision.</param>
/// <param name="PrincipalId">aws:userid of the caller.</param>
/// <param name="PrincipalName">The user name, when the caller is a user.</param>
/// <param name="PrincipalArn">The caller's ARN.</param>
/// <param name="Action">The refused action.</param>
/// <param name="Resource">The refused resource.</param>
/// <param name="Conditions">The request's context keys.</param>
public sealed record DecodedAuthorization(bool Allowed, AuthorizationDecision Decision, string PrincipalId, string? PrincipalName,
    string PrincipalArn, string Action, string Resource, IReadOnlyDictionary<string, string[]> Conditions);
