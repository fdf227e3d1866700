namespace CustomResources.Core.Modules;

/// <summary>A leased work item: the object to reconcile and how many times it was tried before.</summary>
/// <param name="Key">What to reconcile, e.g. <c>team-a/my-app</c>.</param>
/// <param name="Attempts">Earlier attempts that ended in a retryable failure (0 for fresh work).</param>
/// <param name="Version">The enqueue this lease belongs to; completing an older version keeps newer work.</param>
public sealed record ReconcileItem(string Key, int Attempts, long Version);

/// <summary>
/// The durable work queue of a controller (a persisted table in the embedded server, an Azure Storage queue in Azure).
/// One entry per key: enqueuing a key that is waiting keeps the earlier due time, so a burst of changes costs one
/// reconcile. A leased item that is neither completed nor retried before its lease ends is handed out again (a crashed
/// worker loses nothing).
/// </summary>
public interface IReconcileWork
{
    /// <summary>Asks for <paramref name="key"/> to be reconciled at <paramref name="dueAt"/> (or earlier if already due earlier).</summary>
    Task EnqueueAsync(string key, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>Leases up to <paramref name="max"/> items due at <paramref name="now"/> for <paramref name="lease"/>.</summary>
    Task<IReadOnlyList<ReconcileItem>> LeaseDueAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Done with a leased item: removed, unless it was enqueued again since it was leased.</summary>
    Task CompleteAsync(ReconcileItem item, CancellationToken cancellationToken);

    /// <summary>Puts a leased item back, due at <paramref name="dueAt"/>, counting the attempt.</summary>
    Task RetryAsync(ReconcileItem item, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>When the next item is due (null when the queue is empty), so a worker can sleep until then.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes every leased item due again at once (counting an attempt). For a work list that one process alone works
    /// (the embedded server's), called when that process starts: a lease still held then was taken by an earlier
    /// process that died mid-reconcile, and waiting for the lease to end would stall those keys for its whole length.
    /// A work list shared by several workers must not do this; the default does nothing.
    /// </summary>
    Task ReleaseLeasesAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
