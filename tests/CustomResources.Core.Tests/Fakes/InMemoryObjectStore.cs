using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Fakes;

/// <summary>
/// A correct, thread-safe in-memory <see cref="IObjectStore"/> for unit tests. Every write gets the next integer
/// revision (the resourceVersion). The store keeps every revision of every key (it never compacts unless told to),
/// so a paged list reads the collection exactly as it was at the revision of its first page.
/// </summary>
public sealed class InMemoryObjectStore : IObjectStore
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    private readonly Lock _gate = new();

    // Every revision of every key, oldest first; a null value is a deletion (tombstone).
    private readonly Dictionary<ObjectKey, List<Revision>> _history = [];
    private long _revision;
    private long _compactedBefore;
    private readonly ChangeNotifier _notifier = new();

    /// <summary>The store's current revision (the resourceVersion of the latest write).</summary>
    public long CurrentRevision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Forgets history older than the current revision: continue tokens of earlier lists then expire.</summary>
    public void Compact() => CompactTo(CurrentRevision);

    public Task<string> CurrentResourceVersionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(CurrentRevision.ToString(CultureInfo.InvariantCulture));
    }

    public Task<ChangeBatch> ReadAllChangesAsync(string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        ReadChangesAsync(null, afterResourceVersion, limit, cancellationToken);

    public Task<ChangeBatch> ReadChangesAsync(CollectionKey collection, string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        ReadChangesAsync((CollectionKey?)collection, afterResourceVersion, limit, cancellationToken);

    private Task<ChangeBatch> ReadChangesAsync(CollectionKey? collection, string afterResourceVersion, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(afterResourceVersion);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        cancellationToken.ThrowIfCancellationRequested();
        var after = ParseVersion(afterResourceVersion);
        lock (_gate)
        {
            if (after < _compactedBefore)
            {
                throw new StoreException(StoreErrorKind.Expired, $"revision {after} has been compacted")
                {
                    OldestResourceVersion = _compactedBefore.ToString(CultureInfo.InvariantCulture),
                };
            }

            var changes = new List<(long Number, ObjectChange Change)>();
            foreach (var (key, revisions) in _history.Where(entry => collection is null || InCollection(entry.Key, collection.Value)))
            {
                for (var i = 0; i < revisions.Count; i++)
                {
                    var revision = revisions[i];
                    if (revision.Number <= after)
                    {
                        continue;
                    }

                    var previous = i > 0 ? revisions[i - 1] : null;
                    var change = (revision.Value, previous?.Value) switch
                    {
                        (null, var last) => new ObjectChange(ChangeType.Deleted, key, Output(last!, revision.Number), null),
                        (_, null) => new ObjectChange(ChangeType.Added, key, Output(revision), null),
                        _ => new ObjectChange(ChangeType.Modified, key, Output(revision), Output(previous!)),
                    };
                    changes.Add((revision.Number, change with { Committed = revision.Committed }));
                }
            }

            var page = changes.OrderBy(c => c.Number).Take(limit).Select(c => c.Change).ToList();
            var caughtUp = page.Count == limit ? page[^1].Object.ResourceVersion : Math.Max(after, _revision).ToString(CultureInfo.InvariantCulture);
            return Task.FromResult(new ChangeBatch(page, caughtUp));
        }
    }

    public Task WaitForChangeAsync(string afterResourceVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(afterResourceVersion);
        return _notifier.WaitAsync(ParseVersion(afterResourceVersion), maxWait, cancellationToken);
    }

    public Task<long> CompactAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resourceVersion);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(CompactTo(ParseVersion(resourceVersion)));
    }

    /// <summary>
    /// Keeps, per key, the revisions after <paramref name="to"/> and the newest at or before it unless that is a
    /// tombstone, so the state as of <paramref name="to"/> and later stays readable.
    /// </summary>
    private long CompactTo(long to)
    {
        lock (_gate)
        {
            to = Math.Min(to, _revision);
            if (to <= _compactedBefore)
            {
                return 0;
            }

            _compactedBefore = to;
            long removed = 0;
            foreach (var revisions in _history.Values)
            {
                var newestAtOrBefore = revisions.FindLastIndex(r => r.Number <= to);
                if (newestAtOrBefore < 0)
                {
                    continue;
                }

                var drop = revisions[newestAtOrBefore].Value is null ? newestAtOrBefore + 1 : newestAtOrBefore;
                revisions.RemoveRange(0, drop);
                removed += drop;
            }

            foreach (var empty in _history.Where(entry => entry.Value.Count == 0).Select(entry => entry.Key).ToList())
            {
                _history.Remove(empty);
            }

            return removed;
        }
    }

    private static long ParseVersion(string resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new StoreException(StoreErrorKind.InvalidResourceVersion, $"\"{resourceVersion}\" is not a resource version of this store");

    public Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var current = Current(key);
            return Task.FromResult(current is null ? null : Output(current));
        }
    }

    public Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = Input(value);
        lock (_gate)
        {
            if (Current(key) is not null)
            {
                throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} already exists");
            }

            return Task.FromResult(Output(Append(key, copy)));
        }
    }

    public Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = Input(value);
        lock (_gate)
        {
            var current = Current(key) ?? throw new StoreException(StoreErrorKind.NotFound, $"{key} not found");
            if (current.Number.ToString(CultureInfo.InvariantCulture) != expectedResourceVersion)
            {
                throw new StoreException(StoreErrorKind.Conflict, $"{key} is at version {current.Number}, not {expectedResourceVersion}");
            }

            return Task.FromResult(Output(Append(key, copy)));
        }
    }

    public Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var current = Current(key) ?? throw new StoreException(StoreErrorKind.NotFound, $"{key} not found");
            if (expectedResourceVersion is not null && current.Number.ToString(CultureInfo.InvariantCulture) != expectedResourceVersion)
            {
                throw new StoreException(StoreErrorKind.Conflict, $"{key} is at version {current.Number}, not {expectedResourceVersion}");
            }

            // The deletion is a write: it gets its own revision, and the returned last state carries it (as in etcd/kine).
            var tombstone = Append(key, null);
            return Task.FromResult(Output(current.Value!, tombstone.Number));
        }
    }

    public Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "limit must be positive");
        }

        lock (_gate)
        {
            long snapshot;
            string? afterNamespace = null;
            string? afterName = null;
            if (request.Continue is null)
            {
                snapshot = _revision;
            }
            else
            {
                var token = ContinueToken.Decode(request.Continue, collection);
                if (token.Snapshot < _compactedBefore)
                {
                    throw new StoreException(StoreErrorKind.Expired, $"revision {token.Snapshot} has been compacted");
                }

                (snapshot, afterNamespace, afterName) = (token.Snapshot, token.Namespace, token.Name);
            }

            var visible = _history
                .Where(entry => InCollection(entry.Key, collection))
                .Select(entry => (entry.Key, Value: AsOf(entry.Value, snapshot)))
                .Where(entry => entry.Value?.Value is not null)
                .Where(entry => afterName is null || Compare(entry.Key, afterNamespace!, afterName) > 0)
                .OrderBy(entry => entry.Key.Namespace, Ordinal)
                .ThenBy(entry => entry.Key.Name, Ordinal)
                .ToList();

            var limit = request.Limit ?? int.MaxValue;
            var items = visible.Take(limit).Select(entry => Output(entry.Value!)).ToList();
            string? next = null;
            if (visible.Count > limit)
            {
                var last = visible[limit - 1].Key;
                next = new ContinueToken(snapshot, collection, last.Namespace, last.Name).Encode();
            }

            return Task.FromResult(new ObjectPage(items, snapshot.ToString(CultureInfo.InvariantCulture), next));
        }
    }

    public Task<long> CountAsync(CollectionKey collection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult((long)_history.Count(entry => InCollection(entry.Key, collection) && entry.Value[^1].Value is not null));
        }
    }

    private Revision? Current(ObjectKey key) =>
        _history.TryGetValue(key, out var revisions) && revisions[^1].Value is not null ? revisions[^1] : null;

    private static Revision? AsOf(List<Revision> revisions, long snapshot)
    {
        for (var i = revisions.Count - 1; i >= 0; i--)
        {
            if (revisions[i].Number <= snapshot)
            {
                return revisions[i];
            }
        }

        return null;
    }

    private Revision Append(ObjectKey key, JsonObject? value)
    {
        var revision = new Revision(++_revision, value);
        if (!_history.TryGetValue(key, out var revisions))
        {
            _history[key] = revisions = [];
        }

        revisions.Add(revision);
        _notifier.Notify(revision.Number);
        return revision;
    }

    private static bool InCollection(ObjectKey key, CollectionKey collection) =>
        key.Group == collection.Group && key.Resource == collection.Resource
        && (collection.Namespace is null || key.Namespace == collection.Namespace);

    private static int Compare(ObjectKey key, string ns, string name)
    {
        var byNamespace = string.CompareOrdinal(key.Namespace, ns);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(key.Name, name);
    }

    /// <summary>
    /// A private copy of the caller's object, without the resourceVersion the store owns. Like a real backend, the
    /// store keeps serialized JSON: values read back are parsed JSON, whatever CLR values the caller's nodes held.
    /// </summary>
    private static JsonObject Input(JsonObject value)
    {
        var copy = (JsonObject)JsonNode.Parse(value.ToJsonString())!;
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }

    private static StoredObject Output(Revision revision) => Output(revision.Value!, revision.Number);

    private static StoredObject Output(JsonObject value, long number)
    {
        var copy = (JsonObject)JsonNode.Parse(value.ToJsonString())!;
        var version = number.ToString(CultureInfo.InvariantCulture);
        if (copy["metadata"] is not JsonObject metadata)
        {
            copy["metadata"] = metadata = [];
        }

        metadata["resourceVersion"] = version;
        return new StoredObject(copy, version);
    }

    private sealed record Revision(long Number, JsonObject? Value)
    {
        public DateTimeOffset Committed { get; } = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// An opaque continue token: the snapshot revision, the collection it belongs to and the last key returned,
    /// as base64url JSON followed by a checksum so a truncated or altered token is refused.
    /// </summary>
    private sealed record ContinueToken(long Snapshot, CollectionKey Collection, string Namespace, string Name)
    {
        private const int ChecksumLength = 8;

        public string Encode()
        {
            var payload = new JsonObject
            {
                ["rv"] = Snapshot,
                ["g"] = Collection.Group,
                ["r"] = Collection.Resource,
                ["c"] = Collection.Namespace,
                ["ns"] = Namespace,
                ["n"] = Name,
            };
            var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
            return Base64Url(bytes.Concat(Checksum(bytes)).ToArray());
        }

        public static ContinueToken Decode(string token, CollectionKey collection)
        {
            try
            {
                var raw = FromBase64Url(token);
                if (raw.Length <= ChecksumLength)
                {
                    throw Invalid("too short");
                }

                var bytes = raw[..^ChecksumLength];
                if (!CryptographicOperations.FixedTimeEquals(raw.AsSpan(raw.Length - ChecksumLength), Checksum(bytes)))
                {
                    throw Invalid("checksum mismatch");
                }

                var payload = JsonNode.Parse(bytes) as JsonObject ?? throw Invalid("not an object");
                var decoded = new ContinueToken(
                    payload["rv"]!.GetValue<long>(),
                    new CollectionKey(payload["g"]!.GetValue<string>(), payload["r"]!.GetValue<string>(), payload["c"]?.GetValue<string>()),
                    payload["ns"]!.GetValue<string>(),
                    payload["n"]!.GetValue<string>());
                if (decoded.Collection != collection)
                {
                    throw Invalid("the token belongs to another collection");
                }

                return decoded;
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException)
            {
                throw Invalid(e.Message);
            }
        }

        private static StoreException Invalid(string reason) => new(StoreErrorKind.InvalidContinue, $"invalid continue token: {reason}");

        private static byte[] Checksum(byte[] bytes) => SHA256.HashData(bytes)[..ChecksumLength];

        private static string Base64Url(byte[] bytes) =>
            Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static byte[] FromBase64Url(string text)
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += (padded.Length % 4) switch
            {
                2 => "==",
                3 => "=",
                0 => "",
                _ => throw new FormatException("bad base64 length"),
            };
            return Convert.FromBase64String(padded);
        }
    }
}
