using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Cosmos;

/// <summary>
/// How one object is kept in the Cosmos DB <c>resources</c> container, and how a document read back (by the store or
/// from the change feed) becomes an <see cref="ObjectChange"/>.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "id": "&lt;name&gt;",                                 unique within its logical partition
///   "partitionKey": "&lt;group&gt;/&lt;resource&gt;/&lt;namespace&gt;", the container's partition key path /partitionKey
///   "group": "", "resource": "namespaces", "namespace": "", "name": "default",
///   "object": { ... },                               the object as written, without metadata.resourceVersion
///   "deleted": false,                                true on a tombstone (a soft delete)
///   "writes": 1,                                     1 when created (or re-created over a tombstone), +1 per write
///   "committed": "2026-11-30T10:00:00.123Z",         commit time, millisecond precision
///   "ttl": 86400,                                    only on tombstones: Cosmos removes them after this many seconds
///   "_etag": "\"0000d1a2-0000-0d00-0000-65f1b7b90000\"" system property
/// }
/// </code>
/// The object's <c>resourceVersion</c> is the document's <c>_etag</c> without its quotes, so a duplicate delivery of
/// one document version maps to the same event id (<c>{uid}/{resourceVersion}</c>).
/// </remarks>
public static class CosmosResourceDocument
{
    public const string Id = "id";
    public const string PartitionKey = "partitionKey";
    public const string Group = "group";
    public const string Resource = "resource";
    public const string Namespace = "namespace";
    public const string Name = "name";
    public const string Object = "object";
    public const string Deleted = "deleted";
    public const string Writes = "writes";
    public const string Committed = "committed";
    public const string TimeToLive = "ttl";
    public const string ETag = "_etag";

    /// <summary>The partition key value of a collection: <c>{group}/{resource}/{namespace}</c>.</summary>
    public static string PartitionKeyOf(string group, string resource, string @namespace) => $"{group}/{resource}/{@namespace}";

    /// <summary>The resourceVersion for an <c>_etag</c>: the etag without its surrounding quotes.</summary>
    public static string ResourceVersionOf(string etag)
    {
        ArgumentNullException.ThrowIfNull(etag);
        return etag.Length >= 2 && etag[0] == '"' && etag[^1] == '"' ? etag[1..^1] : etag;
    }

    /// <summary>The <c>If-Match</c> value for a resourceVersion (the etag in quotes).</summary>
    public static string ETagOf(string resourceVersion) => $"\"{resourceVersion}\"";

    /// <summary>A new document for <paramref name="value"/> (which must not carry metadata.resourceVersion).</summary>
    public static JsonObject Create(ObjectKey key, JsonObject value, long writes, bool deleted, DateTimeOffset committed, int? timeToLiveSeconds)
    {
        ArgumentNullException.ThrowIfNull(value);
        var document = new JsonObject
        {
            [Id] = key.Name,
            [PartitionKey] = PartitionKeyOf(key.Group, key.Resource, key.Namespace),
            [Group] = key.Group,
            [Resource] = key.Resource,
            [Namespace] = key.Namespace,
            [Name] = key.Name,
            [Object] = value,
            [Deleted] = deleted,
            [Writes] = writes,
            [Committed] = committed.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (timeToLiveSeconds is { } ttl)
        {
            document[TimeToLive] = ttl;
        }

        return document;
    }

    /// <summary>
    /// Reads a stored document: its key, the object stamped with its resourceVersion, and the change it records
    /// (<see cref="ChangeType.Deleted"/> for a tombstone, <see cref="ChangeType.Added"/> for a first write, otherwise
    /// <see cref="ChangeType.Modified"/>). Throws <see cref="FormatException"/> naming the field that is missing or wrong.
    /// </summary>
    public static ObjectChange ToChange(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var group = RequiredString(document, Group, allowEmpty: true);
        var resource = RequiredString(document, Resource, allowEmpty: false);
        var @namespace = RequiredString(document, Namespace, allowEmpty: true);
        var name = RequiredString(document, Name, allowEmpty: false);
        var etag = RequiredString(document, ETag, allowEmpty: false);
        if (document[Object] is not JsonObject value)
        {
            throw new FormatException($"the document has no '{Object}' object");
        }

        var deleted = document[Deleted] is JsonValue d && d.TryGetValue<bool>(out var isDeleted) && isDeleted;
        if (document[Writes] is not JsonValue w || !JsonNumbers.TryGetInteger(w, out var writes))
        {
            throw new FormatException($"the document has no integer '{Writes}'");
        }

        var committedText = RequiredString(document, Committed, allowEmpty: false);
        if (!DateTimeOffset.TryParse(committedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var committed))
        {
            throw new FormatException($"'{Committed}' is not a time: '{committedText}'");
        }

        var resourceVersion = ResourceVersionOf(etag);
        var copy = (JsonObject)value.DeepClone();
        if (copy["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            copy["metadata"] = metadata;
        }

        metadata["resourceVersion"] = resourceVersion;
        var type = deleted ? ChangeType.Deleted : writes <= 1 ? ChangeType.Added : ChangeType.Modified;
        var key = new ObjectKey(group, resource, @namespace, name);
        return new ObjectChange(type, key, new StoredObject(copy, resourceVersion), null) { Committed = committed };
    }

    private static string RequiredString(JsonObject document, string field, bool allowEmpty)
    {
        if (document[field] is JsonValue v && v.TryGetValue<string>(out var text) && (allowEmpty || text.Length > 0))
        {
            return text;
        }

        throw new FormatException($"the document has no '{field}' string");
    }
}
