using Azure.Core;
using Azure.Identity;
using Azure.Storage.Queues;
using CustomResources.Core.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Queues;

/// <summary>
/// Sends reconcile work to an Azure Storage queue. Messages are base64-encoded (the queue trigger's default
/// <c>messageEncoding</c>), never expire, and a delay becomes the message's initial invisibility, capped at the
/// service's 7 days (QueuedModuleReconciler then looks earlier and asks again).
/// </summary>
public sealed class StorageQueueReconcileSender(QueueClient queue, bool createIfMissing) : IReconcileMessageSender
{
    /// <summary>How messages are encoded: base64, the queue trigger's default <c>messageEncoding</c> (host.json).</summary>
    public const QueueMessageEncoding Encoding = QueueMessageEncoding.Base64;

    /// <summary>The longest initial invisibility Azure Storage queues accept.</summary>
    public static readonly TimeSpan LongestDelay = TimeSpan.FromDays(7);

    public TimeSpan MaxDelay => LongestDelay;

    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);
    // Created once, on first use, when asked to (Azurite); a failed creation is tried again by the next send.
    private Task? ensured = createIfMissing ? null : Task.CompletedTask;

    public async Task SendAsync(ReconcileMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnsureQueueAsync(cancellationToken).ConfigureAwait(false);
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > LongestDelay ? LongestDelay : delay;
        await queue.SendMessageAsync(message.ToJson(), visibility, NeverExpires, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureQueueAsync(CancellationToken cancellationToken)
    {
        var creation = Volatile.Read(ref ensured);
        if (creation is null || creation.IsFaulted || creation.IsCanceled)
        {
            creation = queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            Volatile.Write(ref ensured, creation);
        }

        await creation.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

public static class StorageQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StorageQueueOptions"/> (section <c>Modules:Queue</c>, validated at start) and
    /// <see cref="StorageQueueReconcileSender"/> as the <see cref="IReconcileMessageSender"/>.
    /// </summary>
    public static IServiceCollection AddStorageQueueReconcileSender(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageQueueOptions>().Bind(configuration.GetSection(StorageQueueOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageQueueOptions>, StorageQueueOptionsValidator>());
        services.TryAddSingleton<IReconcileMessageSender>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageQueueOptions>>().Value;
            return new StorageQueueReconcileSender(CreateClient(options), options.CreateIfMissing);
        });
        return services;
    }

    /// <summary>The queue client for validated options: the connection string, or the service URI with <c>DefaultAzureCredential</c>.</summary>
    public static QueueClient CreateClient(StorageQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new QueueClientOptions { MessageEncoding = StorageQueueReconcileSender.Encoding };
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new QueueClient(options.ConnectionString, options.QueueName, clientOptions);
        }

        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });
        var service = new Uri(options.ServiceUri ?? throw new InvalidOperationException($"{StorageQueueOptions.Section}:ServiceUri is required"));
        return new QueueClient(new Uri(service, options.QueueName), credential, clientOptions);
    }
}
