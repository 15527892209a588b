using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lockbox.Auth;
using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage;

namespace Lockbox.Iam;

/// <summary>
/// The account's IAM identities: users, groups, roles, customer managed policies, instance
/// profiles and access keys, persisted in keyspace <c>iam</c> and mirrored in memory.
/// </summary>
/// <remarks>
/// Design:
/// - Storage keys are <c>user/&lt;id&gt;</c>, <c>group/&lt;id&gt;</c>, <c>role/&lt;id&gt;</c>,
///   <c>policy/&lt;id&gt;</c>, <c>instance-profile/&lt;id&gt;</c>, <c>access-key/&lt;AKIA…&gt;</c>, values
///   are the entities as JSON. Keying by id (not name) makes renames a single put; references
///   between entities (group membership, instance profile roles, a key's user) are ids too.
/// - Every change runs in <see cref="Write{T}"/>: one lock, the handler validates and then
///   mutates the in-memory state and records what it touched; the records are committed in one
///   atomic storage batch. A failed commit reloads the state from storage, so memory never runs
///   ahead of disk. Handlers must validate before they mutate.
/// - <see cref="Version"/> grows with every committed change, so caches of effective policies can
///   tell whether they are stale.
/// - Access key lookups (every request) read an immutable snapshot without a lock; the snapshot
///   is rebuilt after a change to keys or users.
/// - AWS managed policies come from <see cref="ManagedPolicyCatalog"/> and are never stored.
/// </remarks>
public sealed partial class IdentityStore : IAccessKeyStore
{
    /// <summary>The keyspace holding identity records (shared with the account bootstrap).</summary>
    public const string KeyspaceName = "iam";

