using Lockbox.Ec2.Instances;
using Lockbox.Protocols.Query;

namespace Lockbox.Ec2;

public sealed partial class Ec2Service
{
    /// <summary>An instance profile found in IAM: its ARN, its id and its role's ARN (null when it has no role).</summary>
    private readonly record struct ResolvedProfile(string ProfileArn, string ProfileId, string? RoleArn);

    /// <summary>
    /// Reads <c>{prefix}Arn</c> / <c>{prefix}Name</c> and finds the profile in IAM; null when
    /// neither was given. An unknown profile is EC2's InvalidParameterValue.
    /// </summary>
    private ResolvedProfile? ReadProfileSpecification(QueryRequest request, string prefix)
    {
        var arn = request.Get(prefix + "Arn");
        var name = request.Get(prefix + "Name");
        if (arn is null && name is null)
        {
            return null;
        }

        var resolved = _identity.Read<ResolvedProfile?>(state =>
        {
            var profile = arn is not null
                ? state.InstanceProfiles.Values.FirstOrDefault(p => state.InstanceProfileArn(p) == arn)
                : state.InstanceProfiles.GetValueOrDefault(Lockbox.Iam.IdentityStore.Fold(name!));
            if (profile is null || (arn is not null && name is not null && !string.Equals(profile.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }

            var role = profile.RoleIds.Count > 0 ? state.RolesById.GetValueOrDefault(profile.RoleIds[0]) : null;
            return new ResolvedProfile(state.InstanceProfileArn(profile), profile.Id, role is null ? null : state.RoleArn(role));
        });

        return resolved ?? throw (arn is not null
            ? Ec2Errors.InvalidParameterValue($"Value ({arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN")
            : Ec2Errors.InvalidParameterValue($"Value ({name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"));
    }

    private static ProfileAssociation NewAssociation(ResolvedProfile profile, DateTimeOffset now) => new()
    {
        AssociationId = InstanceStore.NewId("iip-assoc-"),
        ProfileArn = profile.ProfileArn,
        ProfileId = profile.ProfileId,
        Timestamp = now,
    };

    private void AssociateIamInstanceProfile(Call call)
    {
        var request = call.Request;
        var id = Required(request, "InstanceId");
        if (request.Get("IamInstanceProfile.Arn") is null && request.Get("IamInstanceProfile.Name") is null)
        {
            throw Ec2Errors.MissingParameter("IamInstanceProfile");
        }

        CheckInstanceIds([id]);
        var now = _time.GetUtcNow();
        var instance = _store.Find(id, now) ?? throw Ec2Errors.InstanceNotFound([id]);
        var profile = ReadProfileSpecification(request, "IamInstanceProfile.")!.Value;
        Authorize(call, "ec2:AssociateIamInstanceProfile", InstanceArn(call.Caller.Region, id), ResourceTagConditions(instance));
        if (profile.RoleArn is { } roleArn)
        {
            Authorize(call, "iam:PassRole", roleArn, s_passedToEc2);
        }

        var association = _store.Update(now, all =>
        {
            var record = all.TryGetValue(id, out var found) ? found : throw Ec2Errors.InstanceNotFound([id]);
            if (record.TerminatedAt is not null)
            {
                throw Ec2Errors.IncorrectInstanceState(id, InstanceStates.Of(record, now, _options).Name);
            }

            if (record.Association is not null)
            {
                throw Ec2Errors.Error("IncorrectState", $"There is an existing association for instance {id}");
            }

            record.Association = NewAssociation(profile, now);
            return ((IReadOnlyList<InstanceRecord>)[record], record.Association);
        });

        _metadata.ForgetCredentials(id);
        WriteAssociation(call.Xml, "iamInstanceProfileAssociation", id, association, "associating", withTimestamp: false);
    }

    private void DisassociateIamInstanceProfile(Call call)
    {
        var associationId = Required(call.Request, "AssociationId");
        var now = _time.GetUtcNow();
        var instance = FindByAssociation(associationId, now);
        Authorize(call, "ec2:DisassociateIamInstanceProfile", InstanceArn(call.Caller.Region, instance.InstanceId), ResourceTagConditions(instance));
        var association = _store.Update(now, all =>
        {
            var record = all.GetValueOrDefault(instance.InstanceId);
            if (record?.Association is not { } current || current.AssociationId != associationId)
            {
                throw Ec2Errors.AssociationNotFound(associationId);
            }

            record.Association = null;
            return ((IReadOnlyList<InstanceRecord>)[record], current);
        });

        _metadata.ForgetCredentials(instance.InstanceId);
        WriteAssociation(call.Xml, "iamInstanceProfileAssociation", instance.InstanceId, association, "disassociating", withTimestamp: false);
    }

    private void ReplaceIamInstanceProfileAssociation(Call call)
    {
        var request = call.Request;
        var associationId = Required(request, "AssociationId");
        if (request.Get("IamInstanceProfile.Arn") is null && request.Get("IamInstanceProfile.Name") is null)
        {
            throw Ec2Errors.MissingParameter("IamInstanceProfile");
        }

        var now = _time.GetUtcNow();
        var instance = FindByAssociation(associationId, now);
        var profile = ReadProfileSpecification(request, "IamInstanceProfile.")!.Value;
        Authorize(call, "ec2:ReplaceIamInstanceProfileAssociation", InstanceArn(call.Caller.Region, instance.InstanceId),
            ResourceTagConditions(instance));
        if (profile.RoleArn is { } roleArn)
        {
            Authorize(call, "iam:PassRole", roleArn, s_passedToEc2);
        }

        var association = _store.Update(now, all =>
        {
            var record = all.GetValueOrDefault(instance.InstanceId);
            if (record?.Association is not { } current || current.AssociationId != associationId)
            {
                throw Ec2Errors.AssociationNotFound(associationId);
            }

            record.Association = NewAssociation(profile, now);
            return ((IReadOnlyList<InstanceRecord>)[record], record.Association);
        });

        _metadata.ForgetCredentials(instance.InstanceId);
        WriteAssociation(call.Xml, "iamInstanceProfileAssociation", instance.InstanceId, association, "associating", withTimestamp: false);
    }

    private void DescribeIamInstanceProfileAssociations(Call call)
    {
        var request = call.Request;
        var ids = ReadList(request, "AssociationId");
        foreach (var id in ids)
        {
            if (!AssociationIdPattern().IsMatch(id))
            {
                throw Ec2Errors.Error("InvalidAssociationID.Malformed", $"Invalid id: \"{id}\" (expecting \"iip-assoc-...\")");
            }
        }

        var filters = ReadFilters(request);
        var maxResults = ReadInt(request, "MaxResults");
        if (ids.Count > 0 && maxResults is not null)
        {
            throw Ec2Errors.Error("InvalidParameterCombination", "The parameter associationIds cannot be used with the parameter maxResults");
        }

        Authorize(call, "ec2:DescribeIamInstanceProfileAssociations", "*");
        var now = _time.GetUtcNow();
        var associations = _store.List(now)
            .Where(i => i.Association is not null && i.TerminatedAt is null)
            .Select(i => (Instance: i, Association: i.Association!))
            .OrderBy(p => p.Association.AssociationId, StringComparer.Ordinal)
            .ToList();
        var missing = ids.Where(id => associations.All(a => a.Association.AssociationId != id)).ToList();
        if (missing.Count > 0)
        {
            throw Ec2Errors.AssociationNotFound(missing[0]);
        }

        var selected = associations.Where(a => (ids.Count == 0 || ids.Contains(a.Association.AssociationId)) && filters.All(f => f.Name switch
        {
            "instance-id" => Matches(f.Values, a.Instance.InstanceId),
            "state" => Matches(f.Values, "associated"),
            _ => throw Ec2Errors.InvalidParameterValue($"The filter '{f.Name}' is invalid"),
        })).ToList();
        var (page, nextToken) = Page(selected, a => a.Association.AssociationId, maxResults, request.Get("NextToken"), 5, 1000);

        var xml = call.Xml;
        xml.Start("iamInstanceProfileAssociationSet");
        foreach (var (instance, association) in page)
        {
            WriteAssociation(xml, "item", instance.InstanceId, association, "associated", withTimestamp: true);
        }

        xml.End();
        xml.Element("nextToken", nextToken);
    }

    private InstanceRecord FindByAssociation(string associationId, DateTimeOffset now)
    {
        if (!AssociationIdPattern().IsMatch(associationId))
        {
            throw Ec2Errors.Error("InvalidAssociationID.Malformed", $"Invalid id: \"{associationId}\" (expecting \"iip-assoc-...\")");
        }

        return _store.List(now).FirstOrDefault(i => i.Association?.AssociationId == associationId)
            ?? throw Ec2Errors.AssociationNotFound(associationId);
    }

    private static void WriteAssociation(Ec2Xml xml, string element, string instanceId, ProfileAssociation association, string state, bool withTimestamp)
    {
        xml.Start(element).Element("associationId", association.AssociationId)
            .Start("iamInstanceProfile").Element("arn", association.ProfileArn).Element("id", association.ProfileId).End()
            .Element("instanceId", instanceId)
            .Element("state", state);
        if (withTimestamp)
        {
            xml.Element("timestamp", association.Timestamp);
        }

        xml.End();
    }
}
