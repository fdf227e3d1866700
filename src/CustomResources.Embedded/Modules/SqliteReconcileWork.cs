using CustomResources.Core.Modules;
using Microsoft.Data.Sqlite;

namespace CustomResources.Embedded.Modules;

/// <summary>
/// The embedded controllers' work queue: a table next to the store's in the same SQLite file, so queued work survives
/// restarts and crashes like the objects do. Thread-safe: one connection, one lock, short statements.
/// </summary>
public sealed class SqliteReconcileWork : IReconcileWork, IDisposable
{
    private const string SchemaSql = """
        CREATE TABLE IF NOT EXISTS reconcile_queue (
            queue       TEXT    NOT NULL,
            key         TEXT    NOT NULL,
            due_at      INTEGER NOT NULL,
            lease_until INTEGER NOT NULL DEFAULT 0,
            attempts    INTEGER NOT NULL DEFAULT 0,
            version     INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (queue, key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS reconcile_queue_due ON reconcile_queue (queue, due_at);
        """;

    private readonly SqliteConnection connection;
    private readonly string queue;
    private readonly Lock gate = new();

    /// <param name="path">The SQLite file (the store's).</param>
    /// <param name="queue">The queue's name, so several controllers can share the table.</param>
    public SqliteReconcileWork(string path, string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        this.queue = queue;
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute("PRAGMA journal_mode = WAL", []);
            Execute("PRAGMA synchronous = NORMAL", []);
            Execute("PRAGMA busy_timeout = 10000", []);
            Execute(SchemaSql, []);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public Task EnqueueAsync(string key, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        // A new enqueue bumps the version (so a worker holding an older lease does not delete it) and keeps the earlier
        // due time; an item under lease is due again as soon as its lease ends, whatever it asked for.
        Execute(
            """
            INSERT INTO reconcile_queue (queue, key, due_at) VALUES ($queue, $key, $due)
            ON CONFLICT (queue, key) DO UPDATE SET due_at = min(due_at, excluded.due_at), version = version + 1
            """,
            [("$queue", queue), ("$key", key), ("$due", dueAt.ToUnixTimeMilliseconds())]);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ReconcileItem>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var items = new List<ReconcileItem>();
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (gate)
        {
            using var transaction = connection.BeginTransaction();
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = """
                    SELECT key, attempts, version FROM reconcile_queue
                    WHERE queue = $queue AND due_at <= $now AND lease_until <= $now
                    ORDER BY due_at LIMIT $max
                    """;
                select.Parameters.AddWithValue("$queue", queue);
                select.Parameters.AddWithValue("$now", nowMs);
                select.Parameters.AddWithValue("$max", max);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    items.Add(new ReconcileItem(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
                }
            }

            foreach (var item in items)
            {
                using var update = connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE reconcile_queue SET lease_until = $until WHERE queue = $queue AND key = $key";
                update.Parameters.AddWithValue("$until", (now + lease).ToUnixTimeMilliseconds());
                update.Parameters.AddWithValue("$queue", queue);
                update.Parameters.AddWithValue("$key", item.Key);
                update.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return Task.FromResult<IReadOnlyList<ReconcileItem>>(items);
    }

    public Task CompleteAsync(ReconcileItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        Execute("DELETE FROM reconcile_queue WHERE queue = $queue AND key = $key AND version = $version", [("$queue", queue), ("$key", item.Key), ("$version", item.Version)]);
        // Enqueued again while it was being worked on: due now, lease released.
        Execute("UPDATE reconcile_queue SET lease_until = 0, attempts = 0 WHERE queue = $queue AND key = $key", [("$queue", queue), ("$key", item.Key)]);
        return Task.CompletedTask;
    }

    public Task RetryAsync(ReconcileItem item, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        Execute(
            """
            UPDATE reconcile_queue SET lease_until = 0, attempts = $attempts,
                due_at = CASE WHEN version = $version THEN $due ELSE min(due_at, $due) END
            WHERE queue = $queue AND key = $key
            """,
            [("$queue", queue), ("$key", item.Key), ("$version", item.Version), ("$attempts", item.Attempts + 1), ("$due", dueAt.ToUnixTimeMilliseconds())]);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT min(max(due_at, lease_until)) FROM reconcile_queue WHERE queue = $queue";
            command.Parameters.AddWithValue("$queue", queue);
            return Task.FromResult(command.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null);
        }
    }

    /// <inheritdoc />
    /// <remarks>The embedded server is the only process working its store file, so it calls this at start.</remarks>
    public Task ReleaseLeasesAsync(CancellationToken cancellationToken)
    {
        Execute(
            "UPDATE reconcile_queue SET lease_until = 0, attempts = attempts + 1 WHERE queue = $queue AND lease_until > 0",
            [("$queue", queue)]);
        return Task.CompletedTask;
    }

    public void Dispose() => connection.Dispose();

    private void Execute(string sql, (string Name, object Value)[] parameters)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.ExecuteNonQuery();
        }
    }
}
