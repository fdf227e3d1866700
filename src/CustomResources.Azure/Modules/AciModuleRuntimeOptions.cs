using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Modules;

/// <summary>
/// Where and how modules run in Azure Container Instances: one container group per Module in one resource group.
/// Bound from the <c>Modules:Aci</c> section.
/// </summary>
public sealed class AciModuleRuntimeOptions
{
    public const string Section = "Modules:Aci";

    /// <summary>The subscription (a GUID) that holds <see cref="ResourceGroup"/>.</summary>
    public string? SubscriptionId { get; set; }

    /// <summary>The existing resource group the container groups are created in.</summary>
    public string? ResourceGroup { get; set; }

    /// <summary>The Azure region of the container groups, e.g. <c>westeurope</c>.</summary>
    public string? Location { get; set; }

    /// <summary>Client id of a user-assigned managed identity; unset uses the system-assigned one (or developer credentials locally).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Resource id of a subnet delegated to <c>Microsoft.ContainerInstance/containerGroups</c>. When set, container groups are
    /// injected into that VNet with a private IP, and module endpoints use the private IP.
    /// </summary>
    public string? SubnetId { get; set; }

    /// <summary>
    /// Prefix of the public DNS name label (<c>{prefix}-{group}.{region}.azurecontainer.io</c>); only without <see cref="SubnetId"/>.
    /// Unset: no DNS label, endpoints use the public IP.
    /// </summary>
    public string? DnsNameLabelPrefix { get; set; }

    /// <summary>The port the module image listens on for its HTTP contract.</summary>
    public int ModulePort { get; set; } = 8080;

    /// <summary>The Resource Manager endpoint; unset is the public cloud. Must be https (a loopback host is allowed for tests).</summary>
    public string? ArmEndpoint { get; set; }

    /// <summary>How long one <c>EnsureRunningAsync</c> waits for a create/update to finish before it reports a retryable "still provisioning".</summary>
    public TimeSpan ProvisioningTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a running create/update is polled.</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the SDK retries one request on a transient failure (0–10) before the runtime reports it as retryable.</summary>
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Checks <see cref="AciModuleRuntimeOptions"/> at start-up and names the setting that is wrong.</summary>
public sealed partial class AciModuleRuntimeOptionsValidator : IValidateOptions<AciModuleRuntimeOptions>
{
    private const string Prefix = AciModuleRuntimeOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, AciModuleRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.SubscriptionId))
        {
            errors.Add($"{Prefix}SubscriptionId is required: the id (a GUID) of the subscription that holds the resource group for module containers");
        }
        else if (!Guid.TryParse(options.SubscriptionId, out _))
        {
            errors.Add($"{Prefix}SubscriptionId '{options.SubscriptionId}' is not a subscription id (a GUID)");
        }

        if (string.IsNullOrWhiteSpace(options.ResourceGroup))
        {
            errors.Add($"{Prefix}ResourceGroup is required: the existing resource group module container groups are created in");
        }
        else if (!ResourceGroupPattern().IsMatch(options.ResourceGroup))
        {
            errors.Add($"{Prefix}ResourceGroup '{options.ResourceGroup}' is not a valid resource group name (1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.')");
        }

        if (string.IsNullOrWhiteSpace(options.Location))
        {
            errors.Add($"{Prefix}Location is required: the Azure region of the module containers, e.g. westeurope");
        }
        else if (!LocationPattern().IsMatch(options.Location))
        {
            errors.Add($"{Prefix}Location '{options.Location}' is not a region name; use the short form, e.g. westeurope");
        }

        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) && !Guid.TryParse(options.ManagedIdentityClientId, out _))
        {
            errors.Add($"{Prefix}ManagedIdentityClientId '{options.ManagedIdentityClientId}' is not a client id (a GUID) of a user-assigned managed identity");
        }

        if (!string.IsNullOrWhiteSpace(options.SubnetId) && !SubnetPattern().IsMatch(options.SubnetId))
        {
            errors.Add($"{Prefix}SubnetId '{options.SubnetId}' is not a subnet resource id: /subscriptions/{{id}}/resourceGroups/{{group}}/providers/Microsoft.Network/virtualNetworks/{{vnet}}/subnets/{{subnet}}");
        }

        if (!string.IsNullOrWhiteSpace(options.DnsNameLabelPrefix))
        {
            if (!string.IsNullOrWhiteSpace(options.SubnetId))
            {
                errors.Add($"{Prefix}DnsNameLabelPrefix and {Prefix}SubnetId are both set; a DNS name label needs a public IP, a subnet gives a private one: use one");
            }
            else if (!DnsPrefixPattern().IsMatch(options.DnsNameLabelPrefix))
            {
                errors.Add($"{Prefix}DnsNameLabelPrefix '{options.DnsNameLabelPrefix}' must be 1-20 lowercase letters, digits or '-', starting with a letter and not ending with '-'");
            }
        }

        if (options.ModulePort is < 1 or > 65535)
        {
            errors.Add($"{Prefix}ModulePort must be between 1 and 65535 (was {options.ModulePort})");
        }

        if (!string.IsNullOrWhiteSpace(options.ArmEndpoint))
        {
            if (!Uri.TryCreate(options.ArmEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{Prefix}ArmEndpoint '{options.ArmEndpoint}' is not an absolute https URL, e.g. https://management.azure.com/");
            }
            else if (endpoint.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"{Prefix}ArmEndpoint '{options.ArmEndpoint}' must use https (bearer tokens are never sent over plain http, not even to loopback)");
            }
            else if (endpoint.Query.Length > 0 || endpoint.UserInfo.Length > 0 || endpoint.AbsolutePath is not ("" or "/"))
            {
                errors.Add($"{Prefix}ArmEndpoint '{options.ArmEndpoint}' must be a bare host URL without path, query or user info, e.g. https://management.azure.com/");
            }
        }

        if (options.ProvisioningTimeout <= TimeSpan.Zero || options.ProvisioningTimeout > TimeSpan.FromMinutes(30))
        {
            errors.Add($"{Prefix}ProvisioningTimeout must be more than 0 and at most 00:30:00 (was {options.ProvisioningTimeout})");
        }

        if (options.PollingInterval <= TimeSpan.Zero || options.PollingInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Prefix}PollingInterval must be more than 0 and at most 00:01:00 (was {options.PollingInterval})");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{Prefix}MaxRetries must be between 0 and 10 (was {options.MaxRetries})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex(@"^[-\w\._\(\)]{0,89}[-\w_\(\)]$")]
    private static partial Regex ResourceGroupPattern();

    [GeneratedRegex("^[a-z][a-z0-9]{1,39}$")]
    private static partial Regex LocationPattern();

    [GeneratedRegex(@"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", RegexOptions.IgnoreCase)]
    private static partial Regex SubnetPattern();

    [GeneratedRegex("^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$")]
    private static partial Regex DnsPrefixPattern();
}
