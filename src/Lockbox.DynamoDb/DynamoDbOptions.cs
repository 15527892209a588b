namespace Lockbox.DynamoDb;

/// <summary>Settings of the DynamoDB engine that a server may change.</summary>
public sealed class DynamoDbOptions
{
    /// <summary>
    /// How many seconds of unused provisioned capacity a table keeps as burst capacity. DynamoDB
    /// keeps 300 s; tests shorten it (<c>lockbox serve --dynamodb-burst-seconds</c>) so they can
    /// exhaust a bucket quickly. Zero means no burst at all.
    /// </summary>
    public double BurstSeconds { get; init; } = Capacity.ThroughputLimiter.DefaultBurstSeconds;

    /// <summary>
    /// How long after a TTL change UpdateTimeToLive refuses another one for the same table
    /// ("Time to live has been modified multiple times within a fixed interval"). DynamoDB documents
    /// one hour, the default; tests shorten it (<c>lockbox serve --ttl-change-cooldown</c>). Zero
    /// allows a change as soon as the previous one has been applied.
    /// </summary>
    public TimeSpan TimeToLiveChangeCooldown { get; init; } = DynamoDbEngineOptions.DefaultTimeToLiveChangeCooldown;
}
