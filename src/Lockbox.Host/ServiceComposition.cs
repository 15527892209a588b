using Lockbox.DynamoDb;
using Lockbox.Ec2;
using Lockbox.Ec2.Instances;
using Lockbox.Ec2.Metadata;
using Lockbox.DynamoDb.Streams;
using Lockbox.Iam;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Microsoft.Extensions.Logging;

namespace Lockbox.Host;

/// <summary>
/// The composition root for services: which awsJson services this server answers for.
/// Services that implement <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> are
/// disposed by the server on shutdown, before the storage engine closes.
/// </summary>
public static class ServiceComposition
{
    private static readonly Action<ILogger, string, Exception?> BackgroundFailed =
        LoggerMessage.Define<string>(LogLevel.Error, new EventId(3001, "DynamoDbBackgroundFailed"), "DynamoDB background work failed: {Work}");

    /// <summary>Creates the services, in X-Amz-Target lookup order.</summary>
    public static IReadOnlyList<IJsonService> CreateJsonServices(ServiceCompositionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.LoggerFactory.CreateLogger("Lockbox.DynamoDb");

        // DynamoDB and DynamoDB Streams share one engine (catalog, item store, streams); the
        // DynamoDB service owns it and, listed first, disposes it (stopping background work).
        var engine = new DynamoDbEngine(context.Storage, context.MasterKey, context.Time, new DynamoDbEngineOptions
        {
            TimeToLiveSweepInterval = context.TimeToLiveSweepInterval,
            BurstSeconds = context.DynamoDbBurstSeconds,
            TimeToLiveChangeCooldown = context.TimeToLiveChangeCooldown,
            OnBackgroundError = (work, error) => BackgroundFailed(logger, work, error),
        });
        engine.StartBackgroundWork();
        context.ResourcePolicies.Add(new Lockbox.DynamoDb.Tables.TableResourcePolicies(engine.Catalog));
        return
        [
            new DynamoDbService(engine, context.Authorizer, ownsEngine: true, context.LoggerFactory),
            new DynamoDbStreamsService(engine, context.Authorizer),
        ];
    }

    /// <summary>
    /// Creates the awsQuery services (IAM, STS, EC2), routed by the SigV4 credential scope's service name.
    /// Policy documents are checked by the policy engine's grammar (<see cref="PolicyEngineValidator"/>).
    /// EC2's instance metadata listeners are bound again here for instances that survived a restart.
    /// </summary>
    public static IReadOnlyList<IQueryService> CreateQueryServices(ServiceCompositionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return
        [
            new IamService(context.Identity, context.Authorizer, new PolicyEngineValidator(), context.Time),
            new Lockbox.Iam.Sts.StsService(context.Sts, context.Authorizer),
            CreateEc2Service(context),
        ];
    }

    /// <summary>
    /// The EC2 subset: instance records and their metadata services (listeners restored before
    /// returning), which obtain instance profile credentials from STS (<see cref="ServiceCompositionContext.Sts"/>).
    /// </summary>
    public static Ec2Service CreateEc2Service(ServiceCompositionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var store = InstanceStore.Open(context.Storage, context.Ec2);
        var metadata = new InstanceMetadataService(store, context.Identity, context.Sts, context.Region, context.AccountId, context.Time, context.Ec2,
            context.LoggerFactory);
        metadata.RestoreAsync().GetAwaiter().GetResult();
        return new Ec2Service(store, context.Identity, context.Authorizer, metadata, context.Time, context.Ec2);
    }
}
