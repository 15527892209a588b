using System.Globalization;
using Lockbox.Protocols.Query;
using Lockbox.Iam.Policy;

namespace Lockbox.Iam;

/// <summary>Managed policies and their versions, attachments, inline policies and permissions boundaries.</summary>
public sealed partial class IamService
{
    private const int MaxPolicyVersions = 5;
    private const int ManagedPoliciesPerPrincipal = 10;

    private static string NameParameter(PrincipalKind kind) => kind switch
    {
        PrincipalKind.User => "UserName",
        PrincipalKind.Group => "GroupName",
        _ => "RoleName",
    };

    private static PrincipalEntity FindPrincipal(IdentityState state, PrincipalKind kind, string name) => kind switch
    {
        PrincipalKind.User => FindUser(state, name),
        PrincipalKind.Group => FindGroup(state, name),
        _ => FindRole(state, name),
    };

    private string PrincipalArn(IdentityState state, PrincipalKind kind, string name) => kind switch
    {
        PrincipalKind.User => UserArn(state, name),
        PrincipalKind.Group => GroupArn(state, name),
        _ => RoleArn(state, name),
    };

    private static void Save(IdentityState state, PrincipalEntity entity)
    {
        switch (entity)
        {
            case UserEntity user: state.Save(user); break;
            case GroupEntity group: state.Save(group); break;
            case RoleEntity role: state.Save(role); break;
        }
    }

    private static IEnumerable<PrincipalEntity> AllPrincipals(IdentityState state) =>
        state.UsersById.Values.Cast<PrincipalEntity>().Concat(state.GroupsById.Values).Concat(state.RolesById.Values);

    private static int AttachmentCount(IdentityState state, string arn) => AllPrincipals(state).Count(p => p.AttachedPolicies.Contains(arn));

    private static int BoundaryCount(IdentityState state, string arn) =>
        state.UsersById.Values.Count(u => u.PermissionsBoundary == arn) + state.RolesById.Values.Count(r => r.PermissionsBoundary == arn);

    private static PolicyEntity FindPolicy(IdentityState state, string arn) => state.FindPolicy(arn) ?? throw IamErrors.NoSuchPolicy(arn);

    /// <summary>A policy that a change (new version, delete, tags) may touch: customer managed only.</summary>
    private static PolicyEntity FindWritablePolicy(IdentityState state, Call call, string arn)
    {
        var policy = FindPolicy(state, arn);
        if (policy.IsAwsManaged)
        {
            throw IamErrors.AccessDenied(call.Caller.Principal.Arn, "iam:" + call.Action, "policy " + arn);
        }

        return policy;
    }

    private static void CheckBoundaryPolicy(IdentityState state, string arn)
    {
        if (state.FindPolicy(arn) is null)
        {
            throw IamErrors.PolicyNotAttachable(arn);
        }
    }

    private static void WritePolicy(QueryXmlWriter w, IdentityState state, PolicyEntity policy, string element, bool details)
    {
        w.Start(element)
            .Element("PolicyName", policy.Name)
            .Element("PolicyId", policy.Id)
            .Element("Arn", policy.Arn)
            .Element("Path", policy.Path)
            .Element("DefaultVersionId", policy.DefaultVersionId)
            .Element("AttachmentCount", AttachmentCount(state, policy.Arn))
            .Element("PermissionsBoundaryUsageCount", BoundaryCount(state, policy.Arn))
            .Element("IsAttachable", true);
        if (details)
        {
            w.Element("Description", policy.Description);
        }

        w.Element("CreateDate", policy.CreateDate).Element("UpdateDate", policy.UpdateDate);
        if (details)
        {
            WriteTags(w, policy.Tags);
        }

        w.End();
    }

    private static void WriteVersion(QueryXmlWriter w, PolicyEntity policy, PolicyVersionEntity version, string element, bool document)
    {
        w.Start(element);
        if (document)
        {
            w.Element("Document", Encode(version.Document));
        }

        w.Element("VersionId", version.VersionId)
            .Element("IsDefaultVersion", version.VersionId == policy.DefaultVersionId)
            .Element("CreateDate", version.CreateDate)
            .End();
    }

    private void CreatePolicy(Call call)
    {
        var name = call.Required("PolicyName");
        var path = call.Path("Path");
        var document = call.Required("PolicyDocument");
        var description = call.Optional("Description");
        var tags = ReadTags(call);
        var arn = Arn("policy", path, name);
        Authorize(call, arn);
        CheckTags(tags, null);
        _policyValidator.Validate(document, PolicyKind.Identity, managed: true);
        _store.Write(state =>
        {
            var folded = IdentityStore.Fold(name);
            if (state.Policies.Values.Any(p => IdentityStore.Fold(p.Name) == folded))
            {
                throw IamErrors.EntityAlreadyExists($"A policy called {name} already exists. Duplicate names are not allowed.");
            }

            var now = Now();
            var policy = new PolicyEntity
            {
                Name = name,
                Path = path,
                Id = IamIds.New(IamIds.Policy),
                Arn = arn,
                Description = description,
                CreateDate = now,
                UpdateDate = now,
                DefaultVersionId = "v1",
                Versions = [new PolicyVersionEntity { VersionId = "v1", Document = document, CreateDate = now }],
                NextVersion = 2,
                Tags = tags,
            };
            state.Policies[arn] = policy;
            state.Save(policy);
            WritePolicy(call.Writer, state, policy, "Policy", details: false);
            return 0;
        });
    }

