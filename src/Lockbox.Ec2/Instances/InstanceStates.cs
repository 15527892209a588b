namespace Lockbox.Ec2.Instances;

/// <summary>An instance state as EC2 reports it: a code and a name.</summary>
/// <param name="Code">EC2's state code (0 pending, 16 running, 32 shutting-down, 48 terminated).</param>
/// <param name="Name">The state name.</param>
public readonly record struct InstanceState(int Code, string Name)
{
    /// <summary>0 pending.</summary>
    public static readonly InstanceState Pending = new(0, "pending");

    /// <summary>16 running.</summary>
    public static readonly InstanceState Running = new(16, "running");

    /// <summary>32 shutting-down.</summary>
    public static readonly InstanceState ShuttingDown = new(32, "shutting-down");

    /// <summary>48 terminated.</summary>
    public static readonly InstanceState Terminated = new(48, "terminated");
}

/// <summary>
/// Derives an instance's state from its times: <c>pending</c> for <see cref="Ec2Options.PendingDuration"/>
/// after launch, then <c>running</c>; after TerminateInstances <c>shutting-down</c> for
/// <see cref="Ec2Options.ShuttingDownDuration"/>, then <c>terminated</c>. Deriving instead of storing
/// transitions means no background job and no state lost in a restart.
/// </summary>
public static class InstanceStates
{
    /// <summary>The state of <paramref name="instance"/> at <paramref name="now"/>.</summary>
    public static InstanceState Of(InstanceRecord instance, DateTimeOffset now, Ec2Options options)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(options);
        if (instance.TerminatedAt is { } terminated)
        {
            return now < terminated + options.ShuttingDownDuration ? InstanceState.ShuttingDown : InstanceState.Terminated;
        }

        return now < instance.LaunchTime + options.PendingDuration ? InstanceState.Pending : InstanceState.Running;
    }
}
