using System.Text.Json.Nodes;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Events;

public enum LifecycleOperation
{
    Created,
    Updated,
    Deleted,
}

/// <summary>
/// One committed change as a CloudEvents 1.0 event. <see cref="Id"/> (<c>{uid}/{resourceVersion}</c>) is the same
/// however often the change is mapped, so receivers deduplicate on it.
/// </summary>
public sealed record LifecycleEvent(
    string Id,
    string Source,
    string Type,
    string Subject,
    DateTimeOffset Time,
    LifecycleOperation Operation,
    string Group,
    string Kind,
    string Namespace,
    JsonObject Data)
{
    public const string SpecVersion = "1.0";
    public const string DataContentType = "application/json";

    /// <summary>The structured-mode CloudEvents JSON (<c>application/cloudevents+json</c>).</summary>
    public JsonObject ToCloudEvent() => new()
    {
        ["specversion"] = SpecVersion,
        ["id"] = Id,
        ["source"] = Source,
        ["type"] = Type,
        ["subject"] = Subject,
        ["time"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["datacontenttype"] = DataContentType,
        ["data"] = Data.DeepClone(),
    };
}

/// <summary>Maps store changes to lifecycle events (pure: the same change always gives the same event).</summary>
public static class LifecycleEvents
{
    /// <summary>The CloudEvents <c>type</c>: <c>{group or "core"}.{kind}.{created|updated|deleted}</c>, e.g. <c>stable.example.com.CronTab.created</c>.</summary>
    public static string TypeName(string group, string kind, LifecycleOperation operation) =>
        $"{(group.Length == 0 ? "core" : group)}.{kind}.{operation.ToString().ToLowerInvariant()}";

    /// <summary>The object's API path, e.g. <c>/apis/stable.example.com/v1/namespaces/default/crontabs/nightly</c>.</summary>
    public static string Subject(ObjectKey key, string apiVersion)
    {
        var prefix = key.Group.Length == 0 ? $"/api/{apiVersion}" : $"/apis/{apiVersion}";
        return key.Namespace.Length == 0
            ? $"{prefix}/{key.Resource}/{key.Name}"
            : $"{prefix}/namespaces/{key.Namespace}/{key.Resource}/{key.Name}";
    }

    /// <summary>
    /// The event for one change. <paramref name="committedAt"/> is when the change was committed (so a redelivery
    /// carries the same time); <paramref name="source"/> identifies this server (e.g. <c>urn:customresources:prod-eu</c>).
    /// </summary>
    public static LifecycleEvent FromChange(ObjectChange change, string source, DateTimeOffset committedAt)
    {
        ArgumentNullException.ThrowIfNull(change);
        var obj = change.Object.Object;
        var operation = change.Type switch
        {
            ChangeType.Added => LifecycleOperation.Created,
            ChangeType.Modified => LifecycleOperation.Updated,
            _ => LifecycleOperation.Deleted,
        };
        var apiVersion = ObjectMetadata.GetString(obj["apiVersion"]) ?? "";
        var kind = ObjectMetadata.GetString(obj["kind"]) ?? change.Key.Resource;
        var uid = ObjectMetadata.GetString(obj["metadata"]?["uid"]) ?? change.Key.ToString();
        var version = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : apiVersion;
        return new LifecycleEvent(
            $"{uid}/{change.Object.ResourceVersion}",
            source,
            TypeName(change.Key.Group, kind, operation),
            Subject(change.Key, change.Key.Group.Length == 0 ? version : $"{change.Key.Group}/{version}"),
            committedAt,
            operation,
            change.Key.Group,
            kind,
            change.Key.Namespace,
            (JsonObject)obj.DeepClone());
    }
    /// <summary>
    /// The event with only the object's identity as <c>data</c> (apiVersion, kind, and metadata name, namespace, uid,
    /// resourceVersion, generation, creation and deletion timestamps): for a transport that cannot carry the whole object
    /// (Event Grid caps an event at 1 MB). Receivers read the object at the event's <c>subject</c> when they need more.
    /// </summary>
    public static LifecycleEvent ReferenceOnly(LifecycleEvent lifecycleEvent)
    {
        ArgumentNullException.ThrowIfNull(lifecycleEvent);
        var source = lifecycleEvent.Data;
        var metadata = new JsonObject();
        if (source["metadata"] is JsonObject full)
        {
            foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp" })
            {
                if (full[field] is { } value)
                {
                    metadata[field] = value.DeepClone();
                }
            }
        }

        var data = new JsonObject { ["apiVersion"] = source["apiVersion"]?.DeepClone(), ["kind"] = source["kind"]?.DeepClone(), ["metadata"] = metadata };
        return lifecycleEvent with { Data = data };
    }
}

/// <summary>
/// Where lifecycle events go: the embedded dispatcher (which delivers to subscriptions) or Azure Event Grid.
/// A publish either succeeds for every event or throws, so the caller retries the whole batch (at least once).
/// </summary>
public interface ILifecycleEventPublisher
{
    Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken);
}
