using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Queues;

/// <summary>
/// The Azure Storage queue the Module controller's work goes to (drained by the <c>ModuleReconcile</c> queue-triggered
/// function). Bound from <c>Modules:Queue</c>.
/// </summary>
public sealed class StorageQueueOptions
{
    public const string Section = "Modules:Queue";

    /// <summary>The queue the <c>ModuleReconcile</c> function's trigger reads (functions/ModuleReconcile/function.json).</summary>
    public const string DefaultQueueName = "module-reconcile";

    /// <summary>The queue service endpoint, e.g. <c>https://myaccount.queue.core.windows.net</c>; signs in with <c>DefaultAzureCredential</c>.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>A connection string instead of <see cref="ServiceUri"/>: for Azurite (<c>UseDevelopmentStorage=true</c>) and tests only.</summary>
    public string? ConnectionString { get; set; }

    public string QueueName { get; set; } = DefaultQueueName;

    /// <summary>Client id of a user-assigned managed identity (used with <see cref="ServiceUri"/>).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Create the queue on first use (Azurite); in Azure the Bicep creates it and the identity has data rights only.</summary>
    public bool CreateIfMissing { get; set; }
}

/// <summary>Checks <see cref="StorageQueueOptions"/> at start-up and names every setting that is wrong.</summary>
public sealed class StorageQueueOptionsValidator : IValidateOptions<StorageQueueOptions>
{
    private const string Prefix = StorageQueueOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, StorageQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hasUri = !string.IsNullOrWhiteSpace(options.ServiceUri);
        var hasConnection = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasUri == hasConnection)
        {
            errors.Add($"set exactly one of {Prefix}ServiceUri (https://<account>.queue.core.windows.net, signing in with the managed identity) and {Prefix}ConnectionString (Azurite and tests)");
        }

        if (hasUri && (!Uri.TryCreate(options.ServiceUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))))
        {
            errors.Add($"{Prefix}ServiceUri '{options.ServiceUri}' must be an absolute https URL (http only for a loopback emulator)");
        }

        // Queue names: 3-63 characters, lowercase letters, digits and single hyphens, starting and ending alphanumeric.
        if (options.QueueName is not { Length: >= 3 and <= 63 } queue
            || !queue.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            || queue[0] == '-' || queue[^1] == '-' || queue.Contains("--", StringComparison.Ordinal))
        {
            errors.Add($"{Prefix}QueueName '{options.QueueName}' is not a queue name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
