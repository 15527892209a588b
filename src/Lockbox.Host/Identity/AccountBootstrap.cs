using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;
using Microsoft.Extensions.Logging;

namespace Lockbox.Host.Identity;

/// <summary>What <see cref="AccountBootstrap.Run"/> found or created.</summary>
public sealed class AccountBootstrapResult
{
    /// <summary>The account id (12 digits).</summary>
    public required string AccountId { get; init; }

    /// <summary>True when this start created the account.</summary>
    public required bool CreatedAccount { get; init; }

    /// <summary>Every active root key: id → secret (secrets stay in memory only).</summary>
    public required IReadOnlyDictionary<string, string> RootKeys { get; init; }

    /// <summary>The key id to show users: the environment's key, else the oldest stored key.</summary>
    public required string PrimaryAccessKeyId { get; init; }

    /// <summary>True when the primary key came from LOCKBOX_ROOT_ACCESS_KEY_ID / LOCKBOX_ROOT_SECRET_ACCESS_KEY.</summary>
    public required bool PrimaryKeyFromEnvironment { get; init; }

    /// <summary>Set only on the start that generated the root key: the secret, to print once.</summary>
    public string? GeneratedSecret { get; init; }

    /// <summary>Where the generated root credentials were written (<c>&lt;data&gt;/root-credentials.csv</c>).</summary>
    public required string CredentialsFile { get; init; }
}

/// <summary>
/// Creates the account and its root access key on first start, and loads them on later starts.
/// </summary>
/// <remarks>
/// Rules (documented in docs/ARCHITECTURE.md):
/// - Account id: <c>--account-id</c> on first start, else a random 12-digit id; stored, and a
///   later <c>--account-id</c> naming another account is refused (the data belongs to the first).
/// - Root key: from LOCKBOX_ROOT_ACCESS_KEY_ID / LOCKBOX_ROOT_SECRET_ACCESS_KEY when set, else
///   generated once and written to <c>root-credentials.csv</c> (mode 0600, AWS's CSV header).
/// - When the environment names a key that is not stored yet, it is added as another root key
///   (AWS also allows two); when it names a stored key with a different secret, the stored secret
///   is replaced (the environment is the operator's current truth). Keys are never deleted here.
/// - Secrets are stored sealed with the master key, never in plain text.
/// </remarks>
public static partial class AccountBootstrap
{
    /// <summary>The keyspace holding identity records.</summary>
    public const string Keyspace = "iam";

    /// <summary>Name of the root credentials file in the data directory.</summary>
    public const string CredentialsFileName = "root-credentials.csv";

    private const string RootKeyPrefix = "root-access-key/";
    private static ReadOnlySpan<byte> AccountKey => "account"u8;

