using Lockbox.DynamoDb;
using Lockbox.Protocols;

namespace Lockbox.Host;

/// <summary>
/// The composition root for services: which awsJson services this server answers for.
/// Services that implement <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> are
/// disposed by the server on shutdown, before the storage engine closes.
/// </summary>
public static class ServiceComposition
{
    /// <summary>Creates the services, in X-Amz-Target lookup order.</summary>
    public static IReadOnlyList<IJsonService> CreateJsonServices(ServiceCompositionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return
        [
            new DynamoDbService(context.Storage, context.MasterKey, context.Authorizer, context.Time,
                new DynamoDbOptions { BurstSeconds = context.DynamoDbBurstSeconds }),
        ];
    }
}
