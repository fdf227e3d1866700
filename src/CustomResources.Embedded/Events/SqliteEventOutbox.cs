using System.Globalization;
using CustomResources.Core.Events;
using Microsoft.Data.Sqlite;

namespace CustomResources.Embedded.Events;

/// <summary>One pending delivery: an event (its structured CloudEvents JSON) for one subscription.</summary>
public sealed record OutboxEntry(long Sequence, string Subscription, string EventId, string Payload, DateTimeOffset EventTime, int Attempts, string? LastError);

/// <summary>
/// The embedded dispatcher's persisted state, in tables of its own next to the store's (same SQLite file): the
/// change-log checkpoint, the outbox of pending deliveries, and the URL each subscription last passed the webhook
/// validation handshake for.
/// </summary>
/// <remarks>
/// <see cref="Enqueue"/> writes a batch of deliveries and advances the checkpoint in one transaction, so a crash loses
/// nothing: after a restart the dispatcher resumes from the checkpoint (and re-reading a change is harmless, the
/// outbox keeps one row per subscription and event id). A row leaves the outbox only when delivered, expired or
/// dead-lettered. Thread-safe: one connection, one lock (every operation is a short statement or transaction).
/// </remarks>
public sealed class SqliteEventOutbox : IDisposable
{
    private const string SchemaSql = """
        CREATE TABLE IF NOT EXISTS event_checkpoint (
            name TEXT PRIMARY KEY,
            rev  TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS event_outbox (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            subscription    TEXT    NOT NULL,
            event_id        TEXT    NOT NULL,
            payload         TEXT    NOT NULL,
            event_time      INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            UNIQUE (subscription, event_id)
        );
        CREATE INDEX IF NOT EXISTS event_outbox_due ON event_outbox (subscription, next_attempt_at);
        CREATE INDEX IF NOT EXISTS event_outbox_next ON event_outbox (next_attempt_at, subscription);
        CREATE TABLE IF NOT EXISTS event_handshakes (
            subscription TEXT PRIMARY KEY,
            url          TEXT NOT NULL
        ) WITHOUT ROWID;
        """;

    private const string CheckpointName = "dispatcher";

    private readonly SqliteConnection connection;
    private readonly Lock gate = new();

    public SqliteEventOutbox(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute("PRAGMA journal_mode = WAL");
            Execute("PRAGMA synchronous = NORMAL");
            Execute("PRAGMA busy_timeout = 10000");
            Execute(SchemaSql);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The change-log version the dispatcher has enqueued everything up to, or null before its first start.</summary>
    public string? ReadCheckpoint()
    {
        lock (gate)
        {
            using var command = Command("SELECT rev FROM event_checkpoint WHERE name = $name", ("$name", CheckpointName));
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Sets the checkpoint only when none is stored yet (the first start); returns the stored one.</summary>
    public string InitializeCheckpoint(string resourceVersion)
    {
        lock (gate)
        {
            using (var insert = Command("INSERT OR IGNORE INTO event_checkpoint (name, rev) VALUES ($name, $rev)", ("$name", CheckpointName), ("$rev", resourceVersion)))
            {
                insert.ExecuteNonQuery();
            }

            using var command = Command("SELECT rev FROM event_checkpoint WHERE name = $name", ("$name", CheckpointName));
            return (string)command.ExecuteScalar()!;
        }
    }

    /// <summary>
    /// Adds deliveries (one per subscription and event; repeats are ignored) and moves the checkpoint to
    /// <paramref name="checkpoint"/>, atomically. Returns the number of new rows.
    /// </summary>
    public int Enqueue(IReadOnlyList<(string Subscription, LifecycleEvent Event)> deliveries, string checkpoint)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(checkpoint);
        lock (gate)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var added = 0;
            using (var insert = Command(
                "INSERT OR IGNORE INTO event_outbox (subscription, event_id, payload, event_time, next_attempt_at) VALUES ($sub, $id, $payload, $time, 0)",
                ("$sub", ""), ("$id", ""), ("$payload", ""), ("$time", 0L)))
            {
                insert.Transaction = transaction;
                foreach (var (subscription, e) in deliveries)
                {
                    insert.Parameters["$sub"].Value = subscription;
                    insert.Parameters["$id"].Value = e.Id;
                    insert.Parameters["$payload"].Value = e.ToCloudEvent().ToJsonString();
                    insert.Parameters["$time"].Value = e.Time.ToUnixTimeMilliseconds();
                    added += insert.ExecuteNonQuery();
                }
            }

            using (var save = Command("INSERT OR REPLACE INTO event_checkpoint (name, rev) VALUES ($name, $rev)", ("$name", CheckpointName), ("$rev", checkpoint)))
            {
                save.Transaction = transaction;
                save.ExecuteNonQuery();
            }

            transaction.Commit();
            return added;
        }
    }

    /// <summary>Subscriptions with at least one delivery due at <paramref name="now"/>.</summary>
    public IReadOnlyList<string> SubscriptionsWithDueDeliveries(DateTimeOffset now)
    {
        lock (gate)
        {
            using var command = Command("SELECT DISTINCT subscription FROM event_outbox WHERE next_attempt_at <= $now", ("$now", now.ToUnixTimeMilliseconds()));
            using var rows = command.ExecuteReader();
            var names = new List<string>();
            while (rows.Read())
            {
                names.Add(rows.GetString(0));
            }

            return names;
        }
    }

    /// <summary>Up to <paramref name="limit"/> deliveries of <paramref name="subscription"/> due at <paramref name="now"/>, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> Due(string subscription, DateTimeOffset now, int limit)
    {
        lock (gate)
        {
            using var command = Command(
                """
                SELECT seq, subscription, event_id, payload, event_time, attempts, last_error FROM event_outbox
                WHERE subscription = $sub AND next_attempt_at <= $now ORDER BY next_attempt_at, seq LIMIT $limit
                """,
                ("$sub", subscription), ("$now", now.ToUnixTimeMilliseconds()), ("$limit", (long)limit));
            using var rows = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (rows.Read())
            {
                entries.Add(new OutboxEntry(
                    rows.GetInt64(0),
                    rows.GetString(1),
                    rows.GetString(2),
                    rows.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(4)),
                    (int)rows.GetInt64(5),
                    rows.IsDBNull(6) ? null : rows.GetString(6)));
            }

            return entries;
        }
    }

