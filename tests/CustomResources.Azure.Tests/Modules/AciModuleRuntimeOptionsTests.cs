using CustomResources.Azure.Modules;
using CustomResources.Core.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests.Modules;

public sealed class AciModuleRuntimeOptionsTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["Modules:Aci:SubscriptionId"] = "00000000-1111-2222-3333-444444444444",
        ["Modules:Aci:ResourceGroup"] = "rg-modules",
        ["Modules:Aci:Location"] = "westeurope",
    };

    private static ServiceProvider Services(Dictionary<string, string?> settings, FakeCredential? credential = null, ArmStub? arm = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddAciModuleRuntime(configuration, credential ?? new FakeCredential(), arm is null ? null : arm.Configure).BuildServiceProvider();
    }

    private static string StartupErrors(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        return string.Join("\n", error.Failures);
    }

    private static string StartupErrors(string key, string value)
    {
        var settings = Valid();
        settings["Modules:Aci:" + key] = value;
        return StartupErrors(settings);
    }

    [Fact]
    public void Missing_required_settings_are_each_named()
    {
        var errors = StartupErrors([]);

        Assert.Contains("Modules:Aci:SubscriptionId is required", errors, StringComparison.Ordinal);
        Assert.Contains("Modules:Aci:ResourceGroup is required", errors, StringComparison.Ordinal);
        Assert.Contains("Modules:Aci:Location is required", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SubscriptionId", "my-subscription", "Modules:Aci:SubscriptionId 'my-subscription' is not a subscription id")]
    [InlineData("ResourceGroup", "rg/with/slashes", "Modules:Aci:ResourceGroup 'rg/with/slashes' is not a valid resource group name")]
    [InlineData("ResourceGroup", "ends-with-dot.", "Modules:Aci:ResourceGroup 'ends-with-dot.' is not a valid resource group name")]
    [InlineData("Location", "West Europe", "Modules:Aci:Location 'West Europe' is not a region name")]
    [InlineData("ManagedIdentityClientId", "not-a-guid", "Modules:Aci:ManagedIdentityClientId 'not-a-guid' is not a client id")]
    [InlineData("SubnetId", "subnet-1", "Modules:Aci:SubnetId 'subnet-1' is not a subnet resource id")]
    [InlineData("DnsNameLabelPrefix", "Bad_Prefix", "Modules:Aci:DnsNameLabelPrefix 'Bad_Prefix' must be 1-20 lowercase letters")]
    [InlineData("ModulePort", "0", "Modules:Aci:ModulePort must be between 1 and 65535 (was 0)")]
    [InlineData("ModulePort", "70000", "Modules:Aci:ModulePort must be between 1 and 65535 (was 70000)")]
    [InlineData("ArmEndpoint", "management.azure.com", "Modules:Aci:ArmEndpoint 'management.azure.com' is not an absolute https URL")]
    [InlineData("ArmEndpoint", "http://127.0.0.1:8443/", "Modules:Aci:ArmEndpoint 'http://127.0.0.1:8443/' must use https")]
    [InlineData("ArmEndpoint", "https://management.azure.com/subscriptions", "Modules:Aci:ArmEndpoint 'https://management.azure.com/subscriptions' must be a bare host URL")]
    [InlineData("ProvisioningTimeout", "00:00:00", "Modules:Aci:ProvisioningTimeout must be more than 0")]
    [InlineData("PollingInterval", "00:05:00", "Modules:Aci:PollingInterval must be more than 0 and at most 00:01:00")]
    [InlineData("MaxRetries", "11", "Modules:Aci:MaxRetries must be between 0 and 10 (was 11)")]
    public void A_wrong_setting_is_named_in_one_line(string key, string value, string expected)
    {
        var errors = StartupErrors(key, value);

        var line = Assert.Single(errors.Split('\n'));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dns_label_with_a_subnet_is_refused()
    {
        var settings = Valid();
        settings["Modules:Aci:SubnetId"] = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/modules";
        settings["Modules:Aci:DnsNameLabelPrefix"] = "crmod";

        var errors = StartupErrors(settings);

        Assert.Contains("Modules:Aci:DnsNameLabelPrefix and Modules:Aci:SubnetId are both set", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://management.chinacloudapi.cn/")]
    [InlineData("https://127.0.0.1:8443")]
    public void Valid_settings_start(string? armEndpoint)
    {
        var settings = Valid();
        settings["Modules:Aci:ManagedIdentityClientId"] = "11111111-2222-3333-4444-555555555555";
        settings["Modules:Aci:DnsNameLabelPrefix"] = "crmod";
        settings["Modules:Aci:ArmEndpoint"] = armEndpoint;
        using var services = Services(settings);

        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<AciModuleRuntime>(services.GetRequiredService<IModuleRuntime>());
        Assert.Equal(8080, services.GetRequiredService<IOptions<AciModuleRuntimeOptions>>().Value.ModulePort);
    }

    [Fact]
    public async Task The_registered_runtime_talks_to_the_configured_endpoint_with_the_given_credential()
    {
        await using var arm = await ArmStub.StartAsync();
        var credential = new FakeCredential();
        var settings = Valid();
        settings["Modules:Aci:ArmEndpoint"] = arm.Endpoint.ToString();
        settings["Modules:Aci:PollingInterval"] = "00:00:00.020";
        using var services = Services(settings, credential, arm);
        var runtime = services.GetRequiredService<IModuleRuntime>();

        var endpoint = await runtime.EnsureRunningAsync(
            new ModuleWorkload("team-a", "redis", "uid-1", "redis:7", null, null, [], new Dictionary<string, string>()),
            CancellationToken.None);
        await runtime.RemoveAsync("team-a", "redis", CancellationToken.None);

        Assert.Equal(new Uri("http://20.61.1.2:8080/"), endpoint.BaseAddress);
        // Read (404), create, two operation polls, the final read of the group, delete.
        Assert.Equal(["GET", "PUT", "GET", "GET", "GET", "DELETE"], arm.Calls.Select(c => c.Method));
        Assert.All(arm.Calls, c => Assert.Equal("Bearer " + FakeCredential.Token, c.Authorization));
        Assert.NotEmpty(credential.Scopes);
    }
}
