using System.Text.Json.Nodes;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Fakes;

/// <summary>
/// Wraps a store and lets a test run code just before a create or an update reaches it (to simulate a concurrent
/// writer or a collision), and counts the calls.
/// </summary>
public sealed class ScriptedObjectStore(IObjectStore inner) : IObjectStore
{
    public IObjectStore Inner => inner;

    /// <summary>Runs before every create; may throw to simulate a store error.</summary>
    public Func<ObjectKey, JsonObject, Task>? BeforeCreate { get; set; }

    /// <summary>Runs before every update; may write to <see cref="Inner"/> to simulate a concurrent writer.</summary>
    public Func<ObjectKey, JsonObject, Task>? BeforeUpdate { get; set; }

    public List<ObjectKey> Creates { get; } = [];

    public List<ObjectKey> Updates { get; } = [];

    public Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public async Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken)
    {
        Creates.Add(key);
        if (BeforeCreate is { } hook)
        {
            await hook(key, value);
        }

        return await inner.CreateAsync(key, value, cancellationToken);
    }

    public async Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken)
    {
        Updates.Add(key);
        if (BeforeUpdate is { } hook)
        {
            await hook(key, value);
        }

        return await inner.UpdateAsync(key, value, expectedResourceVersion, cancellationToken);
    }

    public Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken) =>
        inner.DeleteAsync(key, expectedResourceVersion, cancellationToken);

    public Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken) =>
        inner.ListAsync(collection, request, cancellationToken);

    public Task<long> CountAsync(CollectionKey collection, CancellationToken cancellationToken) => inner.CountAsync(collection, cancellationToken);

    public Task<string> CurrentResourceVersionAsync(CancellationToken cancellationToken) => inner.CurrentResourceVersionAsync(cancellationToken);

    public Task<ChangeBatch> ReadChangesAsync(CollectionKey collection, string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        inner.ReadChangesAsync(collection, afterResourceVersion, limit, cancellationToken);

    public Task<ChangeBatch> ReadAllChangesAsync(string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        inner.ReadAllChangesAsync(afterResourceVersion, limit, cancellationToken);

    public Task WaitForChangeAsync(string afterResourceVersion, TimeSpan maxWait, CancellationToken cancellationToken) =>
        inner.WaitForChangeAsync(afterResourceVersion, maxWait, cancellationToken);

    public Task<long> CompactAsync(string resourceVersion, CancellationToken cancellationToken) => inner.CompactAsync(resourceVersion, cancellationToken);
}
