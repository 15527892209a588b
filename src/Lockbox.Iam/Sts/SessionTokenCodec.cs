using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Auth;
using Lockbox.Common;
using Lockbox.Kms.Envelope;

namespace Lockbox.Iam.Sts;

/// <summary>
/// Seals and opens self-contained STS session tokens (DESIGN.md §3): a token is the base64 of
/// AES-256-GCM(version | nonce | JSON body | tag) under a key derived from the master key with
/// HKDF (label <c>lockbox/sts/session-token/v1</c>), so any node holding the master key verifies
/// it without a lookup and nobody else can read or forge one. The temporary secret is not in the
/// token: it is HMAC-SHA256(key derived with label <c>lockbox/sts/secret/v1</c>, access key id),
/// so the token and the key id alone rebuild the credentials.
/// </summary>
public sealed class SessionTokenCodec : IDisposable
{
    private const string TokenLabel = "lockbox/sts/session-token/v1";
    private const string SecretLabel = "lockbox/sts/secret/v1";
    private static readonly byte[] s_associatedData = Encoding.UTF8.GetBytes(TokenLabel);

    /// <summary>Tokens longer than this are not even base64-decoded (AWS tokens are well below it).</summary>
    private const int MaxTokenLength = 16_384;

    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>One AES-GCM instance, used under a lock: sealing and opening happen once per token, not per request.</summary>
    private readonly AesGcm _aes;
    private readonly byte[] _secretKey;

    /// <summary>Derives the token and secret keys from <paramref name="masterKey"/>.</summary>
    public SessionTokenCodec(MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        var tokenKey = masterKey.DeriveKey(TokenLabel);
        try
        {
            _aes = new AesGcm(tokenKey, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tokenKey);
        }

        Messages = new AuthorizationMessageCodec(masterKey);
        _secretKey = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        var secretKey = masterKey.DeriveKey(SecretLabel);
        secretKey.CopyTo(_secretKey, 0);
        CryptographicOperations.ZeroMemory(secretKey);
    }

    /// <summary>Seals and opens encoded authorization failure messages (its own derived key).</summary>
    public AuthorizationMessageCodec Messages { get; }

    /// <summary>
    /// Issues credentials for <paramref name="session"/>: a new ASIA key id, its derived secret and
    /// the sealed token. <paramref name="principalId"/>/<paramref name="principalArn"/> are the role's
    /// id and ARN for a role session, the user's for a user session, the account and root ARN for root.
    /// </summary>
    public TemporaryCredentials Issue(string accountId, string? principalId, string? principalArn, SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var accessKeyId = IamIds.NewTemporaryAccessKeyId();
        var body = new SessionTokenBody
        {
            AccessKeyId = accessKeyId,
            Account = accountId,
            Kind = (int)session.Kind,
            PrincipalId = session.Kind == SessionKind.RoleSession ? session.RoleId : principalId,
            PrincipalArn = session.Kind == SessionKind.RoleSession ? session.RoleArn : principalArn,
            SessionName = session.SessionName,
            SourceArn = session.SourceArn,
            SourceUserId = session.SourceUserId,
            SourceIdentity = session.SourceIdentity,
            IssuedAt = session.IssuedAt.ToUnixTimeSeconds(),
            Expiration = session.Expiration.ToUnixTimeSeconds(),
            Mfa = session.MfaPresent,
            MfaAuthTime = session.MfaAuthTime?.ToUnixTimeSeconds(),
            Policy = session.Policy,
            PolicyArns = session.PolicyArns.Count == 0 ? null : [.. session.PolicyArns],
            Tags = session.Tags.Count == 0 ? null : [.. session.Tags.Select(t => new[] { t.Key, t.Value })],
            TransitiveTagKeys = session.TransitiveTagKeys.Count == 0 ? null : [.. session.TransitiveTagKeys],
            Chained = session.Chained,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(body, SessionTokenJsonContext.Default.SessionTokenBody);
        var token = Convert.ToBase64String(Seal(json));
        var expiration = DateTimeOffset.FromUnixTimeSeconds(body.Expiration);
        return new TemporaryCredentials(accessKeyId, SecretFor(accessKeyId), token, expiration);
    }

    /// <summary>
    /// Opens <paramref name="sessionToken"/> and, when it is genuine and was issued for
    /// <paramref name="accessKeyId"/>, returns the key record it stands for (no expiry check).
    /// </summary>
    public bool TryOpen(string accessKeyId, string sessionToken, [MaybeNullWhen(false)] out AccessKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(accessKeyId);
        ArgumentNullException.ThrowIfNull(sessionToken);
        record = null;
        if (sessionToken.Length is 0 or > MaxTokenLength)
        {
            return false;
        }

        SessionTokenBody? body;
        try
        {
            var sealedBytes = Convert.FromBase64String(sessionToken);
            var json = Open(sealedBytes);
            body = JsonSerializer.Deserialize(json, SessionTokenJsonContext.Default.SessionTokenBody);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or JsonException or ArgumentException)
        {
            return false;
        }

        if (body is null || body.V != 1 || !string.Equals(body.AccessKeyId, accessKeyId, StringComparison.Ordinal) ||
            body.Kind is < 0 or > 2)
        {
            return false;
        }

        var session = ToSession(body);
        var principal = ToPrincipal(body, session);
        if (principal is null)
        {
            return false;
        }

        record = new AccessKeyRecord(SecretFor(accessKeyId), principal)
        {
            SessionToken = sessionToken,
            Expiration = session.Expiration,
        };
        return true;
    }

    /// <summary>The secret of a temporary key: HMAC-SHA256 of the key id, 30 bytes in base64 (40 characters, like AWS's).</summary>
    public string SecretFor(string accessKeyId)
    {
        ArgumentNullException.ThrowIfNull(accessKeyId);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secretKey, Encoding.UTF8.GetBytes(accessKeyId), mac);
        return Convert.ToBase64String(mac[..30]);
    }

