using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Cosmos;

/// <summary>Where and how objects are stored in Azure Cosmos DB. Bound from the <c>Storage:Cosmos</c> section.</summary>
public sealed class CosmosStoreOptions
{
    public const string Section = "Storage:Cosmos";

    /// <summary>The well-known key of the Cosmos DB emulator (public; documented by Microsoft), for local use and tests.</summary>
    public const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    /// <summary>
    /// The account endpoint, e.g. <c>https://my-account.documents.azure.com:443/</c>. Must be https; plain http is accepted
    /// only for a loopback host (the emulator or a stand-in) together with <see cref="Key"/>.
    /// </summary>
    public string? AccountEndpoint { get; set; }

    /// <summary>The database name.</summary>
    public string Database { get; set; } = "customresources";

    /// <summary>The container name; its partition key path must be <c>/partitionKey</c>.</summary>
    public string Container { get; set; } = "resources";

    /// <summary>
    /// An account key: only for the emulator or a local stand-in. Leave unset in Azure: the store then authenticates with
    /// <c>DefaultAzureCredential</c> (the managed identity needs the "Cosmos DB Built-in Data Contributor" role).
    /// </summary>
    public string? Key { get; set; }

    /// <summary>Client id of a user-assigned managed identity (used only without <see cref="Key"/>).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Creates the database and container at first use when true. Off by default: in Azure they come from infra/ and a
    /// missing container is a deployment error, reported clearly on first use.
    /// </summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>How long (seconds) a soft-delete tombstone stays before Cosmos TTL removes it (1 to 31,536,000).</summary>
    public int TombstoneTtlSeconds { get; set; } = 86400;

    /// <summary>
    /// Gateway (HTTPS) instead of Direct (TCP) connection mode. Unset: Gateway for a loopback endpoint (the emulator), Direct
    /// otherwise.
    /// </summary>
    public bool? GatewayMode { get; set; }

    /// <summary>
    /// Talk only to <see cref="AccountEndpoint"/>, never to the regional endpoints the account advertises (the emulator
    /// advertises addresses that are not reachable). Unset: true for a loopback endpoint, false otherwise.
    /// </summary>
    public bool? LimitToEndpoint { get; set; }

    internal bool IsLoopback => Uri.TryCreate(AccountEndpoint, UriKind.Absolute, out var uri) && uri.IsLoopback;

    internal bool UseGateway => GatewayMode ?? IsLoopback;

    internal bool UseLimitToEndpoint => LimitToEndpoint ?? IsLoopback;
}

/// <summary>Checks <see cref="CosmosStoreOptions"/> at start-up and names the setting that is wrong.</summary>
public sealed class CosmosStoreOptionsValidator : IValidateOptions<CosmosStoreOptions>
{
    private const string Prefix = CosmosStoreOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, CosmosStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hasKey = !string.IsNullOrWhiteSpace(options.Key);

        if (string.IsNullOrWhiteSpace(options.AccountEndpoint))
        {
            errors.Add($"{Prefix}AccountEndpoint is required: the Cosmos DB account endpoint, e.g. https://my-account.documents.azure.com:443/");
        }
        else if (!Uri.TryCreate(options.AccountEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{Prefix}AccountEndpoint '{options.AccountEndpoint}' is not an absolute http(s) URL; use the account endpoint, e.g. https://my-account.documents.azure.com:443/");
        }
        else
        {
            if (endpoint.Scheme == Uri.UriSchemeHttp)
            {
                if (!endpoint.IsLoopback)
                {
                    errors.Add($"{Prefix}AccountEndpoint '{options.AccountEndpoint}' uses plain http to a non-loopback host; Cosmos DB requires https (http is allowed only for 127.0.0.1/localhost emulators and tests)");
                }
                else if (!hasKey)
                {
                    errors.Add($"{Prefix}AccountEndpoint '{options.AccountEndpoint}' uses plain http, which works only with {Prefix}Key (Azure.Core refuses to send bearer tokens over http)");
                }
            }

            if (endpoint.Query.Length > 0 || endpoint.UserInfo.Length > 0)
            {
                errors.Add($"{Prefix}AccountEndpoint '{options.AccountEndpoint}' must not carry a query string or user info (credentials go in {Prefix}Key or come from the managed identity)");
            }
        }

        CheckName(errors, "Database", options.Database);
        CheckName(errors, "Container", options.Container);

        if (options.Key is not null && !hasKey)
        {
            errors.Add($"{Prefix}Key is empty; remove it to use the managed identity, or set the emulator's key");
        }

        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId))
        {
            if (hasKey)
            {
                errors.Add($"{Prefix}Key and {Prefix}ManagedIdentityClientId are both set; use one: the key (emulator only), or the managed identity");
            }
            else if (!Guid.TryParse(options.ManagedIdentityClientId, out _))
            {
                errors.Add($"{Prefix}ManagedIdentityClientId '{options.ManagedIdentityClientId}' is not a client id (a GUID) of a user-assigned managed identity");
            }
        }

        if (options.TombstoneTtlSeconds is < 1 or > 31_536_000)
        {
            errors.Add($"{Prefix}TombstoneTtlSeconds must be between 1 and 31536000 (one year) (was {options.TombstoneTtlSeconds})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckName(List<string> errors, string setting, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{Prefix}{setting} must not be empty");
        }
        else if (value.Length > 255 || value.IndexOfAny(['/', '\\', '?', '#']) >= 0 || value != value.Trim())
        {
            errors.Add($"{Prefix}{setting} '{value}' is not a valid Cosmos DB name (1-255 characters, no '/', '\\', '?', '#', no leading or trailing spaces)");
        }
    }
}
