using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CustomResources.Embedded.Sqlite;

/// <summary>
/// The embedded <see cref="IObjectStore"/>: one SQLite table that is both the current state and an append-only
/// change log (in the spirit of k3s's kine).
/// </summary>
/// <remarks>
/// <para>
/// Every write appends one row to <c>objects</c>; its <c>rev</c> (an AUTOINCREMENT rowid, so never reused) is the
/// object's resourceVersion and the store revision, monotonically increasing across the whole store. The newest row
/// of a key carries <c>latest = 1</c> (a partial unique index enforces one per key); a delete appends a tombstone
/// row (<c>deleted = 1</c>) holding the last value. Rows in <c>rev</c> order are the change log that watch and
/// compaction will read later.
/// </para>
/// <para>
/// Durability: WAL journal with <c>synchronous=NORMAL</c>. A committed write survives a process crash (kill -9)
/// because it is in the WAL file before the commit returns; on power loss or an OS crash the last transactions
/// before the crash may be lost (the database itself stays consistent).
/// </para>
/// <para>
/// Concurrency: one writer connection guarded by a semaphore (SQLite allows one writer anyway), every write one
/// <c>BEGIN IMMEDIATE</c> transaction that checks the latest row and appends the new one, so conditional writes
/// never lose an update. Reads use a pool of connections with prepared statements; WAL gives them snapshot reads
/// concurrent with the writer.
/// </para>
/// <para>
/// <see cref="DeleteAsync"/> returns the object as it was when deleted, with <c>metadata.resourceVersion</c> set to
/// the revision of the tombstone (the revision at which the delete happened, as a watch DELETED event reports it).
/// </para>
/// </remarks>
public sealed class SqliteObjectStore : IObjectStore, IDisposable
{
    private const string SchemaSql = """
        CREATE TABLE IF NOT EXISTS objects (
            rev        INTEGER PRIMARY KEY AUTOINCREMENT,
            key        TEXT    NOT NULL,
            api_group  TEXT    NOT NULL,
            resource   TEXT    NOT NULL,
            namespace  TEXT    NOT NULL,
            name       TEXT    NOT NULL,
            latest     INTEGER NOT NULL,
            deleted    INTEGER NOT NULL,
            prev_rev   INTEGER,
            value      TEXT    NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS objects_latest ON objects (key) WHERE latest = 1;
        CREATE INDEX IF NOT EXISTS objects_key_rev ON objects (key, rev);
        CREATE TABLE IF NOT EXISTS store_meta (
            name  TEXT    PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO store_meta (name, value) VALUES ('compacted', 0);
        """;

    private const string SelectHeadSql = "SELECT rev, deleted FROM objects WHERE key = $key AND latest = 1";
    private const string SelectHeadValueSql = "SELECT rev, deleted, value FROM objects WHERE key = $key AND latest = 1";
    private const string RetireSql = "UPDATE objects SET latest = 0 WHERE rev = $rev";
    private const string InsertSql = """
        INSERT INTO objects (key, api_group, resource, namespace, name, latest, deleted, prev_rev, value, created_at)
        VALUES ($key, $group, $resource, $namespace, $name, 1, $deleted, $prev, $value, $created)
        RETURNING rev
        """;

