using System.Net;
using Lockbox.Common;
using Lockbox.Host.Http;
using Lockbox.Host.Identity;
using Lockbox.Iam.Authorization;
using Lockbox.Kms.Envelope;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;
using Lockbox.Storage;
using Lockbox.Storage.RocksDb;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lockbox.Host;

/// <summary>
/// A running Lockbox server: the data directory opened (master key, RocksDB, account), the
/// services composed, and Kestrel listening with the request pipeline. Dispose to stop: the
/// listeners close first, then the services, then storage (so RocksDB closes cleanly).
/// </summary>
/// <remarks>
/// Data directory layout: <c>master.key</c> (mode 0600), <c>db/</c> (RocksDB),
/// <c>root-credentials.csv</c> (mode 0600, only when the root key was generated).
/// </remarks>
public sealed class LockboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStorageEngine _storage;
    private readonly MasterKey _masterKey;
    private readonly Lockbox.Iam.Sts.SessionTokenCodec _sessionTokens;
    private readonly IReadOnlyList<IJsonService> _services;
    private readonly IReadOnlyList<IQueryService> _queryServices;
    private readonly ILogger _logger;
    private DenialJournal? _denials;
    private int _disposed;

    private LockboxServer(WebApplication app, IStorageEngine storage, MasterKey masterKey, IReadOnlyList<IJsonService> services,
        IReadOnlyList<IQueryService> queryServices, AccountBootstrapResult account, string region, IReadOnlyList<string> urls, ILogger logger,
        Lockbox.Iam.Sts.SessionTokenCodec sessionTokens)
    {
        _queryServices = queryServices;
        _app = app;
        _sessionTokens = sessionTokens;
        _storage = storage;
        _masterKey = masterKey;
        _services = services;
        Account = account;
        Region = region;
        Urls = urls;
        _logger = logger;
    }

    /// <summary>The account and root credentials found or created at start.</summary>
    public AccountBootstrapResult Account { get; }

    /// <summary>The account id (12 digits).</summary>
    public string AccountId => Account.AccountId;

    /// <summary>The server's region.</summary>
    public string Region { get; }

    /// <summary>The URLs clients use, one per listener, with the actual ports (port 0 resolved).</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>The services this server answers for.</summary>
    public IReadOnlyList<IJsonService> Services => _services;

    /// <summary>Opens the data directory, bootstraps the account and starts listening.</summary>
    public static async Task<LockboxServer> StartAsync(LockboxServerOptions options, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();
        var logger = loggerFactory.CreateLogger("Lockbox.Host");
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        var masterKey = MasterKey.LoadOrCreate(dataDirectory);
        IStorageEngine? storage = null;
        Lockbox.Iam.Sts.SessionTokenCodec? sessionTokens = null;
        IReadOnlyList<IJsonService> services = [];
        DenialJournal? denials = null;
        IReadOnlyList<IQueryService> queryServices = [];
        try
        {
            storage = RocksDbStorageEngine.Open(Path.Combine(dataDirectory, "db"), new RocksDbStorageOptions());
            var account = AccountBootstrap.Run(storage, masterKey, dataDirectory, options, logger);
            var identity = Lockbox.Iam.IdentityStore.Open(storage, masterKey, account.AccountId);
            var resourcePolicies = new ResourcePolicyRegistry();
            sessionTokens = new Lockbox.Iam.Sts.SessionTokenCodec(masterKey);
            var authorizer = new Lockbox.Iam.Authorization.IamAuthorizer(identity, resourcePolicies,
                loggerFactory.CreateLogger("Lockbox.Iam.Authorization"), sessionTokens.Messages);
            denials = new DenialJournal(dataDirectory);
            authorizer.Denied += denials.Record;
            var keys = new CompositeAccessKeyStore(new RootAccessKeyStore(account.AccountId, account.RootKeys), identity);

            var context = new ServiceCompositionContext
            {
                Storage = storage,
                MasterKey = masterKey,
                AccountId = account.AccountId,
                Region = options.Region,
                Authorizer = authorizer,
                ResourcePolicies = resourcePolicies,
                Time = options.Time,
                TimeToLiveSweepInterval = options.TimeToLiveSweepInterval,
                LoggerFactory = loggerFactory,
                DataDirectory = dataDirectory,
                DynamoDbBurstSeconds = options.DynamoDbBurstSeconds,
                TimeToLiveChangeCooldown = options.TimeToLiveChangeCooldown,
                Identity = identity,
                Ec2 = options.Ec2,
                SessionTokens = sessionTokens,
            };
            services = (options.ServiceFactory ?? ServiceComposition.CreateJsonServices)(context);
            HostLog.Services(logger, services.Count, string.Join(", ", services.Select(s => s.TargetPrefix)));

            queryServices = ServiceComposition.CreateQueryServices(context);
            var pipeline = new RequestPipeline(services, keys, options.Region, options.MaxRequestBodyBytes, options.Time,
                loggerFactory.CreateLogger("Lockbox.Host.Requests"), queryServices, identity,
                new Lockbox.Iam.Sts.SessionCredentialResolver(sessionTokens));
            var app = BuildWebApplication(options, loggerFactory, pipeline);
            await app.StartAsync(cancellationToken);

            var urls = ResolveUrls(app, options);
            foreach (var url in urls)
            {
                HostLog.Listening(logger, url);
            }

            return new LockboxServer(app, storage, masterKey, services, queryServices, account, options.Region, urls, logger, sessionTokens) { _denials = denials };
        }
        catch
        {
            await DisposeServicesAsync(queryServices);
            await DisposeServicesAsync(services);
            if (denials is not null)
            {
                await denials.DisposeAsync();
            }

            storage?.Dispose();
            sessionTokens?.Dispose();
            masterKey.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening, then disposes the services, the storage engine and the master key.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        HostLog.Stopping(_logger);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            await DisposeServicesAsync(_queryServices);
            await DisposeServicesAsync(_services);
            if (_denials is not null)
            {
                await _denials.DisposeAsync();
            }

            _storage.Dispose();
            _sessionTokens.Dispose();
            _masterKey.Dispose();
            HostLog.Stopped(_logger);
        }
    }

    private static WebApplication BuildWebApplication(LockboxServerOptions options, ILoggerFactory loggerFactory, RequestPipeline pipeline)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Lockbox" });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.AllowSynchronousIO = false;
            // The pipeline enforces the body limit itself, to answer with DynamoDB's 413.
            kestrel.Limits.MaxRequestBodySize = null;
            var endpoints = options.Listen.Count == 0 ? [LockboxServerOptions.DefaultEndpoint] : options.Listen;
            foreach (var endpoint in endpoints)
            {
                kestrel.Listen(endpoint);
            }
        });

        var app = builder.Build();
        app.Run(pipeline.HandleAsync);
        return app;
    }

    private static List<string> ResolveUrls(WebApplication app, LockboxServerOptions options)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var urls = new List<string>();
        if (addresses is not null)
        {
            foreach (var address in addresses)
            {
                // Kestrel reports wildcard binds as http://0.0.0.0:port or http://[::]:port; show a usable loopback URL.
                var uri = new Uri(address);
                if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
                {
                    urls.Add(ListenAddress.ToUrl(new IPEndPoint(ip, uri.Port)));
                }
                else
                {
                    urls.Add(address);
                }
            }
        }

        if (urls.Count == 0)
        {
            foreach (var endpoint in options.Listen)
            {
                urls.Add(ListenAddress.ToUrl(endpoint));
            }
        }

        return urls;
    }

    private static async ValueTask DisposeServicesAsync<T>(IReadOnlyList<T> services)
    {
        foreach (var service in services)
        {
            switch (service)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