    private void GetPolicy(Call call)
    {
        var arn = call.Required("PolicyArn");
        Authorize(call, arn);
        _store.Read(state =>
        {
            WritePolicy(call.Writer, state, FindPolicy(state, arn), "Policy", details: true);
            return 0;
        });
    }

    private void ListPolicies(Call call)
    {
        var scope = call.Optional("Scope") ?? "All";
        var prefix = call.Path("PathPrefix");
        if (!call.Request.TryGetBool("OnlyAttached", out var onlyAttached))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get("OnlyAttached")}' at 'onlyAttached' failed to satisfy constraint: Member must be a boolean");
        }

        var usage = call.Optional("PolicyUsageFilter");
        Authorize(call, "*");
        _store.Read(state =>
        {
            var policies = scope switch
            {
                "AWS" => state.Catalog.ByArn.Values,
                "Local" => state.Policies.Values,
                _ => state.AllPolicies(),
            };
            var filtered = policies.Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal));
            if (onlyAttached == true)
            {
                filtered = usage switch
                {
                    "PermissionsPolicy" => filtered.Where(p => AttachmentCount(state, p.Arn) > 0),
                    "PermissionsBoundary" => filtered.Where(p => BoundaryCount(state, p.Arn) > 0),
                    _ => filtered.Where(p => AttachmentCount(state, p.Arn) > 0 || BoundaryCount(state, p.Arn) > 0),
                };
            }

            var page = Page(call, filtered, p => SortKey(p.Name) + "\u0000" + p.Arn, out var marker);
            call.Writer.Start("Policies");
            foreach (var policy in page)
            {
                WritePolicy(call.Writer, state, policy, "member", details: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void DeletePolicy(Call call)
    {
        var arn = call.Required("PolicyArn");
        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            if (AttachmentCount(state, arn) > 0 || BoundaryCount(state, arn) > 0)
            {
                throw IamErrors.DeleteConflict("Cannot delete a policy attached to entities.");
            }

            if (policy.Versions.Count > 1)
            {
                throw IamErrors.DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
            }

            state.Policies.Remove(arn);
            state.Delete(policy);
            return 0;
        });
    }

    private void CreatePolicyVersion(Call call)
    {
        var arn = call.Required("PolicyArn");
        var document = call.Required("PolicyDocument");
        if (!call.Request.TryGetBool("SetAsDefault", out var setAsDefault))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get("SetAsDefault")}' at 'setAsDefault' failed to satisfy constraint: Member must be a boolean");
        }

        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            if (policy.Versions.Count >= MaxPolicyVersions)
            {
                throw IamErrors.LimitExceeded($"A managed policy can have up to {MaxPolicyVersions} versions. Before you create a new version, you must delete an existing version.");
            }

            _policyValidator.Validate(document, PolicyKind.Identity, managed: true);
            var now = Now();
            var version = new PolicyVersionEntity
            {
                VersionId = "v" + policy.NextVersion.ToString(CultureInfo.InvariantCulture),
                Document = document,
                CreateDate = now,
            };
            policy.NextVersion++;
            policy.Versions.Add(version);
            if (setAsDefault == true)
            {
                policy.DefaultVersionId = version.VersionId;
                policy.UpdateDate = now;
            }

            state.Save(policy);
            WriteVersion(call.Writer, policy, version, "PolicyVersion", document: false);
            return 0;
        });
    }

    private void GetPolicyVersion(Call call)
    {
        var arn = call.Required("PolicyArn");
        var versionId = call.Required("VersionId");
        Authorize(call, arn);
        _store.Read(state =>
        {
            var policy = state.FindPolicy(arn) ?? throw IamErrors.NoSuchPolicyVersion(arn, versionId);
            var version = policy.Versions.Find(v => v.VersionId == versionId) ?? throw IamErrors.NoSuchPolicyVersion(arn, versionId);
            WriteVersion(call.Writer, policy, version, "PolicyVersion", document: true);
            return 0;
        });
    }

    private void ListPolicyVersions(Call call)
    {
        var arn = call.Required("PolicyArn");
        Authorize(call, arn);
        _store.Read(state =>
        {
            var policy = FindPolicy(state, arn);
            // Newest first, as IAM lists them.
            var page = Page(call, policy.Versions, v => (int.MaxValue - int.Parse(v.VersionId.AsSpan(1), CultureInfo.InvariantCulture)).ToString("D10", CultureInfo.InvariantCulture), out var marker);
            call.Writer.Start("Versions");
            foreach (var version in page)
            {
                WriteVersion(call.Writer, policy, version, "member", document: false);
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void SetDefaultPolicyVersion(Call call)
    {
        var arn = call.Required("PolicyArn");
        var versionId = call.Required("VersionId");
        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            if (!policy.Versions.Exists(v => v.VersionId == versionId))
            {
                throw IamErrors.NoSuchPolicyVersion(arn, versionId);
            }

            if (policy.DefaultVersionId != versionId)
            {
                policy.DefaultVersionId = versionId;
                policy.UpdateDate = Now();
                state.Save(policy);
            }

            return 0;
        });
    }

    private void DeletePolicyVersion(Call call)
    {
        var arn = call.Required("PolicyArn");
        var versionId = call.Required("VersionId");
        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            var version = policy.Versions.Find(v => v.VersionId == versionId) ?? throw IamErrors.NoSuchPolicyVersion(arn, versionId);
            if (version.VersionId == policy.DefaultVersionId)
            {
                throw IamErrors.DeleteConflict("Cannot delete the default version of a policy.");
            }

            policy.Versions.Remove(version);
            state.Save(policy);
            return 0;
        });
    }

    private void TagPolicy(Call call)
    {
        var arn = call.Required("PolicyArn");
        var tags = ReadTags(call);
        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            CheckTags(tags, policy.Tags);
            MergeTags(policy.Tags, tags);
            state.Save(policy);
            return 0;
        });
    }

    private void UntagPolicy(Call call)
    {
        var arn = call.Required("PolicyArn");
        var keys = call.Request.GetList("TagKeys");
        Authorize(call, arn);
        _store.Write(state =>
        {
            var policy = FindWritablePolicy(state, call, arn);
            RemoveTags(policy.Tags, keys);
            state.Save(policy);
            return 0;
        });
    }

    private void ListPolicyTags(Call call)
    {
        var arn = call.Required("PolicyArn");
        Authorize(call, arn);
        _store.Read(state =>
        {
            ListTags(call, FindPolicy(state, arn).Tags);
            return 0;
        });
    }

    private void AttachPolicy(Call call, PrincipalKind kind, bool attach)
    {
        var name = call.Required(NameParameter(kind));
        var arn = call.Required("PolicyArn");
        Authorize(call, _store.Read(state => PrincipalArn(state, kind, name)));
        _store.Write(state =>
        {
            var principal = FindPrincipal(state, kind, name);
            if (attach)
            {
                if (state.FindPolicy(arn) is null)
                {
                    throw IamErrors.PolicyNotAttachable(arn);
                }

                if (principal.AttachedPolicies.Contains(arn))
                {
                    return 0;
                }

                if (principal.AttachedPolicies.Count >= ManagedPoliciesPerPrincipal)
                {
                    throw IamErrors.LimitExceeded($"Cannot exceed quota for PoliciesPer{kind}: {ManagedPoliciesPerPrincipal}");
                }

                principal.AttachedPolicies.Add(arn);
            }
            else
            {
                if (!principal.AttachedPolicies.Contains(arn))
                {
                    throw IamErrors.NoSuchEntity($"Policy {arn} was not found.");
                }

                principal.AttachedPolicies.Remove(arn);
            }

            Save(state, principal);
            return 0;
        });
    }

    private void ListAttachedPolicies(Call call, PrincipalKind kind)
    {
        var name = call.Required(NameParameter(kind));
        var prefix = call.Path("PathPrefix");
        _store.Read(state =>
        {
            Authorize(call, PrincipalArn(state, kind, name));
            var principal = FindPrincipal(state, kind, name);
            var attached = principal.AttachedPolicies.Select(state.FindPolicy).OfType<PolicyEntity>()
                .Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal));
            var page = Page(call, attached, p => SortKey(p.Name) + "\u0000" + p.Arn, out var marker);
            call.Writer.Start("AttachedPolicies");
            foreach (var policy in page)
            {
                call.Writer.Start("member").Element("PolicyName", policy.Name).Element("PolicyArn", policy.Arn).End();
            }

            call.Writer.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void ListEntitiesForPolicy(Call call)
    {
        var arn = call.Required("PolicyArn");
        var filter = call.Optional("EntityFilter");
        var prefix = call.Path("PathPrefix");
        var usage = call.Optional("PolicyUsageFilter");
        Authorize(call, arn);
        _store.Read(state =>
        {
            FindPolicy(state, arn);
            bool Uses(PrincipalEntity p) => usage switch
            {
                "PermissionsPolicy" => p.AttachedPolicies.Contains(arn),
                "PermissionsBoundary" => Boundary(p) == arn,
                _ => p.AttachedPolicies.Contains(arn) || Boundary(p) == arn,
            };

            var entities = new List<(string Kind, PrincipalEntity Entity)>();
            if (filter is null or "Group")
            {
                entities.AddRange(state.GroupsById.Values.Where(Uses).Select(g => ("Group", (PrincipalEntity)g)));
            }

            if (filter is null or "User")
            {
                entities.AddRange(state.UsersById.Values.Where(Uses).Select(u => ("User", (PrincipalEntity)u)));
            }

            if (filter is null or "Role")
            {
                entities.AddRange(state.RolesById.Values.Where(Uses).Select(r => ("Role", (PrincipalEntity)r)));
            }

            var page = Page(call, entities.Where(e => e.Entity.Path.StartsWith(prefix, StringComparison.Ordinal)),
                e => e.Kind + "\u0000" + SortKey(e.Entity.Name), out var marker);
            foreach (var kind in new[] { "Group", "User", "Role" })
            {
                call.Writer.Start("Policy" + kind + "s");
                foreach (var (_, entity) in page.Where(e => e.Kind == kind))
                {
                    call.Writer.Start("member").Element(kind + "Name", entity.Name).Element(kind + "Id", entity.Id).End();
                }

                call.Writer.End();
            }

            WritePaging(call, marker);
            return 0;
        });

        static string? Boundary(PrincipalEntity p) => p switch
        {
            UserEntity u => u.PermissionsBoundary,
            RoleEntity r => r.PermissionsBoundary,
            _ => null,
        };
    }

    private void PutInlinePolicy(Call call, PrincipalKind kind)
    {
        var name = call.Required(NameParameter(kind));
        var policyName = call.Required("PolicyName");
        var document = call.Required("PolicyDocument");
        Authorize(call, _store.Read(state => PrincipalArn(state, kind, name)));
        _store.Write(state =>
        {
            var principal = FindPrincipal(state, kind, name);
            _policyValidator.Validate(document, PolicyKind.Identity);
            principal.InlinePolicies[policyName] = document;
            Save(state, principal);
            return 0;
        });
    }

    private void GetInlinePolicy(Call call, PrincipalKind kind)
    {
        var name = call.Required(NameParameter(kind));
        var policyName = call.Required("PolicyName");
        _store.Read(state =>
        {
            Authorize(call, PrincipalArn(state, kind, name));
            var principal = FindPrincipal(state, kind, name);
            if (!principal.InlinePolicies.TryGetValue(policyName, out var document))
            {
                throw IamErrors.NoSuchInlinePolicy(kind.ToString().ToLowerInvariant(), policyName);
            }

            call.Writer.Element(NameParameter(kind), principal.Name)
                .Element("PolicyName", policyName)
                .Element("PolicyDocument", Encode(document));
            return 0;
        });
    }

    private void ListInlinePolicies(Call call, PrincipalKind kind)
    {
        var name = call.Required(NameParameter(kind));
        _store.Read(state =>
        {
            Authorize(call, PrincipalArn(state, kind, name));
            var principal = FindPrincipal(state, kind, name);
            var page = Page(call, principal.InlinePolicies.Keys, k => k, out var marker);
            call.Writer.StringList("PolicyNames", page);
            WritePaging(call, marker);
            return 0;
        });
    }

    private void DeleteInlinePolicy(Call call, PrincipalKind kind)
    {
        var name = call.Required(NameParameter(kind));
        var policyName = call.Required("PolicyName");
        Authorize(call, _store.Read(state => PrincipalArn(state, kind, name)));
        _store.Write(state =>
        {
            var principal = FindPrincipal(state, kind, name);
            if (!principal.InlinePolicies.ContainsKey(policyName))
            {
                throw IamErrors.NoSuchInlinePolicy(kind.ToString().ToLowerInvariant(), policyName);
            }

            principal.InlinePolicies.Remove(policyName);
            Save(state, principal);
            return 0;
        });
    }

    private void PutPermissionsBoundary(Call call, PrincipalKind kind, bool put)
    {
        var name = call.Required(NameParameter(kind));
        var arn = put ? call.Required("PermissionsBoundary") : null;
        Authorize(call, _store.Read(state => PrincipalArn(state, kind, name)));
        _store.Write(state =>
        {
            var principal = FindPrincipal(state, kind, name);
            if (arn is not null)
            {
                CheckBoundaryPolicy(state, arn);
            }

            switch (principal)
            {
                case UserEntity user:
                    user.PermissionsBoundary = arn;
                    state.Save(user);
                    break;
                case RoleEntity role:
                    role.PermissionsBoundary = arn;
                    state.Save(role);
                    break;
            }

            return 0;
        });
    }
}