    private readonly IStorageEngine _storage;
    private readonly Keyspace _keyspace;
    private readonly MasterKey _masterKey;
    private readonly Lock _gate = new();
    private readonly IdentityState _state;
    private FrozenDictionary<string, AccessKeyRecord> _authKeys = FrozenDictionary<string, AccessKeyRecord>.Empty;
    private long _version;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Minute, string Service)> _lastUse = new(StringComparer.Ordinal);

    private IdentityStore(IStorageEngine storage, MasterKey masterKey, string accountId, ManagedPolicyCatalog catalog)
    {
        _storage = storage;
        _masterKey = masterKey;
        _keyspace = storage.OpenKeyspace(KeyspaceName);
        AccountId = accountId;
        _state = new IdentityState(accountId, catalog);
    }

    /// <summary>The account (12 digits).</summary>
    public string AccountId { get; }

    /// <summary>Grows with every committed change (starts at 1 after loading).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Opens the store and loads every identity from storage.</summary>
    public static IdentityStore Open(IStorageEngine storage, MasterKey masterKey, string accountId, ManagedPolicyCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(masterKey);
        var store = new IdentityStore(storage, masterKey, accountId, catalog ?? ManagedPolicyCatalog.Default);
        lock (store._gate)
        {
            store.Load();
        }

        return store;
    }

    /// <summary>Runs a read under the lock (consistent view of every entity).</summary>
    public T Read<T>(Func<IdentityState, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(_state);
        }
    }

    /// <summary>
    /// Runs a change under the lock and commits what it recorded (<see cref="IdentityState.Save(UserEntity)"/>
    /// and friends) atomically. If <paramref name="change"/> throws, nothing is committed; it must
    /// not have mutated anything before throwing.
    /// </summary>
    public T Write<T>(Func<IdentityState, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            _state.Changes.Clear();
            T result;
            try
            {
                result = change(_state);
            }
            catch
            {
                if (_state.Changes.Count > 0)
                {
                    // A handler mutated and then failed: put memory back to what storage holds.
                    Load();
                }

                throw;
            }

            if (_state.Changes.Count == 0)
            {
                return result;
            }

            var batch = new WriteBatch();
            var keysChanged = false;
            foreach (var (key, entity) in _state.Changes)
            {
                keysChanged |= key.StartsWith("access-key/", StringComparison.Ordinal) || key.StartsWith("user/", StringComparison.Ordinal);
                var bytes = Encoding.UTF8.GetBytes(key);
                if (entity is null)
                {
                    batch.Delete(_keyspace, bytes);
                }
                else
                {
                    batch.Put(_keyspace, bytes, Serialize(entity));
                }
            }

            try
            {
                _storage.Commit(batch);
            }
            catch
            {
                Load();
                throw;
            }
            finally
            {
                _state.Changes.Clear();
            }

            if (keysChanged)
            {
                RebuildAuthKeys();
            }

            Interlocked.Increment(ref _version);
            return result;
        }
    }

    /// <summary>Seals an access key secret for storage.</summary>
    public byte[] SealSecret(string accessKeyId, string secret) =>
        _masterKey.Seal(Encoding.UTF8.GetBytes(secret), Aad(accessKeyId));

    /// <inheritdoc />
    public bool TryGetAccessKey(string accessKeyId, [MaybeNullWhen(false)] out AccessKeyRecord record) =>
        _authKeys.TryGetValue(accessKeyId, out record);

    /// <summary>
    /// Records that <paramref name="accessKeyId"/> signed an accepted request (GetAccessKeyLastUsed).
    /// Stored at most once a minute per key, so a busy key does not cost a write per request.
    /// </summary>
    public void RecordUse(string accessKeyId, string service, string region, DateTimeOffset time)
    {
        if (!_authKeys.ContainsKey(accessKeyId))
        {
            return;
        }

        // Lock-free fast path: already recorded this minute for this service.
        var minute = time.UtcTicks / TimeSpan.TicksPerMinute;
        if (_lastUse.TryGetValue(accessKeyId, out var seen) && seen.Minute == minute && seen.Service == service)
        {
            return;
        }

        _lastUse[accessKeyId] = (minute, service);
        lock (_gate)
        {
            if (!_state.AccessKeys.TryGetValue(accessKeyId, out var key) ||
                (key.LastUsedDate is { } last && time - last < TimeSpan.FromMinutes(1) && key.LastUsedService == service && key.LastUsedRegion == region))
            {
                return;
            }
        }

        Write(state =>
        {
            if (state.AccessKeys.TryGetValue(accessKeyId, out var key))
            {
                key.LastUsedDate = new DateTimeOffset(time.UtcDateTime.Ticks - (time.UtcDateTime.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
                key.LastUsedService = service;
                key.LastUsedRegion = region;
                state.Save(key);
            }

            return 0;
        });
    }

    private void Load()
    {
        _state.Clear();
        foreach (var user in ReadAll("user/", IamEntityJsonContext.Default.UserEntity))
        {
            _state.Users[Fold(user.Name)] = user;
            _state.UsersById[user.Id] = user;
        }

        foreach (var group in ReadAll("group/", IamEntityJsonContext.Default.GroupEntity))
        {
            _state.Groups[Fold(group.Name)] = group;
            _state.GroupsById[group.Id] = group;
        }

        foreach (var role in ReadAll("role/", IamEntityJsonContext.Default.RoleEntity))
        {
            _state.Roles[Fold(role.Name)] = role;
            _state.RolesById[role.Id] = role;
        }

        foreach (var policy in ReadAll("policy/", IamEntityJsonContext.Default.PolicyEntity))
        {
            _state.Policies[policy.Arn] = policy;
        }

        foreach (var profile in ReadAll("instance-profile/", IamEntityJsonContext.Default.InstanceProfileEntity))
        {
            _state.InstanceProfiles[Fold(profile.Name)] = profile;
        }

        foreach (var key in ReadAll("access-key/", IamEntityJsonContext.Default.AccessKeyEntity))
        {
            _state.AccessKeys[key.AccessKeyId] = key;
        }

        LoadCredentials();

        RebuildAuthKeys();
        Interlocked.Increment(ref _version);
    }

    private IEnumerable<T> ReadAll<T>(string prefix, JsonTypeInfo<T> type)
    {
        foreach (var entry in _storage.Scan(_keyspace, KeyRange.Prefix(Encoding.UTF8.GetBytes(prefix))))
        {
            yield return JsonSerializer.Deserialize(entry.Value, type)!;
        }
    }

    private void RebuildAuthKeys()
    {
        var keys = new Dictionary<string, AccessKeyRecord>(StringComparer.Ordinal);
        foreach (var key in _state.AccessKeys.Values)
        {
            if (key.Status != "Active" || !_state.UsersById.TryGetValue(key.UserId, out var user))
            {
                continue;
            }

            var secret = Encoding.UTF8.GetString(_masterKey.Open(key.SealedSecret, Aad(key.AccessKeyId)));
            keys[key.AccessKeyId] = new AccessKeyRecord(secret,
                new Principal(AccountId, _state.UserArn(user), user.Id, key.AccessKeyId, IsRoot: false));
        }

        _authKeys = keys.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Serialize(object entity) => entity switch
    {
        UserEntity user => JsonSerializer.SerializeToUtf8Bytes(user, IamEntityJsonContext.Default.UserEntity),
        GroupEntity group => JsonSerializer.SerializeToUtf8Bytes(group, IamEntityJsonContext.Default.GroupEntity),
        RoleEntity role => JsonSerializer.SerializeToUtf8Bytes(role, IamEntityJsonContext.Default.RoleEntity),
        PolicyEntity policy => JsonSerializer.SerializeToUtf8Bytes(policy, IamEntityJsonContext.Default.PolicyEntity),
        InstanceProfileEntity profile => JsonSerializer.SerializeToUtf8Bytes(profile, IamEntityJsonContext.Default.InstanceProfileEntity),
        AccessKeyEntity key => JsonSerializer.SerializeToUtf8Bytes(key, IamEntityJsonContext.Default.AccessKeyEntity),
        LoginProfileEntity profile => JsonSerializer.SerializeToUtf8Bytes(profile, IamEntityJsonContext.Default.LoginProfileEntity),
        PasswordPolicyEntity policy => JsonSerializer.SerializeToUtf8Bytes(policy, IamEntityJsonContext.Default.PasswordPolicyEntity),
        MfaDeviceEntity device => JsonSerializer.SerializeToUtf8Bytes(device, IamEntityJsonContext.Default.MfaDeviceEntity),
        _ => throw new ArgumentException("Not an IAM entity: " + entity.GetType(), nameof(entity)),
    };

    private static byte[] Aad(string accessKeyId) => Encoding.UTF8.GetBytes("iam/access-key/" + accessKeyId);

    /// <summary>IAM names are unique ignoring case: the dictionary key of a name.</summary>
    public static string Fold(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant();
    }
}

/// <summary>
/// The in-memory identities, handed to <see cref="IdentityStore.Read{T}"/> and
/// <see cref="IdentityStore.Write{T}"/> under the store's lock. Name-keyed maps use
/// <see cref="IdentityStore.Fold"/>ed names.
/// </summary>
public sealed class IdentityState
{
    internal IdentityState(string accountId, ManagedPolicyCatalog catalog)
    {
        AccountId = accountId;
        Catalog = catalog;
    }

    /// <summary>The account id.</summary>
    public string AccountId { get; }

    /// <summary>The AWS managed policies.</summary>
    public ManagedPolicyCatalog Catalog { get; }

    /// <summary>Users by folded name.</summary>
    public Dictionary<string, UserEntity> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Users by id.</summary>
    public Dictionary<string, UserEntity> UsersById { get; } = new(StringComparer.Ordinal);

    /// <summary>Groups by folded name.</summary>
    public Dictionary<string, GroupEntity> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Groups by id.</summary>
    public Dictionary<string, GroupEntity> GroupsById { get; } = new(StringComparer.Ordinal);

    /// <summary>Roles by folded name.</summary>
    public Dictionary<string, RoleEntity> Roles { get; } = new(StringComparer.Ordinal);

    /// <summary>Roles by id.</summary>
    public Dictionary<string, RoleEntity> RolesById { get; } = new(StringComparer.Ordinal);

    /// <summary>Customer managed policies by ARN.</summary>
    public Dictionary<string, PolicyEntity> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>Instance profiles by folded name.</summary>
    public Dictionary<string, InstanceProfileEntity> InstanceProfiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Access keys by id.</summary>
    public Dictionary<string, AccessKeyEntity> AccessKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Login profiles by user id.</summary>
    public Dictionary<string, LoginProfileEntity> LoginProfiles { get; } = new(StringComparer.Ordinal);

    /// <summary>The account password policy, if one is set.</summary>
    public PasswordPolicyEntity? PasswordPolicy { get; set; }

    /// <summary>Virtual MFA devices by folded serial number.</summary>
    public Dictionary<string, MfaDeviceEntity> MfaDevices { get; } = new(StringComparer.Ordinal);

    internal List<(string Key, object? Entity)> Changes { get; } = [];

    /// <summary>A customer managed or AWS managed policy by ARN.</summary>
    public PolicyEntity? FindPolicy(string arn) =>
        Policies.TryGetValue(arn, out var policy) ? policy : Catalog.ByArn.GetValueOrDefault(arn);

    /// <summary>Every policy, customer managed and AWS managed.</summary>
    public IEnumerable<PolicyEntity> AllPolicies() => Policies.Values.Concat(Catalog.ByArn.Values);

    /// <summary>The user's ARN.</summary>
    public string UserArn(UserEntity user) => $"arn:aws:iam::{AccountId}:user{user.Path}{user.Name}";

    /// <summary>The group's ARN.</summary>
    public string GroupArn(GroupEntity group) => $"arn:aws:iam::{AccountId}:group{group.Path}{group.Name}";

    /// <summary>The role's ARN.</summary>
    public string RoleArn(RoleEntity role) => $"arn:aws:iam::{AccountId}:role{role.Path}{role.Name}";

    /// <summary>The instance profile's ARN.</summary>
    public string InstanceProfileArn(InstanceProfileEntity profile) =>
        $"arn:aws:iam::{AccountId}:instance-profile{profile.Path}{profile.Name}";

    /// <summary>Users in a group.</summary>
    public IEnumerable<UserEntity> Members(GroupEntity group) => UsersById.Values.Where(u => u.GroupIds.Contains(group.Id));

    /// <summary>Records a user to store.</summary>
    public void Save(UserEntity user) => Changes.Add(("user/" + user.Id, user));

    /// <summary>Records a group to store.</summary>
    public void Save(GroupEntity group) => Changes.Add(("group/" + group.Id, group));

    /// <summary>Records a role to store.</summary>
    public void Save(RoleEntity role) => Changes.Add(("role/" + role.Id, role));

    /// <summary>Records a customer managed policy to store.</summary>
    public void Save(PolicyEntity policy)
    {
        if (policy.IsAwsManaged)
        {
            throw new InvalidOperationException("AWS managed policies are read-only.");
        }

        Changes.Add(("policy/" + policy.Id, policy));
    }

    /// <summary>Records an instance profile to store.</summary>
    public void Save(InstanceProfileEntity profile) => Changes.Add(("instance-profile/" + profile.Id, profile));

    /// <summary>Records an access key to store.</summary>
    public void Save(AccessKeyEntity key) => Changes.Add(("access-key/" + key.AccessKeyId, key));

    /// <summary>Records the deletion of a user.</summary>
    public void Delete(UserEntity user) => Changes.Add(("user/" + user.Id, null));

    /// <summary>Records the deletion of a group.</summary>
    public void Delete(GroupEntity group) => Changes.Add(("group/" + group.Id, null));

    /// <summary>Records the deletion of a role.</summary>
    public void Delete(RoleEntity role) => Changes.Add(("role/" + role.Id, null));

    /// <summary>Records the deletion of a customer managed policy.</summary>
    public void Delete(PolicyEntity policy) => Changes.Add(("policy/" + policy.Id, null));

    /// <summary>Records the deletion of an instance profile.</summary>
    public void Delete(InstanceProfileEntity profile) => Changes.Add(("instance-profile/" + profile.Id, null));

    /// <summary>Records the deletion of an access key.</summary>
    public void Delete(AccessKeyEntity key) => Changes.Add(("access-key/" + key.AccessKeyId, null));

    /// <summary>Records a login profile to store.</summary>
    public void Save(LoginProfileEntity profile) => Changes.Add(("login-profile/" + profile.UserId, profile));

    /// <summary>Records the deletion of a login profile.</summary>
    public void Delete(LoginProfileEntity profile) => Changes.Add(("login-profile/" + profile.UserId, null));

    /// <summary>Records the password policy to store.</summary>
    public void Save(PasswordPolicyEntity policy) => Changes.Add(("password-policy", policy));

    /// <summary>Records the deletion of the password policy.</summary>
    public void DeletePasswordPolicy() => Changes.Add(("password-policy", null));

    /// <summary>Records a virtual MFA device to store.</summary>
    public void Save(MfaDeviceEntity device) => Changes.Add(("mfa-device/" + device.Id, device));

    /// <summary>Records the deletion of a virtual MFA device.</summary>
    public void Delete(MfaDeviceEntity device) => Changes.Add(("mfa-device/" + device.Id, null));

    internal void Clear()
    {
        Users.Clear();
        UsersById.Clear();
        Groups.Clear();
        GroupsById.Clear();
        Roles.Clear();
        RolesById.Clear();
        Policies.Clear();
        InstanceProfiles.Clear();
        AccessKeys.Clear();
        LoginProfiles.Clear();
        PasswordPolicy = null;
        MfaDevices.Clear();
        Changes.Clear();
    }
}
