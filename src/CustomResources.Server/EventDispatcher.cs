using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Events;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Events;
using Microsoft.Extensions.Options;

namespace CustomResources.Server;

/// <summary>
/// The embedded lifecycle-event dispatcher: turns the store's change log into CloudEvents and delivers them to
/// <c>Subscription</c>s, at least once, with Event Grid's retry and dead-letter semantics.
/// </summary>
/// <remarks>
/// <para>
/// The pump reads the whole change log after the persisted checkpoint, maps each change to a
/// <see cref="LifecycleEvent"/> (with the commit time, so a re-read gives the same event), matches the subscriptions
/// and, in one SQLite transaction, enqueues a delivery per match and advances the checkpoint. Changes of the event
/// types themselves (subscriptions, dead letters) produce no events, so status writes cannot feed back.
/// </para>
/// <para>
/// Delivery runs one worker per subscription with due deliveries, so a slow or dead endpoint only delays its own
/// events. Before its first delivery (and after its URL changes) an endpoint must pass the CloudEvents webhook
/// validation handshake. Each attempt is a structured-mode POST with the subscription's timeout; 2xx completes it,
/// anything else is retried on <see cref="RetrySchedule"/> until the attempts or time to live run out, then the
/// event is dead-lettered (a <c>DeadLetter</c> object) or dropped. 400 and 413 are not retried (as on Event Grid).
/// </para>
/// </remarks>
public sealed partial class EventDispatcher(
    IObjectStore store,
    SqliteEventOutbox outbox,
    ResourceService resources,
    OutboundPolicy policy,
    IHttpClientFactory httpClients,
    IOptions<EventOptions> options,
    TimeProvider clock,
    ILogger<EventDispatcher> logger) : BackgroundService
{
    private const int PumpBatch = 500;

    // Under write load the pump gathers changes for this long before reading them, so it reads and commits in
    // batches instead of competing with every single write for the SQLite file lock.
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);

    // A checkpoint move that enqueues nothing is committed at most this often (re-reading those changes after a
    // crash enqueues nothing again, or redelivers: at least once either way).
    private static readonly TimeSpan IdleCheckpointInterval = TimeSpan.FromSeconds(1);

    private string? checkpoint;
    private DateTimeOffset checkpointPersistedAt;
    private readonly ConcurrentDictionary<string, Task> workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubscriptionStats> stats = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> handshakeRetryAt = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim wake = new(0);
    private RetrySchedule schedule = new();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first start begins at the store's current version: events are for changes from now on.
        outbox.InitializeCheckpoint(await store.CurrentResourceVersionAsync(cancellationToken));
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        schedule = new RetrySchedule(options.Value.RetryScale);
        try
        {
            await Task.WhenAll(PumpAsync(stoppingToken), DeliverAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(workers.Values).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>One pump step: reads the change log after the checkpoint and enqueues; returns the changes read.</summary>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken)
    {
        checkpoint ??= outbox.ReadCheckpoint() ?? outbox.InitializeCheckpoint(await store.CurrentResourceVersionAsync(cancellationToken));

        // With no subscriptions nothing needs reading: jump to the current version. The version is read BEFORE the
        // subscriptions are listed, so a subscription created meanwhile has a later revision than every change skipped.
        var current = await store.CurrentResourceVersionAsync(cancellationToken);
        var subscriptions = await ListSubscriptionsAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            if (current == checkpoint)
            {
                return 0;
            }

            Advance([], current, force: false);
            return 1;
        }

        ChangeBatch batch;
        try
        {
            batch = await store.ReadAllChangesAsync(checkpoint, PumpBatch, cancellationToken);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Expired && e.OldestResourceVersion is { } oldest)
        {
            // Only possible if history was compacted past the checkpoint by something that ignored it.
            LogCheckpointExpired(logger, checkpoint, oldest);
            Advance([], oldest, force: true);
            return 0;
        }

        if (batch.Changes.Count == 0)
        {
            if (batch.ResourceVersion != checkpoint)
            {
                Advance([], batch.ResourceVersion, force: false);
            }

            return 0;
        }

        var source = options.Value.EffectiveSource;
        var deliveries = new List<(string, LifecycleEvent)>();
        foreach (var change in batch.Changes)
        {
            if (change.Key.Group == EventDefinitions.Group)
            {
                continue;
            }

            var e = LifecycleEvents.FromChange(change, source, change.Committed);
            foreach (var subscription in subscriptions)
            {
                if (subscription.Matches(e))
                {
                    deliveries.Add((subscription.Name, e));
                }
            }
        }

        Advance(deliveries, batch.ResourceVersion, force: false);
        return batch.Changes.Count;
    }

    /// <summary>Moves the checkpoint, committing it with the deliveries (always when there are any).</summary>
    private void Advance(List<(string, LifecycleEvent)> deliveries, string resourceVersion, bool force)
    {
        checkpoint = resourceVersion;
        var now = clock.GetUtcNow();
        if (deliveries.Count == 0 && !force && now - checkpointPersistedAt < IdleCheckpointInterval)
        {
            return;
        }

        checkpointPersistedAt = now;
        if (outbox.Enqueue(deliveries, resourceVersion) > 0)
        {
            Wake();
        }
    }

    private async Task PumpAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PumpOnceAsync(stoppingToken) == 0)
                {
                    await store.WaitForChangeAsync(checkpoint!, TimeSpan.FromSeconds(1), stoppingToken);
                }
                else
                {
                    await Task.Delay(BatchWindow, clock, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPumpFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var name in outbox.SubscriptionsWithDueDeliveries(clock.GetUtcNow()))
                {
                    if (handshakeRetryAt.TryGetValue(name, out var at) && at > clock.GetUtcNow())
                    {
                        continue;
                    }

                    if (!workers.ContainsKey(name))
                    {
                        workers[name] = Task.Run(() => RunWorkerAsync(name, stoppingToken), CancellationToken.None);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDeliveryLoopFailed(logger, e);
            }

            await wake.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
    }

    private void Wake()
    {
        if (wake.CurrentCount == 0)
        {
            wake.Release();
        }
    }

    private async Task RunWorkerAsync(string name, CancellationToken stoppingToken)
    {
        try
        {
            await DeliverSubscriptionAsync(name, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogWorkerFailed(logger, name, e);
        }
        finally
        {
            workers.TryRemove(name, out _);
            try
            {
                await FlushStatusAsync(name, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogWorkerFailed(logger, name, e);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task DeliverSubscriptionAsync(string name, CancellationToken stoppingToken)
    {
        var stored = await store.GetAsync(EventDefinitions.SubscriptionKey(name), stoppingToken);
        if (stored is null)
        {
            outbox.RemoveSubscription(name);
            stats.TryRemove(name, out _);
            return;
        }

        var stat = stats.GetOrAdd(name, _ => new SubscriptionStats());
        var subscription = Subscription.FromObject(stored.Object);
        var urlErrors = subscription is null ? [] : policy.CheckUrl("spec.url", subscription.Url);
        if (subscription is null || urlErrors.Count > 0)
        {
            stat.SetHandshake("Invalid", subscription is null ? "the subscription cannot be parsed" : string.Join("; ", urlErrors.Select(e => e.Message)));
            handshakeRetryAt[name] = clock.GetUtcNow() + schedule.DelayAfter(1);
            return;
        }

        if (outbox.ValidatedUrl(name) != subscription.Url)
        {
            var failure = await HandshakeAsync(subscription, stoppingToken);
            if (failure is not null)
            {
                var attempt = stat.HandshakeFailures = stat.HandshakeFailures + 1;
                stat.SetHandshake("Failed", failure);
                handshakeRetryAt[name] = clock.GetUtcNow() + schedule.DelayAfter(Math.Min(attempt, 7));
                LogHandshakeFailed(logger, name, failure);
                return;
            }

            outbox.SetValidatedUrl(name, subscription.Url);
            stat.HandshakeFailures = 0;
        }

        stat.SetHandshake("Succeeded", null);
        handshakeRetryAt.TryRemove(name, out _);
        var client = httpClients.CreateClient(OutboundHttp.ClientName);
        var concurrency = options.Value.ConcurrencyPerSubscription;
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = outbox.Due(name, clock.GetUtcNow(), concurrency * 4);
            if (due.Count == 0)
            {
                return;
            }

            await Parallel.ForEachAsync(
                due,
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stoppingToken },
                async (entry, ct) => await AttemptAsync(client, subscription, entry, stat, ct));
            if (stat.DueForFlush(clock.GetUtcNow()))
            {
                await FlushStatusAsync(name, stoppingToken);
            }
        }
    }

    private async Task AttemptAsync(HttpClient client, Subscription subscription, OutboxEntry entry, SubscriptionStats stat, CancellationToken cancellationToken)
    {
        if (DeliveryPolicy.Expired(subscription, entry.EventTime, clock.GetUtcNow()))
        {
            await GiveUpAsync(subscription, entry, entry.Attempts, "TimeToLiveExceeded", entry.LastError ?? "the event's time to live passed before it could be delivered", stat, cancellationToken);
            return;
        }

        var attempts = entry.Attempts + 1;
        var (ok, retryable, error) = await PostAsync(client, subscription, entry.Payload, cancellationToken);
        var (decision, reason, next) = DeliveryPolicy.AfterAttempt(subscription, schedule, ok, retryable, attempts, entry.EventTime, clock.GetUtcNow());
        switch (decision)
        {
            case DeliveryDecision.Delivered:
                outbox.Remove(entry.Sequence);
                stat.Delivered(clock.GetUtcNow());
                break;
            case DeliveryDecision.GiveUp:
                stat.Failed(error);
                await GiveUpAsync(subscription, entry, attempts, reason!, error, stat, cancellationToken);
                break;
            default:
                stat.Failed(error);
                outbox.Reschedule(entry.Sequence, attempts, next, error);
                break;
        }
    }

    private static async Task<(bool Ok, bool Retryable, string Error)> PostAsync(HttpClient client, Subscription subscription, string payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(subscription.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url);
            request.Content = new StringContent(payload, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 300
                ? (true, false, "")
                : (false, DeliveryPolicy.IsRetryable(code), $"HTTP {code} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, true, $"timed out after {subscription.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return (false, true, e.Message);
        }
    }

    /// <summary>The CloudEvents webhook validation handshake: null when the endpoint agreed, else why not.</summary>
    private async Task<string?> HandshakeAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var origin = options.Value.EffectiveOrigin;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(subscription.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, subscription.Url);
            request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", origin);
            using var response = await httpClients.CreateClient(OutboundHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return $"the validation handshake (OPTIONS with WebHook-Request-Origin: {origin}) was answered HTTP {(int)response.StatusCode}";
            }

            var allowed = response.Headers.TryGetValues("WebHook-Allowed-Origin", out var values) ? values.ToList() : [];
            return allowed.Any(v => v == "*" || v.Equals(origin, StringComparison.OrdinalIgnoreCase))
                ? null
                : $"the validation handshake answer has no WebHook-Allowed-Origin: {origin} (or *) header";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "the validation handshake timed out";
        }
        catch (HttpRequestException e)
        {
            return $"the validation handshake failed: {e.Message}";
        }
    }

    private async Task GiveUpAsync(Subscription subscription, OutboxEntry entry, int attempts, string reason, string error, SubscriptionStats stat, CancellationToken cancellationToken)
    {
        if (subscription.DeadLetter)
        {
            await WriteDeadLetterAsync(subscription, entry, attempts, reason, error, cancellationToken);
            stat.DeadLettered();
            LogDeadLettered(logger, entry.EventId, subscription.Name, reason);
        }
        else
        {
            stat.Dropped();
            LogDropped(logger, entry.EventId, subscription.Name, reason);
        }

        outbox.Remove(entry.Sequence);
    }

    private async Task WriteDeadLetterAsync(Subscription subscription, OutboxEntry entry, int attempts, string reason, string error, CancellationToken cancellationToken)
    {
        // A stable name per (subscription, event): writing it twice (after a crash) is harmless.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{subscription.Name}\n{entry.EventId}")))[..16];
        var prefix = subscription.Name.Length > 200 ? subscription.Name[..200].TrimEnd('-', '.') : subscription.Name;
        var body = new JsonObject
        {
            ["apiVersion"] = EventDefinitions.ApiVersion,
            ["kind"] = "DeadLetter",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{prefix}-{hash}",
                ["labels"] = new JsonObject { ["events.customresources.io/subscription"] = prefix },
            },
            ["spec"] = new JsonObject
            {
                ["subscription"] = subscription.Name,
                ["event"] = JsonNode.Parse(entry.Payload),
                ["attempts"] = attempts,
                ["reason"] = reason,
                ["lastError"] = error,
                ["deadLetteredTime"] = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
        var target = await resources.ResolveAsync(EventDefinitions.Group, EventDefinitions.Version, EventDefinitions.DeadLetters.Names.Plural, cancellationToken);
        try
        {
            await resources.CreateAsync(target, null, body, new WriteOptions(), cancellationToken);
        }
        catch (Core.Errors.ApiException e) when (e.Reason == "AlreadyExists")
        {
        }
    }

    /// <summary>Writes the subscription's status (handshake, counts, last delivery) when it changed.</summary>
    private async Task FlushStatusAsync(string name, CancellationToken cancellationToken)
    {
        if (!stats.TryGetValue(name, out var stat) || !stat.TakeChanged(clock.GetUtcNow(), out var status))
        {
            return;
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.GetAsync(EventDefinitions.SubscriptionKey(name), cancellationToken);
            if (current is null)
            {
                return;
            }

            var obj = (JsonObject)current.Object.DeepClone();
            obj["status"] = status.DeepClone();
            try
            {
                await store.UpdateAsync(EventDefinitions.SubscriptionKey(name), obj, current.ResourceVersion, cancellationToken);
                return;
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
            {
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
            {
                return;
            }
        }
    }

    private async Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(CancellationToken cancellationToken)
    {
        var result = new List<Subscription>();
        await foreach (var item in store.ListAllAsync(EventDefinitions.SubscriptionCollection, cancellationToken))
        {
            if (Subscription.FromObject(item.Object) is { } subscription && !Finalizers.IsDeleting(item.Object))
            {
                result.Add(subscription);
            }
        }

        return result;
    }

    /// <summary>Per-subscription counters, reported in its status.</summary>
    private sealed class SubscriptionStats
    {
        private readonly Lock gate = new();
        private long delivered;
        private long failedAttempts;
        private long deadLettered;
        private long dropped;
        private string handshake = "Pending";
        private string? handshakeMessage;
        private string? lastError;
        private DateTimeOffset? lastDelivery;
        private DateTimeOffset lastFlush;
        private bool changed = true;

        public int HandshakeFailures { get; set; }

        public void SetHandshake(string state, string? message)
        {
            lock (gate)
            {
                changed |= state != handshake || message != handshakeMessage;
                handshake = state;
                handshakeMessage = message;
            }
        }

        public void Delivered(DateTimeOffset at)
        {
            lock (gate)
            {
                delivered++;
                lastDelivery = at;
                changed = true;
            }
        }

        public void Failed(string error)
        {
            lock (gate)
            {
                failedAttempts++;
                lastError = error;
                changed = true;
            }
        }

        public void DeadLettered()
        {
            lock (gate)
            {
                deadLettered++;
                changed = true;
            }
        }

        public void Dropped()
        {
            lock (gate)
            {
                dropped++;
                changed = true;
            }
        }

        public bool DueForFlush(DateTimeOffset now)
        {
            lock (gate)
            {
                return changed && now - lastFlush >= TimeSpan.FromSeconds(1);
            }
        }

        public bool TakeChanged(DateTimeOffset now, out JsonObject status)
        {
            lock (gate)
            {
                status = new JsonObject
                {
                    ["handshake"] = handshake,
                    ["delivered"] = delivered,
                    ["failedAttempts"] = failedAttempts,
                    ["deadLettered"] = deadLettered,
                    ["dropped"] = dropped,
                };
                if (handshakeMessage is not null)
                {
                    status["message"] = handshakeMessage;
                }

                if (lastError is not null)
                {
                    status["lastError"] = lastError;
                }

                if (lastDelivery is { } at)
                {
                    status["lastDeliveryTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                }

                var was = changed;
                changed = false;
                lastFlush = now;
                return was;
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "The event checkpoint {Checkpoint} is older than the compacted history; events up to {Oldest} were lost")]
    private static partial void LogCheckpointExpired(ILogger logger, string checkpoint, string oldest);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Reading the change log for events failed; retrying")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "The event delivery loop failed; retrying")]
    private static partial void LogDeliveryLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Delivering events to subscription {Subscription} failed")]
    private static partial void LogWorkerFailed(ILogger logger, string subscription, Exception exception);

    [LoggerMessage(EventId = 34, Level = LogLevel.Information, Message = "Subscription {Subscription}: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string subscription, string reason);

    [LoggerMessage(EventId = 35, Level = LogLevel.Warning, Message = "Event {EventId} dead-lettered for subscription {Subscription}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string eventId, string subscription, string reason);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "Event {EventId} dropped for subscription {Subscription}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string eventId, string subscription, string reason);
}