    /// <summary>Removes a delivery (delivered, expired or dead-lettered).</summary>
    public void Remove(long sequence)
    {
        lock (gate)
        {
            using var command = Command("DELETE FROM event_outbox WHERE seq = $seq", ("$seq", sequence));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records a failed attempt and when to try again.</summary>
    public void Reschedule(long sequence, int attempts, DateTimeOffset nextAttempt, string error)
    {
        lock (gate)
        {
            using var command = Command(
                "UPDATE event_outbox SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE seq = $seq",
                ("$seq", sequence), ("$attempts", (long)attempts), ("$next", nextAttempt.ToUnixTimeMilliseconds()), ("$error", error));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Forgets a deleted subscription: its pending deliveries and handshake.</summary>
    public void RemoveSubscription(string subscription)
    {
        lock (gate)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var sql in new[] { "DELETE FROM event_outbox WHERE subscription = $sub", "DELETE FROM event_handshakes WHERE subscription = $sub" })
            {
                using var command = Command(sql, ("$sub", subscription));
                command.Transaction = transaction;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>The URL <paramref name="subscription"/> last passed the validation handshake for, or null.</summary>
    public string? ValidatedUrl(string subscription)
    {
        lock (gate)
        {
            using var command = Command("SELECT url FROM event_handshakes WHERE subscription = $sub", ("$sub", subscription));
            return command.ExecuteScalar() as string;
        }
    }

    public void SetValidatedUrl(string subscription, string url)
    {
        lock (gate)
        {
            using var command = Command("INSERT OR REPLACE INTO event_handshakes (subscription, url) VALUES ($sub, $url)", ("$sub", subscription), ("$url", url));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Pending deliveries (all subscriptions, or one).</summary>
    public long Count(string? subscription = null)
    {
        lock (gate)
        {
            using var command = subscription is null
                ? Command("SELECT COUNT(*) FROM event_outbox")
                : Command("SELECT COUNT(*) FROM event_outbox WHERE subscription = $sub", ("$sub", subscription));
            return (long)command.ExecuteScalar()!;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            connection.Dispose();
        }
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    /// <summary>Formats a revision for the checkpoint (exposed for tests).</summary>
    public static string Format(long revision) => revision.ToString(CultureInfo.InvariantCulture);
}
