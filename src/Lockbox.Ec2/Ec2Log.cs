using Microsoft.Extensions.Logging;

namespace Lockbox.Ec2;

/// <summary>The EC2 subset's log events (ids 5001–5099). Never logs credentials or tokens.</summary>
internal static partial class Ec2Log
{
    [LoggerMessage(5001, LogLevel.Information, "Instance metadata service for {InstanceId} listening on {Endpoint}")]
    public static partial void MetadataListening(ILogger logger, string instanceId, string endpoint);

    [LoggerMessage(5002, LogLevel.Information, "Instance metadata service for {InstanceId} stopped")]
    public static partial void MetadataStopped(ILogger logger, string instanceId);

    [LoggerMessage(5003, LogLevel.Warning, "Instance metadata port {Port} of {InstanceId} is taken; bound {NewPort} instead")]
    public static partial void MetadataPortMoved(ILogger logger, string instanceId, int port, int newPort);

    [LoggerMessage(5004, LogLevel.Warning, "Instance {InstanceId} could not get credentials for role {RoleArn}: {ErrorCode}")]
    public static partial void CredentialsRefused(ILogger logger, string instanceId, string roleArn, string errorCode);

    [LoggerMessage(5005, LogLevel.Information, "Instance {InstanceId} received credentials for role {RoleArn} (key {AccessKeyId}, expires {Expiration})")]
    public static partial void CredentialsIssued(ILogger logger, string instanceId, string roleArn, string accessKeyId, DateTimeOffset expiration);

    [LoggerMessage(5006, LogLevel.Error, "Instance metadata request for {InstanceId} failed")]
    public static partial void MetadataFailed(ILogger logger, string instanceId, Exception error);
}
