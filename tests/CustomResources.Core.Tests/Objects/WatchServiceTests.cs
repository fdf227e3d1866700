using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Objects;

public sealed class WatchServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Without_a_version_the_watch_lists_current_objects_as_added_then_streams_changes()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("alpha");
        await engine.CreateCronTabAsync("bravo");
        await using var watch = await StartAsync(engine, target, "default", new WatchOptions());

        Assert.Equal([("ADDED", "alpha"), ("ADDED", "bravo")], [await watch.NextAsync(), await watch.NextAsync()]);

        await engine.CreateCronTabAsync("charlie");
        await engine.Service.PatchAsync(target, "default", "alpha", PatchKind.Merge, Image("other:2"), new WriteOptions(), None);
        var deleted = await engine.Service.DeleteAsync(target, "default", "bravo", new DeleteOptions(), None);

        Assert.Equal(("ADDED", "charlie"), await watch.NextAsync());
        Assert.Equal(("MODIFIED", "alpha"), await watch.NextAsync());
        Assert.Equal("other:2", watch.Last!.Object["spec"]!["image"]!.GetValue<string>());
        Assert.Equal(("DELETED", "bravo"), await watch.NextAsync());
        Assert.Equal(deleted.ResourceVersion, watch.Last!.Object["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Resource_version_zero_also_starts_with_the_current_objects()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("alpha");
        await using var watch = await StartAsync(engine, target, "default", new WatchOptions(ResourceVersion: "0"));

        Assert.Equal(("ADDED", "alpha"), await watch.NextAsync());
    }

    [Fact]
    public async Task From_a_version_the_watch_sends_only_later_changes_in_the_served_version()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var alpha = await engine.CreateCronTabAsync("alpha");
        await engine.CreateCronTabAsync("bravo");
        await using var watch = await StartAsync(engine, target, "default", new WatchOptions(ResourceVersion: alpha.ResourceVersion));

        Assert.Equal(("ADDED", "bravo"), await watch.NextAsync());
        Assert.Equal(target.ApiVersion, watch.Last!.Object["apiVersion"]!.GetValue<string>());
        Assert.Equal("CronTab", watch.Last!.Object["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_compacted_version_is_gone_with_the_kubernetes_wording()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var alpha = await engine.CreateCronTabAsync("alpha");
        await engine.CreateCronTabAsync("bravo");
        engine.Store.Compact();
        var service = new WatchService(engine.Store, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ApiException>(() => service.WatchAsync(target, "default", new WatchOptions(ResourceVersion: alpha.ResourceVersion), None));

        Assert.Equal(410, error.Code);
        Assert.Equal("Expired", error.Reason);
        Assert.Equal($"too old resource version: {alpha.ResourceVersion} ({engine.Store.CurrentRevision})", error.Message);
    }

    [Fact]
    public async Task A_malformed_version_is_a_bad_request()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var service = new WatchService(engine.Store, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ApiException>(() => service.WatchAsync(target, "default", new WatchOptions(ResourceVersion: "abc"), None));

        Assert.Equal(400, error.Code);
    }

    [Fact]
    public async Task Watches_see_only_their_namespace_unless_they_watch_all_namespaces()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateNamespaceAsync("team-a");
        var from = engine.Store.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var inDefault = await StartAsync(engine, target, "default", new WatchOptions(ResourceVersion: from));
        await using var everywhere = await StartAsync(engine, target, null, new WatchOptions(ResourceVersion: from));

        await engine.CreateCronTabAsync("elsewhere", ns: "team-a");
        await engine.CreateCronTabAsync("here");

        Assert.Equal(("ADDED", "here"), await inDefault.NextAsync());
        Assert.Equal(("ADDED", "elsewhere"), await everywhere.NextAsync());
        Assert.Equal(("ADDED", "here"), await everywhere.NextAsync());
    }

    [Fact]
    public async Task A_selector_turns_objects_that_start_or_stop_matching_into_added_and_deleted()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("initially-in", image: "match:1");
        await engine.CreateCronTabAsync("initially-out", image: "other:1");
        static bool Matches(JsonObject o) => o["spec"]?["image"]?.GetValue<string>().StartsWith("match:", StringComparison.Ordinal) == true;
        await using var watch = await StartAsync(engine, target, "default", new WatchOptions(Predicate: Matches));

        Assert.Equal(("ADDED", "initially-in"), await watch.NextAsync());

        await engine.Service.PatchAsync(target, "default", "initially-out", PatchKind.Merge, Image("other:2"), new WriteOptions(), None); // unseen
        await engine.Service.PatchAsync(target, "default", "initially-out", PatchKind.Merge, Image("match:2"), new WriteOptions(), None);
        Assert.Equal(("ADDED", "initially-out"), await watch.NextAsync());

        await engine.Service.PatchAsync(target, "default", "initially-in", PatchKind.Merge, Image("match:3"), new WriteOptions(), None);
        Assert.Equal(("MODIFIED", "initially-in"), await watch.NextAsync());

        await engine.Service.PatchAsync(target, "default", "initially-in", PatchKind.Merge, Image("other:3"), new WriteOptions(), None);
        Assert.Equal(("DELETED", "initially-in"), await watch.NextAsync());
        Assert.Equal("other:3", watch.Last!.Object["spec"]!["image"]!.GetValue<string>());

        await engine.Service.DeleteAsync(target, "default", "initially-in", new DeleteOptions(), None); // no longer seen: unseen
        await engine.Service.DeleteAsync(target, "default", "initially-out", new DeleteOptions(), None);
        Assert.Equal(("DELETED", "initially-out"), await watch.NextAsync());
    }

    [Fact]
    public async Task Idle_watches_with_bookmarks_allowed_get_bookmarks_with_only_the_version()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var alpha = await engine.CreateCronTabAsync("alpha");
        var service = new WatchService(engine.Store, TimeProvider.System) { BookmarkInterval = TimeSpan.FromMilliseconds(50) };
        await using var watch = new Reader(await service.WatchAsync(target, "default", new WatchOptions(ResourceVersion: alpha.ResourceVersion, AllowBookmarks: true), None));

        Assert.Equal(("BOOKMARK", ""), await watch.NextAsync());
        var bookmark = watch.Last!.Object;
        Assert.Equal(["kind", "apiVersion", "metadata"], bookmark.Select(p => p.Key).ToArray());
        Assert.Equal("CronTab", bookmark["kind"]!.GetValue<string>());
        Assert.Equal("stable.example.com/v1", bookmark["apiVersion"]!.GetValue<string>());
        Assert.Equal(["resourceVersion"], bookmark["metadata"]!.AsObject().Select(p => p.Key).ToArray());
        Assert.Equal(engine.Store.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmark["metadata"]!["resourceVersion"]!.GetValue<string>());

        // A write elsewhere in the store moves the bookmark's version along.
        await engine.CreateNamespaceAsync("team-b");
        string version;
        do
        {
            Assert.Equal(("BOOKMARK", ""), await watch.NextAsync());
            version = watch.Last!.Object["metadata"]!["resourceVersion"]!.GetValue<string>();
        }
        while (version != engine.Store.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Without_bookmarks_allowed_an_idle_watch_sends_nothing()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var service = new WatchService(engine.Store, TimeProvider.System) { BookmarkInterval = TimeSpan.FromMilliseconds(20), PollInterval = TimeSpan.FromMilliseconds(20) };
        await using var watch = new Reader(await service.WatchAsync(target, "default", new WatchOptions(Timeout: TimeSpan.FromMilliseconds(300)), None));

        Assert.False(await watch.MoveNextAsync());
    }

    [Fact]
    public async Task The_stream_ends_when_the_timeout_elapses()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("alpha");
        var service = new WatchService(engine.Store, TimeProvider.System);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var watch = new Reader(await service.WatchAsync(target, "default", new WatchOptions(Timeout: TimeSpan.FromMilliseconds(300)), None));

        Assert.Equal(("ADDED", "alpha"), await watch.NextAsync());
        Assert.False(await watch.MoveNextAsync());
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(250), $"ended after {started.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_the_enumeration_ends_the_stream_quietly()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var service = new WatchService(engine.Store, TimeProvider.System);
        using var cancel = new CancellationTokenSource();
        var stream = await service.WatchAsync(target, "default", new WatchOptions(), None);
        await using var enumerator = stream.GetAsyncEnumerator(cancel.Token);

        var next = enumerator.MoveNextAsync().AsTask();
        await Task.Delay(50);
        await cancel.CancelAsync();

        Assert.False(await next.WaitAsync(EventTimeout));
    }

    [Fact]
    public async Task A_watcher_overtaken_by_compaction_gets_an_expired_error_event()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var from = engine.Store.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var service = new WatchService(engine.Store, TimeProvider.System);
        var stream = await service.WatchAsync(target, "default", new WatchOptions(ResourceVersion: from), None);

        // Writes and a compaction before the stream reads anything.
        await engine.CreateCronTabAsync("alpha");
        await engine.CreateCronTabAsync("bravo");
        engine.Store.Compact();

        await using var watch = new Reader(stream);
        Assert.Equal(("ERROR", ""), await watch.NextAsync());
        Assert.Equal(410, watch.Last!.Object["code"]!.GetValue<int>());
        Assert.Equal("Expired", watch.Last!.Object["reason"]!.GetValue<string>());
        Assert.False(await watch.MoveNextAsync());
    }

    private static JsonObject Image(string image) => new() { ["spec"] = new JsonObject { ["image"] = image } };

    private static async Task<Reader> StartAsync(Engine engine, ResourceTarget target, string? ns, WatchOptions options)
    {
        var service = new WatchService(engine.Store, TimeProvider.System);
        return new Reader(await service.WatchAsync(target, ns, options, None));
    }

    /// <summary>Reads a watch one event at a time, each with a bounded wait.</summary>
    private sealed class Reader(IAsyncEnumerable<WatchEvent> events) : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<WatchEvent> enumerator = events.GetAsyncEnumerator();

        public WatchEvent? Last { get; private set; }

        public async Task<bool> MoveNextAsync()
        {
            var more = await enumerator.MoveNextAsync().AsTask().WaitAsync(EventTimeout);
            Last = more ? enumerator.Current : null;
            return more;
        }

        /// <summary>The next event's type and object name ("" for bookmarks and errors).</summary>
        public async Task<(string Type, string Name)> NextAsync()
        {
            Assert.True(await MoveNextAsync(), "the watch ended");
            return (Last!.Type, Last.Object["metadata"]?["name"]?.GetValue<string>() ?? "");
        }

        public ValueTask DisposeAsync() => enumerator.DisposeAsync();
    }
}
