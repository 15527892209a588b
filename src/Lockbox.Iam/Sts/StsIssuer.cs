using Lockbox.Common;
using Lockbox.Iam.Policy;

namespace Lockbox.Iam.Sts;

/// <summary>
/// Issues temporary credentials: role sessions (AssumeRole, and services such as EC2 assuming an
/// instance profile's role through <see cref="IRoleCredentialIssuer"/>) and user/root sessions
/// (GetSessionToken). Everything a session needs later is sealed into its token
/// (<see cref="SessionTokenCodec"/>); nothing is stored.
/// </summary>
public sealed class StsIssuer : IRoleCredentialIssuer
{
    /// <summary>Shortest session AWS issues (15 minutes).</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromSeconds(900);

    private readonly IdentityStore _store;
    private readonly SessionTokenCodec _codec;
    private readonly TimeProvider _time;

    /// <summary>Creates the issuer.</summary>
    public StsIssuer(IdentityStore store, SessionTokenCodec codec, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _codec = codec;
        _time = time;
    }

    /// <summary>The account.</summary>
    public string AccountId => _store.AccountId;

    /// <summary>The identity store.</summary>
    public IdentityStore Store => _store;

    /// <summary>The token codec.</summary>
    public SessionTokenCodec Codec => _codec;

    /// <summary>The encoded authorization message codec.</summary>
    public AuthorizationMessageCodec Messages => _codec.Messages;

    /// <inheritdoc />
    public TemporaryCredentials AssumeRoleForService(string roleArn, string servicePrincipal, string sessionName, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(roleArn);
        ArgumentException.ThrowIfNullOrEmpty(servicePrincipal);
        ArgumentException.ThrowIfNullOrEmpty(sessionName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var role = FindRole(roleArn) ?? throw IamErrors.NoSuchEntity(
            $"The role with name {RoleNameOf(roleArn)} cannot be found.");

        var now = Now();
        var caller = new PrincipalInfo(servicePrincipal, _store.AccountId, PrincipalKind.Service, ServiceName: servicePrincipal);
        var context = new RequestContext(caller, "sts:AssumeRole", role.Arn, now);
        context.Set("aws:PrincipalType", "Service");
        context.Set("aws:PrincipalIsAWSService", "true");
        context.Set("aws:PrincipalServiceName", servicePrincipal);
        context.Set("sts:RoleSessionName", sessionName);

        // The service acts for this account (trust policies guard against the confused deputy with it).
        context.Set("aws:SourceAccount", _store.AccountId);
        CompiledPolicy? trust;
        try
        {
            trust = CompiledPolicy.Parse(role.TrustPolicy, PolicyKind.Trust, role.Arn);
        }
        catch (MalformedPolicyDocumentException)
        {
            trust = null;
        }

        var decision = trust is null
            ? new AuthorizationDecision(EvaluationDecision.ImplicitDeny, PolicyType.ResourceBased)
            : PolicyEvaluator.Evaluate(context, new PolicySet { ResourcePolicy = trust });
        if (!decision.IsAllowed)
        {
            throw new AccessDeniedError(servicePrincipal, "sts:AssumeRole", role.Arn,
                AccessDeniedMessage.Format(servicePrincipal, "sts:AssumeRole", role.Arn, decision));
        }

        return IssueRoleSession(role, new SessionInfo
        {
            Kind = SessionKind.RoleSession,
            IssuedAt = now,
            Expiration = now + duration,
            RoleId = role.Id,
            RoleArn = role.Arn,
            SessionName = sessionName,
            SourceArn = servicePrincipal,
        });
    }

    /// <summary>Seals a role session and returns its credentials.</summary>
    internal TemporaryCredentials IssueRoleSession(RoleSnapshot role, SessionInfo session) =>
        _codec.Issue(_store.AccountId, role.Id, role.Arn, session);

    /// <summary>Seals a user or root session and returns its credentials.</summary>
    internal TemporaryCredentials IssueSession(string principalId, string principalArn, SessionInfo session) =>
        _codec.Issue(_store.AccountId, principalId, principalArn, session);

    /// <summary>The request time, truncated to whole seconds (tokens keep seconds).</summary>
    internal DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>
    /// The role named by <paramref name="roleArn"/> (<c>arn:aws:iam::ACCOUNT:role/PATH/NAME</c>, this
    /// account, path and name matching), as a consistent snapshot; null when there is none.
    /// </summary>
    internal RoleSnapshot? FindRole(string roleArn)
    {
        const string prefix = "arn:aws:iam::";
        if (!roleArn.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = roleArn.AsSpan(prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon < 0 || !rest[..colon].SequenceEqual(_store.AccountId) || !rest[(colon + 1)..].StartsWith("role/"))
        {
            return null;
        }

        var name = RoleNameOf(roleArn);
        return _store.Read(state =>
        {
            if (!state.Roles.TryGetValue(IdentityStore.Fold(name), out var role) || !string.Equals(state.RoleArn(role), roleArn, StringComparison.Ordinal))
            {
                return null;
            }

            return new RoleSnapshot(role.Id, role.Name, state.RoleArn(role), role.AssumeRolePolicyDocument, role.MaxSessionDuration,
                [.. role.Tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value))]);
        });
    }

    private static string RoleNameOf(string roleArn) => roleArn[(roleArn.LastIndexOf('/') + 1)..];
}

/// <summary>What issuing a role session needs to know about the role, read under the store's lock.</summary>
/// <param name="Id">The role id (AROA…).</param>
/// <param name="Name">The role name.</param>
/// <param name="Arn">The role ARN.</param>
/// <param name="TrustPolicy">The trust policy document.</param>
/// <param name="MaxSessionDuration">The role's longest session, seconds.</param>
/// <param name="Tags">The role's tags.</param>
internal sealed record RoleSnapshot(string Id, string Name, string Arn, string TrustPolicy, int MaxSessionDuration,
    KeyValuePair<string, string>[] Tags);
