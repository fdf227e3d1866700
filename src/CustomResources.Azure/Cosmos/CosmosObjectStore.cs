using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace CustomResources.Azure.Cosmos;

/// <summary>
/// The Azure Cosmos DB <see cref="IObjectStore"/>: one document per object (see <see cref="CosmosResourceDocument"/>),
/// partitioned by <c>{group}/{resource}/{namespace}</c>, optimistic concurrency on <c>_etag</c>, soft deletes with TTL,
/// and the change feed (latest-version mode) as the change log.
/// </summary>
/// <remarks>
/// Payloads go through the SDK's stream APIs as System.Text.Json, never through its Newtonsoft serializer.
/// Differences from the embedded store, all documented in docs/cosmos.md:
/// object versions are etags (not ordered, not positions in the change log); the change log holds the latest state of
/// each changed document, not every write, and has no previous state; later list pages show the current state, not a
/// snapshot; <see cref="CompactAsync"/> removes nothing (Cosmos TTL removes tombstones).
/// </remarks>
public sealed class CosmosObjectStore : IObjectStore, IResourceDocumentReader
{
    /// <summary>Cosmos DB's maximum item size; a larger document is refused before it is sent.</summary>
    public const int MaxDocumentBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Room kept free when an object is created or updated: for Cosmos's system properties and the tombstone's extra
    /// fields, so that every stored object can still be deleted.
    /// </summary>
    public const int Headroom = 1024;

    private const int QueryPageSize = 1000;
    private const int MaxChangeFeedPagesPerRead = 100;
    private static readonly TimeSpan FeedPollInterval = TimeSpan.FromSeconds(1);

    private readonly CosmosClient client;
    private readonly CosmosStoreOptions options;
    private readonly TimeProvider time;
    private readonly Container container;
    private readonly ChangeNotifier notifier = new();
    private readonly string instance = Guid.NewGuid().ToString("N");
    private readonly Lock readinessLock = new();
    private Task? readiness;
    private long localWrites;

    // Learned from the server: the local stand-in refuses queries without a partition key (and then ignores it).
    private volatile bool queriesNeedPartitionKey;

    // Learned from the server: the local stand-in cannot run COUNT; ids are then counted client-side.
    private volatile bool countUnsupported;

    public CosmosObjectStore(CosmosClient client, CosmosStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        this.client = client;
        this.options = options;
        this.time = time ?? TimeProvider.System;
        container = client.GetContainer(options.Database, options.Container);
    }

    // ---- reads and writes -----------------------------------------------------------------------------------

