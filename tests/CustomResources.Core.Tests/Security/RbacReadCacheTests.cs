using System.Text.Json.Nodes;
using CustomResources.Core.Security;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Security;

public class RbacReadCacheTests
{
    private static readonly ObjectKey Binding = RbacDefinitions.Key(RbacDefinitions.RoleBindingsResource, "team-a", "b1");
    private static readonly ObjectKey Widget = new("example.com", "widgets", "team-a", "w1");

    private readonly InMemoryObjectStore store = new();
    private readonly FixedTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private RbacReadCache Cache() => new(store, clock, TimeSpan.FromSeconds(1));

    private static JsonObject Object(string name) => new() { ["metadata"] = new JsonObject { ["name"] = name } };

    [Fact]
    public async Task Rbac_reads_are_reused_within_the_maximum_age_and_refreshed_after_it()
    {
        var cache = Cache();
        Assert.Null(await cache.GetAsync(Binding, CancellationToken.None));
        await store.CreateAsync(Binding, Object("b1"), CancellationToken.None);

        Assert.Null(await cache.GetAsync(Binding, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await cache.GetAsync(Binding, CancellationToken.None));
    }

    [Fact]
    public async Task Invalidation_shows_a_change_on_the_next_read()
    {
        var cache = Cache();
        var collection = RbacDefinitions.Collection(RbacDefinitions.RoleBindingsResource, "team-a");
        Assert.Empty((await cache.ListAsync(collection, new ListRequest(), CancellationToken.None)).Items);
        await store.CreateAsync(Binding, Object("b1"), CancellationToken.None);
        Assert.Empty((await cache.ListAsync(collection, new ListRequest(), CancellationToken.None)).Items);

        cache.Invalidate();
        Assert.Single((await cache.ListAsync(collection, new ListRequest(), CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Reads_outside_rbac_and_continued_lists_always_reach_the_store()
    {
        var cache = Cache();
        Assert.Null(await cache.GetAsync(Widget, CancellationToken.None));
        await store.CreateAsync(Widget, Object("w1"), CancellationToken.None);
        Assert.NotNull(await cache.GetAsync(Widget, CancellationToken.None));
    }
}
