using Microsoft.Extensions.Options;

namespace CustomResources.Azure.EventGrid;

/// <summary>
/// Where lifecycle events are published in Azure: an Event Grid custom topic (CloudEvents 1.0 input schema).
/// Bound from the <c>Events:EventGrid</c> section.
/// </summary>
public sealed class EventGridOptions
{
    public const string Section = "Events:EventGrid";

    /// <summary>
    /// The topic endpoint as the portal shows it, e.g. <c>https://my-topic.westeurope-1.eventgrid.azure.net/api/events</c>.
    /// Must be https; plain http is accepted only for a loopback host (an emulator or a test listener) together with
    /// <see cref="Key"/>.
    /// </summary>
    public string? TopicEndpoint { get; set; }

    /// <summary>
    /// The topic's access key, sent as <c>aeg-sas-key</c>. Leave unset in Azure: the publisher then authenticates with
    /// <c>DefaultAzureCredential</c> (the managed identity needs the "EventGrid Data Sender" role on the topic).
    /// </summary>
    public string? Key { get; set; }

    /// <summary>Client id of a user-assigned managed identity (used only without <see cref="Key"/>).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>How often the SDK retries one request on a transient failure (0–10) before the publish throws.</summary>
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Checks <see cref="EventGridOptions"/> at start-up and names the setting that is wrong.</summary>
public sealed class EventGridOptionsValidator : IValidateOptions<EventGridOptions>
{
    private const string Prefix = EventGridOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, EventGridOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hasKey = !string.IsNullOrWhiteSpace(options.Key);

        if (string.IsNullOrWhiteSpace(options.TopicEndpoint))
        {
            errors.Add($"{Prefix}TopicEndpoint is required: the Event Grid topic endpoint, e.g. https://my-topic.westeurope-1.eventgrid.azure.net/api/events");
        }
        else if (!Uri.TryCreate(options.TopicEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{Prefix}TopicEndpoint '{options.TopicEndpoint}' is not an absolute http(s) URL; use the topic endpoint, e.g. https://my-topic.westeurope-1.eventgrid.azure.net/api/events");
        }
        else
        {
            if (endpoint.Scheme == Uri.UriSchemeHttp)
            {
                if (!endpoint.IsLoopback)
                {
                    errors.Add($"{Prefix}TopicEndpoint '{options.TopicEndpoint}' uses plain http to a non-loopback host; Event Grid requires https (http is allowed only for 127.0.0.1/localhost emulators and tests)");
                }
                else if (!hasKey)
                {
                    errors.Add($"{Prefix}TopicEndpoint '{options.TopicEndpoint}' uses plain http, which works only with {Prefix}Key (Azure.Core refuses to send bearer tokens over http)");
                }
            }

            if (endpoint.AbsolutePath is "" or "/")
            {
                errors.Add($"{Prefix}TopicEndpoint '{options.TopicEndpoint}' has no path; use the full topic endpoint including /api/events, as the portal shows it");
            }

            if (endpoint.Query.Length > 0 || endpoint.UserInfo.Length > 0)
            {
                errors.Add($"{Prefix}TopicEndpoint '{options.TopicEndpoint}' must not carry a query string or user info (the client adds api-version; credentials go in {Prefix}Key or come from the managed identity)");
            }
        }

        if (options.Key is not null && !hasKey)
        {
            errors.Add($"{Prefix}Key is empty; remove it to use the managed identity, or set the topic's access key");
        }

        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId))
        {
            if (hasKey)
            {
                errors.Add($"{Prefix}Key and {Prefix}ManagedIdentityClientId are both set; use one: the access key, or the managed identity");
            }
            else if (!Guid.TryParse(options.ManagedIdentityClientId, out _))
            {
                errors.Add($"{Prefix}ManagedIdentityClientId '{options.ManagedIdentityClientId}' is not a client id (a GUID) of a user-assigned managed identity");
            }
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{Prefix}MaxRetries must be between 0 and 10 (was {options.MaxRetries})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
