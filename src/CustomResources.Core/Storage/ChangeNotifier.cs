namespace CustomResources.Core.Storage;

/// <summary>
/// Wakes waiters when a store instance commits a write: the in-process half of
/// <see cref="IObjectStore.WaitForChangeAsync"/>. Thread-safe; no lost wake-ups.
/// </summary>
public sealed class ChangeNotifier
{
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long committed;

    /// <summary>The newest revision committed through this instance (0 before the first).</summary>
    public long Committed => Interlocked.Read(ref committed);

    /// <summary>Records a committed revision and wakes every waiter.</summary>
    public void Notify(long revision)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref committed);
            if (revision <= seen)
            {
                break;
            }
        }
        while (Interlocked.CompareExchange(ref committed, revision, seen) != seen);

        Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Completes when a revision newer than <paramref name="after"/> is (or has been) committed through this instance,
    /// or after <paramref name="maxWait"/>; throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public async Task WaitAsync(long after, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        // Take the signal before checking the revision: a commit in between completes the signal we hold.
        var pending = Volatile.Read(ref signal).Task;
        cancellationToken.ThrowIfCancellationRequested();
        if (Committed > after || maxWait <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(maxWait, stop.Token);
        await Task.WhenAny(pending, delay).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
