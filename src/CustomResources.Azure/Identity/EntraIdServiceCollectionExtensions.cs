using CustomResources.Core.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Identity;

public static class EntraIdServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EntraIdOptions"/> (section <c>Authentication:EntraId</c>, validated at start) and
    /// <see cref="EntraIdAuthenticator"/> as one of the <see cref="IBearerAuthenticator"/>s (added beside any others).
    /// </summary>
    public static IServiceCollection AddEntraIdAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<EntraIdOptions>().Bind(configuration.GetSection(EntraIdOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EntraIdOptions>, EntraIdOptionsValidator>());
        services.TryAddSingleton(sp => new EntraIdAuthenticator(
            sp.GetRequiredService<IOptions<EntraIdOptions>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<EntraIdAuthenticator>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBearerAuthenticator, EntraIdBearerAuthenticatorRegistration>());
        return services;
    }

    /// <summary>
    /// The enumerable registration's implementation type (TryAddEnumerable needs a distinct one to add it once); it hands
    /// every call to the one <see cref="EntraIdAuthenticator"/> singleton.
    /// </summary>
    private sealed class EntraIdBearerAuthenticatorRegistration(EntraIdAuthenticator inner) : IBearerAuthenticator
    {
        public Task<AuthenticationResult> AuthenticateAsync(string token, CancellationToken cancellationToken) =>
            inner.AuthenticateAsync(token, cancellationToken);
    }
}
