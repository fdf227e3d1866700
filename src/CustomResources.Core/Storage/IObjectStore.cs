using System.Text.Json.Nodes;

namespace CustomResources.Core.Storage;

/// <summary>
/// The storage port. Every backend (SQLite embedded, Cosmos DB) implements it and passes the
/// conformance suite in tests/CustomResources.Conformance.
/// </summary>
/// <remarks>
/// Objects are stored as JSON. The store owns <c>metadata.resourceVersion</c>: it ignores any value
/// in the input and sets the committed version on every object it returns. Resource versions are
/// opaque strings to callers; every write is atomic and conditional writes never lose an update.
/// </remarks>
public interface IObjectStore
{
    /// <summary>Reads one object, or null when it does not exist.</summary>
    Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken);

    /// <summary>Creates an object. Throws <see cref="StoreException"/> with <see cref="StoreErrorKind.AlreadyExists"/> if the key exists.</summary>
    Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces an object if its current resource version equals <paramref name="expectedResourceVersion"/>.
    /// Throws <see cref="StoreErrorKind.NotFound"/> or <see cref="StoreErrorKind.Conflict"/>.
    /// </summary>
    Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes an object (when <paramref name="expectedResourceVersion"/> is given, only at that version) and
    /// returns its last state. Throws <see cref="StoreErrorKind.NotFound"/> or <see cref="StoreErrorKind.Conflict"/>.
    /// </summary>
    Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Lists a collection ordered by namespace then name. <see cref="ListRequest.Limit"/> bounds the page;
    /// a non-null <see cref="ObjectPage.Continue"/> token fetches the next page. A token the store no longer
    /// honours throws <see cref="StoreErrorKind.Expired"/>.
    /// </summary>
    Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken);

    /// <summary>Counts the objects in a collection.</summary>
    Task<long> CountAsync(CollectionKey collection, CancellationToken cancellationToken);

    // ---- change log (watch) and compaction ----------------------------------------------------------------

    /// <summary>The store's current resource version: the version of the latest committed write (store-wide).</summary>
    Task<string> CurrentResourceVersionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the change log of <paramref name="collection"/>: every write committed after
    /// <paramref name="afterResourceVersion"/>, in commit order, at most <paramref name="limit"/> of them.
    /// </summary>
    /// <remarks>
    /// <see cref="ChangeBatch.ResourceVersion"/> is the version the reader has caught up to: pass it to the next call
    /// (and to <see cref="WaitForChangeAsync"/>). A version older than the history the store still holds (see
    /// <see cref="CompactAsync"/>) throws <see cref="StoreErrorKind.Expired"/> with
    /// <see cref="StoreException.OldestResourceVersion"/> set; a text that cannot be one of this store's versions throws
    /// <see cref="StoreErrorKind.InvalidResourceVersion"/>. A version newer than the store's is allowed (nothing yet).
    /// </remarks>
    Task<ChangeBatch> ReadChangesAsync(CollectionKey collection, string afterResourceVersion, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the whole store's change log (every collection of every type): every write committed after
    /// <paramref name="afterResourceVersion"/>, in commit order, at most <paramref name="limit"/> of them. Same
    /// versions, paging and errors as <see cref="ReadChangesAsync"/>; the lifecycle-event dispatcher reads this.
    /// </summary>
    Task<ChangeBatch> ReadAllChangesAsync(string afterResourceVersion, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when a write newer than <paramref name="afterResourceVersion"/> commits through this store instance
    /// (at once if one already has), or after <paramref name="maxWait"/> otherwise, so that callers polling with
    /// <see cref="ReadChangesAsync"/> also see writes of other processes sharing the storage. Never throws for the
    /// timeout; throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    Task WaitForChangeAsync(string afterResourceVersion, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets history up to <paramref name="resourceVersion"/>: superseded versions of objects and delete tombstones
    /// at or before it. The current state, and the state as of <paramref name="resourceVersion"/> and later, stay
    /// readable; change reads after an older version and continue tokens of older lists then throw
    /// <see cref="StoreErrorKind.Expired"/>. Compacting to a version at or before an earlier compaction does nothing.
    /// Returns the number of history entries removed.
    /// </summary>
    Task<long> CompactAsync(string resourceVersion, CancellationToken cancellationToken);
}

/// <summary>What a change-log entry did to its object.</summary>
public enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// One committed write. <see cref="Object"/> is the object as written, stamped with the write's resourceVersion; for
/// <see cref="ChangeType.Deleted"/> it is the last state stamped with the version of the delete. For
/// <see cref="ChangeType.Modified"/>, <see cref="Previous"/> is the state the write replaced (with its own version), so
/// a watcher can tell when an object starts or stops matching a selector; it is null for the other types, and may be
/// null for a backend that cannot provide it.
/// <see cref="Committed"/> is when the write was committed (the same on every read of the change, so an event mapped
/// from it carries a stable time).
public sealed record ObjectChange(ChangeType Type, ObjectKey Key, StoredObject Object, StoredObject? Previous)
{
    /// <summary>When the write committed (millisecond precision). Stable across reads.</summary>
    public DateTimeOffset Committed { get; init; }
}

/// <summary>A page of the change log and the version the reader has caught up to.</summary>
public sealed record ChangeBatch(IReadOnlyList<ObjectChange> Changes, string ResourceVersion);

/// <summary>Identifies one object: API group ("" for the core group), plural resource, namespace ("" when cluster-scoped), name.</summary>
public readonly record struct ObjectKey(string Group, string Resource, string Namespace, string Name)
{
    public CollectionKey Collection => new(Group, Resource, Namespace);

    public override string ToString() =>
        Namespace.Length == 0 ? $"{Group}/{Resource}/{Name}" : $"{Group}/{Resource}/{Namespace}/{Name}";
}

/// <summary>A collection: all objects of one resource, optionally within one namespace (null = every namespace).</summary>
public readonly record struct CollectionKey(string Group, string Resource, string? Namespace);

public sealed record ListRequest(int? Limit = null, string? Continue = null);

/// <summary>An object as committed, with its resource version (also present in <c>metadata.resourceVersion</c>).</summary>
public sealed record StoredObject(JsonObject Object, string ResourceVersion);

/// <summary>A page of a list. <see cref="ResourceVersion"/> is the store's version at the time of the list.</summary>
public sealed record ObjectPage(IReadOnlyList<StoredObject> Items, string ResourceVersion, string? Continue);

public enum StoreErrorKind
{
    NotFound,
    AlreadyExists,
    Conflict,
    Expired,
    InvalidContinue,
    InvalidResourceVersion,
}

public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string message)
        : base(message) => Kind = kind;

    public StoreException(StoreErrorKind kind, string message, Exception innerException)
        : base(message, innerException) => Kind = kind;

    public StoreException()
    {
    }

    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StoreErrorKind Kind { get; }

    /// <summary>For <see cref="StoreErrorKind.Expired"/>: the oldest version the store still serves changes after.</summary>
    public string? OldestResourceVersion { get; init; }
}
