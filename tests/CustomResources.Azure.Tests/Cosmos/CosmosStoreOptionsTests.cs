using CustomResources.Azure.Cosmos;
using CustomResources.Core.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests.Cosmos;

public sealed class CosmosStoreOptionsTests
{
    private const string Endpoint = "https://my-account.documents.azure.com:443/";

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddCosmosObjectStore(configuration).BuildServiceProvider();
    }

    private static string StartupErrors(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        return string.Join("\n", error.Failures);
    }

    [Fact]
    public void A_missing_endpoint_is_named()
    {
        Assert.Contains("Storage:Cosmos:AccountEndpoint is required", StartupErrors([]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("my-account.documents.azure.com")]
    [InlineData("/relative")]
    [InlineData("ftp://my-account.documents.azure.com/")]
    public void A_relative_or_non_http_endpoint_is_refused(string endpoint)
    {
        var errors = StartupErrors(new() { ["Storage:Cosmos:AccountEndpoint"] = endpoint, ["Storage:Cosmos:Key"] = CosmosStoreOptions.EmulatorKey });

        Assert.Contains($"Storage:Cosmos:AccountEndpoint '{endpoint}' is not an absolute http(s) URL", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_http_to_a_non_loopback_host_is_refused()
    {
        var errors = StartupErrors(new() { ["Storage:Cosmos:AccountEndpoint"] = "http://my-account.documents.azure.com/", ["Storage:Cosmos:Key"] = "k" });

        Assert.Contains("uses plain http to a non-loopback host; Cosmos DB requires https", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_http_on_loopback_needs_the_key()
    {
        var errors = StartupErrors(new() { ["Storage:Cosmos:AccountEndpoint"] = "http://127.0.0.1:8081/" });

        Assert.Contains("works only with Storage:Cosmos:Key", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Key", " ", "Storage:Cosmos:Key is empty")]
    [InlineData("ManagedIdentityClientId", "not-a-guid", "is not a client id (a GUID)")]
    [InlineData("TombstoneTtlSeconds", "0", "Storage:Cosmos:TombstoneTtlSeconds must be between 1 and 31536000")]
    [InlineData("Database", "a/b", "Storage:Cosmos:Database 'a/b' is not a valid Cosmos DB name")]
    [InlineData("Container", "", "Storage:Cosmos:Container must not be empty")]
    public void Bad_settings_are_named(string setting, string value, string message)
    {
        var errors = StartupErrors(new() { ["Storage:Cosmos:AccountEndpoint"] = Endpoint, [$"Storage:Cosmos:{setting}"] = value });

        Assert.Contains(message, errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_and_managed_identity_together_are_refused()
    {
        var errors = StartupErrors(new()
        {
            ["Storage:Cosmos:AccountEndpoint"] = Endpoint,
            ["Storage:Cosmos:Key"] = CosmosStoreOptions.EmulatorKey,
            ["Storage:Cosmos:ManagedIdentityClientId"] = Guid.NewGuid().ToString(),
        });

        Assert.Contains("Storage:Cosmos:Key and Storage:Cosmos:ManagedIdentityClientId are both set", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_one_line()
    {
        var errors = StartupErrors(new() { ["Storage:Cosmos:AccountEndpoint"] = "http://example.com?x=1", ["Storage:Cosmos:TombstoneTtlSeconds"] = "-5" });

        Assert.All(errors.Split('\n'), line => Assert.StartsWith("Storage:Cosmos:", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_follow_the_issue()
    {
        var options = new CosmosStoreOptions();

        Assert.Equal("customresources", options.Database);
        Assert.Equal("resources", options.Container);
        Assert.False(options.CreateIfMissing);
        Assert.Equal(86400, options.TombstoneTtlSeconds);
        Assert.Null(options.Key);
    }

    [Fact]
    public void Valid_settings_register_the_store_and_one_client()
    {
        using var services = Services(new() { ["Storage:Cosmos:AccountEndpoint"] = "http://127.0.0.1:8081/", ["Storage:Cosmos:Key"] = CosmosStoreOptions.EmulatorKey });

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<CosmosObjectStore>(services.GetRequiredService<IObjectStore>());
        Assert.Same(services.GetRequiredService<CosmosClient>(), services.GetRequiredService<CosmosClient>());
    }

    [Fact]
    public void A_loopback_endpoint_uses_gateway_mode_limited_to_the_endpoint()
    {
        using var loopback = CosmosServiceCollectionExtensions.CreateClient(new CosmosStoreOptions { AccountEndpoint = "http://127.0.0.1:8081/", Key = CosmosStoreOptions.EmulatorKey });
        using var azure = CosmosServiceCollectionExtensions.CreateClient(new CosmosStoreOptions { AccountEndpoint = Endpoint });
        using var forced = CosmosServiceCollectionExtensions.CreateClient(new CosmosStoreOptions { AccountEndpoint = Endpoint, GatewayMode = true, LimitToEndpoint = true });

        Assert.Equal(ConnectionMode.Gateway, loopback.ClientOptions.ConnectionMode);
        Assert.True(loopback.ClientOptions.LimitToEndpoint);
        Assert.Equal(ConnectionMode.Direct, azure.ClientOptions.ConnectionMode);
        Assert.False(azure.ClientOptions.LimitToEndpoint);
        Assert.Equal(ConnectionMode.Gateway, forced.ClientOptions.ConnectionMode);
        Assert.True(forced.ClientOptions.LimitToEndpoint);
    }
}
