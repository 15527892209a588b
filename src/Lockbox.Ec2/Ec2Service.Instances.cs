using System.Globalization;
using Lockbox.Common;
using Lockbox.Ec2.Instances;

namespace Lockbox.Ec2;

public sealed partial class Ec2Service
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> s_passedToEc2 =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["iam:PassedToService"] = ["ec2.amazonaws.com"] };

    private async Task RunInstancesAsync(Call call, CancellationToken cancellationToken)
    {
        var request = call.Request;
        var minCount = ReadInt(request, "MinCount") ?? throw Ec2Errors.MissingParameter("MinCount");
        var maxCount = ReadInt(request, "MaxCount") ?? throw Ec2Errors.MissingParameter("MaxCount");
        if (minCount < 1)
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({minCount}) for parameter minCount is invalid. Expected a positive integer.");
        }

        if (maxCount < 1)
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({maxCount}) for parameter maxCount is invalid. Expected a positive integer.");
        }

        if (minCount > maxCount)
        {
            throw Ec2Errors.InvalidParameterValue(
                $"Value ({maxCount}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount ({minCount}).");
        }

        var imageId = request.Get("ImageId") ?? DefaultImageId;
        if (!ImageIdPattern().IsMatch(imageId))
        {
            throw Ec2Errors.Error("InvalidAMIID.Malformed", $"Invalid id: \"{imageId}\" (expecting \"ami-...\")");
        }

        var instanceType = request.Get("InstanceType") ?? DefaultInstanceType;
        if (instanceType.Length == 0 || instanceType.Length > 64 || !instanceType.Contains('.', StringComparison.Ordinal))
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid value '{instanceType}' for InstanceType.");
        }

        var zone = request.Get("Placement.AvailabilityZone") ?? call.Caller.Region + "a";
        if (!zone.StartsWith(call.Caller.Region, StringComparison.Ordinal) || zone.Length != call.Caller.Region.Length + 1 ||
            !char.IsAsciiLetterLower(zone[^1]))
        {
            throw Ec2Errors.Error("InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        }

        var tags = ReadTagSpecifications(request);
        var (httpTokens, httpEndpoint, hopLimit) = ReadMetadataOptions(request, "MetadataOptions.", "optional", "enabled", 1);
        var profile = ReadProfileSpecification(request, "IamInstanceProfile.");

        // Authorization before anything changes: the instances (not yet named), the image, and
        // iam:PassRole on the profile's role, as EC2 checks them.
        Authorize(call, "ec2:RunInstances", InstanceArn(call.Caller.Region, "*"), RequestTagConditions(tags));
        Authorize(call, "ec2:RunInstances", $"arn:aws:ec2:{call.Caller.Region}::image/{imageId}");
        if (profile?.RoleArn is { } roleArn)
        {
            Authorize(call, "iam:PassRole", roleArn, s_passedToEc2);
        }

        CheckDryRun(call);

        var now = _time.GetUtcNow();
        var active = _store.List(now).Count(i => i.TerminatedAt is null);
        var available = InstanceLimit - active;
        if (available < minCount)
        {
            throw Ec2Errors.Error("InstanceLimitExceeded",
                $"You have requested more instances ({minCount}) than your current instance limit of {InstanceLimit} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.");
        }

        var count = Math.Min(maxCount, available);
        var reservationId = InstanceStore.NewId("r-");
        var records = new List<InstanceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var record = new InstanceRecord
            {
                InstanceId = InstanceStore.NewId("i-"),
                ReservationId = reservationId,
                ImageId = imageId,
                InstanceType = instanceType,
                LaunchIndex = i,
                LaunchTime = now,
                AvailabilityZone = zone,
                KeyName = request.Get("KeyName"),
                Tags = [.. tags.Select(t => new Ec2Tag { Key = t.Key, Value = t.Value })],
                HttpTokens = httpTokens,
                HttpEndpoint = httpEndpoint,
                HttpPutResponseHopLimit = hopLimit,
                Association = profile is null ? null : NewAssociation(profile.Value, now),
            };
            records.Add(record);
        }

        try
        {
            foreach (var record in records)
            {
                record.MetadataPort = await _metadata.StartAsync(record.InstanceId, 0, cancellationToken);
            }

            _store.Update(now, _ => (records, 0));
        }
        catch
        {
            foreach (var record in records)
            {
                await _metadata.StopAsync(record.InstanceId);
            }

            throw;
        }

        var xml = call.Xml;
        xml.Element("reservationId", reservationId).Element("ownerId", _accountId).Empty("groupSet").Start("instancesSet");
        foreach (var record in records)
        {
            WriteInstance(xml, record, now, InstanceState.Pending);
        }

        xml.End();
    }

    private void DescribeInstances(Call call)
    {
        var request = call.Request;
        var ids = ReadList(request, "InstanceId");
        CheckInstanceIds(ids);
        var filters = ReadFilters(request);
        var maxResults = ReadInt(request, "MaxResults");
        if (ids.Count > 0 && maxResults is not null)
        {
            throw Ec2Errors.Error("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
        }

        Authorize(call, "ec2:DescribeInstances", "*");
        CheckDryRun(call);

        var now = _time.GetUtcNow();
        var all = _store.List(now);
        if (ids.Count > 0)
        {
            var missing = ids.Where(id => all.All(i => i.InstanceId != id)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw Ec2Errors.InstanceNotFound(missing);
            }
        }

        var selected = all.Where(i => (ids.Count == 0 || ids.Contains(i.InstanceId)) && filters.All(f => InstanceMatches(i, f, now))).ToList();
        var (page, nextToken) = Page(selected, i => i.InstanceId, maxResults, request.Get("NextToken"), 5, 1000);

        var xml = call.Xml;
        xml.Start("reservationSet");
        foreach (var reservation in page.GroupBy(i => i.ReservationId))
        {
            xml.Start("item").Element("reservationId", reservation.Key).Element("ownerId", _accountId).Empty("groupSet").Start("instancesSet");
            foreach (var record in reservation)
            {
                WriteInstance(xml, record, now);
            }

            xml.End().End();
        }

        xml.End();
        xml.Element("nextToken", nextToken);
    }

    private bool InstanceMatches(InstanceRecord instance, (string Name, List<string> Values) filter, DateTimeOffset now)
    {
        var (name, values) = filter;
        if (name.StartsWith("tag:", StringComparison.Ordinal))
        {
            var key = name[4..];
            return instance.Tags.Any(t => t.Key == key && Matches(values, t.Value));
        }

        var state = InstanceStates.Of(instance, now, _options);
        return name switch
        {
            "instance-id" => Matches(values, instance.InstanceId),
            "instance-state-name" => Matches(values, state.Name),
            "instance-state-code" => Matches(values, state.Code.ToString(CultureInfo.InvariantCulture)),
            "tag-key" => instance.Tags.Any(t => Matches(values, t.Key)),
            "tag-value" => instance.Tags.Any(t => Matches(values, t.Value)),
            "image-id" => Matches(values, instance.ImageId),
            "instance-type" => Matches(values, instance.InstanceType),
            "reservation-id" => Matches(values, instance.ReservationId),
            "availability-zone" => Matches(values, instance.AvailabilityZone),
            "key-name" => Matches(values, instance.KeyName),
            "iam-instance-profile.arn" => Matches(values, instance.Association?.ProfileArn),
            "iam-instance-profile.id" => Matches(values, instance.Association?.ProfileId),
            "iam-instance-profile.association-id" => Matches(values, instance.Association?.AssociationId),
            "metadata-options.http-tokens" => Matches(values, instance.HttpTokens),
            "metadata-options.http-endpoint" => Matches(values, instance.HttpEndpoint),
            _ => throw Ec2Errors.InvalidParameterValue($"The filter '{name}' is invalid"),
        };
    }

    private async Task TerminateInstancesAsync(Call call)
    {
        var ids = ReadList(call.Request, "InstanceId");
        if (ids.Count == 0)
        {
            throw Ec2Errors.MissingParameter("InstanceId");
        }

        CheckInstanceIds(ids);
        var now = _time.GetUtcNow();
        var known = _store.List(now).ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        var missing = ids.Where(id => !known.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw Ec2Errors.InstanceNotFound(missing);
        }

        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            Authorize(call, "ec2:TerminateInstances", InstanceArn(call.Caller.Region, id), ResourceTagConditions(known[id]));
        }

        CheckDryRun(call);
        var changes = _store.Update(now, all =>
        {
            var changed = new List<InstanceRecord>();
            var result = new List<(string Id, InstanceState Previous, InstanceState Current)>();
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var record = all[id];
                var previous = InstanceStates.Of(record, now, _options);
                if (record.TerminatedAt is null)
                {
                    record.TerminatedAt = now;
                    record.Association = null;
                    changed.Add(record);
                }

                result.Add((id, previous, InstanceStates.Of(record, now, _options)));
            }

            return (changed, result);
        });

        foreach (var (id, _, _) in changes)
        {
            await _metadata.StopAsync(id);
        }

        var xml = call.Xml;
        xml.Start("instancesSet");
        foreach (var (id, previous, current) in changes)
        {
            xml.Start("item").Element("instanceId", id);
            WriteState(xml, "currentState", current);
            WriteState(xml, "previousState", previous);
            xml.End();
        }

        xml.End();
    }

    private void ModifyInstanceMetadataOptions(Call call)
    {
        var request = call.Request;
        var id = Required(request, "InstanceId");
        CheckInstanceIds([id]);
        var now = _time.GetUtcNow();
        var instance = _store.Find(id, now) ?? throw Ec2Errors.InstanceNotFound([id]);
        var (tokens, endpoint, hops) = ReadMetadataOptions(request, "", instance.HttpTokens, instance.HttpEndpoint, instance.HttpPutResponseHopLimit);
        Authorize(call, "ec2:ModifyInstanceMetadataOptions", InstanceArn(call.Caller.Region, id), ResourceTagConditions(instance));
        CheckDryRun(call);
        var updated = _store.Update(now, all =>
        {
            var record = all.TryGetValue(id, out var found) ? found : throw Ec2Errors.InstanceNotFound([id]);
            if (record.TerminatedAt is not null)
            {
                throw Ec2Errors.IncorrectInstanceState(id, InstanceStates.Of(record, now, _options).Name);
            }

            record.HttpTokens = tokens;
            record.HttpEndpoint = endpoint;
            record.HttpPutResponseHopLimit = hops;
            return ((IReadOnlyList<InstanceRecord>)[record], record);
        });

        call.Xml.Element("instanceId", id);
        WriteMetadataOptions(call.Xml, updated, "pending");
    }

    private static (string Tokens, string Endpoint, int HopLimit) ReadMetadataOptions(Lockbox.Protocols.Query.QueryRequest request, string prefix,
        string tokens, string endpoint, int hopLimit)
    {
        tokens = request.Get(prefix + "HttpTokens") ?? tokens;
        if (tokens is not ("optional" or "required"))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({tokens}) for parameter HttpTokens is invalid. Valid values: optional, required.");
        }

        endpoint = request.Get(prefix + "HttpEndpoint") ?? endpoint;
        if (endpoint is not ("enabled" or "disabled"))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({endpoint}) for parameter HttpEndpoint is invalid. Valid values: enabled, disabled.");
        }

        hopLimit = ReadInt(request, prefix + "HttpPutResponseHopLimit") ?? hopLimit;
        if (hopLimit is < 1 or > 64)
        {
            throw Ec2Errors.InvalidParameterValue(
                $"Value ({hopLimit}) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.");
        }

        return (tokens, endpoint, hopLimit);
    }

    /// <summary>Tags for instances from <c>TagSpecification.N.ResourceType</c> / <c>TagSpecification.N.Tag.M.Key|Value</c>.</summary>
    private static List<(string Key, string Value)> ReadTagSpecifications(Lockbox.Protocols.Query.QueryRequest request)
    {
        var tags = new List<(string Key, string Value)>();
        for (var i = 1; ; i++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"TagSpecification.{i}.");
            if (!request.Values.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            {
                break;
            }

            var type = request.Get(prefix + "ResourceType");
            if (type is null)
            {
                throw Ec2Errors.MissingParameter("TagSpecification.ResourceType");
            }

            for (var j = 1; ; j++)
            {
                var tagPrefix = string.Create(CultureInfo.InvariantCulture, $"{prefix}Tag.{j}.");
                var key = request.Get(tagPrefix + "Key");
                if (key is null)
                {
                    break;
                }

                var value = request.Get(tagPrefix + "Value") ?? "";
                if (key.Length is 0 or > 128)
                {
                    throw Ec2Errors.Error("InvalidParameterValue", $"Tag key must be between 1 and 128 characters: '{key}'");
                }

                if (value.Length > 256)
                {
                    throw Ec2Errors.Error("InvalidParameterValue", $"Tag value exceeds the maximum length of 256 characters");
                }

                if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                {
                    throw Ec2Errors.Error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
                }

                if (type == "instance")
                {
                    tags.RemoveAll(t => t.Key == key);
                    tags.Add((key, value));
                }
            }
        }

        if (tags.Count > 50)
        {
            throw Ec2Errors.Error("TagLimitExceeded", "The maximum number of Tags for a resource is 50.");
        }

        return tags;
    }

    private static Dictionary<string, IReadOnlyList<string>>? RequestTagConditions(List<(string Key, string Value)> tags)
    {
        if (tags.Count == 0)
        {
            return null;
        }

        var conditions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["aws:TagKeys"] = [.. tags.Select(t => t.Key)],
        };
        foreach (var (key, value) in tags)
        {
            conditions["aws:RequestTag/" + key] = [value];
        }

        return conditions;
    }

    private static Dictionary<string, IReadOnlyList<string>>? ResourceTagConditions(InstanceRecord instance)
    {
        if (instance.Tags.Count == 0)
        {
            return null;
        }

        var conditions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var tag in instance.Tags)
        {
            conditions["aws:ResourceTag/" + tag.Key] = [tag.Value];
            conditions["ec2:ResourceTag/" + tag.Key] = [tag.Value];
        }

        return conditions;
    }

    private static void WriteState(Ec2Xml xml, string name, InstanceState state) =>
        xml.Start(name).Element("code", state.Code).Element("name", state.Name).End();

    private static void WriteMetadataOptions(Ec2Xml xml, InstanceRecord record, string state) =>
        xml.Start("instanceMetadataOptions").Element("state", state).Element("httpTokens", record.HttpTokens)
            .Element("httpPutResponseHopLimit", record.HttpPutResponseHopLimit).Element("httpEndpoint", record.HttpEndpoint)
            .Element("httpProtocolIpv6", "disabled").Element("instanceMetadataTags", "disabled").End();

    /// <summary>One instance item; RunInstances reports new instances as <c>pending</c>, as EC2 does.</summary>
    private void WriteInstance(Ec2Xml xml, InstanceRecord record, DateTimeOffset now, InstanceState? reported = null)
    {
        var state = reported ?? InstanceStates.Of(record, now, _options);
        xml.Start("item")
            .Element("instanceId", record.InstanceId)
            .Element("imageId", record.ImageId);
        WriteState(xml, "instanceState", state);
        xml.Element("privateDnsName", state == InstanceState.Terminated ? null : "ip-127-0-0-1.ec2.internal")
            .Element("dnsName", "")
            .Element("reason", record.TerminatedAt is { } at ? $"User initiated ({Ec2Xml.Timestamp(at)[..19].Replace('T', ' ')} GMT)" : "")
            .Element("keyName", record.KeyName)
            .Element("amiLaunchIndex", record.LaunchIndex)
            .Empty("productCodes")
            .Element("instanceType", record.InstanceType)
            .Element("launchTime", record.LaunchTime)
            .Start("placement").Element("availabilityZone", record.AvailabilityZone).Element("groupName", "").Element("tenancy", "default").End()
            .Start("monitoring").Element("state", "disabled").End();
        if (state != InstanceState.Terminated)
        {
            xml.Element("privateIpAddress", "127.0.0.1");
        }

        xml.Empty("groupSet");
        if (record.TerminatedAt is not null)
        {
            xml.Start("stateReason").Element("code", "Client.UserInitiatedShutdown")
                .Element("message", "Client.UserInitiatedShutdown: User initiated shutdown").End();
        }

        xml.Element("architecture", "x86_64").Element("rootDeviceType", "ebs").Element("rootDeviceName", "/dev/xvda")
            .Empty("blockDeviceMapping").Element("virtualizationType", "hvm");
        if (record.Tags.Count > 0)
        {
            xml.Start("tagSet");
            foreach (var tag in record.Tags)
            {
                xml.Start("item").Element("key", tag.Key).Element("value", tag.Value).End();
            }

            xml.End();
        }

        xml.Element("hypervisor", "xen").Empty("networkInterfaceSet");
        if (record.Association is { } association)
        {
            xml.Start("iamInstanceProfile").Element("arn", association.ProfileArn).Element("id", association.ProfileId).End();
        }

        xml.Element("ebsOptimized", false);
        xml.Start("metadataOptions").Element("state", "applied").Element("httpTokens", record.HttpTokens)
            .Element("httpPutResponseHopLimit", record.HttpPutResponseHopLimit).Element("httpEndpoint", record.HttpEndpoint)
            .Element("httpProtocolIpv6", "disabled").Element("instanceMetadataTags", "disabled").End();
        if (record.TerminatedAt is null && record.MetadataPort > 0)
        {
            // Lockbox extension (see the type's remarks): where this instance's metadata service listens.
            xml.Element("lockboxMetadataEndpoint", _metadata.EndpointFor(record.MetadataPort));
        }

        xml.End();
    }
}
