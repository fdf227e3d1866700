using CustomResources.Core.Events;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Embedded.Events;
using Microsoft.Extensions.Options;

namespace CustomResources.Server;

/// <summary>Registers the embedded lifecycle-event dispatcher (section <c>Events</c>).</summary>
public static class LifecycleEventsSetup
{
    public static IServiceCollection AddLifecycleEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventOptions>().Bind(configuration.GetSection(EventOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IWriteValidator>(sp => new SubscriptionValidator(sp.GetRequiredService<OutboundPolicy>()));
        services.AddSingleton(sp => new SqliteEventOutbox(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path));
        if (configuration.GetValue(EventOptions.Section + ":Enabled", true))
        {
            services.AddSingleton<IHistoryReader, EventCheckpointReader>();
            services.AddHostedService<EventDispatcher>();
        }

        return services;
    }

    /// <summary>Keeps the history the dispatcher has not read yet.</summary>
    private sealed class EventCheckpointReader(SqliteEventOutbox outbox) : IHistoryReader
    {
        public Task<string?> OldestNeededAsync(CancellationToken cancellationToken) => Task.FromResult(outbox.ReadCheckpoint());
    }
}
