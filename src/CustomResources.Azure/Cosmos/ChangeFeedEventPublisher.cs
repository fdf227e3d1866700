using System.Text.Json.Nodes;
using CustomResources.Core.Events;

namespace CustomResources.Azure.Cosmos;

/// <summary>What one change-feed batch led to: the events published and a line per document passed over.</summary>
public sealed record ChangeFeedOutcome(IReadOnlyList<LifecycleEvent> Published, IReadOnlyList<string> Skipped);

/// <summary>
/// Turns a batch of changed <c>resources</c> documents (from the Cosmos DB change-feed trigger) into lifecycle events
/// and publishes them (to Event Grid in Azure).
/// </summary>
/// <remarks>
/// Each document only names a key: the event is built from what the store holds for that key now (the same version,
/// or a newer one whose own change is still to come). That keeps forged payloads from inventing events, and a
/// redelivered batch publishes the same event ids, which receivers dedupe on. Soft deletes are tombstones, so they map
/// to "deleted" events. A publish failure throws, so the invocation fails and the host retries the batch.
/// </remarks>
public sealed class ChangeFeedEventPublisher(IResourceDocumentReader documents, ILifecycleEventPublisher publisher, string source)
{
    public async Task<ChangeFeedOutcome> PublishAsync(IReadOnlyList<JsonObject> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var events = new List<LifecycleEvent>(changed.Count);
        var skipped = new List<string>();
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < changed.Count; i++)
        {
            var document = changed[i];
            if (Text(document, CosmosResourceDocument.PartitionKey) is not { } partitionKey || Text(document, CosmosResourceDocument.Id) is not { } id)
            {
                skipped.Add($"document {i}: no '{CosmosResourceDocument.PartitionKey}' and '{CosmosResourceDocument.Id}' strings; not a resources document");
                continue;
            }

            if (!seen.Add((partitionKey, id)))
            {
                continue;
            }

            var stored = await documents.ReadDocumentAsync(partitionKey, id, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                skipped.Add($"document {i} ({partitionKey}/{id}): no longer stored (an expired tombstone) or never stored");
                continue;
            }

            try
            {
                var change = CosmosResourceDocument.ToChange(stored);
                events.Add(LifecycleEvents.FromChange(change, source, change.Committed));
            }
            catch (FormatException e)
            {
                skipped.Add($"document {i} ({partitionKey}/{id}): stored document is not a resource: {e.Message}");
            }
        }

        if (events.Count > 0)
        {
            await publisher.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        }

        return new ChangeFeedOutcome(events, skipped);
    }

    private static string? Text(JsonObject document, string field) =>
        document[field] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