    /// <summary>Loads or creates the account and its root keys.</summary>
    public static AccountBootstrapResult Run(IStorageEngine storage, MasterKey masterKey, string dataDirectory,
        LockboxServerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentNullException.ThrowIfNull(options);
        var keyspace = storage.OpenKeyspace(Keyspace);
        var now = options.Time.GetUtcNow();
        var batch = new WriteBatch();

        // Account.
        var stored = storage.Get(keyspace, AccountKey);
        string accountId;
        var createdAccount = false;
        if (stored is not null)
        {
            accountId = JsonSerializer.Deserialize(stored, IamRecordsJsonContext.Default.AccountRecord)!.AccountId;
            if (options.AccountId is not null && options.AccountId != accountId)
            {
                throw new InvalidOperationException(
                    $"The data directory '{dataDirectory}' belongs to account {accountId}; --account-id {options.AccountId} does not match. Use another --data directory for another account.");
            }
        }
        else
        {
            accountId = options.AccountId ?? NewAccountId();
            createdAccount = true;
            var record = new AccountRecord(accountId, now);
            batch.Put(keyspace, AccountKey.ToArray(), JsonSerializer.SerializeToUtf8Bytes(record, IamRecordsJsonContext.Default.AccountRecord));
            batch.Expect(keyspace, AccountKey.ToArray(), null);
        }

        // Root keys already stored, oldest first.
        var keys = new List<(RootAccessKeyRecord Record, string Secret)>();
        foreach (var entry in storage.Scan(keyspace, KeyRange.Prefix(Encoding.UTF8.GetBytes(RootKeyPrefix))))
        {
            var record = JsonSerializer.Deserialize(entry.Value, IamRecordsJsonContext.Default.RootAccessKeyRecord)!;
            if (record.Status != "Active")
            {
                continue;
            }

            var secret = Encoding.UTF8.GetString(masterKey.Open(record.SealedSecret, Aad(record.AccessKeyId)));
            keys.Add((record, secret));
        }

        keys.Sort(static (a, b) => a.Record.CreateDate.CompareTo(b.Record.CreateDate));

        string primary;
        string? generatedSecret = null;
        var fromEnvironment = options.RootAccessKeyId is not null;
        if (fromEnvironment)
        {
            primary = options.RootAccessKeyId!;
            var secret = options.RootSecretAccessKey!;
            var index = keys.FindIndex(k => k.Record.AccessKeyId == primary);
            if (index < 0)
            {
                Put(batch, keyspace, masterKey, primary, secret, now);
                keys.Add((new RootAccessKeyRecord(primary, "Active", now, []), secret));
                LogRootKeyAdded(logger, primary);
            }
            else if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(keys[index].Secret), Encoding.UTF8.GetBytes(secret)))
            {
                Put(batch, keyspace, masterKey, primary, secret, keys[index].Record.CreateDate);
                keys[index] = (keys[index].Record, secret);
                LogRootSecretReplaced(logger, primary);
            }
        }
        else if (keys.Count == 0)
        {
            primary = AccessKeyGenerator.NewAccessKeyId();
            generatedSecret = AccessKeyGenerator.NewSecretAccessKey();
            Put(batch, keyspace, masterKey, primary, generatedSecret, now);
            keys.Add((new RootAccessKeyRecord(primary, "Active", now, []), generatedSecret));
        }
        else
        {
            primary = keys[0].Record.AccessKeyId;
        }

        var credentialsFile = Path.Combine(dataDirectory, CredentialsFileName);
        if (generatedSecret is not null)
        {
            // Written before the commit: if writing fails, nothing is stored and the next start retries.
            WriteCredentialsFile(credentialsFile, primary, generatedSecret);
        }

        if (batch.Operations.Count > 0 && !storage.Commit(batch).Committed)
        {
            throw new InvalidOperationException("The account was created concurrently by another process using the same data directory.");
        }

        if (createdAccount)
        {
            LogAccountCreated(logger, accountId);
        }

        var rootKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (record, secret) in keys)
        {
            rootKeys[record.AccessKeyId] = secret;
        }

        return new AccountBootstrapResult
        {
            AccountId = accountId,
            CreatedAccount = createdAccount,
            RootKeys = rootKeys,
            PrimaryAccessKeyId = primary,
            PrimaryKeyFromEnvironment = fromEnvironment,
            GeneratedSecret = generatedSecret,
            CredentialsFile = credentialsFile,
        };
    }

    private static void Put(WriteBatch batch, Keyspace keyspace, MasterKey masterKey, string accessKeyId, string secret,
        DateTimeOffset createDate)
    {
        var sealedSecret = masterKey.Seal(Encoding.UTF8.GetBytes(secret), Aad(accessKeyId));
        var record = new RootAccessKeyRecord(accessKeyId, "Active", createDate, sealedSecret);
        batch.Put(keyspace, Encoding.UTF8.GetBytes(RootKeyPrefix + accessKeyId),
            JsonSerializer.SerializeToUtf8Bytes(record, IamRecordsJsonContext.Default.RootAccessKeyRecord));
    }

    private static byte[] Aad(string accessKeyId) => Encoding.UTF8.GetBytes("iam/root-access-key/" + accessKeyId);

    /// <summary>A random account id: 12 digits, not starting with 0 so it never looks truncated.</summary>
    private static string NewAccountId()
    {
        var first = RandomNumberGenerator.GetInt32(1, 10);
        var rest = RandomNumberGenerator.GetInt32(0, 100_000_000) * 1000L + RandomNumberGenerator.GetInt32(0, 1000);
        return first.ToString(System.Globalization.CultureInfo.InvariantCulture) + rest.ToString("D11", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void WriteCredentialsFile(string path, string accessKeyId, string secret)
    {
        var content = "Access key ID,Secret access key\n" + accessKeyId + "," + secret + "\n";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }

        // UnixCreateMode applies only to new files; tighten an existing one too.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Created account {AccountId}")]
    private static partial void LogAccountCreated(ILogger logger, string accountId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Added root access key {AccessKeyId} from LOCKBOX_ROOT_ACCESS_KEY_ID")]
    private static partial void LogRootKeyAdded(ILogger logger, string accessKeyId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Replaced the stored secret of root access key {AccessKeyId} with LOCKBOX_ROOT_SECRET_ACCESS_KEY")]
    private static partial void LogRootSecretReplaced(ILogger logger, string accessKeyId);
}
