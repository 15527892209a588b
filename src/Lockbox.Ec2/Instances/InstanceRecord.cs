using System.Text.Json.Serialization;

namespace Lockbox.Ec2.Instances;

/// <summary>An EC2 tag (key, value).</summary>
public sealed class Ec2Tag
{
    /// <summary>The key.</summary>
    public string Key { get; set; } = "";

    /// <summary>The value (may be empty).</summary>
    public string Value { get; set; } = "";
}

/// <summary>An instance profile association (<c>iip-assoc-…</c>).</summary>
public sealed class ProfileAssociation
{
    /// <summary>The association id, <c>iip-assoc-</c> + 17 hex digits.</summary>
    public string AssociationId { get; set; } = "";

    /// <summary>The instance profile's ARN.</summary>
    public string ProfileArn { get; set; } = "";

    /// <summary>The instance profile's id (AIPA…).</summary>
    public string ProfileId { get; set; } = "";

    /// <summary>When the association was made.</summary>
    public DateTimeOffset Timestamp { get; set; }
}

/// <summary>
/// One instance (stored at <c>ec2/instance/&lt;id&gt;</c> as JSON). It is a record, not a machine:
/// its state follows from its launch and termination times (<see cref="InstanceStates"/>).
/// </summary>
public sealed class InstanceRecord
{
    /// <summary><c>i-</c> + 17 hex digits.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary><c>r-</c> + 17 hex digits, shared by the instances of one RunInstances call.</summary>
    public string ReservationId { get; set; } = "";

    /// <summary>The image id as given (not checked against any catalog).</summary>
    public string ImageId { get; set; } = "";

    /// <summary>The instance type as given.</summary>
    public string InstanceType { get; set; } = "";

    /// <summary>Position in its reservation (0-based).</summary>
    public int LaunchIndex { get; set; }

    /// <summary>When it was launched.</summary>
    public DateTimeOffset LaunchTime { get; set; }

    /// <summary>When TerminateInstances was called, if it was.</summary>
    public DateTimeOffset? TerminatedAt { get; set; }

    /// <summary>The availability zone (the region + <c>a</c>).</summary>
    public string AvailabilityZone { get; set; } = "";

    /// <summary>The key pair name, if one was given.</summary>
    public string? KeyName { get; set; }

    /// <summary>The instance's tags.</summary>
    public List<Ec2Tag> Tags { get; set; } = [];

    /// <summary>The current instance profile association, if any.</summary>
    public ProfileAssociation? Association { get; set; }

    /// <summary><c>optional</c> (IMDSv1 and v2) or <c>required</c> (IMDSv2 only).</summary>
    public string HttpTokens { get; set; } = "optional";

    /// <summary><c>enabled</c> or <c>disabled</c>.</summary>
    public string HttpEndpoint { get; set; } = "enabled";

    /// <summary>The PUT response hop limit (kept and reported; loopback has no hops).</summary>
    public int HttpPutResponseHopLimit { get; set; } = 1;

    /// <summary>The loopback port of the instance's metadata service (0 = none bound yet).</summary>
    public int MetadataPort { get; set; }

    /// <summary>The value of the <c>Name</c> tag, if any.</summary>
    [JsonIgnore]
    public string? Name => Tags.FirstOrDefault(t => t.Key == "Name")?.Value;
}

/// <summary>Source-generated JSON contracts for stored EC2 records.</summary>
[JsonSerializable(typeof(InstanceRecord))]
internal sealed partial class Ec2JsonContext : JsonSerializerContext;