    public async Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var document = await ReadDocumentAsync(key, cancellationToken).ConfigureAwait(false);
        return document is null || IsTombstone(document) ? null : CosmosResourceDocument.ToChange(document).Object;
    }

    public async Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckKey(key);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var body = WithoutResourceVersion(value);
        var partitionKey = PartitionKeyOf(key.Collection);

        // Bounded: each round either commits or observes a write by someone else.
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var document = CosmosResourceDocument.Create(key, body, writes: 1, deleted: false, time.GetUtcNow(), timeToLiveSeconds: null);
            using (var response = await container.CreateItemStreamAsync(Serialize(document, key), partitionKey, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (response.IsSuccessStatusCode)
                {
                    return Committed(response, document).Object;
                }

                if (response.StatusCode != HttpStatusCode.Conflict)
                {
                    throw Failure(response, key, "create");
                }
            }

            // The id is taken: by a live object (AlreadyExists) or by a tombstone, which the new object replaces.
            var existing = await ReadDocumentAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                continue; // the tombstone expired in between: create again
            }

            if (!IsTombstone(existing))
            {
                throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} already exists.");
            }

            var replaced = await ReplaceAsync(key, document, ETagOf(existing), cancellationToken).ConfigureAwait(false);
            if (replaced is not null)
            {
                return replaced.Object;
            }
        }

        throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} already exists (it kept changing while being created).");
    }

    public async Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(expectedResourceVersion);
        var current = await ReadDocumentAsync(key, cancellationToken).ConfigureAwait(false);
        if (current is null || IsTombstone(current))
        {
            throw NotFound(key);
        }

        if (CosmosResourceDocument.ResourceVersionOf(ETagOf(current)) != expectedResourceVersion)
        {
            throw Conflict(key);
        }

        var document = CosmosResourceDocument.Create(key, WithoutResourceVersion(value), WritesOf(current) + 1, deleted: false, time.GetUtcNow(), timeToLiveSeconds: null);
        var replaced = await ReplaceAsync(key, document, ETagOf(current), cancellationToken).ConfigureAwait(false);
        return replaced?.Object ?? throw Conflict(key);
    }

    public async Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken)
    {
        // Unconditional deletes retry when a concurrent write wins the race; conditional ones report the conflict.
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var current = await ReadDocumentAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null || IsTombstone(current))
            {
                throw NotFound(key);
            }

            if (expectedResourceVersion is not null && CosmosResourceDocument.ResourceVersionOf(ETagOf(current)) != expectedResourceVersion)
            {
                throw Conflict(key);
            }

            var last = current[CosmosResourceDocument.Object] as JsonObject ?? throw new FormatException($"the document of {key} has no '{CosmosResourceDocument.Object}' object");
            var tombstone = CosmosResourceDocument.Create(key, (JsonObject)last.DeepClone(), WritesOf(current) + 1, deleted: true, time.GetUtcNow(), options.TombstoneTtlSeconds);
            var replaced = await ReplaceAsync(key, tombstone, ETagOf(current), cancellationToken).ConfigureAwait(false);
            if (replaced is not null)
            {
                return replaced.Object;
            }

            if (expectedResourceVersion is not null)
            {
                throw Conflict(key);
            }
        }

        throw Conflict(key);
    }

    // ---- list and count -------------------------------------------------------------------------------------

    public async Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckCollection(collection);
        if (request.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "Limit must be positive.");
        }

        var after = request.Continue is null ? null : CosmosContinueToken.Decode(request.Continue, collection);
        var resourceVersion = after?.ResourceVersion ?? await CurrentResourceVersionAsync(cancellationToken).ConfigureAwait(false);

        // Neither ORDER BY nor TOP works on the local stand-in, so the keyset page is filtered on the server and
        // ordered here; later pages start strictly after the last (namespace, name) handed out.
        var (where, parameters) = CollectionFilter(collection);
        if (after is not null)
        {
            where += collection.Namespace is null
                ? " AND (c[\"namespace\"] > @afterNs OR (c[\"namespace\"] >= @afterNs AND c.name > @afterName))"
                : " AND c.name > @afterName";
            if (collection.Namespace is null)
            {
                parameters.Add(("@afterNs", after.Namespace));
            }

            parameters.Add(("@afterName", after.Name));
        }

        var documents = await QueryAsync(collection, $"SELECT * FROM c WHERE {where}", parameters, cancellationToken).ConfigureAwait(false);
        var items = documents
            .Select(CosmosResourceDocument.ToChange)
            .OrderBy(change => change.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(change => change.Key.Name, StringComparer.Ordinal)
            .ToList();

        string? next = null;
        if (request.Limit is { } limit && items.Count > limit)
        {
            items.RemoveRange(limit, items.Count - limit);
            var last = items[^1].Key;
            next = new CosmosContinueToken(resourceVersion, last.Namespace, last.Name).Encode();
        }

        return new ObjectPage(items.Select(change => change.Object).ToList(), resourceVersion, next);
    }

    public async Task<long> CountAsync(CollectionKey collection, CancellationToken cancellationToken)
    {
        CheckCollection(collection);
        var (where, parameters) = CollectionFilter(collection);
        if (!countUnsupported)
        {
            try
            {
                var counts = await QueryNodesAsync(collection, $"SELECT VALUE COUNT(1) FROM c WHERE {where}", parameters, cancellationToken).ConfigureAwait(false);
                return counts.Sum(node => node.GetValue<long>());
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.BadRequest)
            {
                // The stand-in has no COUNT; real Cosmos does not refuse this query.
                countUnsupported = true;
            }
            catch (NullReferenceException)
            {
                // The SDK's query pipeline fails this way when the stand-in returns no query plan for an aggregate.
                countUnsupported = true;
            }
        }

        var ids = await QueryNodesAsync(collection, $"SELECT VALUE c.id FROM c WHERE {where}", parameters, cancellationToken).ConfigureAwait(false);
        return ids.Count;
    }

    // ---- change log -----------------------------------------------------------------------------------------

    public async Task<string> CurrentResourceVersionAsync(CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var writes = Interlocked.Read(ref localWrites);
        var iterator = container.GetChangeFeedStreamIterator(ChangeFeedStartFrom.Now(), ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = 1 });
        using var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotModified) || string.IsNullOrEmpty(response.ContinuationToken))
        {
            throw Failure(response, null, "read the change feed");
        }

        // Writes racing this call may fall on either side of the version: they are concurrent with it.
        return new ChangeFeedVersion(response.ContinuationToken, 0, instance, writes).Encode();
    }

    public Task<ChangeBatch> ReadChangesAsync(CollectionKey collection, string afterResourceVersion, int limit, CancellationToken cancellationToken)
    {
        CheckCollection(collection);
        return ReadFeedAsync(collection, afterResourceVersion, limit, cancellationToken);
    }

    public Task<ChangeBatch> ReadAllChangesAsync(string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        ReadFeedAsync(null, afterResourceVersion, limit, cancellationToken);

    public async Task WaitForChangeAsync(string afterResourceVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var after = ChangeFeedVersion.Decode(afterResourceVersion);
        cancellationToken.ThrowIfCancellationRequested();
        var deadline = time.GetUtcNow() + maxWait;

        // A write through this instance since the version was issued: no need to ask the feed.
        var local = after.Instance == instance ? after.LocalWrites : notifier.Committed;
        while (true)
        {
            if (notifier.Committed > local || await FeedHasChangesAsync(after, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            // Local commits wake at once; writes of other processes are seen by polling the feed.
            await notifier.WaitAsync(local, left < FeedPollInterval ? left : FeedPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Does nothing and returns 0: Cosmos DB keeps no superseded versions (the change feed in latest-version mode holds
    /// only the current document), and tombstones are removed by Cosmos TTL after <see cref="CosmosStoreOptions.TombstoneTtlSeconds"/>.
    /// The version is still checked, so a malformed one throws <see cref="StoreErrorKind.InvalidResourceVersion"/>.
    /// </summary>
    public Task<long> CompactAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        ChangeFeedVersion.Decode(resourceVersion);
        return Task.FromResult(0L);
    }

    /// <inheritdoc />
    /// <remarks>The change-feed handler's read: tombstones included; a partition key that is not ours reads nothing.</remarks>
    public Task<JsonObject?> ReadDocumentAsync(string partitionKey, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        var parts = partitionKey.Split('/');
        if (parts.Length != 3 || parts[1].Length == 0 || string.IsNullOrEmpty(id))
        {
            return Task.FromResult<JsonObject?>(null);
        }

        return ReadDocumentAsync(new ObjectKey(parts[0], parts[1], parts[2], id), cancellationToken);
    }

    private async Task<ChangeBatch> ReadFeedAsync(CollectionKey? collection, string afterResourceVersion, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var after = ChangeFeedVersion.Decode(afterResourceVersion);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var writes = Interlocked.Read(ref localWrites);
        var (changes, continuation, skip) = await ChangeFeedPaging.ReadAsync(
            ReadFeedPageAsync, after.Continuation, after.Skip, collection, limit, MaxChangeFeedPagesPerRead, cancellationToken).ConfigureAwait(false);
        return new ChangeBatch(changes, new ChangeFeedVersion(continuation, skip, instance, writes).Encode());
    }

    private async Task<bool> FeedHasChangesAsync(ChangeFeedVersion after, CancellationToken cancellationToken)
    {
        var page = await ReadFeedPageAsync(after.Continuation, cancellationToken).ConfigureAwait(false);
        return page.Modified && page.Documents.Count > after.Skip;
    }

    private async Task<FeedPage> ReadFeedPageAsync(string continuation, CancellationToken cancellationToken)
    {
        FeedIterator iterator;
        try
        {
            iterator = container.GetChangeFeedStreamIterator(ChangeFeedStartFrom.ContinuationToken(continuation), ChangeFeedMode.LatestVersion);
        }
        catch (ArgumentException e)
        {
            throw new StoreException(StoreErrorKind.InvalidResourceVersion, "The resourceVersion does not hold a change-feed position of this container.", e);
        }

        using (iterator)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotModified:
                    return new FeedPage(false, [], response.ContinuationToken ?? continuation);
                case HttpStatusCode.OK:
                    return new FeedPage(true, await DocumentsOfAsync(response, cancellationToken).ConfigureAwait(false), response.ContinuationToken ?? continuation);
                case HttpStatusCode.Gone:
                    throw new StoreException(StoreErrorKind.Expired, "The change feed no longer serves changes after this resourceVersion; list again.");
                case HttpStatusCode.BadRequest:
                    throw new StoreException(StoreErrorKind.InvalidResourceVersion, "The resourceVersion does not hold a change-feed position of this container.");
                default:
                    throw Failure(response, null, "read the change feed");
            }
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    /// <summary>Reads the document of a key, tombstone or not; null when there is none.</summary>
    private async Task<JsonObject?> ReadDocumentAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using (var response = await container.ReadItemStreamAsync(key.Name, PartitionKeyOf(key.Collection), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (response.IsSuccessStatusCode)
            {
                return await ParseAsync(response.Content, cancellationToken).ConfigureAwait(false);
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (response.StatusCode != HttpStatusCode.InternalServerError)
            {
                throw Failure(response, key, "read");
            }
        }

        // The local stand-in answers a point read of a missing item with 500; a query by id answers correctly everywhere.
        var found = await QueryAsync(
            key.Collection,
            "SELECT * FROM c WHERE c.partitionKey = @pk AND c.id = @id",
            [("@pk", CosmosResourceDocument.PartitionKeyOf(key.Group, key.Resource, key.Namespace)), ("@id", key.Name)],
            cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Replaces a document if its etag is still <paramref name="ifMatch"/>; null when it is not (or it is gone).</summary>
    private async Task<ObjectChange?> ReplaceAsync(ObjectKey key, JsonObject document, string ifMatch, CancellationToken cancellationToken)
    {
        using var response = await container.ReplaceItemStreamAsync(
            Serialize(document, key),
            key.Name,
            PartitionKeyOf(key.Collection),
            new ItemRequestOptions { IfMatchEtag = ifMatch },
            cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return Committed(response, document);
        }

        return response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound ? null : throw Failure(response, key, "write");
    }

    private ObjectChange Committed(ResponseMessage response, JsonObject sent)
    {
        var stored = response.Content is { } content && content != Stream.Null ? Parse(content) : null;
        if (stored is null)
        {
            // Without a response body the document is what was sent, with the etag from the header.
            stored = (JsonObject)sent.DeepClone();
            stored[CosmosResourceDocument.ETag] = response.Headers.ETag;
        }

        notifier.Notify(Interlocked.Increment(ref localWrites));
        return CosmosResourceDocument.ToChange(stored);
    }

    private async Task<List<JsonObject>> QueryAsync(CollectionKey collection, string sql, IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken) =>
        (await QueryNodesAsync(collection, sql, parameters, cancellationToken).ConfigureAwait(false)).OfType<JsonObject>().ToList();

    private async Task<List<JsonNode>> QueryNodesAsync(CollectionKey collection, string sql, IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var definition = new QueryDefinition(sql);
        foreach (var (name, value) in parameters)
        {
            definition = definition.WithParameter(name, value);
        }

        // One namespace is one logical partition: the query is routed there. Across namespaces it fans out, except on
        // the stand-in, which insists on some partition key and then ignores it (the WHERE clause does the filtering).
        var targeted = collection.Namespace is not null;
        try
        {
            return await RunQueryAsync(definition, targeted || queriesNeedPartitionKey ? PartitionKeyOf(collection with { Namespace = collection.Namespace ?? "" }) : null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!targeted && !queriesNeedPartitionKey && IsStandInCrossPartitionRefusal(e))
        {
            queriesNeedPartitionKey = true;
            return await RunQueryAsync(definition, PartitionKeyOf(collection with { Namespace = "" }), cancellationToken).ConfigureAwait(false);
        }
    }

    // How a cross-partition query fails on the stand-in: it answers the SDK's query-plan request without partition key
    // ranges, or refuses the query for "missing partition keys". Real Cosmos does neither.
    private static bool IsStandInCrossPartitionRefusal(Exception e) => e switch
    {
        ArgumentNullException { ParamName: "providedRanges" } => true,
        CosmosException { StatusCode: HttpStatusCode.BadRequest } c => c.ToString().Contains("missing partition keys", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private async Task<List<JsonNode>> RunQueryAsync(QueryDefinition definition, PartitionKey? partitionKey, CancellationToken cancellationToken)
    {
        var results = new List<JsonNode>();
        using var iterator = container.GetItemQueryStreamIterator(definition, continuationToken: null, new QueryRequestOptions { PartitionKey = partitionKey, MaxItemCount = QueryPageSize });
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.BadRequest)
                {
                    // Surfaced as the SDK's exception so callers can recognise what the server refused.
                    response.EnsureSuccessStatusCode();
                }

                throw Failure(response, null, "query");
            }

            var page = await JsonNode.ParseAsync(response.Content, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (page?["Documents"] is JsonArray documents)
            {
                foreach (var document in documents)
                {
                    if (document is not null)
                    {
                        results.Add(document.DeepClone());
                    }
                }
            }
        }

        return results;
    }

    private static async Task<List<JsonObject>> DocumentsOfAsync(ResponseMessage response, CancellationToken cancellationToken)
    {
        var page = await JsonNode.ParseAsync(response.Content, cancellationToken: cancellationToken).ConfigureAwait(false);
        return page?["Documents"] is JsonArray documents ? documents.OfType<JsonObject>().Select(d => (JsonObject)d.DeepClone()).ToList() : [];
    }

    // The stand-in refuses a string equality on any field but the partition key; STARTSWITH on the partition key is exact
    // here (group and resource cannot hold '/') and serves real Cosmos as well.
    private static (string Where, List<(string Name, string Value)> Parameters) CollectionFilter(CollectionKey collection) =>
        collection.Namespace is { } ns
            ? ("c.partitionKey = @pk AND c.deleted = false", [("@pk", CosmosResourceDocument.PartitionKeyOf(collection.Group, collection.Resource, ns))])
            : ("STARTSWITH(c.partitionKey, @prefix) AND c.deleted = false", [("@prefix", $"{collection.Group}/{collection.Resource}/")]);

    /// <summary>Checks the container once: it must exist (or is created when <see cref="CosmosStoreOptions.CreateIfMissing"/>) and be partitioned on /partitionKey.</summary>
    private Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref readiness);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            // One check at a time: starting one per caller and keeping the first ran the others' checks (and their
            // creates) alongside it. A failed check is tried again on the next use (the container may have been
            // deployed meanwhile).
            lock (readinessLock)
            {
                current = readiness;
                if (current is null || current.IsFaulted || current.IsCanceled)
                {
                    current = PrepareAsync();
                    Volatile.Write(ref readiness, current);
                }
            }
        }

        return current.IsCompletedSuccessfully ? Task.CompletedTask : current.WaitAsync(cancellationToken);
    }

    private async Task PrepareAsync()
    {
        var where = $"container '{options.Container}' in database '{options.Database}' at {options.AccountEndpoint}";
        ContainerProperties properties;
        if (options.CreateIfMissing)
        {
            Database database = await client.CreateDatabaseIfNotExistsAsync(options.Database).ConfigureAwait(false);
            var wanted = new ContainerProperties(options.Container, "/" + CosmosResourceDocument.PartitionKey) { DefaultTimeToLive = -1 };
            ContainerResponse created = await database.CreateContainerIfNotExistsAsync(wanted).ConfigureAwait(false);
            properties = created.Resource;
        }
        else
        {
            try
            {
                ContainerResponse read = await container.ReadContainerAsync().ConfigureAwait(false);
                properties = read.Resource;
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                throw new InvalidOperationException(
                    $"The Cosmos DB {where} does not exist. Deploy it (infra/modules/cosmos.bicep) or set {CosmosStoreOptions.Section}:CreateIfMissing=true.", e);
            }
        }

        if (properties.PartitionKeyPath is { } path && path != "/" + CosmosResourceDocument.PartitionKey)
        {
            throw new InvalidOperationException($"The Cosmos DB {where} is partitioned on '{path}'; the store needs '/{CosmosResourceDocument.PartitionKey}'.");
        }
    }

    private static MemoryStream Serialize(JsonObject document, ObjectKey key)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document);
        var tombstone = document[CosmosResourceDocument.Deleted] is JsonValue deleted && deleted.TryGetValue<bool>(out var isDeleted) && isDeleted;
        if (bytes.Length > (tombstone ? MaxDocumentBytes : MaxDocumentBytes - Headroom))
        {
            throw TooLarge(key, bytes.Length);
        }

        return new MemoryStream(bytes, writable: false);
    }

    /// <summary>The If-Match value for a stored document: its etag as the server spells it (the stand-in does not quote it).</summary>
    private static string ETagOf(JsonObject document) =>
        document[CosmosResourceDocument.ETag] is JsonValue etag && etag.TryGetValue<string>(out var text)
            ? text
            : throw new FormatException($"the document has no '{CosmosResourceDocument.ETag}' string");

    private static long WritesOf(JsonObject document) =>
        document[CosmosResourceDocument.Writes] is JsonValue value && value.TryGetValue<long>(out var writes) ? writes : 1;

    private static bool IsTombstone(JsonObject document) =>
        document[CosmosResourceDocument.Deleted] is JsonValue value && value.TryGetValue<bool>(out var deleted) && deleted;

    private static JsonObject WithoutResourceVersion(JsonObject value)
    {
        var copy = (JsonObject)value.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }

    private static PartitionKey PartitionKeyOf(CollectionKey collection) =>
        new(CosmosResourceDocument.PartitionKeyOf(collection.Group, collection.Resource, collection.Namespace ?? ""));

    private static JsonObject? Parse(Stream content)
    {
        using var reader = new StreamReader(content, Encoding.UTF8);
        var text = reader.ReadToEnd();
        return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
    }

    private static async Task<JsonObject> ParseAsync(Stream content, CancellationToken cancellationToken) =>
        await JsonNode.ParseAsync(content, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
        ?? throw new FormatException("the item is not a JSON object");

    private static void CheckKey(ObjectKey key)
    {
        CheckCollection(key.Collection);
        ArgumentException.ThrowIfNullOrEmpty(key.Name, nameof(key));
        if (key.Name.IndexOfAny(['/', '\\', '?', '#']) >= 0)
        {
            // Cosmos ids cannot hold these; Kubernetes names never do.
            throw new ArgumentException("Name must not contain '/', '\\', '?' or '#'.", nameof(key));
        }
    }

    private static void CheckCollection(CollectionKey collection)
    {
        ArgumentNullException.ThrowIfNull(collection.Group, nameof(collection));
        ArgumentException.ThrowIfNullOrEmpty(collection.Resource, nameof(collection));
    }

    private static StoreException NotFound(ObjectKey key) => new(StoreErrorKind.NotFound, $"{key} not found.");

    private static StoreException Conflict(ObjectKey key) =>
        new(StoreErrorKind.Conflict, $"{key} has been modified; apply your changes to the latest version and try again.");

    private static ApiException TooLarge(ObjectKey key, long bytes) =>
        ApiException.RequestEntityTooLarge(bytes < 0
            ? $"{key} is too large to store: Cosmos DB refused its item as larger than its limit of {MaxDocumentBytes} bytes per item."
            : $"{key} is too large to store: its Cosmos DB item would be {bytes} bytes, above Cosmos DB's limit of {MaxDocumentBytes} bytes per item (less {Headroom} bytes kept for system properties).");

    private static Exception Failure(ResponseMessage response, ObjectKey? key, string operation)
    {
        if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge && key is { } k)
        {
            return TooLarge(k, -1);
        }

        // The SDK's exception carries status, substatus, activity id and diagnostics; never the key or the payload.
        var what = key is { } target ? $"{operation} {target}" : operation;
        return new InvalidOperationException(
            $"Cosmos DB refused to {what}: {(int)response.StatusCode} {response.StatusCode}.",
            new HttpRequestException(response.ErrorMessage, null, response.StatusCode));
    }
}
