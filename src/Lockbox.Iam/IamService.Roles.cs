using Lockbox.Protocols.Query;
using Lockbox.Iam.Policy;
namespace Lockbox.Iam;

/// <summary>Roles, their trust policies and tags, and instance profiles.</summary>
public sealed partial class IamService
{
    private static RoleEntity FindRole(IdentityState state, string name) =>
        state.Roles.TryGetValue(IdentityStore.Fold(name), out var role) ? role : throw IamErrors.NoSuchRole(name);

    private string RoleArn(IdentityState state, string name) =>
        state.Roles.TryGetValue(IdentityStore.Fold(name), out var role) ? state.RoleArn(role) : Arn("role", "/", name);

    private static void WriteRole(QueryXmlWriter w, IdentityState state, RoleEntity role, string element, bool details)
    {
        w.Start(element)
            .Element("Path", role.Path)
            .Element("RoleName", role.Name)
            .Element("RoleId", role.Id)
            .Element("Arn", state.RoleArn(role))
            .Element("CreateDate", role.CreateDate)
            .Element("AssumeRolePolicyDocument", Encode(role.AssumeRolePolicyDocument))
            .Element("Description", role.Description)
            .Element("MaxSessionDuration", role.MaxSessionDuration);
        if (details)
        {
            WriteBoundary(w, role.PermissionsBoundary);
            WriteTags(w, role.Tags);
            w.Start("RoleLastUsed").End();
        }

        w.End();
    }