    /// <summary>Zeroes the derived keys.</summary>
    public void Dispose()
    {
        _aes.Dispose();
        Messages.Dispose();
        CryptographicOperations.ZeroMemory(_secretKey);
    }

    /// <summary>version | nonce | ciphertext | tag.</summary>
    private byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[1 + NonceSize + plaintext.Length + TagSize];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_aes)
        {
            _aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize, plaintext.Length), output.AsSpan(output.Length - TagSize), s_associatedData);
        }

        return output;
    }

    private byte[] Open(ReadOnlySpan<byte> sealedBytes)
    {
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != FormatVersion)
        {
            throw new CryptographicException("Not a session token.");
        }

        var plaintext = new byte[sealedBytes.Length - 1 - NonceSize - TagSize];
        lock (_aes)
        {
            _aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes.Slice(1 + NonceSize, plaintext.Length),
                sealedBytes[^TagSize..], plaintext, s_associatedData);
        }

        return plaintext;
    }

    private static SessionInfo ToSession(SessionTokenBody body)
    {
        var kind = (SessionKind)body.Kind;
        return new SessionInfo
        {
            Kind = kind,
            IssuedAt = DateTimeOffset.FromUnixTimeSeconds(body.IssuedAt),
            Expiration = DateTimeOffset.FromUnixTimeSeconds(body.Expiration),
            RoleId = kind == SessionKind.RoleSession ? body.PrincipalId : null,
            RoleArn = kind == SessionKind.RoleSession ? body.PrincipalArn : null,
            SessionName = body.SessionName,
            SourceArn = body.SourceArn,
            SourceUserId = body.SourceUserId,
            SourceIdentity = body.SourceIdentity,
            MfaPresent = body.Mfa,
            MfaAuthTime = body.MfaAuthTime is { } mfa ? DateTimeOffset.FromUnixTimeSeconds(mfa) : null,
            Policy = body.Policy,
            PolicyArns = body.PolicyArns ?? [],
            Tags = body.Tags?.Where(t => t.Length == 2).Select(t => new KeyValuePair<string, string>(t[0], t[1])).ToArray() ?? [],
            TransitiveTagKeys = body.TransitiveTagKeys ?? [],
            Chained = body.Chained,
        };
    }

    private static Principal? ToPrincipal(SessionTokenBody body, SessionInfo session)
    {
        switch (session.Kind)
        {
            case SessionKind.RoleSession:
                if (body.PrincipalId is null || body.PrincipalArn is null || body.SessionName is null)
                {
                    return null;
                }

                var roleName = body.PrincipalArn[(body.PrincipalArn.LastIndexOf('/') + 1)..];
                return new Principal(body.Account, AssumedRoleArn(body.Account, roleName, body.SessionName),
                    body.PrincipalId + ":" + body.SessionName, body.AccessKeyId, IsRoot: false) { Session = session };
            case SessionKind.UserSession:
                if (body.PrincipalId is null || body.PrincipalArn is null)
                {
                    return null;
                }

                return new Principal(body.Account, body.PrincipalArn, body.PrincipalId, body.AccessKeyId, IsRoot: false) { Session = session };
            default:
                return new Principal(body.Account, $"arn:aws:iam::{body.Account}:root", body.Account, body.AccessKeyId, IsRoot: true)
                {
                    Session = session,
                };
        }
    }

    /// <summary>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION (the role's path is not part of it, as in AWS).</summary>
    public static string AssumedRoleArn(string accountId, string roleName, string sessionName) =>
        $"arn:aws:sts::{accountId}:assumed-role/{roleName}/{sessionName}";
}
