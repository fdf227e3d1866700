using CustomResources.Core.Modules;
using CustomResources.Core.Storage;

namespace CustomResources.Server.Modules;

/// <summary>
/// Runs the Module reconciler in the embedded server: every change to a Module (or to its Workspace) and a periodic
/// resync put the Module on the durable work list; workers lease due items, reconcile, and complete them, retry them
/// with exponential backoff, or schedule the next look (a hibernation schedule's next change).
/// </summary>
public sealed partial class ModuleController(
    IObjectStore store,
    IReconcileWork work,
    ModuleReconciler reconciler,
    TimeProvider clock,
    ILogger<ModuleController> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leases still held at start were taken by an earlier server process that was killed mid-reconcile: without
        // this, those Modules would wait for the whole lease (5 min) before anyone looked at them again.
        await work.ReleaseLeasesAsync(stoppingToken);
        await Task.WhenAll(WatchAsync(stoppingToken), WorkAsync(stoppingToken));
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var modules = new CollectionKey(ModuleDefinitions.Group, ModuleDefinitions.ModulesResource, null);
        var workspaces = ModuleDefinitions.Workspaces();
        string? after = null;
        var lastResync = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (after is null || clock.GetUtcNow() - lastResync >= Resync)
                {
                    after ??= await store.CurrentResourceVersionAsync(stoppingToken);
                    await EnqueueAllAsync(stoppingToken);
                    lastResync = clock.GetUtcNow();
                }

                var changes = await store.ReadChangesAsync(modules, after, 500, stoppingToken);
                foreach (var change in changes.Changes)
                {
                    await work.EnqueueAsync(ModuleReconciler.ModuleKey(change.Key.Namespace, change.Key.Name), clock.GetUtcNow(), stoppingToken);
                }

                var workspaceChanges = await store.ReadChangesAsync(workspaces, after, 500, stoppingToken);
                foreach (var change in workspaceChanges.Changes)
                {
                    await work.EnqueueAsync(ModuleReconciler.WorkspaceKey(change.Key.Name), clock.GetUtcNow(), stoppingToken);
                }

                if (workspaceChanges.Changes.Count > 0)
                {
                    // A schedule or a deletion of a workspace concerns all of its modules.
                    await EnqueueAllAsync(stoppingToken);
                }

                after = changes.ResourceVersion;
                if (changes.Changes.Count + workspaceChanges.Changes.Count > 0)
                {
                    wake.Release();
                    continue;
                }

                await store.WaitForChangeAsync(after, TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.Expired)
            {
                // Fell behind the kept history: list everything again from now.
                after = null;
            }
            catch (Exception e)
            {
                LogWatchFailed(logger, e);
                after = null;
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    private async Task EnqueueAllAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in ModuleReconciler.AllKeysAsync(store, workspaces: true, null, cancellationToken))
        {
            await work.EnqueueAsync(key, clock.GetUtcNow(), cancellationToken);
        }

        wake.Release();
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await work.LeaseDueAsync(clock.GetUtcNow(), 4, Lease, stoppingToken);
                await Task.WhenAll(due.Select(item => ReconcileAsync(item, stoppingToken)));
                if (due.Count > 0)
                {
                    continue;
                }

                var next = await work.NextDueAsync(stoppingToken);
                var wait = next is { } at ? at - clock.GetUtcNow() : TimeSpan.FromSeconds(1);
                wait = wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
                await wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWorkFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    private async Task ReconcileAsync(ReconcileItem item, CancellationToken stoppingToken)
    {
        ReconcileOutcome outcome;
        try
        {
            outcome = await reconciler.ReconcileAsync(item.Key, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            outcome = ReconcileOutcome.RetryLater(e.Message);
            LogReconcileFailed(logger, e, item.Key);
        }

        if (outcome.Retry)
        {
            LogRetrying(logger, item.Key, item.Attempts + 1, outcome.Summary);
            await work.RetryAsync(item, clock.GetUtcNow() + ReconcileBackoff.Delay(item.Attempts), CancellationToken.None);
            return;
        }

        await work.CompleteAsync(item, CancellationToken.None);
        if (outcome.RequeueAt is { } at)
        {
            await work.EnqueueAsync(item.Key, at, CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Module reconcile of {Key} will be retried (attempt {Attempt}): {Reason}")]
    private static partial void LogRetrying(ILogger logger, string key, int attempt, string reason);

    [LoggerMessage(EventId = 81, Level = LogLevel.Error, Message = "Module reconcile of {Key} failed unexpectedly")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 82, Level = LogLevel.Error, Message = "Module change watch failed; listing again")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 83, Level = LogLevel.Error, Message = "Module work loop failed")]
    private static partial void LogWorkFailed(ILogger logger, Exception exception);
}
