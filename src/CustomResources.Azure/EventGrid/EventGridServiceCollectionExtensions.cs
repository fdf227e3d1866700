using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Messaging.EventGrid;
using CustomResources.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.EventGrid;

public static class EventGridServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EventGridOptions"/> (section <c>Events:EventGrid</c>, validated at start), one
    /// <see cref="EventGridPublisherClient"/> and <see cref="EventGridLifecyclePublisher"/> as the
    /// <see cref="ILifecycleEventPublisher"/>. <paramref name="configureClient"/> can adjust the client options
    /// (retry, transport, diagnostics) after they are built from configuration.
    /// </summary>
    public static IServiceCollection AddEventGridPublisher(this IServiceCollection services, IConfiguration configuration, Action<EventGridPublisherClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<EventGridOptions>().Bind(configuration.GetSection(EventGridOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventGridOptions>, EventGridOptionsValidator>());
        services.TryAddSingleton(sp => CreateClient(sp.GetRequiredService<IOptions<EventGridOptions>>().Value, configureClient));
        services.TryAddSingleton(sp => new EventGridLifecyclePublisher(sp.GetRequiredService<EventGridPublisherClient>()));
        services.AddSingleton<ILifecycleEventPublisher>(sp => sp.GetRequiredService<EventGridLifecyclePublisher>());
        return services;
    }

    /// <summary>
    /// The client for validated options: an access key when <see cref="EventGridOptions.Key"/> is set, otherwise
    /// <c>DefaultAzureCredential</c> (managed identity in Azure, developer credentials locally).
    /// </summary>
    public static EventGridPublisherClient CreateClient(EventGridOptions options, Action<EventGridPublisherClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = new Uri(options.TopicEndpoint ?? throw new InvalidOperationException($"{EventGridOptions.Section}:TopicEndpoint is required"), UriKind.Absolute);
        var clientOptions = new EventGridPublisherClientOptions();
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        configureClient?.Invoke(clientOptions);

        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            return new EventGridPublisherClient(endpoint, new AzureKeyCredential(options.Key), clientOptions);
        }

        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });
        return new EventGridPublisherClient(endpoint, credential, clientOptions);
    }
}
