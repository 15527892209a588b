using Lockbox.Protocols.Query;
namespace Lockbox.Iam;

/// <summary>GetAccountAuthorizationDetails: every identity with its policies, in one (paged) answer.</summary>
public sealed partial class IamService
{
    private void GetAccountAuthorizationDetails(Call call)
    {
        var filters = call.Request.GetList("Filter");
        Authorize(call, "*");
        bool Want(string kind) => filters.Count == 0 || filters.Contains(kind, StringComparer.Ordinal);
        _store.Read(state =>
        {
            var entries = new List<(string Key, object Entity)>();
            if (Want("User"))
            {
                entries.AddRange(state.UsersById.Values.Select(u => ("1" + SortKey(u.Name), (object)u)));
            }

            if (Want("Group"))
            {
                entries.AddRange(state.GroupsById.Values.Select(g => ("2" + SortKey(g.Name), (object)g)));
            }

            if (Want("Role"))
            {
                entries.AddRange(state.RolesById.Values.Select(r => ("3" + SortKey(r.Name), (object)r)));
            }

            // Policies: customer managed ones always with the filter LocalManagedPolicy; AWS managed
            // ones only when attached (as IAM does), with the filter AWSManagedPolicy.
            if (Want("LocalManagedPolicy"))
            {
                entries.AddRange(state.Policies.Values.Select(p => ("4" + SortKey(p.Name) + p.Arn, (object)p)));
            }

            if (Want("AWSManagedPolicy"))
            {
                entries.AddRange(state.Catalog.ByArn.Values
                    .Where(p => AttachmentCount(state, p.Arn) > 0 || BoundaryCount(state, p.Arn) > 0)
                    .Select(p => ("4" + SortKey(p.Name) + p.Arn, (object)p)));
            }

            var page = Page(call, entries, e => e.Key, out var marker);
            var w = call.Writer;
            w.Start("UserDetailList");
            foreach (var user in page.Select(e => e.Entity).OfType<UserEntity>())
            {
                w.Start("member")
                    .Element("Path", user.Path)
                    .Element("UserName", user.Name)
                    .Element("UserId", user.Id)
                    .Element("Arn", state.UserArn(user))
                    .Element("CreateDate", user.CreateDate);
                WriteInlineDetails(w, "UserPolicyList", user);
                w.StringList("GroupList", user.GroupIds.Select(id => state.GroupsById.GetValueOrDefault(id)?.Name).OfType<string>());
                WriteAttachedDetails(w, state, user);
                WriteBoundary(w, user.PermissionsBoundary);
                WriteTags(w, user.Tags);
                w.End();
            }

            w.End();
            w.Start("GroupDetailList");
            foreach (var group in page.Select(e => e.Entity).OfType<GroupEntity>())
            {
                w.Start("member")
                    .Element("Path", group.Path)
                    .Element("GroupName", group.Name)
                    .Element("GroupId", group.Id)
                    .Element("Arn", state.GroupArn(group))
                    .Element("CreateDate", group.CreateDate);
                WriteInlineDetails(w, "GroupPolicyList", group);
                WriteAttachedDetails(w, state, group);
                w.End();
            }

            w.End();
            w.Start("RoleDetailList");
            foreach (var role in page.Select(e => e.Entity).OfType<RoleEntity>())
            {
                w.Start("member")
                    .Element("Path", role.Path)
                    .Element("RoleName", role.Name)
                    .Element("RoleId", role.Id)
                    .Element("Arn", state.RoleArn(role))
                    .Element("CreateDate", role.CreateDate)
                    .Element("AssumeRolePolicyDocument", Encode(role.AssumeRolePolicyDocument));
                w.Start("InstanceProfileList");
                foreach (var profile in state.InstanceProfiles.Values.Where(p => p.RoleIds.Contains(role.Id)))
                {
                    WriteInstanceProfile(w, state, profile, "member", tags: false);
                }

                w.End();
                WriteInlineDetails(w, "RolePolicyList", role);
                WriteAttachedDetails(w, state, role);
                WriteBoundary(w, role.PermissionsBoundary);
                WriteTags(w, role.Tags);
                w.Start("RoleLastUsed").End();
                w.End();
            }

            w.End();
            w.Start("Policies");
            foreach (var policy in page.Select(e => e.Entity).OfType<PolicyEntity>())
            {
                w.Start("member")
                    .Element("PolicyName", policy.Name)
                    .Element("PolicyId", policy.Id)
                    .Element("Arn", policy.Arn)
                    .Element("Path", policy.Path)
                    .Element("DefaultVersionId", policy.DefaultVersionId)
                    .Element("AttachmentCount", AttachmentCount(state, policy.Arn))
                    .Element("PermissionsBoundaryUsageCount", BoundaryCount(state, policy.Arn))
                    .Element("IsAttachable", true)
                    .Element("Description", policy.Description)
                    .Element("CreateDate", policy.CreateDate)
                    .Element("UpdateDate", policy.UpdateDate);
                w.Start("PolicyVersionList");
                foreach (var version in policy.Versions)
                {
                    WriteVersion(w, policy, version, "member", document: true);
                }

                w.End();
                w.End();
            }

            w.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private static void WriteInlineDetails(QueryXmlWriter w, string element, PrincipalEntity principal)
    {
        w.Start(element);
        foreach (var (name, document) in principal.InlinePolicies)
        {
            w.Start("member").Element("PolicyName", name).Element("PolicyDocument", Encode(document)).End();
        }

        w.End();
    }

    private static void WriteAttachedDetails(QueryXmlWriter w, IdentityState state, PrincipalEntity principal)
    {
        w.Start("AttachedManagedPolicies");
        foreach (var arn in principal.AttachedPolicies)
        {
            w.Start("member").Element("PolicyName", state.FindPolicy(arn)?.Name).Element("PolicyArn", arn).End();
        }

        w.End();
    }
}
