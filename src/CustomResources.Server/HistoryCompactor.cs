using CustomResources.Core.Storage;
using Microsoft.Extensions.Options;

namespace CustomResources.Server;

/// <summary>
/// Compacts the store's history periodically, keeping at least <see cref="StorageOptions.HistoryRetention"/> of it.
/// </summary>
/// <remarks>
/// The policy is time based, as kube-apiserver's compactor: every tick (a tenth of the retention, between 1 s and
/// 1 min) it samples the store's current resourceVersion; it compacts to the newest sample taken at least the retention
/// ago. Every change committed within the retention window therefore stays readable (watches may resume from any
/// version seen in that window, and continue tokens of lists that young stay valid); older ones answer 410 Expired.
/// Current objects are never removed. Each instance sharing a store compacts; compaction is idempotent. It never
/// compacts past the version an <see cref="IHistoryReader"/> (the event dispatcher) still has to read after.
/// </remarks>
public sealed partial class HistoryCompactor(IObjectStore store, IOptions<StorageOptions> options, TimeProvider clock, ILogger<HistoryCompactor> logger, IEnumerable<IHistoryReader>? readers = null)
    : BackgroundService
{
    private readonly IHistoryReader[] readers = readers?.ToArray() ?? [];

    private readonly Queue<(DateTimeOffset At, string ResourceVersion)> samples = new();

    /// <summary>How often the store is sampled (and compaction considered).</summary>
    public static TimeSpan TickFor(TimeSpan retention)
    {
        var tick = retention / 10;
        return tick < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : tick > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : tick;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.HistoryRetention;
        using var timer = new PeriodicTimer(TickFor(retention), clock);
        do
        {
            try
            {
                await TickAsync(retention, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>Samples the store and compacts to the newest sample at least <paramref name="retention"/> old.</summary>
    public async Task TickAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        samples.Enqueue((now, await store.CurrentResourceVersionAsync(cancellationToken)));
        string? point = null;
        while (samples.TryPeek(out var oldest) && oldest.At <= now - retention)
        {
            point = samples.Dequeue().ResourceVersion;
        }

        // Never past a reader that still needs the history (the event dispatcher's checkpoint).
        foreach (var reader in readers)
        {
            if (point is not null && await reader.OldestNeededAsync(cancellationToken) is { } needed
                && long.TryParse(needed, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && long.TryParse(point, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && n < p)
            {
                point = needed;
            }
        }

        if (point is not null)
        {
            var removed = await store.CompactAsync(point, cancellationToken);
            if (removed > 0)
            {
                LogCompacted(logger, point, removed);
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Compacted the store history up to resourceVersion {ResourceVersion}: {Removed} entries removed")]
    private static partial void LogCompacted(ILogger logger, string resourceVersion, long removed);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "History compaction failed; it is retried on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>A background reader of the change log that history must be kept for (e.g. the event dispatcher).</summary>
public interface IHistoryReader
{
    /// <summary>The version the reader will next read changes after (compaction stops there), or null for no constraint.</summary>
    Task<string?> OldestNeededAsync(CancellationToken cancellationToken);
}
