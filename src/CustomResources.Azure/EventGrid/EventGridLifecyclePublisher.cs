using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using CustomResources.Core.Events;

namespace CustomResources.Azure.EventGrid;

/// <summary>
/// Publishes lifecycle events to an Event Grid topic as CloudEvents 1.0. Events go out in as few requests as fit
/// under Event Grid's 1 MB request limit, in order; an event too large for any request carries only the object's
/// identity. A publish either sends every event or throws (the SDK has already
/// retried transient failures), so the caller retries the whole batch; events already sent are then sent again with
/// the same <c>id</c>, which receivers deduplicate on.
/// </summary>
public sealed class EventGridLifecyclePublisher : ILifecycleEventPublisher
{
    /// <summary>Event Grid's limit for one publish request (the whole JSON array).</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    /// <summary>The default budget for one request's body: under <see cref="MaxRequestBytes"/> with headroom.</summary>
    public const int DefaultMaxBatchBytes = 1_000_000;

    private readonly EventGridPublisherClient _client;
    private readonly int _maxBatchBytes;

    public EventGridLifecyclePublisher(EventGridPublisherClient client)
        : this(client, DefaultMaxBatchBytes)
    {
    }

    /// <param name="client">The (singleton) client for the topic.</param>
    /// <param name="maxBatchBytes">Largest serialized request body; at most <see cref="MaxRequestBytes"/>.</param>
    public EventGridLifecyclePublisher(EventGridPublisherClient client, int maxBatchBytes)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatchBytes, MaxRequestBytes);
        _client = client;
        _maxBatchBytes = maxBatchBytes;
    }

    public async Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        foreach (var batch in Split(events.Select(FittingCloudEvent).ToList(), _maxBatchBytes))
        {
            await _client.SendEventsAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The CloudEvent for one lifecycle event, or, when the object makes it larger than one request may be, the event
    /// with only the object's identity as data (<see cref="LifecycleEvents.ReferenceOnly"/>): retrying could never send
    /// it, and a change feed that retries forever would stop behind it.
    /// </summary>
    private CloudEvent FittingCloudEvent(LifecycleEvent lifecycleEvent)
    {
        var cloudEvent = ToCloudEvent(lifecycleEvent);
        return SerializedSize(cloudEvent) + 2 > _maxBatchBytes ? ToCloudEvent(LifecycleEvents.ReferenceOnly(lifecycleEvent)) : cloudEvent;
    }

    /// <summary>
    /// The CloudEvent for one lifecycle event: id, source, type, subject, time, datacontenttype
    /// <c>application/json</c>, and the object as inline JSON <c>data</c>.
    /// </summary>
    public static CloudEvent ToCloudEvent(LifecycleEvent lifecycleEvent)
    {
        ArgumentNullException.ThrowIfNull(lifecycleEvent);
        var data = BinaryData.FromString(lifecycleEvent.Data.ToJsonString());
        return new CloudEvent(lifecycleEvent.Source, lifecycleEvent.Type, data, LifecycleEvent.DataContentType, CloudEventDataFormat.Json)
        {
            Id = lifecycleEvent.Id,
            Subject = lifecycleEvent.Subject,
            Time = lifecycleEvent.Time,
        };
    }

    /// <summary>
    /// Splits events, in order, into batches whose JSON array (as the client sends it) is at most
    /// <paramref name="maxBatchBytes"/>. Throws before anything is sent if one event alone is larger: Event Grid would
    /// refuse it however often it is retried.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<CloudEvent>> Split(IReadOnlyList<CloudEvent> events, int maxBatchBytes)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batches = new List<IReadOnlyList<CloudEvent>>();
        var current = new List<CloudEvent>();
        long currentBytes = 2; // "[" and "]"
        foreach (var cloudEvent in events)
        {
            var size = SerializedSize(cloudEvent);
            if (size + 2 > maxBatchBytes)
            {
                throw new EventTooLargeException(cloudEvent.Id, size, maxBatchBytes);
            }

            var added = size + (current.Count == 0 ? 0 : 1); // "," between events
            if (current.Count > 0 && currentBytes + added > maxBatchBytes)
            {
                batches.Add(current);
                current = [];
                currentBytes = 2;
                added = size;
            }

            current.Add(cloudEvent);
            currentBytes += added;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    /// <summary>The event's size as the client serializes it (the CloudEvent type carries its own JSON converter).</summary>
    internal static long SerializedSize(CloudEvent cloudEvent) => JsonSerializer.SerializeToUtf8Bytes(cloudEvent).LongLength;
}

/// <summary>One event is larger than an Event Grid request may be; retrying cannot help (dead-letter it).</summary>
public sealed class EventTooLargeException : InvalidOperationException
{
    public EventTooLargeException(string eventId, long size, long limit)
        : base($"lifecycle event '{eventId}' is {size} bytes as a CloudEvent, more than the {limit} bytes an Event Grid publish request may carry; it cannot be published")
    {
        EventId = eventId;
        Size = size;
    }

    public EventTooLargeException()
    {
        EventId = "";
    }

    public EventTooLargeException(string message)
        : base(message)
    {
        EventId = "";
    }

    public EventTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
        EventId = "";
    }

    public string EventId { get; }

    public long Size { get; }
}
