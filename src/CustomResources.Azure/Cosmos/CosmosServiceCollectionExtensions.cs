using Azure.Core;
using Azure.Identity;
using CustomResources.Core.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Cosmos;

public static class CosmosServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CosmosStoreOptions"/> (section <c>Storage:Cosmos</c>, validated at start), one
    /// <see cref="CosmosClient"/> and <see cref="CosmosObjectStore"/> as the <see cref="IObjectStore"/>.
    /// </summary>
    public static IServiceCollection AddCosmosObjectStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<CosmosStoreOptions>().Bind(configuration.GetSection(CosmosStoreOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CosmosStoreOptions>, CosmosStoreOptionsValidator>());
        services.TryAddSingleton(sp => CreateClient(sp.GetRequiredService<IOptions<CosmosStoreOptions>>().Value));
        services.TryAddSingleton(sp => new CosmosObjectStore(sp.GetRequiredService<CosmosClient>(), sp.GetRequiredService<IOptions<CosmosStoreOptions>>().Value));
        services.AddSingleton<IObjectStore>(sp => sp.GetRequiredService<CosmosObjectStore>());
        return services;
    }

    /// <summary>
    /// The client for validated options: the key when <see cref="CosmosStoreOptions.Key"/> is set (emulator or stand-in),
    /// otherwise <c>DefaultAzureCredential</c>. Gateway mode and LimitToEndpoint follow the options (on for loopback).
    /// </summary>
    public static CosmosClient CreateClient(CosmosStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.AccountEndpoint ?? throw new InvalidOperationException($"{CosmosStoreOptions.Section}:AccountEndpoint is required");
        var clientOptions = new CosmosClientOptions
        {
            ApplicationName = "custom-resources",
            ConnectionMode = options.UseGateway ? ConnectionMode.Gateway : ConnectionMode.Direct,
            LimitToEndpoint = options.UseLimitToEndpoint,
        };

        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            return new CosmosClient(endpoint, options.Key, clientOptions);
        }

        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });
        return new CosmosClient(endpoint, credential, clientOptions);
    }
}
