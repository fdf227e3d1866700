using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>The type of a watch event, as Kubernetes spells it on the wire.</summary>
public static class WatchEventType
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";
}

/// <summary>
/// One watch event. <see cref="Object"/> is the object in the watched version, a bookmark
/// (<c>kind</c>, <c>apiVersion</c>, <c>metadata.resourceVersion</c> only), or a <c>Status</c> for <see cref="WatchEventType.Error"/>.
/// </summary>
public sealed record WatchEvent(string Type, JsonObject Object);

/// <summary>What a watch asks for (Kubernetes' watch query parameters, already parsed).</summary>
/// <param name="ResourceVersion">
/// Null, empty or "0": start with an ADDED event for every current object (a consistent list), then the changes after
/// that list. Otherwise the changes after this version.
/// </param>
/// <param name="AllowBookmarks">Send BOOKMARK events while idle.</param>
/// <param name="Timeout">End the stream after this long (Kubernetes' <c>timeoutSeconds</c>); null for no limit.</param>
/// <param name="Predicate">
/// A label/field selector: only matching objects are seen. An object that stops matching is reported DELETED, one that
/// starts matching ADDED, as Kubernetes does.
/// </param>
/// <param name="SendInitialEvents">
/// Kubernetes' <c>sendInitialEvents</c>: when true, the initial ADDED events are followed by a BOOKMARK annotated
/// <c>k8s.io/initial-events-end</c> (when bookmarks are allowed).
/// </param>
public sealed record WatchOptions(
    string? ResourceVersion = null,
    bool AllowBookmarks = false,
    TimeSpan? Timeout = null,
    Func<JsonObject, bool>? Predicate = null,
    bool SendInitialEvents = false);

/// <summary>
/// Watches a collection over the store's change log (<see cref="IObjectStore.ReadChangesAsync"/>), waking on commits
/// (<see cref="IObjectStore.WaitForChangeAsync"/>) and polling at <see cref="PollInterval"/> for other processes' writes.
/// </summary>
public sealed class WatchService(IObjectStore store, TimeProvider clock)
{
    private const int PageSize = 500;

