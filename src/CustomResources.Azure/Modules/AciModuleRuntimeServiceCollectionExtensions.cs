using Azure.Core;
using Azure.ResourceManager;
using CustomResources.Core.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Modules;

public static class AciModuleRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="AciModuleRuntimeOptions"/> (section <c>Modules:Aci</c>, validated at start) and
    /// <see cref="AciModuleRuntime"/> as the <see cref="IModuleRuntime"/>, with its own <see cref="ArmClient"/> using
    /// <paramref name="credential"/> or <c>DefaultAzureCredential</c> (managed identity). <paramref name="configureClient"/>
    /// can adjust the ARM client options (transport, retry, diagnostics) after they are built from configuration.
    /// </summary>
    public static IServiceCollection AddAciModuleRuntime(this IServiceCollection services, IConfiguration configuration, TokenCredential? credential = null, Action<ArmClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AciModuleRuntimeOptions>().Bind(configuration.GetSection(AciModuleRuntimeOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AciModuleRuntimeOptions>, AciModuleRuntimeOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AciModuleRuntimeOptions>>().Value;
            var client = AciModuleRuntime.CreateArmClient(options, credential, configureClient);
            return new AciModuleRuntime(client, options, sp.GetService<ILogger<AciModuleRuntime>>());
        });
        services.AddSingleton<IModuleRuntime>(sp => sp.GetRequiredService<AciModuleRuntime>());
        return services;
    }
}
