using Lockbox.Protocols.Query;
namespace Lockbox.Iam;

/// <summary>Users, their tags and their access keys.</summary>
public sealed partial class IamService
{
    private static UserEntity FindUser(IdentityState state, string name) =>
        state.Users.TryGetValue(IdentityStore.Fold(name), out var user) ? user : throw IamErrors.NoSuchUser(name);

    private string UserArn(IdentityState state, string name) =>
        state.Users.TryGetValue(IdentityStore.Fold(name), out var user) ? state.UserArn(user) : Arn("user", "/", name);

    private static void WriteUser(QueryXmlWriter w, IdentityState state, UserEntity user, string element, bool details)
    {
        w.Start(element)
            .Element("Path", user.Path)
            .Element("UserName", user.Name)
            .Element("UserId", user.Id)
            .Element("Arn", state.UserArn(user))
            .Element("CreateDate", user.CreateDate);
        if (details)
        {
            WriteBoundary(w, user.PermissionsBoundary);
            WriteTags(w, user.Tags);
        }

        w.End();
    }

    private static void WriteBoundary(QueryXmlWriter w, string? arn)
    {
        if (arn is not null)
        {
            w.Start("PermissionsBoundary")
                .Element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .Element("PermissionsBoundaryArn", arn)
                .End();
        }
    }

    private void CreateUser(Call call)
    {
        var name = call.Required("UserName");
        var path = call.Path("Path");
        var boundary = call.Optional("PermissionsBoundary");
        var tags = ReadTags(call);
        Authorize(call, Arn("user", path, name));
        CheckTags(tags, null);
        _store.Write(state =>
        {
            if (state.Users.ContainsKey(IdentityStore.Fold(name)))
            {
                throw IamErrors.EntityAlreadyExists($"User with name {name} already exists.");
            }

            if (boundary is not null)
            {
                CheckBoundaryPolicy(state, boundary);
            }

            var user = new UserEntity
            {
                Name = name,
                Path = path,
                Id = IamIds.New(IamIds.User),
                CreateDate = Now(),
                Tags = tags,
                PermissionsBoundary = boundary,
            };
            state.Users[IdentityStore.Fold(name)] = user;
            state.UsersById[user.Id] = user;
            state.Save(user);
            WriteUser(call.Writer, state, user, "User", details: true);
            return 0;
        });
    }

    private void GetUser(Call call)
    {
        var name = call.Optional("UserName");
        if (name is null)
        {
            // No name: the caller itself (root answers with the account's root identity).
            var principal = call.Caller.Principal;
            Authorize(call, principal.Arn);
            if (principal.IsRoot)
            {
                call.Writer.Start("User")
                    .Element("UserId", principal.AccountId)
                    .Element("Arn", principal.Arn)
                    .Element("CreateDate", Now())
                    .End();
                return;
            }

            _store.Read(state =>
            {
                var self = state.UsersById.GetValueOrDefault(principal.UserId) ?? throw IamErrors.NoSuchUser(principal.Arn);
                WriteUser(call.Writer, state, self, "User", details: true);
                return 0;
            });
            return;
        }

        _store.Read(state =>
        {
            Authorize(call, UserArn(state, name));
            WriteUser(call.Writer, state, FindUser(state, name), "User", details: true);
            return 0;
        });
    }

    private void ListUsers(Call call)
    {
        var prefix = call.Path("PathPrefix");
        Authorize(call, ListArn("user", call));
        _store.Read(state =>
        {
            var page = Page(call, state.Users.Values.Where(u => u.Path.StartsWith(prefix, StringComparison.Ordinal)), u => SortKey(u.Name), out var marker);
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

    private void UpdateUser(Call call)
    {
        var name = call.Required("UserName");
        var newName = call.Optional("NewUserName");
        var newPath = call.Optional("NewPath");
        Authorize(call, _store.Read(state => UserArn(state, name)));
        _store.Write(state =>
        {
            var user = FindUser(state, name);
            if (newName is not null && IdentityStore.Fold(newName) != IdentityStore.Fold(user.Name) &&
                state.Users.ContainsKey(IdentityStore.Fold(newName)))
            {
                throw IamErrors.EntityAlreadyExists($"User with name {newName} already exists.");
            }

            if (newName is not null)
            {
                state.Users.Remove(IdentityStore.Fold(user.Name));
                user.Name = newName;
                state.Users[IdentityStore.Fold(newName)] = user;
            }

            if (newPath is not null)
            {
                user.Path = newPath;
            }

            state.Save(user);
            return 0;
        });
    }

    private void DeleteUser(Call call)
    {
        var name = call.Required("UserName");
        Authorize(call, _store.Read(state => UserArn(state, name)));
        _store.Write(state =>
        {
            var user = FindUser(state, name);
            if (state.LoginProfiles.ContainsKey(user.Id))
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete login profile first.");
            }

            if (state.AccessKeys.Values.Any(k => k.UserId == user.Id))
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete access keys first.");
            }

            if (state.MfaDevices.Values.Any(d => d.UserId == user.Id))
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete MFA device first.");
            }

            if (user.InlinePolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must delete policies first.");
            }

            if (user.AttachedPolicies.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first.");
            }

            if (user.GroupIds.Count > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must remove user from all groups first.");
            }

            state.Users.Remove(IdentityStore.Fold(user.Name));
            state.UsersById.Remove(user.Id);
            state.Delete(user);
            return 0;
        });
    }