    /// <summary>Idle time after which a BOOKMARK is sent (when allowed). Kubernetes sends them about once a minute; clients accept any rate.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a watch waits before re-reading the change log without an in-process wake-up.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts a watch. Errors that Kubernetes reports before streaming (a malformed or too old resourceVersion, an
    /// unknown namespace segment) are thrown here as <see cref="ApiException"/>; the returned sequence then streams
    /// until <see cref="WatchOptions.Timeout"/> elapses or the enumeration's cancellation token fires (which ends it
    /// quietly). Should the history be compacted under a slow watcher, it ends with an ERROR event (410 Expired).
    /// </summary>
    public async Task<IAsyncEnumerable<WatchEvent>> WatchAsync(ResourceTarget target, string? ns, WatchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        if (target.Definition.Namespaced && ns is not null && !NameRules.IsDns1123Label(ns))
        {
            throw ApiException.NotFound("namespaces", "", ns);
        }

        if (options.Timeout is { } timeout && timeout < TimeSpan.Zero)
        {
            throw ApiException.BadRequest("timeoutSeconds must not be negative");
        }

        var collection = new CollectionKey(target.Group, target.Plural, target.Definition.Namespaced ? ns : "");
        var started = clock.GetTimestamp();
        List<JsonObject>? initial = null;
        string from;
        if (string.IsNullOrEmpty(options.ResourceVersion) || options.ResourceVersion == "0")
        {
            (initial, from) = await ListAsync(collection, options.Predicate, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            from = options.ResourceVersion;

            // Validate the version now, so a too old one is a 410 answer rather than an event.
            await ReadAsync(collection, from, 1, cancellationToken).ConfigureAwait(false);
        }

        return StreamAsync(target, collection, options, initial, from, started, CancellationToken.None);
    }

    private async IAsyncEnumerable<WatchEvent> StreamAsync(
        ResourceTarget target,
        CollectionKey collection,
        WatchOptions options,
        List<JsonObject>? initial,
        string from,
        long started,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var deadline = options.Timeout is { } timeout
            ? new CancellationTokenSource(Remaining(timeout, started), clock)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var stop = linked.Token;

        if (initial is not null)
        {
            foreach (var obj in initial)
            {
                yield return new WatchEvent(WatchEventType.Added, InVersion(obj, target));
            }

            if (options.SendInitialEvents && options.AllowBookmarks)
            {
                var bookmark = Bookmark(target, from);
                bookmark["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                yield return new WatchEvent(WatchEventType.Bookmark, bookmark);
            }
        }

        var lastSent = clock.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var step = await NextAsync(collection, from, stop).ConfigureAwait(false);
            if (step.Ended)
            {
                yield break;
            }

            if (step.Error is not null)
            {
                yield return new WatchEvent(WatchEventType.Error, step.Error.ToStatus());
                yield break;
            }

            var batch = step.Batch!;
            foreach (var change in batch.Changes)
            {
                if (Translate(change, options.Predicate) is { } watchEvent)
                {
                    yield return watchEvent with { Object = InVersion(watchEvent.Object, target) };
                    lastSent = clock.GetTimestamp();
                }
            }

            from = batch.ResourceVersion;
            if (batch.Changes.Count == PageSize)
            {
                continue;
            }

            var wait = PollInterval;
            if (options.AllowBookmarks)
            {
                var idle = clock.GetElapsedTime(lastSent);
                if (idle >= BookmarkInterval)
                {
                    yield return new WatchEvent(WatchEventType.Bookmark, Bookmark(target, from));
                    lastSent = clock.GetTimestamp();
                    idle = TimeSpan.Zero;
                }

                wait = Min(wait, BookmarkInterval - idle);
            }

            if (!await WaitAsync(from, wait, stop).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>One read of the change log; cancellation (client gone or timeout) ends the stream.</summary>
    private async Task<Step> NextAsync(CollectionKey collection, string from, CancellationToken stop)
    {
        try
        {
            return new Step(await ReadAsync(collection, from, PageSize, stop).ConfigureAwait(false), null, false);
        }
        catch (ApiException e)
        {
            return new Step(null, e, false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new Step(null, null, true);
        }
    }

    private async Task<bool> WaitAsync(string from, TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await store.WaitForChangeAsync(from, wait, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed record Step(ChangeBatch? Batch, ApiException? Error, bool Ended);

    /// <summary>Kubernetes' selector semantics: what this watcher sees of one committed write.</summary>
    private static WatchEvent? Translate(ObjectChange change, Func<JsonObject, bool>? predicate)
    {
        var obj = change.Object.Object;
        if (predicate is null)
        {
            return change.Type switch
            {
                ChangeType.Added => new WatchEvent(WatchEventType.Added, obj),
                ChangeType.Modified => new WatchEvent(WatchEventType.Modified, obj),
                _ => new WatchEvent(WatchEventType.Deleted, obj),
            };
        }

        var matches = predicate(obj);
        switch (change.Type)
        {
            case ChangeType.Added:
                return matches ? new WatchEvent(WatchEventType.Added, obj) : null;
            case ChangeType.Deleted:
                return matches ? new WatchEvent(WatchEventType.Deleted, obj) : null;
            default:
                // Without the previous state, assume it matched when the object matches now (report MODIFIED).
                var matched = change.Previous is null ? matches : predicate(change.Previous.Object);
                return (matched, matches) switch
                {
                    (true, true) => new WatchEvent(WatchEventType.Modified, obj),
                    (false, true) => new WatchEvent(WatchEventType.Added, obj),
                    (true, false) => new WatchEvent(WatchEventType.Deleted, obj),
                    _ => null,
                };
        }
    }

    /// <summary>A consistent list (every page at the first page's version) of the matching objects.</summary>
    private async Task<(List<JsonObject> Objects, string ResourceVersion)> ListAsync(CollectionKey collection, Func<JsonObject, bool>? predicate, CancellationToken cancellationToken)
    {
        var objects = new List<JsonObject>();
        string? token = null;
        string? version = null;
        do
        {
            ObjectPage page;
            try
            {
                page = await store.ListAsync(collection, new ListRequest(PageSize, token), cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.Expired)
            {
                // Compacted while listing: start over.
                (token, version) = (null, null);
                objects.Clear();
                continue;
            }

            version ??= page.ResourceVersion;
            objects.AddRange(page.Items.Select(i => i.Object).Where(o => predicate is null || predicate(o)));
            token = page.Continue;
        }
        while (token is not null || version is null);

        return (objects, version);
    }

    private async Task<ChangeBatch> ReadAsync(CollectionKey collection, string from, int limit, CancellationToken cancellationToken)
    {
        try
        {
            return await store.ReadChangesAsync(collection, from, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Expired)
        {
            throw ApiException.Gone($"too old resource version: {from} ({e.OldestResourceVersion ?? "unknown"})");
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.InvalidResourceVersion)
        {
            throw ApiException.BadRequest($"resourceVersion: Invalid value: \"{from}\": {e.Message}");
        }
    }

    private TimeSpan Remaining(TimeSpan timeout, long started)
    {
        var left = timeout - clock.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static JsonObject Bookmark(ResourceTarget target, string resourceVersion) => new()
    {
        ["kind"] = target.Kind,
        ["apiVersion"] = target.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
    };

    /// <summary>Objects are stored in the storage version; with conversion strategy None only apiVersion changes.</summary>
    private static JsonObject InVersion(JsonObject obj, ResourceTarget target)
    {
        obj["apiVersion"] = target.ApiVersion;
        return obj;
    }
}
