using CustomResources.Embedded.Modules;

namespace CustomResources.Embedded.Tests.Modules;

public sealed class SqliteReconcileWorkTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private readonly TempDirectory directory = new();

    private string Path => System.IO.Path.Combine(directory.Path, "store.db");

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_burst_of_enqueues_for_one_key_is_one_item_due_at_the_earliest_time()
    {
        using var work = new SqliteReconcileWork(Path, "modules");
        await work.EnqueueAsync("ns/a", T0.AddSeconds(10), CancellationToken.None);
        await work.EnqueueAsync("ns/a", T0, CancellationToken.None);
        await work.EnqueueAsync("ns/a", T0.AddSeconds(5), CancellationToken.None);

        Assert.Equal(T0, await work.NextDueAsync(CancellationToken.None));
        Assert.Single(await work.LeaseDueAsync(T0, 10, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task Items_are_handed_out_only_when_due_and_not_while_leased()
    {
        using var work = new SqliteReconcileWork(Path, "modules");
        await work.EnqueueAsync("ns/later", T0.AddMinutes(5), CancellationToken.None);
        await work.EnqueueAsync("ns/now", T0, CancellationToken.None);

        var leased = await work.LeaseDueAsync(T0, 10, Lease, CancellationToken.None);
        Assert.Equal(["ns/now"], leased.Select(i => i.Key));
        Assert.Empty(await work.LeaseDueAsync(T0.AddSeconds(30), 10, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task A_lease_never_completed_is_handed_out_again_after_it_ends_even_after_a_restart()
    {
        using (var crashed = new SqliteReconcileWork(Path, "modules"))
        {
            await crashed.EnqueueAsync("ns/a", T0, CancellationToken.None);
            Assert.Single(await crashed.LeaseDueAsync(T0, 10, Lease, CancellationToken.None));
        }

        using var restarted = new SqliteReconcileWork(Path, "modules");
        Assert.Empty(await restarted.LeaseDueAsync(T0.AddSeconds(59), 10, Lease, CancellationToken.None));
        Assert.Single(await restarted.LeaseDueAsync(T0.Add(Lease), 10, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task Releasing_leases_at_start_hands_out_a_crashed_workers_items_at_once_counting_the_attempt()
    {
        using (var crashed = new SqliteReconcileWork(Path, "modules"))
        {
            await crashed.EnqueueAsync("ns/a", T0, CancellationToken.None);
            await crashed.EnqueueAsync("ns/b", T0.AddMinutes(10), CancellationToken.None);
            Assert.Single(await crashed.LeaseDueAsync(T0, 10, Lease, CancellationToken.None));
        }

        using var restarted = new SqliteReconcileWork(Path, "modules");
        await restarted.ReleaseLeasesAsync(CancellationToken.None);

        var again = Assert.Single(await restarted.LeaseDueAsync(T0.AddSeconds(1), 10, Lease, CancellationToken.None));
        Assert.Equal("ns/a", again.Key);
        Assert.Equal(1, again.Attempts);
    }

    [Fact]
    public async Task Completing_removes_the_item_unless_it_was_enqueued_again_meanwhile()
    {
        using var work = new SqliteReconcileWork(Path, "modules");
        await work.EnqueueAsync("ns/a", T0, CancellationToken.None);
        await work.EnqueueAsync("ns/b", T0, CancellationToken.None);
        var leased = await work.LeaseDueAsync(T0, 10, Lease, CancellationToken.None);

        await work.EnqueueAsync("ns/b", T0.AddSeconds(1), CancellationToken.None);
        foreach (var item in leased)
        {
            await work.CompleteAsync(item, CancellationToken.None);
        }

        var again = await work.LeaseDueAsync(T0.AddSeconds(1), 10, Lease, CancellationToken.None);
        Assert.Equal(["ns/b"], again.Select(i => i.Key));
    }

    [Fact]
    public async Task A_retry_counts_the_attempt_and_waits_until_its_due_time()
    {
        using var work = new SqliteReconcileWork(Path, "modules");
        await work.EnqueueAsync("ns/a", T0, CancellationToken.None);
        var item = Assert.Single(await work.LeaseDueAsync(T0, 10, Lease, CancellationToken.None));
        await work.RetryAsync(item, T0.AddSeconds(8), CancellationToken.None);

        Assert.Empty(await work.LeaseDueAsync(T0.AddSeconds(7), 10, Lease, CancellationToken.None));
        var retried = Assert.Single(await work.LeaseDueAsync(T0.AddSeconds(8), 10, Lease, CancellationToken.None));
        Assert.Equal(1, retried.Attempts);
    }

    [Fact]
    public async Task Queues_sharing_a_file_are_separate()
    {
        using var modules = new SqliteReconcileWork(Path, "modules");
        using var workspaces = new SqliteReconcileWork(Path, "workspaces");
        await modules.EnqueueAsync("x", T0, CancellationToken.None);
        Assert.Empty(await workspaces.LeaseDueAsync(T0, 10, Lease, CancellationToken.None));
        Assert.Null(await workspaces.NextDueAsync(CancellationToken.None));
    }
}
