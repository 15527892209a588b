using System.Buffers;
using System.Globalization;
using System.Text;
using Lockbox.Common;
using Lockbox.Protocols.Query;

namespace Lockbox.Iam;

/// <summary>
/// The IAM API (awsQuery, version 2010-05-08) over the <see cref="IdentityStore"/>. Each
/// operation checks the model's constraints (<see cref="IamValidation"/>), describes itself to the
/// authorizer (action <c>iam:&lt;Operation&gt;</c>, the resource's ARN) before it reads or changes
/// anything, then runs against the store and writes IAM's XML answer.
/// </summary>
/// <remarks>Operations are split by area into partial files (Users, Groups, Policies, Roles, Account).</remarks>
public sealed partial class IamService : IQueryService
{
    /// <summary>The IAM API version.</summary>
    public const string ApiVersion = "2010-05-08";

    /// <summary>The XML namespace of IAM answers.</summary>
    public const string Namespace = "https://iam.amazonaws.com/doc/2010-05-08/";

    /// <summary>Default and largest page (MaxItems) of List calls.</summary>
    private const int DefaultMaxItems = 100;

    private readonly IdentityStore _store;
    private readonly IRequestAuthorizer _authorizer;
    private readonly IPolicyDocumentValidator _policyValidator;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    public IamService(IdentityStore store, IRequestAuthorizer authorizer, IPolicyDocumentValidator policyValidator, TimeProvider time)
    {
        _store = store;
        _authorizer = authorizer;
        _policyValidator = policyValidator;
        _time = time;
    }