    private void TagUser(Call call)
    {
        var name = call.Required("UserName");
        var tags = ReadTags(call);
        Authorize(call, _store.Read(state => UserArn(state, name)));
        _store.Write(state =>
        {
            var user = FindUser(state, name);
            CheckTags(tags, user.Tags);
            MergeTags(user.Tags, tags);
            state.Save(user);
            return 0;
        });
    }

    private void UntagUser(Call call)
    {
        var name = call.Required("UserName");
        var keys = call.Request.GetList("TagKeys");
        Authorize(call, _store.Read(state => UserArn(state, name)));
        _store.Write(state =>
        {
            var user = FindUser(state, name);
            RemoveTags(user.Tags, keys);
            state.Save(user);
            return 0;
        });
    }

    private void ListUserTags(Call call)
    {
        var name = call.Required("UserName");
        _store.Read(state =>
        {
            Authorize(call, UserArn(state, name));
            ListTags(call, FindUser(state, name).Tags);
            return 0;
        });
    }

    /// <summary>The user an access key call is about: the named one, else the calling IAM user.</summary>
    private UserEntity KeyOwner(IdentityState state, Call call)
    {
        var name = call.Optional("UserName");
        if (name is not null)
        {
            return FindUser(state, name);
        }

        var principal = call.Caller.Principal;
        if (principal.IsRoot)
        {
            throw IamErrors.Validation("Must specify userName when calling with non-User credentials");
        }

        return state.UsersById.GetValueOrDefault(principal.UserId) ?? throw IamErrors.NoSuchUser(principal.Arn);
    }

    private string KeyOwnerArn(Call call) => _store.Read(state =>
    {
        var name = call.Optional("UserName");
        return name is not null ? UserArn(state, name) : call.Caller.Principal.Arn;
    });

    private void CreateAccessKey(Call call)
    {
        Authorize(call, KeyOwnerArn(call));
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            if (state.AccessKeys.Values.Count(k => k.UserId == user.Id) >= 2)
            {
                throw IamErrors.LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2");
            }

            var id = IamIds.NewAccessKeyId();
            var secret = IamIds.NewSecretAccessKey();
            var key = new AccessKeyEntity
            {
                AccessKeyId = id,
                UserId = user.Id,
                Status = "Active",
                CreateDate = Now(),
                SealedSecret = _store.SealSecret(id, secret),
            };
            state.AccessKeys[id] = key;
            state.Save(key);
            call.Writer.Start("AccessKey")
                .Element("UserName", user.Name)
                .Element("AccessKeyId", id)
                .Element("Status", key.Status)
                .Element("SecretAccessKey", secret)
                .Element("CreateDate", key.CreateDate)
                .End();
            return 0;
        });
    }

    private void ListAccessKeys(Call call)
    {
        Authorize(call, KeyOwnerArn(call));
        _store.Read(state =>
        {
            var user = KeyOwner(state, call);
            var page = Page(call, state.AccessKeys.Values.Where(k => k.UserId == user.Id),
                k => k.CreateDate.UtcTicks.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + k.AccessKeyId, out var marker);
            call.Writer.Start("AccessKeyMetadata");
            foreach (var key in page)
            {
                call.Writer.Start("member")
                    .Element("UserName", user.Name)
                    .Element("AccessKeyId", key.AccessKeyId)
                    .Element("Status", key.Status)
                    .Element("CreateDate", key.CreateDate)
                    .End();
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void UpdateAccessKey(Call call)
    {
        var id = call.Required("AccessKeyId");
        var status = call.Required("Status");
        Authorize(call, KeyOwnerArn(call));
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            if (!state.AccessKeys.TryGetValue(id, out var key) || key.UserId != user.Id)
            {
                throw IamErrors.NoSuchAccessKey(id);
            }

            key.Status = status;
            state.Save(key);
            return 0;
        });
    }

    private void DeleteAccessKey(Call call)
    {
        var id = call.Required("AccessKeyId");
        Authorize(call, KeyOwnerArn(call));
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            if (!state.AccessKeys.TryGetValue(id, out var key) || key.UserId != user.Id)
            {
                throw IamErrors.NoSuchAccessKey(id);
            }

            state.AccessKeys.Remove(id);
            state.Delete(key);
            return 0;
        });
    }

    private void GetAccessKeyLastUsed(Call call)
    {
        var id = call.Required("AccessKeyId");
        _store.Read(state =>
        {
            var key = state.AccessKeys.GetValueOrDefault(id);
            var user = key is null ? null : state.UsersById.GetValueOrDefault(key.UserId);
            Authorize(call, user is null ? Arn("user", "/", "*") : state.UserArn(user));
            if (key is null || user is null)
            {
                // AWS answers AccessDenied for a key id it cannot attribute; NoSuchEntity reads better and leaks nothing here.
                throw IamErrors.NoSuchAccessKey(id);
            }

            call.Writer.Element("UserName", user.Name);
            call.Writer.Start("AccessKeyLastUsed");
            if (key.LastUsedDate is { } last)
            {
                call.Writer.Element("LastUsedDate", last).Element("ServiceName", key.LastUsedService).Element("Region", key.LastUsedRegion);
            }
            else
            {
                call.Writer.Element("ServiceName", "N/A").Element("Region", "N/A");
            }

            call.Writer.End();
            return 0;
        });
    }
}
