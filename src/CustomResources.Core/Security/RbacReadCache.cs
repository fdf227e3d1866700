using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Security;

/// <summary>
/// A read-through cache of the RBAC objects (roles and bindings) for <see cref="RbacAuthorizer"/>, which reads them on
/// every request. Entries live at most <c>maxAge</c>; <see cref="Invalidate"/> (called after RBAC writes made through
/// this instance) drops them at once. So a change made here applies from the next request, and one made through
/// another instance sharing the store within <c>maxAge</c>, as Kubernetes' watch-fed caches are eventually consistent.
/// </summary>
/// <remarks>
/// Only reads of the <c>rbac.authorization.k8s.io</c> group are cached; everything else goes straight to the store.
/// Cached objects are shared between callers, which only the authorizer is (it never changes what it reads).
/// </remarks>
public sealed class RbacReadCache(IObjectStore inner, TimeProvider clock, TimeSpan maxAge) : IObjectStore
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, long Generation, object? Value)> entries = new(StringComparer.Ordinal);
    private long generation;

    /// <summary>Forgets every cached read (an RBAC object changed).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }

    public Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken) =>
        key.Group == RbacDefinitions.Group
            ? CachedAsync($"get|{key}", () => inner.GetAsync(key, cancellationToken))
            : inner.GetAsync(key, cancellationToken);

    public Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return collection.Group == RbacDefinitions.Group && request.Continue is null
            ? CachedAsync($"list|{collection.Group}/{collection.Resource}/{collection.Namespace ?? "*"}|{request.Limit}", () => inner.ListAsync(collection, request, cancellationToken))!
            : inner.ListAsync(collection, request, cancellationToken);
    }

    /// <summary>A value computed from RBAC reads, reused under the same rules as the reads themselves.</summary>
    public Task<T> MemoizeAsync<T>(string key, Func<Task<T>> compute) => CachedAsync("memo|" + key, compute);

    private async Task<T> CachedAsync<T>(string key, Func<Task<T>> read)
    {
        var now = clock.GetUtcNow();
        var current = Interlocked.Read(ref generation);
        if (entries.TryGetValue(key, out var entry) && entry.Generation == current && now - entry.At < maxAge)
        {
            return (T)entry.Value!;
        }

        var value = await read().ConfigureAwait(false);
        // Stored only if nothing was invalidated meanwhile, so a read racing a write never outlives the invalidation.
        if (Interlocked.Read(ref generation) == current)
        {
            entries[key] = (now, current, value);
        }

        return value;
    }

    public Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken) => inner.CreateAsync(key, value, cancellationToken);

    public Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken) =>
        inner.UpdateAsync(key, value, expectedResourceVersion, cancellationToken);

    public Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken) =>
        inner.DeleteAsync(key, expectedResourceVersion, cancellationToken);

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
