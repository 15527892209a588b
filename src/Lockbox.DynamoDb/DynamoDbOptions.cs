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
}
