using CustomResources.Azure.Cosmos;
using CustomResources.Azure.EventGrid;
using CustomResources.Core.Events;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;
using Microsoft.Extensions.Options;

namespace CustomResources.Server;

/// <summary>Chooses the adapters behind the store and event ports from <c>Storage:Provider</c>.</summary>
public static class StorageSetup
{
    /// <summary>
    /// <c>Sqlite</c> (embedded): the SQLite store, its history compactor and the embedded event dispatcher.
    /// <c>Cosmos</c> (Azure): the Cosmos DB store; when <c>Events:EventGrid:TopicEndpoint</c> is set, the change-feed
    /// endpoint publishing to Event Grid. Cosmos DB removes tombstones by TTL, so no compactor runs there.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        if (string.Equals(configuration[StorageOptions.Section + ":Provider"], StorageOptions.Cosmos, StringComparison.Ordinal))
        {
            services.AddCosmosObjectStore(configuration);
            services.AddSingleton<IResourceDocumentReader>(sp => sp.GetRequiredService<CosmosObjectStore>());
            if (!string.IsNullOrWhiteSpace(configuration[EventGridOptions.Section + ":TopicEndpoint"]))
            {
                services.AddOptions<EventOptions>().Bind(configuration.GetSection(EventOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
                services.AddEventGridPublisher(configuration);
                services.AddSingleton(sp => new ChangeFeedEventPublisher(
                    sp.GetRequiredService<IResourceDocumentReader>(),
                    sp.GetRequiredService<ILifecycleEventPublisher>(),
                    sp.GetRequiredService<IOptions<EventOptions>>().Value.EffectiveSource));
            }

            return services;
        }

        services.AddSingleton<IObjectStore>(sp => new SqliteObjectStore(new SqliteStoreOptions { Path = sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path }));
        services.AddHostedService<HistoryCompactor>();
        services.AddLifecycleEvents(configuration);
        return services;
    }
}