    private const string GetSql = "SELECT rev, value FROM objects WHERE key = $key AND latest = 1 AND deleted = 0";
    private const string CountSql = "SELECT COUNT(*) FROM objects WHERE key > $after AND key < $before AND latest = 1 AND deleted = 0";
    private const string RevisionSql = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'objects'), 0)";
    private const string CompactedSql = "SELECT value FROM store_meta WHERE name = 'compacted'";

    // The change log of a collection after a revision, with the row each write replaced (absent after compaction,
    // which only removes rows a later write at or before the compaction point replaced, and tombstones).
    private const string ChangesSql = """
        SELECT o.rev, o.namespace, o.name, o.deleted, o.value, p.rev, p.deleted, p.value, o.created_at, o.api_group, o.resource
        FROM objects AS o LEFT JOIN objects AS p ON p.rev = o.prev_rev
        WHERE o.rev > $after AND o.key > $lo AND o.key < $hi
        ORDER BY o.rev LIMIT $limit
        """;

    // The change log of the whole store after a revision (a range scan of the rev primary key).
    private const string AllChangesSql = """
        SELECT o.rev, o.namespace, o.name, o.deleted, o.value, p.rev, p.deleted, p.value, o.created_at, o.api_group, o.resource
        FROM objects AS o LEFT JOIN objects AS p ON p.rev = o.prev_rev
        WHERE o.rev > $after
        ORDER BY o.rev LIMIT $limit
        """;

    // Compaction from the previous compaction point to the new one: the rows those writes replaced, and tombstones.
    private const string CompactSupersededSql = """
        DELETE FROM objects WHERE rev IN (
            SELECT prev_rev FROM objects WHERE rev > $from AND rev <= $to AND prev_rev IS NOT NULL)
        """;

    private const string CompactTombstonesSql = "DELETE FROM objects WHERE rev > $from AND rev <= $to AND deleted = 1";
    private const string SetCompactedSql = "UPDATE store_meta SET value = $to WHERE name = 'compacted'";

    private const string ListLatestSql = """
        SELECT namespace, name, rev, value FROM objects
        WHERE key > $after AND key < $before AND latest = 1 AND deleted = 0
        ORDER BY key LIMIT $limit
        """;

    // For each key the newest row at or before the snapshot, unless that row is a tombstone.
    private const string ListAtRevisionSql = """
        SELECT o.namespace, o.name, o.rev, o.value FROM objects AS o INDEXED BY objects_key_rev
        WHERE o.key > $after AND o.key < $before AND o.rev <= $snapshot AND o.deleted = 0
          AND NOT EXISTS (
              SELECT 1 FROM objects AS n INDEXED BY objects_key_rev
              WHERE n.key = o.key AND n.rev > o.rev AND n.rev <= $snapshot)
        ORDER BY o.key LIMIT $limit
        """;

    private readonly string connectionString;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly ChangeNotifier notifier = new();
    private readonly Writer writer;
    private readonly ConcurrentBag<Reader> idleReaders = [];
    private readonly int maxIdleReaders = Math.Max(4, Environment.ProcessorCount * 2);
    private int idleReaderCount;
    private volatile bool disposed;

    public SqliteObjectStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);

        var path = System.IO.Path.GetFullPath(options.Path);
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        }.ToString();

        var connection = Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode = WAL");
            Execute(connection, SchemaSql);
            writer = new Writer(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Task<StoredObject?> GetAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var encoded = StoreKeys.Encode(key);
        var reader = RentReader();
        try
        {
            reader.GetKey.Value = encoded;
            using var rows = reader.Get.ExecuteReader();
            if (!rows.Read())
            {
                return Task.FromResult<StoredObject?>(null);
            }

            return Task.FromResult<StoredObject?>(Materialize(rows.GetInt64(0), rows.GetString(1)));
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    /// <inheritdoc />
    public async Task<StoredObject> CreateAsync(ObjectKey key, JsonObject value, CancellationToken cancellationToken)
    {
        var encoded = StoreKeys.Encode(key);
        var (copy, json) = PrepareValue(value);
        var rev = await WriteAsync(() =>
        {
            var head = writer.ReadHead(encoded);
            if (head is { Deleted: false })
            {
                throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} already exists.");
            }

            if (head is not null)
            {
                writer.Retire(head.Value.Rev);
            }

            return writer.Insert(encoded, key, deleted: false, head?.Rev, json);
        }, cancellationToken);
        return Stamp(copy, rev);
    }

    /// <inheritdoc />
    public async Task<StoredObject> UpdateAsync(ObjectKey key, JsonObject value, string expectedResourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedResourceVersion);
        var encoded = StoreKeys.Encode(key);
        var (copy, json) = PrepareValue(value);
        var expected = ParseRevision(expectedResourceVersion);
        var rev = await WriteAsync(() =>
        {
            var head = writer.ReadHead(encoded);
            if (head is null or { Deleted: true })
            {
                throw NotFound(key);
            }

            if (head.Value.Rev != expected)
            {
                throw Conflict(key);
            }

            writer.Retire(head.Value.Rev);
            return writer.Insert(encoded, key, deleted: false, head.Value.Rev, json);
        }, cancellationToken);
        return Stamp(copy, rev);
    }

    /// <inheritdoc />
    /// <remarks>Returns the deleted object with <c>metadata.resourceVersion</c> set to the revision of the delete (its tombstone).</remarks>
    public async Task<StoredObject> DeleteAsync(ObjectKey key, string? expectedResourceVersion, CancellationToken cancellationToken)
    {
        var encoded = StoreKeys.Encode(key);
        long? expected = expectedResourceVersion is null ? null : ParseRevision(expectedResourceVersion);
        string json = "";
        var rev = await WriteAsync(() =>
        {
            var head = writer.ReadHeadWithValue(encoded);
            if (head is null or { Deleted: true })
            {
                throw NotFound(key);
            }

            if (expected is not null && head.Value.Rev != expected.Value)
            {
                throw Conflict(key);
            }

            json = head.Value.Value;
            writer.Retire(head.Value.Rev);
            return writer.Insert(encoded, key, deleted: true, head.Value.Rev, json);
        }, cancellationToken);
        return Materialize(rev, json);
    }

    /// <summary>
    /// Runs one write as its own transaction under the single-writer lock, then wakes watchers waiting for the
    /// revision it committed. <paramref name="write"/> returns that revision (or throws, rolling back).
    /// </summary>
    private async Task<long> WriteAsync(Func<long> write, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            long rev;
            using (var transaction = writer.Begin())
            {
                rev = write();
                transaction.Commit();
            }

            notifier.Notify(rev);
            return rev;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<ObjectPage> ListAsync(CollectionKey collection, ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var (after, before) = StoreKeys.Range(collection);
        ContinueToken? token = null;
        if (request.Continue is not null)
        {
            token = ContinueToken.Decode(request.Continue, collection);
            after = StoreKeys.KeyInCollection(collection, token.Value.Namespace, token.Value.Name);
        }

        var pageSize = request.Limit is > 0 ? request.Limit.Value : (int?)null;
        var reader = RentReader();
        try
        {
            using var transaction = reader.Connection.BeginTransaction(deferred: true);
            reader.Enlist(transaction);
            var current = (long)reader.Revision.ExecuteScalar()!;
            long snapshot;
            SqliteCommand query;
            if (token is null)
            {
                snapshot = current;
                query = reader.ListLatest;
            }
            else
            {
                snapshot = token.Value.Revision;
                if (snapshot > current)
                {
                    throw ContinueToken.Invalid(null);
                }

                var compacted = (long)reader.Compacted.ExecuteScalar()!;
                if (snapshot < compacted)
                {
                    throw Expired(snapshot, compacted);
                }

                // Nothing was written since the snapshot: the current state is the snapshot.
                query = snapshot == current ? reader.ListLatest : reader.ListAtRevision;
            }

            reader.SetListParameters(after, before, snapshot, pageSize is null ? -1 : pageSize.Value + 1L);
            var items = new List<StoredObject>(pageSize is null ? 16 : Math.Min(pageSize.Value, 1024));
            string? next = null;
            using (var rows = query.ExecuteReader())
            {
                string lastNamespace = "", lastName = "";
                while (rows.Read())
                {
                    if (items.Count == pageSize)
                    {
                        next = new ContinueToken(snapshot, lastNamespace, lastName).Encode();
                        break;
                    }

                    lastNamespace = rows.GetString(0);
                    lastName = rows.GetString(1);
                    items.Add(Materialize(rows.GetInt64(2), rows.GetString(3)));
                }
            }

            transaction.Commit();
            return Task.FromResult(new ObjectPage(items, FormatRevision(snapshot), next));
        }
        finally
        {
            reader.Enlist(null);
            ReturnReader(reader);
        }
    }

    /// <inheritdoc />
    public Task<long> CountAsync(CollectionKey collection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (after, before) = StoreKeys.Range(collection);
        var reader = RentReader();
        try
        {
            reader.CountAfter.Value = after;
            reader.CountBefore.Value = before;
            return Task.FromResult((long)reader.Count.ExecuteScalar()!);
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    /// <inheritdoc />
    public Task<string> CurrentResourceVersionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reader = RentReader();
        try
        {
            return Task.FromResult(FormatRevision((long)reader.Revision.ExecuteScalar()!));
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One read transaction (a consistent snapshot) reads the compaction point, the rows after the version in the
    /// collection's key range (a range scan of the rev primary key) and the store revision.
    /// </remarks>
    public Task<ChangeBatch> ReadChangesAsync(CollectionKey collection, string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        ReadChangesAsync((CollectionKey?)collection, afterResourceVersion, limit, cancellationToken);

    /// <inheritdoc />
    public Task<ChangeBatch> ReadAllChangesAsync(string afterResourceVersion, int limit, CancellationToken cancellationToken) =>
        ReadChangesAsync(null, afterResourceVersion, limit, cancellationToken);

    private Task<ChangeBatch> ReadChangesAsync(CollectionKey? collection, string afterResourceVersion, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(afterResourceVersion);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        cancellationToken.ThrowIfCancellationRequested();
        var after = ParseVersion(afterResourceVersion);
        var reader = RentReader();
        try
        {
            using var transaction = reader.Connection.BeginTransaction(deferred: true);
            reader.Enlist(transaction);
            var compacted = (long)reader.Compacted.ExecuteScalar()!;
            if (after < compacted)
            {
                throw Expired(after, compacted);
            }

            var query = collection is null ? reader.AllChanges : reader.Changes;
            var p = query.Parameters;
            p["$after"].Value = after;
            p["$limit"].Value = limit;
            if (collection is { } c)
            {
                var (lo, hi) = StoreKeys.Range(c);
                p["$lo"].Value = lo;
                p["$hi"].Value = hi;
            }

            var changes = new List<ObjectChange>();
            using (var rows = query.ExecuteReader())
            {
                while (rows.Read())
                {
                    var rev = rows.GetInt64(0);
                    var key = new ObjectKey(rows.GetString(9), rows.GetString(10), rows.GetString(1), rows.GetString(2));
                    var deleted = rows.GetInt64(3) != 0;
                    var current = Materialize(rev, rows.GetString(4));
                    var hasPrevious = !rows.IsDBNull(5) && rows.GetInt64(6) == 0;
                    var committed = DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(8));
                    var change = deleted
                        ? new ObjectChange(ChangeType.Deleted, key, current, null)
                        : hasPrevious
                            ? new ObjectChange(ChangeType.Modified, key, current, Materialize(rows.GetInt64(5), rows.GetString(7)))
                            : new ObjectChange(ChangeType.Added, key, current, null);
                    changes.Add(change with { Committed = committed });
                }
            }

            var caughtUp = changes.Count == limit
                ? changes[^1].Object.ResourceVersion
                : FormatRevision(Math.Max(after, (long)reader.Revision.ExecuteScalar()!));
            transaction.Commit();
            return Task.FromResult(new ChangeBatch(changes, caughtUp));
        }
        finally
        {
            reader.Enlist(null);
            ReturnReader(reader);
        }
    }

    /// <inheritdoc />
    /// <remarks>Wakes on commits of this instance; writes of other processes are seen after <paramref name="maxWait"/>.</remarks>
    public Task WaitForChangeAsync(string afterResourceVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(afterResourceVersion);
        return notifier.WaitAsync(ParseVersion(afterResourceVersion), maxWait, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Incremental: only the writes between the previous compaction point (kept in <c>store_meta</c>, so it survives
    /// restarts and is shared by every process on the file) and the new one are examined. One write transaction.
    /// </remarks>
    public async Task<long> CompactAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resourceVersion);
        var to = ParseVersion(resourceVersion);
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return writer.Compact(to);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        writeLock.Wait();
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            writer.Dispose();
        }
        finally
        {
            writeLock.Release();
        }

        DisposeIdleReaders();
    }

    private static (JsonObject Copy, string Json) PrepareValue(JsonObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var copy = (JsonObject)value.DeepClone();
        switch (copy["metadata"])
        {
            case JsonObject metadata:
                metadata.Remove("resourceVersion");
                break;
            case null:
                break;
            default:
                throw new ArgumentException("metadata must be a JSON object.", nameof(value));
        }

        return (copy, copy.ToJsonString());
    }

    private static StoredObject Materialize(long rev, string json) =>
        Stamp(JsonNode.Parse(json)!.AsObject(), rev);

    private static StoredObject Stamp(JsonObject value, long rev)
    {
        var version = FormatRevision(rev);
        if (value["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            value["metadata"] = metadata;
        }

        metadata["resourceVersion"] = version;
        return new StoredObject(value, version);
    }

    private static string FormatRevision(long rev) => rev.ToString(CultureInfo.InvariantCulture);

    /// <summary>A version that cannot be one of ours never matches (-1), which reports a conflict.</summary>
    private static long ParseRevision(string resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rev) && rev > 0 ? rev : -1;

    /// <summary>Parses a caller's resource version for the change log; "0" means the beginning.</summary>
    private static long ParseVersion(string resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rev)
            ? rev
            : throw new StoreException(StoreErrorKind.InvalidResourceVersion, $"\"{resourceVersion}\" is not a resource version of this store.");

    private static StoreException Expired(long requested, long compacted) =>
        new(StoreErrorKind.Expired, $"resource version {requested} is older than the compacted history (kept after {compacted}).")
        {
            OldestResourceVersion = FormatRevision(compacted),
        };

    private static StoreException NotFound(ObjectKey key) => new(StoreErrorKind.NotFound, $"{key} not found.");

    private static StoreException Conflict(ObjectKey key) =>
        new(StoreErrorKind.Conflict, $"{key} has been modified; the resourceVersion does not match.");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA busy_timeout = 10000");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private Reader RentReader()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (idleReaders.TryTake(out var reader))
        {
            Interlocked.Decrement(ref idleReaderCount);
            return reader;
        }

        var connection = Open();
        try
        {
            Execute(connection, "PRAGMA query_only = 1");
            return new Reader(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void ReturnReader(Reader reader)
    {
        if (!disposed)
        {
            if (Interlocked.Increment(ref idleReaderCount) <= maxIdleReaders)
            {
                idleReaders.Add(reader);
                if (disposed)
                {
                    // Dispose ran concurrently and may have drained the bag before the add.
                    DisposeIdleReaders();
                }

                return;
            }

            Interlocked.Decrement(ref idleReaderCount);
        }

        reader.Dispose();
    }

    private void DisposeIdleReaders()
    {
        while (idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, SqliteType Type)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }

    private readonly record struct Head(long Rev, bool Deleted);

    private readonly record struct HeadWithValue(long Rev, bool Deleted, string Value);

    /// <summary>The single writer connection and its prepared statements; used only under the write lock.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteConnection connection;
        private readonly SqliteCommand selectHead;
        private readonly SqliteCommand selectHeadValue;
        private readonly SqliteCommand retire;
        private readonly SqliteCommand insert;
        private readonly SqliteCommand compacted;
        private readonly SqliteCommand compactSuperseded;
        private readonly SqliteCommand compactTombstones;
        private readonly SqliteCommand setCompacted;
        private readonly SqliteCommand revision;

        public Writer(SqliteConnection connection)
        {
            this.connection = connection;
            compacted = Prepare(connection, CompactedSql);
            compactSuperseded = Prepare(connection, CompactSupersededSql, ("$from", SqliteType.Integer), ("$to", SqliteType.Integer));
            compactTombstones = Prepare(connection, CompactTombstonesSql, ("$from", SqliteType.Integer), ("$to", SqliteType.Integer));
            setCompacted = Prepare(connection, SetCompactedSql, ("$to", SqliteType.Integer));
            revision = Prepare(connection, RevisionSql);
            selectHead = Prepare(connection, SelectHeadSql, ("$key", SqliteType.Text));
            selectHeadValue = Prepare(connection, SelectHeadValueSql, ("$key", SqliteType.Text));
            retire = Prepare(connection, RetireSql, ("$rev", SqliteType.Integer));
            insert = Prepare(
                connection,
                InsertSql,
                ("$key", SqliteType.Text),
                ("$group", SqliteType.Text),
                ("$resource", SqliteType.Text),
                ("$namespace", SqliteType.Text),
                ("$name", SqliteType.Text),
                ("$deleted", SqliteType.Integer),
                ("$prev", SqliteType.Integer),
                ("$value", SqliteType.Text),
                ("$created", SqliteType.Integer));
        }

        /// <summary>Begins a BEGIN IMMEDIATE transaction and enlists the prepared statements in it.</summary>
        public SqliteTransaction Begin()
        {
            var transaction = connection.BeginTransaction(deferred: false);
            selectHead.Transaction = transaction;
            selectHeadValue.Transaction = transaction;
            retire.Transaction = transaction;
            insert.Transaction = transaction;
            return transaction;
        }

        public Head? ReadHead(string key)
        {
            selectHead.Parameters[0].Value = key;
            using var rows = selectHead.ExecuteReader();
            return rows.Read() ? new Head(rows.GetInt64(0), rows.GetInt64(1) != 0) : null;
        }

        public HeadWithValue? ReadHeadWithValue(string key)
        {
            selectHeadValue.Parameters[0].Value = key;
            using var rows = selectHeadValue.ExecuteReader();
            return rows.Read() ? new HeadWithValue(rows.GetInt64(0), rows.GetInt64(1) != 0, rows.GetString(2)) : null;
        }

        public void Retire(long rev)
        {
            retire.Parameters[0].Value = rev;
            retire.ExecuteNonQuery();
        }

        public long Insert(string encodedKey, ObjectKey key, bool deleted, long? previous, string value)
        {
            var p = insert.Parameters;
            p[0].Value = encodedKey;
            p[1].Value = key.Group;
            p[2].Value = key.Resource;
            p[3].Value = key.Namespace;
            p[4].Value = key.Name;
            p[5].Value = deleted ? 1L : 0L;
            p[6].Value = previous is null ? DBNull.Value : previous.Value;
            p[7].Value = value;
            p[8].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return (long)insert.ExecuteScalar()!;
        }

        /// <summary>Compacts to <paramref name="to"/> (capped at the store revision) in one transaction; returns rows removed.</summary>
        public long Compact(long to)
        {
            SqliteCommand[] commands = [compacted, compactSuperseded, compactTombstones, setCompacted, revision];
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var command in commands)
            {
                command.Transaction = transaction;
            }

            try
            {
                var from = (long)compacted.ExecuteScalar()!;
                to = Math.Min(to, (long)revision.ExecuteScalar()!);
                if (to <= from)
                {
                    return 0;
                }

                long removed = 0;
                foreach (var command in new[] { compactSuperseded, compactTombstones })
                {
                    command.Parameters["$from"].Value = from;
                    command.Parameters["$to"].Value = to;
                    removed += command.ExecuteNonQuery();
                }

                setCompacted.Parameters["$to"].Value = to;
                setCompacted.ExecuteNonQuery();
                transaction.Commit();
                return removed;
            }
            finally
            {
                foreach (var command in commands)
                {
                    command.Transaction = null;
                }
            }
        }

        public void Dispose()
        {
            compacted.Dispose();
            compactSuperseded.Dispose();
            compactTombstones.Dispose();
            setCompacted.Dispose();
            revision.Dispose();
            selectHead.Dispose();
            selectHeadValue.Dispose();
            retire.Dispose();
            insert.Dispose();
            connection.Dispose();
        }
    }

    /// <summary>A pooled read connection and its prepared statements; used by one caller at a time.</summary>
    private sealed class Reader : IDisposable
    {
        public Reader(SqliteConnection connection)
        {
            Connection = connection;
            Get = Prepare(connection, GetSql, ("$key", SqliteType.Text));
            GetKey = Get.Parameters[0];
            Count = Prepare(connection, CountSql, ("$after", SqliteType.Text), ("$before", SqliteType.Text));
            CountAfter = Count.Parameters[0];
            CountBefore = Count.Parameters[1];
            Revision = Prepare(connection, RevisionSql);
            Compacted = Prepare(connection, CompactedSql);
            Changes = Prepare(
                connection,
                ChangesSql,
                ("$after", SqliteType.Integer),
                ("$lo", SqliteType.Text),
                ("$hi", SqliteType.Text),
                ("$limit", SqliteType.Integer));
            AllChanges = Prepare(connection, AllChangesSql, ("$after", SqliteType.Integer), ("$limit", SqliteType.Integer));
            ListLatest = Prepare(connection, ListLatestSql, ("$after", SqliteType.Text), ("$before", SqliteType.Text), ("$limit", SqliteType.Integer));
            ListAtRevision = Prepare(
                connection,
                ListAtRevisionSql,
                ("$after", SqliteType.Text),
                ("$before", SqliteType.Text),
                ("$snapshot", SqliteType.Integer),
                ("$limit", SqliteType.Integer));
        }

        public SqliteConnection Connection { get; }

        public SqliteCommand Get { get; }

        public SqliteParameter GetKey { get; }

        public SqliteCommand Count { get; }

        public SqliteParameter CountAfter { get; }

        public SqliteParameter CountBefore { get; }

        public SqliteCommand Revision { get; }

        public SqliteCommand Compacted { get; }

        public SqliteCommand Changes { get; }

        public SqliteCommand AllChanges { get; }

        public SqliteCommand ListLatest { get; }

        public SqliteCommand ListAtRevision { get; }

        public void Enlist(SqliteTransaction? transaction)
        {
            Revision.Transaction = transaction;
            Compacted.Transaction = transaction;
            Changes.Transaction = transaction;
            AllChanges.Transaction = transaction;
            ListLatest.Transaction = transaction;
            ListAtRevision.Transaction = transaction;
        }

        public void SetListParameters(string after, string before, long snapshot, long limit)
        {
            ListLatest.Parameters["$after"].Value = after;
            ListLatest.Parameters["$before"].Value = before;
            ListLatest.Parameters["$limit"].Value = limit;
            ListAtRevision.Parameters["$after"].Value = after;
            ListAtRevision.Parameters["$before"].Value = before;
            ListAtRevision.Parameters["$snapshot"].Value = snapshot;
            ListAtRevision.Parameters["$limit"].Value = limit;
        }

        public void Dispose()
        {
            Get.Dispose();
            Count.Dispose();
            Revision.Dispose();
            Compacted.Dispose();
            Changes.Dispose();
            AllChanges.Dispose();
            ListLatest.Dispose();
            ListAtRevision.Dispose();
            Connection.Dispose();
        }
    }
}
