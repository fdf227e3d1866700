using CustomResources.Azure.Identity;
using CustomResources.Core.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests.Identity;

public sealed class EntraIdOptionsTests
{
    private const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    private static Dictionary<string, string?> Valid() => new()
    {
        ["Authentication:EntraId:TenantId"] = Tenant,
        ["Authentication:EntraId:Audiences:0"] = "api://crd-on-functions",
    };

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var settings = Valid();
        foreach (var (key, value) in changes)
        {
            settings[$"Authentication:EntraId:{key}"] = value;
        }

        return settings;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddEntraIdAuthentication(configuration).BuildServiceProvider();
    }

    private static string StartupErrors(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        return string.Join("\n", error.Failures);
    }

    [Fact]
    public void Valid_settings_bind_with_their_defaults()
    {
        using var services = Services(With(("Audiences:1", "3f2a7c1e-0b5d-4e8f-9a61-2c4d6e8f0a1b")));
        services.GetRequiredService<IStartupValidator>().Validate();

        var options = services.GetRequiredService<IOptions<EntraIdOptions>>().Value;
        Assert.Equal(["api://crd-on-functions", "3f2a7c1e-0b5d-4e8f-9a61-2c4d6e8f0a1b"], options.Audiences);
        Assert.Equal($"https://login.microsoftonline.com/{Tenant}/v2.0", options.ResolveAuthority());
        Assert.Equal($"https://login.microsoftonline.com/{Tenant}/v2.0/.well-known/openid-configuration", options.ResolveMetadataAddress());
        Assert.Equal("", options.UsernamePrefix);
        Assert.Equal("", options.GroupsPrefix);
        Assert.Equal("role:", options.RolesPrefix);
        Assert.Null(options.UsernameClaim);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ClockSkew);
    }

    [Fact]
    public void An_authority_gives_the_metadata_address()
    {
        using var services = Services(With(("TenantId", null), ("Authority", $"https://login.microsoftonline.us/{Tenant}/v2.0/")));
        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal($"https://login.microsoftonline.us/{Tenant}/v2.0/.well-known/openid-configuration", services.GetRequiredService<IOptions<EntraIdOptions>>().Value.ResolveMetadataAddress());
    }

    [Fact]
    public void The_authenticator_is_one_of_the_bearer_authenticators_and_is_added_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Valid()).Build();
        using var services = new ServiceCollection()
            .AddEntraIdAuthentication(configuration)
            .AddEntraIdAuthentication(configuration)
            .AddSingleton<IBearerAuthenticator, OtherAuthenticator>()
            .BuildServiceProvider();

        var authenticators = services.GetServices<IBearerAuthenticator>().ToList();

        Assert.Equal(2, authenticators.Count);
        Assert.Single(authenticators, a => a is OtherAuthenticator);
        Assert.Same(services.GetRequiredService<EntraIdAuthenticator>(), services.GetRequiredService<EntraIdAuthenticator>());
    }

    [Fact]
    public async Task The_registered_authenticator_passes_on_server_tokens()
    {
        using var services = Services(Valid());
        var authenticator = Assert.Single(services.GetServices<IBearerAuthenticator>());

        Assert.Same(AuthenticationResult.NotMine, await authenticator.AuthenticateAsync("crt_abc.secret", CancellationToken.None));
    }

    [Fact]
    public void A_missing_tenant_is_named() =>
        Assert.Contains("Authentication:EntraId:TenantId is required", StartupErrors(With(("TenantId", null))), StringComparison.Ordinal);

    [Fact]
    public void Tenant_and_authority_together_are_refused() =>
        Assert.Contains("TenantId and Authentication:EntraId:Authority are both set", StartupErrors(With(("Authority", $"https://login.microsoftonline.com/{Tenant}/v2.0"))), StringComparison.Ordinal);

    [Theory]
    [InlineData("common")]
    [InlineData("organizations")]
    [InlineData("Consumers")]
    public void Multi_tenant_names_are_refused(string tenant) =>
        Assert.Contains("names no single tenant", StartupErrors(With(("TenantId", tenant))), StringComparison.Ordinal);

    [Fact]
    public void A_multi_tenant_authority_is_refused() =>
        Assert.Contains("Authentication:EntraId:Authority 'https://login.microsoftonline.com/common/v2.0' names no single tenant",
            StartupErrors(With(("TenantId", null), ("Authority", "https://login.microsoftonline.com/common/v2.0"))), StringComparison.Ordinal);

    [Theory]
    [InlineData("not a tenant")]
    [InlineData("contoso")]
    [InlineData("contoso.com/evil")]
    public void A_tenant_that_is_neither_guid_nor_domain_is_refused(string tenant) =>
        Assert.Contains("is neither a directory id", StartupErrors(With(("TenantId", tenant))), StringComparison.Ordinal);

    [Fact]
    public void A_verified_domain_is_a_tenant()
    {
        using var services = Services(With(("TenantId", "contoso.onmicrosoft.com")));
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("http://login.microsoftonline.com/tenant/v2.0")]
    [InlineData("login.microsoftonline.com/tenant/v2.0")]
    public void An_authority_that_is_not_https_is_refused(string authority) =>
        Assert.Contains("Authentication:EntraId:Authority", StartupErrors(With(("TenantId", null), ("Authority", authority))), StringComparison.Ordinal);

    [Fact]
    public void Missing_audiences_are_named()
    {
        var settings = Valid();
        settings.Remove("Authentication:EntraId:Audiences:0");

        Assert.Contains("Authentication:EntraId:Audiences is required", StartupErrors(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_audience_is_named() =>
        Assert.Contains("Audiences has an empty entry", StartupErrors(With(("Audiences:1", " "))), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://login.example.com/.well-known/openid-configuration")]
    [InlineData("/.well-known/openid-configuration")]
    public void Metadata_over_http_to_a_remote_host_is_refused(string address) =>
        Assert.Contains("Authentication:EntraId:MetadataAddress", StartupErrors(With(("MetadataAddress", address))), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://127.0.0.1:5000/t/v2.0/.well-known/openid-configuration")]
    [InlineData("http://localhost:5000/t/v2.0/.well-known/openid-configuration")]
    [InlineData("https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration")]
    public void Metadata_over_https_or_loopback_http_is_accepted(string address)
    {
        using var services = Services(With(("MetadataAddress", address)));
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void A_relative_issuer_is_refused() =>
        Assert.Contains("ValidIssuers entry 'tenant'", StartupErrors(With(("ValidIssuers:0", "tenant"))), StringComparison.Ordinal);

    [Theory]
    [InlineData("UsernamePrefix")]
    [InlineData("GroupsPrefix")]
    [InlineData("RolesPrefix")]
    public void System_prefixes_are_refused(string setting) =>
        Assert.Contains($"Authentication:EntraId:{setting} 'system:x' starts with system:", StartupErrors(With((setting, "system:x"))), StringComparison.Ordinal);

    [Fact]
    public void An_empty_username_claim_is_named() =>
        Assert.Contains("Authentication:EntraId:UsernameClaim is empty", StartupErrors(With(("UsernameClaim", " "))), StringComparison.Ordinal);

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("01:00:00")]
    public void A_clock_skew_out_of_range_is_named(string skew) =>
        Assert.Contains("Authentication:EntraId:ClockSkew must be between", StartupErrors(With(("ClockSkew", skew))), StringComparison.Ordinal);

    [Fact]
    public void A_refresh_interval_out_of_range_is_named() =>
        Assert.Contains("Authentication:EntraId:MetadataRefreshInterval must be between", StartupErrors(With(("MetadataRefreshInterval", "00:00:30"))), StringComparison.Ordinal);

    [Fact]
    public void Every_error_is_one_line()
    {
        var errors = StartupErrors(new Dictionary<string, string?> { ["Authentication:EntraId:ClockSkew"] = "02:00:00", ["Authentication:EntraId:RolesPrefix"] = "system:" });

        Assert.Equal(4, errors.Split('\n').Length);
    }

    private sealed class OtherAuthenticator : IBearerAuthenticator
    {
        public Task<AuthenticationResult> AuthenticateAsync(string token, CancellationToken cancellationToken) => Task.FromResult(AuthenticationResult.NotMine);
    }
}