    private int? MaxSessionDuration(Call call)
    {
        if (!call.Request.TryGetInt("MaxSessionDuration", out var value))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get("MaxSessionDuration")}' at 'maxSessionDuration' failed to satisfy constraint: Member must be a number");
        }

        return value;
    }

    private void CreateRole(Call call)
    {
        var name = call.Required("RoleName");
        var path = call.Path("Path");
        var trust = call.Required("AssumeRolePolicyDocument");
        var description = call.Optional("Description");
        var maxSession = MaxSessionDuration(call) ?? 3600;
        var boundary = call.Optional("PermissionsBoundary");
        var tags = ReadTags(call);
        Authorize(call, Arn("role", path, name));
        CheckTags(tags, null);
        _policyValidator.Validate(trust, PolicyKind.Trust);
        _store.Write(state =>
        {
            if (state.Roles.ContainsKey(IdentityStore.Fold(name)))
            {
                throw IamErrors.EntityAlreadyExists($"Role with name {name} already exists.");
            }

            if (boundary is not null)
            {
                CheckBoundaryPolicy(state, boundary);
            }

            var role = new RoleEntity
            {
                Name = name,
                Path = path,
                Id = IamIds.New(IamIds.Role),
                CreateDate = Now(),
                AssumeRolePolicyDocument = trust,
                Description = description,
                MaxSessionDuration = maxSession,
                PermissionsBoundary = boundary,
                Tags = tags,
            };
            state.Roles[IdentityStore.Fold(name)] = role;
            state.RolesById[role.Id] = role;
            state.Save(role);
            WriteRole(call.Writer, state, role, "Role", details: false);
            return 0;
        });
    }

    private void GetRole(Call call)
    {
        var name = call.Required("RoleName");
        _store.Read(state =>
        {
            Authorize(call, RoleArn(state, name));
            WriteRole(call.Writer, state, FindRole(state, name), "Role", details: true);
            return 0;
        });
    }

    private void ListRoles(Call call)
    {
        var prefix = call.Path("PathPrefix");
        Authorize(call, ListArn("role", call));
        _store.Read(state =>
        {
            var page = Page(call, state.Roles.Values.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)), r => SortKey(r.Name), out var marker);
            call.Writer.Start("Roles");
            foreach (var role in page)
            {
                WriteRole(call.Writer, state, role, "member", details: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void UpdateRole(Call call, bool descriptionOnly)
    {
        var name = call.Required("RoleName");
        var description = descriptionOnly ? call.Required("Description") : call.Optional("Description");
        var maxSession = descriptionOnly ? null : MaxSessionDuration(call);
        Authorize(call, _store.Read(state => RoleArn(state, name)));
        _store.Write(state =>
        {
            var role = FindRole(state, name);
            if (description is not null)
            {
                role.Description = description;
            }

            if (maxSession is { } seconds)
            {
                role.MaxSessionDuration = seconds;
            }

            state.Save(role);
            if (descriptionOnly)
            {
                WriteRole(call.Writer, state, role, "Role", details: true);
            }

            return 0;
        });
    }

    private void DeleteRole(Call call)
    {
        var name = call.Required("RoleName");
        Authorize(call, _store.Read(state => RoleArn(state, name)));
        _store.Write(state =>
        {
            var role = FindRole(state, name);
            if (state.InstanceProfiles.Values.Any(p => p.RoleIds.Contains(role.Id)))
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.");
            }

            if (role.InlinePolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete policies first.");
            }

            if (role.AttachedPolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first.");
            }

            state.Roles.Remove(IdentityStore.Fold(role.Name));
            state.RolesById.Remove(role.Id);
            state.Delete(role);
            return 0;
        });
    }

    private void UpdateAssumeRolePolicy(Call call)
    {
        var name = call.Required("RoleName");
        var document = call.Required("PolicyDocument");
        Authorize(call, _store.Read(state => RoleArn(state, name)));
        _store.Write(state =>
        {
            var role = FindRole(state, name);
            _policyValidator.Validate(document, PolicyKind.Trust);
            role.AssumeRolePolicyDocument = document;
            state.Save(role);
            return 0;
        });
    }

    private void TagRole(Call call)
    {
        var name = call.Required("RoleName");
        var tags = ReadTags(call);
        Authorize(call, _store.Read(state => RoleArn(state, name)));
        _store.Write(state =>
        {
            var role = FindRole(state, name);
            CheckTags(tags, role.Tags);
            MergeTags(role.Tags, tags);
            state.Save(role);
            return 0;
        });
    }

    private void UntagRole(Call call)
    {
        var name = call.Required("RoleName");
        var keys = call.Request.GetList("TagKeys");
        Authorize(call, _store.Read(state => RoleArn(state, name)));
        _store.Write(state =>
        {
            var role = FindRole(state, name);
            RemoveTags(role.Tags, keys);
            state.Save(role);
            return 0;
        });
    }

    private void ListRoleTags(Call call)
    {
        var name = call.Required("RoleName");
        _store.Read(state =>
        {
            Authorize(call, RoleArn(state, name));
            ListTags(call, FindRole(state, name).Tags);
            return 0;
        });
    }

    private static InstanceProfileEntity FindInstanceProfile(IdentityState state, string name) =>
        state.InstanceProfiles.TryGetValue(IdentityStore.Fold(name), out var profile) ? profile : throw IamErrors.NoSuchInstanceProfile(name);

    private string InstanceProfileArn(IdentityState state, string name) =>
        state.InstanceProfiles.TryGetValue(IdentityStore.Fold(name), out var profile)
            ? state.InstanceProfileArn(profile)
            : Arn("instance-profile", "/", name);

    private static void WriteInstanceProfile(QueryXmlWriter w, IdentityState state, InstanceProfileEntity profile, string element, bool tags)
    {
        w.Start(element)
            .Element("Path", profile.Path)
            .Element("InstanceProfileName", profile.Name)
            .Element("InstanceProfileId", profile.Id)
            .Element("Arn", state.InstanceProfileArn(profile))
            .Element("CreateDate", profile.CreateDate);
        w.Start("Roles");
        foreach (var roleId in profile.RoleIds)
        {
            if (state.RolesById.TryGetValue(roleId, out var role))
            {
                WriteRole(w, state, role, "member", details: false);
            }
        }

        w.End();
        if (tags)
        {
            WriteTags(w, profile.Tags);
        }

        w.End();
    }

    private void CreateInstanceProfile(Call call)
    {
        var name = call.Required("InstanceProfileName");
        var path = call.Path("Path");
        var tags = ReadTags(call);
        Authorize(call, Arn("instance-profile", path, name));
        CheckTags(tags, null);
        _store.Write(state =>
        {
            if (state.InstanceProfiles.ContainsKey(IdentityStore.Fold(name)))
            {
                throw IamErrors.EntityAlreadyExists($"Instance Profile {name} already exists.");
            }

            var profile = new InstanceProfileEntity
            {
                Name = name,
                Path = path,
                Id = IamIds.New(IamIds.InstanceProfile),
                CreateDate = Now(),
                Tags = tags,
            };
            state.InstanceProfiles[IdentityStore.Fold(name)] = profile;
            state.Save(profile);
            WriteInstanceProfile(call.Writer, state, profile, "InstanceProfile", tags: true);
            return 0;
        });
    }

    private void GetInstanceProfile(Call call)
    {
        var name = call.Required("InstanceProfileName");
        _store.Read(state =>
        {
            Authorize(call, InstanceProfileArn(state, name));
            WriteInstanceProfile(call.Writer, state, FindInstanceProfile(state, name), "InstanceProfile", tags: true);
            return 0;
        });
    }

    private void ListInstanceProfiles(Call call)
    {
        var prefix = call.Path("PathPrefix");
        Authorize(call, ListArn("instance-profile", call));
        _store.Read(state =>
        {
            var page = Page(call, state.InstanceProfiles.Values.Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal)),
                p => SortKey(p.Name), out var marker);
            call.Writer.Start("InstanceProfiles");
            foreach (var profile in page)
            {
                WriteInstanceProfile(call.Writer, state, profile, "member", tags: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void DeleteInstanceProfile(Call call)
    {
        var name = call.Required("InstanceProfileName");
        Authorize(call, _store.Read(state => InstanceProfileArn(state, name)));
        _store.Write(state =>
        {
            var profile = FindInstanceProfile(state, name);
            if (profile.RoleIds.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.");
            }

            state.InstanceProfiles.Remove(IdentityStore.Fold(profile.Name));
            state.Delete(profile);
            return 0;
        });
    }

    private void AddRoleToInstanceProfile(Call call, bool add)
    {
        var name = call.Required("InstanceProfileName");
        var roleName = call.Required("RoleName");
        Authorize(call, _store.Read(state => InstanceProfileArn(state, name)));
        _store.Write(state =>
        {
            var profile = FindInstanceProfile(state, name);
            var role = FindRole(state, roleName);
            if (add)
            {
                if (profile.RoleIds.Contains(role.Id))
                {
                    throw IamErrors.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
                }

                if (profile.RoleIds.Count >= 1)
                {
                    throw IamErrors.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
                }

                profile.RoleIds.Add(role.Id);
            }
            else
            {
                if (!profile.RoleIds.Remove(role.Id))
                {
                    throw IamErrors.NoSuchRole(roleName);
                }
            }

            state.Save(profile);
            return 0;
        });
    }

    private void ListInstanceProfilesForRole(Call call)
    {
        var roleName = call.Required("RoleName");
        _store.Read(state =>
        {
            Authorize(call, RoleArn(state, roleName));
            var role = FindRole(state, roleName);
            var page = Page(call, state.InstanceProfiles.Values.Where(p => p.RoleIds.Contains(role.Id)), p => SortKey(p.Name), out var marker);
            call.Writer.Start("InstanceProfiles");
            foreach (var profile in page)
            {
                WriteInstanceProfile(call.Writer, state, profile, "member", tags: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void TagInstanceProfile(Call call)
    {
        var name = call.Required("InstanceProfileName");
        var tags = ReadTags(call);
        Authorize(call, _store.Read(state => InstanceProfileArn(state, name)));
        _store.Write(state =>
        {
            var profile = FindInstanceProfile(state, name);
            CheckTags(tags, profile.Tags);
            MergeTags(profile.Tags, tags);
            state.Save(profile);
            return 0;
        });
    }

    private void UntagInstanceProfile(Call call)
    {
        var name = call.Required("InstanceProfileName");
        var keys = call.Request.GetList("TagKeys");
        Authorize(call, _store.Read(state => InstanceProfileArn(state, name)));
        _store.Write(state =>
        {
            var profile = FindInstanceProfile(state, name);
            RemoveTags(profile.Tags, keys);
            state.Save(profile);
            return 0;
        });
    }

    private void ListInstanceProfileTags(Call call)
    {
        var name = call.Required("InstanceProfileName");
        _store.Read(state =>
        {
            Authorize(call, InstanceProfileArn(state, name));
            ListTags(call, FindInstanceProfile(state, name).Tags);
            return 0;
        });
    }
}
