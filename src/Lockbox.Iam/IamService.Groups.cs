using Lockbox.Protocols.Query;
namespace Lockbox.Iam;

/// <summary>Groups and membership.</summary>
public sealed partial class IamService
{
    private const int GroupsPerUser = 10;

    private static GroupEntity FindGroup(IdentityState state, string name) =>
        state.Groups.TryGetValue(IdentityStore.Fold(name), out var group) ? group : throw IamErrors.NoSuchGroup(name);

    private string GroupArn(IdentityState state, string name) =>
        state.Groups.TryGetValue(IdentityStore.Fold(name), out var group) ? state.GroupArn(group) : Arn("group", "/", name);

    private static void WriteGroup(QueryXmlWriter w, IdentityState state, GroupEntity group, string element)
    {
        w.Start(element)
            .Element("Path", group.Path)
            .Element("GroupName", group.Name)
            .Element("GroupId", group.Id)
            .Element("Arn", state.GroupArn(group))
            .Element("CreateDate", group.CreateDate)
            .End();
    }

    private void CreateGroup(Call call)
    {
        var name = call.Required("GroupName");
        var path = call.Path("Path");
        Authorize(call, Arn("group", path, name));
        _store.Write(state =>
        {
            if (state.Groups.ContainsKey(IdentityStore.Fold(name)))
            {
                throw IamErrors.EntityAlreadyExists($"Group with name {name} already exists.");
            }

            var group = new GroupEntity { Name = name, Path = path, Id = IamIds.New(IamIds.Group), CreateDate = Now() };
            state.Groups[IdentityStore.Fold(name)] = group;
            state.GroupsById[group.Id] = group;
            state.Save(group);
            WriteGroup(call.Writer, state, group, "Group");
            return 0;
        });
    }

    private void GetGroup(Call call)
    {
        var name = call.Required("GroupName");
        _store.Read(state =>
        {
            Authorize(call, GroupArn(state, name));
            var group = FindGroup(state, name);
            WriteGroup(call.Writer, state, group, "Group");
            var page = Page(call, state.Members(group), u => SortKey(u.Name), out var marker);
            call.Writer.Start("Users");
            foreach (var user in page)
            {
                WriteUser(call.Writer, state, user, "member", details: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void ListGroups(Call call)
    {
        var prefix = call.Path("PathPrefix");
        Authorize(call, ListArn("group", call));
        _store.Read(state =>
        {
            var page = Page(call, state.Groups.Values.Where(g => g.Path.StartsWith(prefix, StringComparison.Ordinal)), g => SortKey(g.Name), out var marker);
            call.Writer.Start("Groups");
            foreach (var group in page)
            {
                WriteGroup(call.Writer, state, group, "member");
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void UpdateGroup(Call call)
    {
        var name = call.Required("GroupName");
        var newName = call.Optional("NewGroupName");
        var newPath = call.Optional("NewPath");
        Authorize(call, _store.Read(state => GroupArn(state, name)));
        _store.Write(state =>
        {
            var group = FindGroup(state, name);
            if (newName is not null && IdentityStore.Fold(newName) != IdentityStore.Fold(group.Name) &&
                state.Groups.ContainsKey(IdentityStore.Fold(newName)))
            {
                throw IamErrors.EntityAlreadyExists($"Group with name {newName} already exists.");
            }

            if (newName is not null)
            {
                state.Groups.Remove(IdentityStore.Fold(group.Name));
                group.Name = newName;
                state.Groups[IdentityStore.Fold(newName)] = group;
            }

            if (newPath is not null)
            {
                group.Path = newPath;
            }

            state.Save(group);
            return 0;
        });
    }

    private void DeleteGroup(Call call)
    {
        var name = call.Required("GroupName");
        Authorize(call, _store.Read(state => GroupArn(state, name)));
        _store.Write(state =>
        {
            var group = FindGroup(state, name);
            if (state.Members(group).Any())
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must remove users from group first.");
            }

            if (group.InlinePolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete policies first.");
            }

            if (group.AttachedPolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first.");
            }

            state.Groups.Remove(IdentityStore.Fold(group.Name));
            state.GroupsById.Remove(group.Id);
            state.Delete(group);
            return 0;
        });
    }

    private void AddUserToGroup(Call call)
    {
        var groupName = call.Required("GroupName");
        var userName = call.Required("UserName");
        Authorize(call, _store.Read(state => GroupArn(state, groupName)));
        _store.Write(state =>
        {
            var group = FindGroup(state, groupName);
            var user = FindUser(state, userName);
            if (user.GroupIds.Contains(group.Id))
            {
                return 0;
            }

            if (user.GroupIds.Count >= GroupsPerUser)
            {
                throw IamErrors.LimitExceeded($"Cannot exceed quota for GroupsPerUser: {GroupsPerUser}");
            }

            user.GroupIds.Add(group.Id);
            state.Save(user);
            return 0;
        });
    }

    private void RemoveUserFromGroup(Call call)
    {
        var groupName = call.Required("GroupName");
        var userName = call.Required("UserName");
        Authorize(call, _store.Read(state => GroupArn(state, groupName)));
        _store.Write(state =>
        {
            var group = FindGroup(state, groupName);
            var user = FindUser(state, userName);
            if (!user.GroupIds.Contains(group.Id))
            {
                throw IamErrors.NoSuchUser(userName);
            }

            user.GroupIds.Remove(group.Id);
            state.Save(user);
            return 0;
        });
    }

    private void ListGroupsForUser(Call call)
    {
        var userName = call.Required("UserName");
        _store.Read(state =>
        {
            Authorize(call, UserArn(state, userName));
            var user = FindUser(state, userName);
            var groups = user.GroupIds.Select(id => state.GroupsById.GetValueOrDefault(id)).OfType<GroupEntity>();
            var page = Page(call, groups, g => SortKey(g.Name), out var marker);
            call.Writer.Start("Groups");
            foreach (var group in page)
            {
                WriteGroup(call.Writer, state, group, "member");
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }
}
