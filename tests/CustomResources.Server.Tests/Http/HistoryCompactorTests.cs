using System.Text.Json.Nodes;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CustomResources.Server.Tests.Http;

public sealed class HistoryCompactorTests
{
    private sealed class FixedReader(string? version) : IHistoryReader
    {
        public Task<string?> OldestNeededAsync(CancellationToken cancellationToken) => Task.FromResult(version);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset now = now;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }

    [Fact]
    public async Task Compaction_stops_at_the_event_checkpoint()
    {
        var path = Path.Combine(Path.GetTempPath(), "cr-compact-" + Guid.NewGuid().ToString("N"), "s.db");
        using var store = new SqliteObjectStore(new SqliteStoreOptions { Path = path });
        var key = new ObjectKey("", "namespaces", "", "a");
        var first = await store.CreateAsync(key, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a" } }, CancellationToken.None);
        var version = first.ResourceVersion;
        for (var i = 0; i < 3; i++)
        {
            version = (await store.UpdateAsync(key, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a" }, ["n"] = i }, version, CancellationToken.None)).ResourceVersion;
        }

        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var compactor = new HistoryCompactor(store, Options.Create(new StorageOptions { HistoryRetention = TimeSpan.FromSeconds(1) }), clock, NullLogger<HistoryCompactor>.Instance, [new FixedReader(first.ResourceVersion)]);
        await compactor.TickAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        await compactor.TickAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        // The dispatcher still needs everything after its checkpoint.
        var changes = await store.ReadAllChangesAsync(first.ResourceVersion, 10, CancellationToken.None);
        Assert.Equal(3, changes.Changes.Count);
    }
}
