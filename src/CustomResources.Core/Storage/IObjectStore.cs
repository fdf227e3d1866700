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
}

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
}