    /// <summary>Every operation this service offers.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "CreateUser", "GetUser", "ListUsers", "UpdateUser", "DeleteUser", "TagUser", "UntagUser", "ListUserTags",
        "CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey", "GetAccessKeyLastUsed",
        "CreateGroup", "GetGroup", "ListGroups", "UpdateGroup", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup", "ListGroupsForUser",
        "CreatePolicy", "GetPolicy", "ListPolicies", "DeletePolicy", "CreatePolicyVersion", "GetPolicyVersion", "ListPolicyVersions",
        "SetDefaultPolicyVersion", "DeletePolicyVersion", "TagPolicy", "UntagPolicy", "ListPolicyTags",
        "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy", "AttachRolePolicy", "DetachRolePolicy",
        "ListAttachedUserPolicies", "ListAttachedGroupPolicies", "ListAttachedRolePolicies", "ListEntitiesForPolicy",
        "PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy",
        "PutGroupPolicy", "GetGroupPolicy", "ListGroupPolicies", "DeleteGroupPolicy",
        "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
        "CreateRole", "GetRole", "ListRoles", "UpdateRole", "UpdateRoleDescription", "DeleteRole", "UpdateAssumeRolePolicy",
        "TagRole", "UntagRole", "ListRoleTags",
        "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary",
        "CreateInstanceProfile", "GetInstanceProfile", "ListInstanceProfiles", "DeleteInstanceProfile",
        "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile", "ListInstanceProfilesForRole",
        "TagInstanceProfile", "UntagInstanceProfile", "ListInstanceProfileTags",
        "GetAccountAuthorizationDetails",
        "CreateLoginProfile", "GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile",
        "UpdateAccountPasswordPolicy", "GetAccountPasswordPolicy", "DeleteAccountPasswordPolicy",
        "CreateVirtualMFADevice", "EnableMFADevice", "ResyncMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice",
        "ListVirtualMFADevices", "ListMFADevices",
    ];

    private static readonly HashSet<string> s_operations = new(Operations, StringComparer.Ordinal);

    /// <inheritdoc />
    public string SigningName => "iam";

    /// <inheritdoc />
    public string Version => ApiVersion;

    /// <inheritdoc />
    public string XmlNamespace => Namespace;

    /// <summary>The identity store behind the service.</summary>
    public IdentityStore Store => _store;

    /// <inheritdoc />
    public bool HasOperation(string action) => s_operations.Contains(action);

    /// <inheritdoc />
    public ValueTask InvokeAsync(string action, QueryRequest request, CallerContext caller, IBufferWriter<byte> response,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(response);
        if (!HasOperation(action))
        {
            throw QueryErrors.InvalidAction(action, request.Version ?? ApiVersion);
        }

        IamValidation.Validate(action, request);
        var call = new Call(request, caller, new QueryXmlWriter(), action);
        call.Writer.Begin(action, Namespace, HasResult(action));
        Dispatch(call);
        call.Writer.Finish(caller.RequestId, response);
        return ValueTask.CompletedTask;
    }

    private void Dispatch(Call call)
    {
        switch (call.Action)
        {
            case "CreateUser": CreateUser(call); break;
            case "GetUser": GetUser(call); break;
            case "ListUsers": ListUsers(call); break;
            case "UpdateUser": UpdateUser(call); break;
            case "DeleteUser": DeleteUser(call); break;
            case "TagUser": TagUser(call); break;
            case "UntagUser": UntagUser(call); break;
            case "ListUserTags": ListUserTags(call); break;
            case "CreateAccessKey": CreateAccessKey(call); break;
            case "ListAccessKeys": ListAccessKeys(call); break;
            case "UpdateAccessKey": UpdateAccessKey(call); break;
            case "DeleteAccessKey": DeleteAccessKey(call); break;
            case "GetAccessKeyLastUsed": GetAccessKeyLastUsed(call); break;
            case "CreateGroup": CreateGroup(call); break;
            case "GetGroup": GetGroup(call); break;
            case "ListGroups": ListGroups(call); break;
            case "UpdateGroup": UpdateGroup(call); break;
            case "DeleteGroup": DeleteGroup(call); break;
            case "AddUserToGroup": AddUserToGroup(call); break;
            case "RemoveUserFromGroup": RemoveUserFromGroup(call); break;
            case "ListGroupsForUser": ListGroupsForUser(call); break;
            case "CreatePolicy": CreatePolicy(call); break;
            case "GetPolicy": GetPolicy(call); break;
            case "ListPolicies": ListPolicies(call); break;
            case "DeletePolicy": DeletePolicy(call); break;
            case "CreatePolicyVersion": CreatePolicyVersion(call); break;
            case "GetPolicyVersion": GetPolicyVersion(call); break;
            case "ListPolicyVersions": ListPolicyVersions(call); break;
            case "SetDefaultPolicyVersion": SetDefaultPolicyVersion(call); break;
            case "DeletePolicyVersion": DeletePolicyVersion(call); break;
            case "TagPolicy": TagPolicy(call); break;
            case "UntagPolicy": UntagPolicy(call); break;
            case "ListPolicyTags": ListPolicyTags(call); break;
            case "AttachUserPolicy": AttachPolicy(call, PrincipalKind.User, attach: true); break;
            case "DetachUserPolicy": AttachPolicy(call, PrincipalKind.User, attach: false); break;
            case "AttachGroupPolicy": AttachPolicy(call, PrincipalKind.Group, attach: true); break;
            case "DetachGroupPolicy": AttachPolicy(call, PrincipalKind.Group, attach: false); break;
            case "AttachRolePolicy": AttachPolicy(call, PrincipalKind.Role, attach: true); break;
            case "DetachRolePolicy": AttachPolicy(call, PrincipalKind.Role, attach: false); break;
            case "ListAttachedUserPolicies": ListAttachedPolicies(call, PrincipalKind.User); break;
            case "ListAttachedGroupPolicies": ListAttachedPolicies(call, PrincipalKind.Group); break;
            case "ListAttachedRolePolicies": ListAttachedPolicies(call, PrincipalKind.Role); break;
            case "ListEntitiesForPolicy": ListEntitiesForPolicy(call); break;
            case "PutUserPolicy": PutInlinePolicy(call, PrincipalKind.User); break;
            case "GetUserPolicy": GetInlinePolicy(call, PrincipalKind.User); break;
            case "ListUserPolicies": ListInlinePolicies(call, PrincipalKind.User); break;
            case "DeleteUserPolicy": DeleteInlinePolicy(call, PrincipalKind.User); break;
            case "PutGroupPolicy": PutInlinePolicy(call, PrincipalKind.Group); break;
            case "GetGroupPolicy": GetInlinePolicy(call, PrincipalKind.Group); break;
            case "ListGroupPolicies": ListInlinePolicies(call, PrincipalKind.Group); break;
            case "DeleteGroupPolicy": DeleteInlinePolicy(call, PrincipalKind.Group); break;
            case "PutRolePolicy": PutInlinePolicy(call, PrincipalKind.Role); break;
            case "GetRolePolicy": GetInlinePolicy(call, PrincipalKind.Role); break;
            case "ListRolePolicies": ListInlinePolicies(call, PrincipalKind.Role); break;
            case "DeleteRolePolicy": DeleteInlinePolicy(call, PrincipalKind.Role); break;
            case "CreateRole": CreateRole(call); break;
            case "GetRole": GetRole(call); break;
            case "ListRoles": ListRoles(call); break;
            case "UpdateRole": UpdateRole(call, descriptionOnly: false); break;
            case "UpdateRoleDescription": UpdateRole(call, descriptionOnly: true); break;
            case "DeleteRole": DeleteRole(call); break;
            case "UpdateAssumeRolePolicy": UpdateAssumeRolePolicy(call); break;
            case "TagRole": TagRole(call); break;
            case "UntagRole": UntagRole(call); break;
            case "ListRoleTags": ListRoleTags(call); break;
            case "PutUserPermissionsBoundary": PutPermissionsBoundary(call, PrincipalKind.User, put: true); break;
            case "DeleteUserPermissionsBoundary": PutPermissionsBoundary(call, PrincipalKind.User, put: false); break;
            case "PutRolePermissionsBoundary": PutPermissionsBoundary(call, PrincipalKind.Role, put: true); break;
            case "DeleteRolePermissionsBoundary": PutPermissionsBoundary(call, PrincipalKind.Role, put: false); break;
            case "CreateInstanceProfile": CreateInstanceProfile(call); break;
            case "GetInstanceProfile": GetInstanceProfile(call); break;
            case "ListInstanceProfiles": ListInstanceProfiles(call); break;
            case "DeleteInstanceProfile": DeleteInstanceProfile(call); break;
            case "AddRoleToInstanceProfile": AddRoleToInstanceProfile(call, add: true); break;
            case "RemoveRoleFromInstanceProfile": AddRoleToInstanceProfile(call, add: false); break;
            case "ListInstanceProfilesForRole": ListInstanceProfilesForRole(call); break;
            case "TagInstanceProfile": TagInstanceProfile(call); break;
            case "UntagInstanceProfile": UntagInstanceProfile(call); break;
            case "ListInstanceProfileTags": ListInstanceProfileTags(call); break;
            case "GetAccountAuthorizationDetails": GetAccountAuthorizationDetails(call); break;
            case "CreateLoginProfile": CreateLoginProfile(call); break;
            case "GetLoginProfile": GetLoginProfile(call); break;
            case "UpdateLoginProfile": UpdateLoginProfile(call); break;
            case "DeleteLoginProfile": DeleteLoginProfile(call); break;
            case "UpdateAccountPasswordPolicy": UpdateAccountPasswordPolicy(call); break;
            case "GetAccountPasswordPolicy": GetAccountPasswordPolicy(call); break;
            case "DeleteAccountPasswordPolicy": DeleteAccountPasswordPolicy(call); break;
            case "CreateVirtualMFADevice": CreateVirtualMFADevice(call); break;
            case "EnableMFADevice": EnableMFADevice(call); break;
            case "ResyncMFADevice": ResyncMFADevice(call); break;
            case "DeactivateMFADevice": DeactivateMFADevice(call); break;
            case "DeleteVirtualMFADevice": DeleteVirtualMFADevice(call); break;
            case "ListVirtualMFADevices": ListVirtualMFADevices(call); break;
            case "ListMFADevices": ListMFADevices(call); break;
            default: throw QueryErrors.InvalidAction(call.Action, ApiVersion);
        }
    }

    /// <summary>Operations whose answer has no result element (only ResponseMetadata).</summary>
    private static bool HasResult(string action) => action switch
    {
        "UpdateUser" or "DeleteUser" or "TagUser" or "UntagUser" or "UpdateAccessKey" or "DeleteAccessKey" or "UpdateGroup" or
        "DeleteGroup" or "AddUserToGroup" or "RemoveUserFromGroup" or "DeletePolicy" or "SetDefaultPolicyVersion" or
        "DeletePolicyVersion" or "TagPolicy" or "UntagPolicy" or "AttachUserPolicy" or "DetachUserPolicy" or "AttachGroupPolicy" or
        "DetachGroupPolicy" or "AttachRolePolicy" or "DetachRolePolicy" or "PutUserPolicy" or "DeleteUserPolicy" or
        "PutGroupPolicy" or "DeleteGroupPolicy" or "PutRolePolicy" or "DeleteRolePolicy" or "DeleteRole" or
        "UpdateAssumeRolePolicy" or "TagRole" or "UntagRole" or "PutUserPermissionsBoundary" or "DeleteUserPermissionsBoundary" or
        "PutRolePermissionsBoundary" or "DeleteRolePermissionsBoundary" or "DeleteInstanceProfile" or "AddRoleToInstanceProfile" or
        "RemoveRoleFromInstanceProfile" or "TagInstanceProfile" or "UntagInstanceProfile" or
        "UpdateLoginProfile" or "DeleteLoginProfile" or "UpdateAccountPasswordPolicy" or "DeleteAccountPasswordPolicy" or
        "EnableMFADevice" or "ResyncMFADevice" or "DeactivateMFADevice" or "DeleteVirtualMFADevice" => false,
        _ => true,
    };

    /// <summary>One request in flight: its parameters, caller and answer writer.</summary>
    private sealed record Call(QueryRequest Request, CallerContext Caller, QueryXmlWriter Writer, string Action)
    {
        public string Required(string name) => Request.Get(name) ?? throw IamErrors.Validation(
            $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

        public string? Optional(string name) => Request.Get(name);

        public string Path(string name, string fallback = "/") => Request.Get(name) ?? fallback;
    }

    private enum PrincipalKind
    {
        User,
        Group,
        Role,
    }

    /// <summary>Describes the operation to the authorizer; throws AccessDenied when refused.</summary>
    private void Authorize(Call call, string resourceArn) =>
        _authorizer.Authorize(call.Caller, new AuthorizationRequest("iam:" + call.Action, resourceArn));

    private string Arn(string kind, string path, string name) => $"arn:aws:iam::{_store.AccountId}:{kind}{path}{name}";

    private string ListArn(string kind, Call call) => $"arn:aws:iam::{_store.AccountId}:{kind}{call.Path("PathPrefix")}";

    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private int MaxItems(Call call)
    {
        if (!call.Request.TryGetInt("MaxItems", out var value))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get("MaxItems")}' at 'maxItems' failed to satisfy constraint: Member must be a number");
        }

        return value ?? DefaultMaxItems;
    }

    /// <summary>
    /// One page of <paramref name="items"/> (already filtered), sorted by <paramref name="key"/>.
    /// The marker is the opaque key of the first item of the next page.
    /// </summary>
    private List<T> Page<T>(Call call, IEnumerable<T> items, Func<T, string> key, out string? nextMarker)
    {
        var maxItems = MaxItems(call);
        var marker = call.Request.Get("Marker");
        string? start = null;
        if (marker is not null)
        {
            try
            {
                start = Encoding.UTF8.GetString(Convert.FromBase64String(marker));
            }
            catch (FormatException)
            {
                throw IamErrors.Validation("Invalid Marker.");
            }
        }

        var sorted = items.Select(i => (Key: key(i), Item: i)).OrderBy(p => p.Key, StringComparer.Ordinal);
        var page = new List<T>();
        nextMarker = null;
        foreach (var (k, item) in sorted)
        {
            if (start is not null && string.CompareOrdinal(k, start) < 0)
            {
                continue;
            }

            if (page.Count == maxItems)
            {
                nextMarker = Convert.ToBase64String(Encoding.UTF8.GetBytes(k));
                break;
            }

            page.Add(item);
        }

        return page;
    }

    private static void WritePaging(Call call, string? nextMarker)
    {
        call.Writer.Element("IsTruncated", nextMarker is not null);
        call.Writer.Element("Marker", nextMarker);
    }

    private static string SortKey(string name) => IdentityStore.Fold(name) + "\u0000" + name;

    private static string Encode(string document) => Uri.EscapeDataString(document);

    private static void WriteTags(QueryXmlWriter w, List<IamTag> tags, bool alwaysList = false)
    {
        if (tags.Count == 0 && !alwaysList)
        {
            return;
        }

        w.Start("Tags");
        foreach (var tag in tags)
        {
            w.Start("member").Element("Key", tag.Key).Element("Value", tag.Value).End();
        }

        w.End();
    }

    private static List<IamTag> ReadTags(Call call) =>
        [.. call.Request.GetStructureList("Tags", ["Key", "Value"], prefix => new IamTag
        {
            Key = call.Request.Get(prefix + "Key") ?? "",
            Value = call.Request.Get(prefix + "Value") ?? "",
        })];

    /// <summary>Checks tags to add (IAM's rules) and merges them into <paramref name="existing"/>.</summary>
    private static void CheckTags(List<IamTag> tags, List<IamTag>? existing)
    {
        var errors = new List<string>();
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (tag.Key.Length is < 1 or > 128)
            {
                errors.Add($"Value '{tag.Key}' at 'tags.{i + 1}.member.key' failed to satisfy constraint: Member must have length " +
                    (tag.Key.Length < 1 ? "greater than or equal to 1" : "less than or equal to 128"));
            }
            else if (!TagText(tag.Key))
            {
                errors.Add($"Value '{tag.Key}' at 'tags.{i + 1}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+");
            }

            if (tag.Value.Length > 256)
            {
                errors.Add($"Value '{tag.Value}' at 'tags.{i + 1}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256");
            }
            else if (tag.Value.Length > 0 && !TagText(tag.Value))
            {
                errors.Add($"Value '{tag.Value}' at 'tags.{i + 1}.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*");
            }
        }

        if (errors.Count > 0)
        {
            throw IamErrors.Validation(string.Create(CultureInfo.InvariantCulture,
                $"{errors.Count} validation error{(errors.Count == 1 ? "" : "s")} detected: {string.Join("; ", errors)}"));
        }

        if (tags.Select(t => t.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count() != tags.Count)
        {
            throw IamErrors.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }

        var total = (existing ?? []).Select(t => t.Key).Concat(tags.Select(t => t.Key)).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (total > 50)
        {
            throw IamErrors.LimitExceeded("The number of tags has reached the maximum limit.");
        }

        static bool TagText(string text)
        {
            foreach (var c in text)
            {
                if (!(char.IsLetterOrDigit(c) || char.IsSeparator(c) || c is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@'))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private static void MergeTags(List<IamTag> into, List<IamTag> tags)
    {
        foreach (var tag in tags)
        {
            var index = into.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                into[index] = tag;
            }
            else
            {
                into.Add(tag);
            }
        }
    }

    private static void RemoveTags(List<IamTag> from, IReadOnlyList<string> keys) =>
        from.RemoveAll(t => keys.Contains(t.Key, StringComparer.OrdinalIgnoreCase));

    private void ListTags(Call call, List<IamTag> tags)
    {
        var page = Page(call, tags.Select((t, i) => (t, i)), p => p.i.ToString("D4", CultureInfo.InvariantCulture), out var marker);
        WriteTags(call.Writer, [.. page.Select(p => p.t)], alwaysList: true);
        WritePaging(call, marker);
    }
}
