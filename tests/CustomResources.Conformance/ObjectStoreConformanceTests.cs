using System.Globalization;
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;

namespace CustomResources.Conformance;

/// <summary>
/// The contract of <see cref="IObjectStore"/>. Every backend derives a test class from this one and supplies a fresh,
/// empty store per test through <see cref="CreateStore"/>.
/// </summary>
public abstract class ObjectStoreConformanceTests : IAsyncLifetime
{
    protected const string Group = "example.com";
    protected const string Resource = "widgets";

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Lock storeLock = new();
    private IObjectStore? store;

    /// <summary>A fresh, empty store. Called at most once per test. May skip the test (Skip.If) when the backend is unavailable.</summary>
    protected abstract IObjectStore CreateStore();

    /// <summary>
    /// True when resource versions are decimal integers that increase with every write across the store, so the
    /// tests may compare them as numbers. Otherwise they are only required to change on every write.
    /// </summary>
    protected virtual bool ResourceVersionsAreOrdered => true;

    /// <summary>
    /// Null when later pages of a list show every object as it was when the first page was read. A backend that
    /// cannot do this returns the reason; it is then held only to the weaker guarantee that objects unchanged
    /// during the listing appear exactly once and in order.
    /// </summary>
    protected virtual string? SnapshotPagingUnsupportedReason => UnsupportedReason(StoreFeature.SnapshotPaging);

    /// <summary>
    /// Null when the backend supports <paramref name="feature"/>; otherwise why not. Tests that need an unsupported
    /// feature are skipped with that reason (never passed silently).
    /// </summary>
    protected virtual string? UnsupportedReason(StoreFeature feature) => null;

    /// <summary>Skips the running test when the backend lacks one of <paramref name="features"/>.</summary>
    protected void Requires(params StoreFeature[] features)
    {
        foreach (var feature in features)
        {
            var reason = UnsupportedReason(feature);
            Skip.If(reason is not null, $"{feature}: {reason}");
        }
    }

    // Under a lock: tests that first touch the store from parallel tasks would otherwise create several (for Cosmos DB
    // each in a fresh database), and two "parallel" creates of one key could both win, each in its own store.
    protected IObjectStore Store
    {
        get
        {
            lock (storeLock)
            {
                return store ??= CreateStore();
            }
        }
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        store = null;
    }

    // ---- create / get ---------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Create_then_get_round_trips_the_value_and_sets_the_resource_version()
    {
        var key = Key("alpha");
        var input = Widget("alpha", spec: new JsonObject { ["size"] = 3, ["tags"] = new JsonArray("a", "b"), ["nested"] = new JsonObject { ["ok"] = true } });

        var created = await Store.CreateAsync(key, input, None);

        Assert.False(string.IsNullOrEmpty(created.ResourceVersion));
        Assert.Equal(created.ResourceVersion, ResourceVersionOf(created.Object));
        AssertSameContent(input, created.Object);

        var read = await Store.GetAsync(key, None);
        Assert.NotNull(read);
        Assert.Equal(created.ResourceVersion, read.ResourceVersion);
        Assert.Equal(read.ResourceVersion, ResourceVersionOf(read.Object));
        AssertSameContent(input, read.Object);
    }

    [SkippableFact]
    public async Task Create_ignores_an_incoming_resource_version()
    {
        var input = Widget("alpha");
        input["metadata"]!["resourceVersion"] = "123456789";

        var created = await Store.CreateAsync(Key("alpha"), input, None);
        var second = await Store.CreateAsync(Key("beta"), Widget("beta"), None);

        Assert.Equal(created.ResourceVersion, ResourceVersionOf(created.Object));
        Assert.NotEqual(created.ResourceVersion, second.ResourceVersion);
        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(created.ResourceVersion, ResourceVersionOf(read!.Object));
    }

    [SkippableFact]
    public async Task Create_of_an_existing_key_throws_already_exists()
    {
        var first = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(2)), None));

        Assert.Equal(StoreErrorKind.AlreadyExists, error.Kind);
        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(first.ResourceVersion, read!.ResourceVersion);
        Assert.Equal(1, Counter(read.Object));
    }

    [SkippableFact]
    public async Task Get_of_a_missing_key_returns_null()
    {
        Assert.Null(await Store.GetAsync(Key("missing"), None));

        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        Assert.Null(await Store.GetAsync(Key("alpha", ns: "other"), None));
        Assert.Null(await Store.GetAsync(Key("alpha") with { Resource = "gadgets" }, None));
    }

    // ---- update ---------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Update_at_the_current_version_replaces_the_value_and_changes_the_version()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);

        var updated = await Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 2), created.ResourceVersion, None);

        Assert.NotEqual(created.ResourceVersion, updated.ResourceVersion);
        Assert.Equal(updated.ResourceVersion, ResourceVersionOf(updated.Object));
        Assert.Equal(2, Counter(updated.Object));
        if (ResourceVersionsAreOrdered)
        {
            Assert.True(Number(updated.ResourceVersion) > Number(created.ResourceVersion));
        }

        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(updated.ResourceVersion, read!.ResourceVersion);
        Assert.Equal(2, Counter(read.Object));
    }

    [SkippableFact]
    public async Task Update_at_a_stale_version_throws_conflict_and_changes_nothing()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var updated = await Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 2), created.ResourceVersion, None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 3), created.ResourceVersion, None));

        Assert.Equal(StoreErrorKind.Conflict, error.Kind);
        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(updated.ResourceVersion, read!.ResourceVersion);
        Assert.Equal(2, Counter(read.Object));
    }

    [SkippableFact]
    public async Task Update_of_a_missing_key_throws_not_found()
    {
        var other = await Store.CreateAsync(Key("other"), Widget("other"), None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.UpdateAsync(Key("alpha"), Widget("alpha"), other.ResourceVersion, None));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
        Assert.Null(await Store.GetAsync(Key("alpha"), None));
    }

    // ---- delete ---------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Delete_returns_the_last_state_and_removes_the_object()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var updated = await Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 7), created.ResourceVersion, None);

        var deleted = await Store.DeleteAsync(Key("alpha"), null, None);

        Assert.Equal(7, Counter(deleted.Object));
        Assert.Equal("alpha", deleted.Object["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(deleted.ResourceVersion, ResourceVersionOf(deleted.Object));
        if (ResourceVersionsAreOrdered)
        {
            Assert.True(Number(deleted.ResourceVersion) >= Number(updated.ResourceVersion));
        }

        Assert.Null(await Store.GetAsync(Key("alpha"), None));
        Assert.Equal(0, await Store.CountAsync(Collection("default"), None));
        Assert.Empty((await Store.ListAsync(Collection("default"), new ListRequest(), None)).Items);
    }

    [SkippableFact]
    public async Task Delete_at_the_current_version_succeeds()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);

        await Store.DeleteAsync(Key("alpha"), created.ResourceVersion, None);

        Assert.Null(await Store.GetAsync(Key("alpha"), None));
    }

    [SkippableFact]
    public async Task Delete_of_a_missing_key_throws_not_found()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Key("alpha"), null, None));
        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [SkippableFact]
    public async Task Delete_at_a_stale_version_throws_conflict_and_keeps_the_object()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var updated = await Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 2), created.ResourceVersion, None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Key("alpha"), created.ResourceVersion, None));

        Assert.Equal(StoreErrorKind.Conflict, error.Kind);
        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(updated.ResourceVersion, read!.ResourceVersion);
    }

    [SkippableFact]
    public async Task A_deleted_object_cannot_be_updated_or_deleted_again()
    {
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        await Store.DeleteAsync(Key("alpha"), null, None);

        var update = await Assert.ThrowsAsync<StoreException>(() => Store.UpdateAsync(Key("alpha"), Widget("alpha"), created.ResourceVersion, None));
        var delete = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Key("alpha"), null, None));

        Assert.Equal(StoreErrorKind.NotFound, update.Kind);
        Assert.Equal(StoreErrorKind.NotFound, delete.Kind);
    }

    [SkippableFact]
    public async Task An_object_can_be_created_again_after_delete()
    {
        var first = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var deleted = await Store.DeleteAsync(Key("alpha"), null, None);

        var second = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(2)), None);

        Assert.NotEqual(first.ResourceVersion, second.ResourceVersion);
        if (ResourceVersionsAreOrdered)
        {
            Assert.True(Number(second.ResourceVersion) > Number(deleted.ResourceVersion));
        }

        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(second.ResourceVersion, read!.ResourceVersion);
        Assert.Equal(2, Counter(read.Object));

        var stale = await Assert.ThrowsAsync<StoreException>(() => Store.UpdateAsync(Key("alpha"), Widget("alpha"), first.ResourceVersion, None));
        Assert.Equal(StoreErrorKind.Conflict, stale.Kind);
    }

    // ---- identity -------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task The_same_name_in_other_namespaces_resources_and_groups_is_a_different_object()
    {
        ObjectKey[] keys =
        [
            Key("same", ns: "one"),
            Key("same", ns: "two"),
            Key("same", ns: "one") with { Resource = "gadgets" },
            Key("same", ns: "one") with { Group = "other.example.com" },
            Key("same", ns: "one") with { Group = "" },
            Key("same", ns: ""),
        ];
        for (var i = 0; i < keys.Length; i++)
        {
            await Store.CreateAsync(keys[i], Widget("same", keys[i].Namespace, Spec(i)), None);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            var read = await Store.GetAsync(keys[i], None);
            Assert.NotNull(read);
            Assert.Equal(i, Counter(read.Object));
        }

        await Store.DeleteAsync(keys[0], null, None);
        Assert.Null(await Store.GetAsync(keys[0], None));
        for (var i = 1; i < keys.Length; i++)
        {
            Assert.NotNull(await Store.GetAsync(keys[i], None));
        }

        Assert.Equal(1, await Store.CountAsync(Collection("two"), None));
        Assert.Equal(1, await Store.CountAsync(new CollectionKey("", Resource, "one"), None));
        Assert.Equal(1, await Store.CountAsync(new CollectionKey(Group, "gadgets", null), None));
        Assert.Equal(2, await Store.CountAsync(new CollectionKey(Group, Resource, null), None));
    }

    [SkippableFact]
    public async Task Cluster_scoped_objects_use_the_empty_namespace()
    {
        var key = new ObjectKey(Group, "clusterwidgets", "", "global");
        var created = await Store.CreateAsync(key, Widget("global", ns: ""), None);

        var read = await Store.GetAsync(key, None);
        Assert.Equal(created.ResourceVersion, read!.ResourceVersion);

        var updated = await Store.UpdateAsync(key, WithCounter(read.Object, 5), read.ResourceVersion, None);
        Assert.Equal(5, Counter(updated.Object));

        var cluster = await Store.ListAsync(new CollectionKey(Group, "clusterwidgets", ""), new ListRequest(), None);
        var all = await Store.ListAsync(new CollectionKey(Group, "clusterwidgets", null), new ListRequest(), None);
        Assert.Equal(["global"], Names(cluster.Items));
        Assert.Equal(["global"], Names(all.Items));
        Assert.Equal(1, await Store.CountAsync(new CollectionKey(Group, "clusterwidgets", ""), None));

        await Store.DeleteAsync(key, updated.ResourceVersion, None);
        Assert.Null(await Store.GetAsync(key, None));
    }

    // ---- list -----------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task An_empty_collection_lists_no_items()
    {
        var page = await Store.ListAsync(Collection(null), new ListRequest(), None);

        Assert.Empty(page.Items);
        Assert.Null(page.Continue);
        Assert.False(string.IsNullOrEmpty(page.ResourceVersion));
        Assert.Equal(0, await Store.CountAsync(Collection(null), None));
    }

    [SkippableFact]
    public async Task List_of_one_namespace_is_ordered_by_name_and_holds_only_that_namespace()
    {
        foreach (var name in new[] { "delta", "alpha", "charlie", "alpha-2", "bravo", "alpha.b" })
        {
            await Store.CreateAsync(Key(name, ns: "one"), Widget(name, "one"), None);
        }

        await Store.CreateAsync(Key("aaa", ns: "two"), Widget("aaa", "two"), None);
        await Store.CreateAsync(Key("aaa", ns: "one") with { Resource = "gadgets" }, Widget("aaa", "one"), None);
        await Store.CreateAsync(Key("aaa", ns: "one-x"), Widget("aaa", "one-x"), None);

        var page = await Store.ListAsync(Collection("one"), new ListRequest(), None);

        Assert.Equal(["alpha", "alpha-2", "alpha.b", "bravo", "charlie", "delta"], Names(page.Items));
        Assert.All(page.Items, item => Assert.Equal(item.ResourceVersion, ResourceVersionOf(item.Object)));
        Assert.Null(page.Continue);
    }

    [SkippableFact]
    public async Task List_across_all_namespaces_is_ordered_by_namespace_then_name()
    {
        (string Ns, string Name)[] objects =
        [
            ("b", "x"), ("a-b", "a"), ("a", "z"), ("a", "b"), ("b", "a"), ("a.c", "m"), ("a-b", "c"), ("ab", "a"),
        ];
        foreach (var (ns, name) in objects)
        {
            await Store.CreateAsync(Key(name, ns: ns), Widget(name, ns), None);
        }

        await Store.CreateAsync(Key("zzz", ns: "a") with { Group = "other.example.com" }, Widget("zzz", "a"), None);
        await Store.CreateAsync(Key("zzz", ns: "a") with { Resource = "widgets2" }, Widget("zzz", "a"), None);

        var page = await Store.ListAsync(Collection(null), new ListRequest(), None);

        var expected = objects
            .OrderBy(o => o.Ns, StringComparer.Ordinal)
            .ThenBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => $"{o.Ns}/{o.Name}")
            .ToArray();
        Assert.Equal(expected, QualifiedNames(page.Items));
        Assert.Null(page.Continue);
    }

    [SkippableFact]
    public async Task List_does_not_show_deleted_objects()
    {
        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        await Store.CreateAsync(Key("bravo"), Widget("bravo"), None);
        await Store.DeleteAsync(Key("alpha"), null, None);

        var page = await Store.ListAsync(Collection("default"), new ListRequest(), None);

        Assert.Equal(["bravo"], Names(page.Items));
    }

    [SkippableFact]
    public async Task List_resource_version_is_not_older_than_any_item()
    {
        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        var last = await Store.CreateAsync(Key("bravo"), Widget("bravo"), None);

        var page = await Store.ListAsync(Collection("default"), new ListRequest(), None);

        Assert.False(string.IsNullOrEmpty(page.ResourceVersion));
        if (ResourceVersionsAreOrdered)
        {
            Assert.True(Number(page.ResourceVersion) >= Number(last.ResourceVersion));
            Assert.All(page.Items, item => Assert.True(Number(page.ResourceVersion) >= Number(item.ResourceVersion)));
        }
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(23)]
    [InlineData(100)]
    public async Task Paging_with_limit_and_continue_visits_every_object_exactly_once_in_order(int limit)
    {
        var expected = new List<string>();
        foreach (var ns in new[] { "ns-a", "ns-b", "ns-c" })
        {
            for (var i = 0; i < (ns == "ns-b" ? 8 : 7); i++)
            {
                var name = $"obj-{i:D2}";
                await Store.CreateAsync(Key(name, ns: ns), Widget(name, ns), None);
                expected.Add($"{ns}/{name}");
            }
        }

        var seen = await ListAllPages(Collection(null), limit);

        Assert.Equal(expected, seen);
        var inNamespace = await ListAllPages(Collection("ns-b"), limit);
        Assert.Equal(expected.Where(n => n.StartsWith("ns-b/", StringComparison.Ordinal)), inNamespace);
    }

    [SkippableFact]
    public async Task Paging_shows_the_collection_as_of_the_first_page()
    {
        var originals = new Dictionary<string, StoredObject>();
        for (var i = 0; i < 10; i++)
        {
            var name = $"obj-{i:D2}";
            originals[name] = await Store.CreateAsync(Key(name), Widget(name, spec: Spec(i)), None);
        }

        var first = await Store.ListAsync(Collection("default"), new ListRequest(Limit: 3), None);
        Assert.Equal(["obj-00", "obj-01", "obj-02"], Names(first.Items));
        Assert.NotNull(first.Continue);

        // Changes after the first page: to objects not yet listed, to one already listed, and new objects.
        await Store.UpdateAsync(Key("obj-05"), WithCounter(originals["obj-05"].Object, 500), originals["obj-05"].ResourceVersion, None);
        await Store.DeleteAsync(Key("obj-06"), null, None);
        await Store.DeleteAsync(Key("obj-07"), null, None);
        await Store.CreateAsync(Key("obj-07"), Widget("obj-07", spec: Spec(700)), None);
        await Store.CreateAsync(Key("obj-045"), Widget("obj-045"), None);
        await Store.CreateAsync(Key("obj-10"), Widget("obj-10"), None);
        await Store.DeleteAsync(Key("obj-01"), null, None);

        var rest = new List<StoredObject>();
        var token = first.Continue;
        var pages = 0;
        while (token is not null)
        {
            var page = await Store.ListAsync(Collection("default"), new ListRequest(Limit: 3, Continue: token), None);
            Assert.True(page.Items.Count <= 3);
            rest.AddRange(page.Items);
            token = page.Continue;
            Assert.True(++pages < 100, "paging does not terminate");
            if (SnapshotPagingUnsupportedReason is null)
            {
                Assert.Equal(first.ResourceVersion, page.ResourceVersion);
            }

            // Writes between later pages must not matter either.
            if (pages == 1)
            {
                await Store.DeleteAsync(Key("obj-09"), null, None);
            }
        }

        var names = Names(rest);
        if (SnapshotPagingUnsupportedReason is null)
        {
            Assert.Equal(["obj-03", "obj-04", "obj-05", "obj-06", "obj-07", "obj-08", "obj-09"], names);
            foreach (var item in rest)
            {
                var name = item.Object["metadata"]!["name"]!.GetValue<string>();
                Assert.Equal(originals[name].ResourceVersion, item.ResourceVersion);
                Assert.Equal(item.ResourceVersion, ResourceVersionOf(item.Object));
                AssertSameContent(originals[name].Object, item.Object);
            }
        }
        else
        {
            Assert.Equal(names.Distinct().Count(), names.Length);
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            foreach (var untouched in new[] { "obj-03", "obj-04", "obj-08" })
            {
                Assert.Single(names, untouched);
            }
        }

        // A new list sees the current state.
        var now = await Store.ListAsync(Collection("default"), new ListRequest(), None);
        Assert.Equal(["obj-00", "obj-02", "obj-03", "obj-04", "obj-045", "obj-05", "obj-07", "obj-08", "obj-10"], Names(now.Items));
        Assert.Equal(500, Counter(now.Items.Single(i => i.Object["metadata"]!["name"]!.GetValue<string>() == "obj-05").Object));
        Assert.Equal(700, Counter(now.Items.Single(i => i.Object["metadata"]!["name"]!.GetValue<string>() == "obj-07").Object));
    }

    [SkippableTheory]
    [InlineData("not a token")]
    [InlineData("%%%")]
    [InlineData("eyJ4IjoxfQ")] // base64url of {"x":1}
    [InlineData("bnVsbA")] // base64url of null
    public async Task A_malformed_continue_token_throws_invalid_continue(string token)
    {
        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ListAsync(Collection("default"), new ListRequest(Limit: 1, Continue: token), None));

        Assert.Equal(StoreErrorKind.InvalidContinue, error.Kind);
    }

    [SkippableFact]
    public async Task A_tampered_continue_token_throws_invalid_continue()
    {
        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        await Store.CreateAsync(Key("bravo"), Widget("bravo"), None);
        var page = await Store.ListAsync(Collection("default"), new ListRequest(Limit: 1), None);
        Assert.NotNull(page.Continue);

        foreach (var token in new[] { page.Continue[..(page.Continue.Length / 2)], page.Continue + "!!", "x" + page.Continue })
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => Store.ListAsync(Collection("default"), new ListRequest(Limit: 1, Continue: token), None));
            Assert.Equal(StoreErrorKind.InvalidContinue, error.Kind);
        }
    }

    // ---- versions -------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Every_write_gets_a_new_resource_version_and_ordered_versions_increase()
    {
        var versions = new List<string>();
        var a = await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        versions.Add(a.ResourceVersion);
        var b = await Store.CreateAsync(Key("bravo", ns: "other") with { Resource = "gadgets" }, Widget("bravo", "other"), None);
        versions.Add(b.ResourceVersion);
        var a2 = await Store.UpdateAsync(Key("alpha"), a.Object, a.ResourceVersion, None);
        versions.Add(a2.ResourceVersion);
        var a3 = await Store.UpdateAsync(Key("alpha"), a2.Object, a2.ResourceVersion, None);
        versions.Add(a3.ResourceVersion);
        var bDeleted = await Store.DeleteAsync(Key("bravo", ns: "other") with { Resource = "gadgets" }, null, None);
        versions.Add(bDeleted.ResourceVersion);
        var c = await Store.CreateAsync(Key("charlie"), Widget("charlie"), None);
        versions.Add(c.ResourceVersion);

        Assert.Equal(versions.Count, versions.Distinct().Count());
        if (ResourceVersionsAreOrdered)
        {
            var numbers = versions.Select(Number).ToArray();
            for (var i = 1; i < numbers.Length; i++)
            {
                Assert.True(numbers[i] > numbers[i - 1], $"version {numbers[i]} follows {numbers[i - 1]}");
            }

            var page = await Store.ListAsync(Collection(null), new ListRequest(), None);
            Assert.True(Number(page.ResourceVersion) >= numbers[^1]);
        }
    }

    // ---- copies ---------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Returned_objects_are_independent_copies()
    {
        var input = Widget("alpha", spec: Spec(1));
        var created = await Store.CreateAsync(Key("alpha"), input, None);

        input["spec"]!["counter"] = 100;
        created.Object["spec"]!["counter"] = 101;
        created.Object["metadata"]!["resourceVersion"] = "bogus";

        var read = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(1, Counter(read!.Object));
        Assert.Equal(created.ResourceVersion, ResourceVersionOf(read.Object));

        read.Object["spec"]!["counter"] = 102;
        var again = await Store.GetAsync(Key("alpha"), None);
        Assert.Equal(1, Counter(again!.Object));
        Assert.NotSame(read.Object, again.Object);

        var page = await Store.ListAsync(Collection("default"), new ListRequest(), None);
        page.Items[0].Object["spec"]!["counter"] = 103;
        Assert.Equal(1, Counter((await Store.GetAsync(Key("alpha"), None))!.Object));

        var update = WithCounter(again.Object, 2);
        var updated = await Store.UpdateAsync(Key("alpha"), update, again.ResourceVersion, None);
        update["spec"]!["counter"] = 104;
        updated.Object["spec"]!["counter"] = 105;
        Assert.Equal(2, Counter((await Store.GetAsync(Key("alpha"), None))!.Object));

        var deleted = await Store.DeleteAsync(Key("alpha"), null, None);
        deleted.Object["spec"]!["counter"] = 106;
        Assert.Null(await Store.GetAsync(Key("alpha"), None));
    }

    // ---- count ----------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Count_counts_the_live_objects_of_a_collection()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.CreateAsync(Key($"a-{i}", ns: "one"), Widget($"a-{i}", "one"), None);
        }

        for (var i = 0; i < 3; i++)
        {
            await Store.CreateAsync(Key($"b-{i}", ns: "two"), Widget($"b-{i}", "two"), None);
        }

        await Store.CreateAsync(Key("c", ns: "one") with { Resource = "gadgets" }, Widget("c", "one"), None);
        var updated = await Store.GetAsync(Key("a-0", ns: "one"), None);
        await Store.UpdateAsync(Key("a-0", ns: "one"), updated!.Object, updated.ResourceVersion, None);
        await Store.DeleteAsync(Key("a-1", ns: "one"), null, None);

        Assert.Equal(4, await Store.CountAsync(Collection("one"), None));
        Assert.Equal(3, await Store.CountAsync(Collection("two"), None));
        Assert.Equal(0, await Store.CountAsync(Collection("three"), None));
        Assert.Equal(7, await Store.CountAsync(Collection(null), None));
        Assert.Equal(1, await Store.CountAsync(new CollectionKey(Group, "gadgets", null), None));
    }

    // ---- concurrency ----------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Parallel_read_modify_write_loops_never_lose_an_update()
    {
        const int Workers = 8;
        const int Increments = 50;
        await Store.CreateAsync(Key("counter"), Widget("counter", spec: Spec(0)), None);

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Increments; i++)
            {
                while (true)
                {
                    var current = await Store.GetAsync(Key("counter"), None);
                    try
                    {
                        await Store.UpdateAsync(Key("counter"), WithCounter(current!.Object, Counter(current.Object) + 1), current.ResourceVersion, None);
                        break;
                    }
                    catch (StoreException e) when (e.Kind == StoreErrorKind.Conflict)
                    {
                        // Lost the race: read again and retry.
                    }
                }
            }
        }));
        await Task.WhenAll(workers);

        var final = await Store.GetAsync(Key("counter"), None);
        Assert.Equal(Workers * Increments, Counter(final!.Object));
    }

    [SkippableFact]
    public async Task Parallel_creates_of_one_key_let_exactly_one_win()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.CreateAsync(Key("contested"), Widget("contested", spec: Spec(i)), None);
                return true;
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.AlreadyExists)
            {
                return false;
            }
        })));

        Assert.Single(results, won => won);
        Assert.Equal(1, await Store.CountAsync(Collection("default"), None));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    protected static ObjectKey Key(string name, string ns = "default") => new(Group, Resource, ns, name);

    protected static CollectionKey Collection(string? ns) => new(Group, Resource, ns);

    // ---- change log ------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Current_resource_version_is_the_version_of_the_latest_write()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog);
        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);
        var last = await Store.CreateAsync(Key("alpha", ns: "other") with { Resource = "gadgets" }, Widget("alpha", "other"), None);

        Assert.Equal(last.ResourceVersion, await Store.CurrentResourceVersionAsync(None));

        var deleted = await Store.DeleteAsync(Key("alpha"), null, None);
        Assert.Equal(deleted.ResourceVersion, await Store.CurrentResourceVersionAsync(None));
    }

    [SkippableFact]
    public async Task Changes_after_a_version_come_in_commit_order_with_their_types()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog, StoreFeature.EveryWriteInChangeLog);
        var start = await Store.CurrentResourceVersionAsync(None);
        var a = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var b = await Store.CreateAsync(Key("bravo"), Widget("bravo"), None);
        var a2 = await Store.UpdateAsync(Key("alpha"), WithCounter(a.Object, 2), a.ResourceVersion, None);
        var bGone = await Store.DeleteAsync(Key("bravo"), null, None);
        var bAgain = await Store.CreateAsync(Key("bravo"), Widget("bravo", spec: Spec(7)), None);

        var batch = await Store.ReadChangesAsync(Collection("default"), start, 100, None);

        Assert.Equal(
            [(ChangeType.Added, "alpha", a.ResourceVersion), (ChangeType.Added, "bravo", b.ResourceVersion), (ChangeType.Modified, "alpha", a2.ResourceVersion),
             (ChangeType.Deleted, "bravo", bGone.ResourceVersion), (ChangeType.Added, "bravo", bAgain.ResourceVersion)],
            batch.Changes.Select(c => (c.Type, c.Key.Name, c.Object.ResourceVersion)).ToArray());
        Assert.All(batch.Changes, c => Assert.Equal(c.Object.ResourceVersion, ResourceVersionOf(c.Object.Object)));
        Assert.Equal(2, Counter(batch.Changes[2].Object.Object));
        Assert.NotNull(batch.Changes[2].Previous);
        Assert.Equal(1, Counter(batch.Changes[2].Previous!.Object));
        Assert.Equal(a.ResourceVersion, batch.Changes[2].Previous!.ResourceVersion);
        Assert.Equal(7, Counter(batch.Changes[4].Object.Object));
        Assert.Equal(bAgain.ResourceVersion, batch.ResourceVersion);

        // After a version in the middle: only the later writes.
        var later = await Store.ReadChangesAsync(Collection("default"), a2.ResourceVersion, 100, None);
        Assert.Equal([ChangeType.Deleted, ChangeType.Added], later.Changes.Select(c => c.Type).ToArray());
    }

    [SkippableFact]
    public async Task A_deleted_change_carries_the_last_state_stamped_with_the_delete_version()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog);
        var created = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var updated = await Store.UpdateAsync(Key("alpha"), WithCounter(created.Object, 5), created.ResourceVersion, None);
        var deleted = await Store.DeleteAsync(Key("alpha"), null, None);

        var batch = await Store.ReadChangesAsync(Collection("default"), updated.ResourceVersion, 10, None);

        var change = Assert.Single(batch.Changes);
        Assert.Equal(ChangeType.Deleted, change.Type);
        Assert.Equal(deleted.ResourceVersion, change.Object.ResourceVersion);
        Assert.Equal(deleted.ResourceVersion, ResourceVersionOf(change.Object.Object));
        Assert.Equal(5, Counter(change.Object.Object));
        AssertSameContent(updated.Object, change.Object.Object);
    }

    [SkippableFact]
    public async Task Changes_are_filtered_by_collection_and_namespace()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog);
        var start = await Store.CurrentResourceVersionAsync(None);
        await Store.CreateAsync(Key("a"), Widget("a"), None);
        await Store.CreateAsync(Key("b", ns: "other"), Widget("b", "other"), None);
        await Store.CreateAsync(Key("c") with { Resource = "gadgets" }, Widget("c"), None);
        await Store.CreateAsync(Key("d") with { Group = "other.example.com" }, Widget("d"), None);
        await Store.CreateAsync(Key("e", ns: "default-2"), Widget("e", "default-2"), None);
        var last = await Store.CreateAsync(Key("f"), Widget("f"), None);

        var inDefault = await Store.ReadChangesAsync(Collection("default"), start, 100, None);
        var everywhere = await Store.ReadChangesAsync(Collection(null), start, 100, None);
        var gadgets = await Store.ReadChangesAsync(new CollectionKey(Group, "gadgets", null), start, 100, None);

        Assert.Equal(["a", "f"], inDefault.Changes.Select(c => c.Key.Name).ToArray());
        Assert.All(inDefault.Changes, c => Assert.Equal("default", c.Key.Namespace));
        Assert.Equal(["a", "b", "e", "f"], everywhere.Changes.Select(c => c.Key.Name).ToArray());
        Assert.Equal(["c"], gadgets.Changes.Select(c => c.Key.Name).ToArray());

        // Every reader is caught up to the store, whatever its collection saw.
        Assert.Equal(last.ResourceVersion, inDefault.ResourceVersion);
        Assert.Equal(last.ResourceVersion, gadgets.ResourceVersion);
        Assert.Empty((await Store.ReadChangesAsync(Collection("default"), inDefault.ResourceVersion, 100, None)).Changes);
    }

    [SkippableFact]
    public async Task The_whole_change_log_spans_every_collection_in_commit_order_with_stable_commit_times()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog, StoreFeature.EveryWriteInChangeLog);
        var start = await Store.CurrentResourceVersionAsync(None);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Store.CreateAsync(Key("a"), Widget("a"), None);
        await Store.CreateAsync(Key("c") with { Resource = "gadgets" }, Widget("c"), None);
        var b = await Store.CreateAsync(Key("b", ns: "other") with { Group = "other.example.com" }, Widget("b", "other"), None);
        await Store.UpdateAsync(Key("b", ns: "other") with { Group = "other.example.com" }, Widget("b", "other"), b.ResourceVersion, None);
        var last = await Store.DeleteAsync(Key("a"), null, None);

        var all = await Store.ReadAllChangesAsync(start, 100, None);

        Assert.Equal(["a", "c", "b", "b", "a"], all.Changes.Select(c => c.Key.Name).ToArray());
        Assert.Equal([ChangeType.Added, ChangeType.Added, ChangeType.Added, ChangeType.Modified, ChangeType.Deleted], all.Changes.Select(c => c.Type).ToArray());
        Assert.Equal(new ObjectKey("other.example.com", Resource, "other", "b"), all.Changes[2].Key);
        Assert.Equal(new ObjectKey(Group, "gadgets", "default", "c"), all.Changes[1].Key);
        Assert.Equal(last.ResourceVersion, all.ResourceVersion);
        Assert.All(all.Changes, c => Assert.InRange(c.Committed, before, DateTimeOffset.UtcNow.AddSeconds(1)));

        var again = await Store.ReadAllChangesAsync(start, 100, None);
        Assert.Equal(all.Changes.Select(c => c.Committed), again.Changes.Select(c => c.Committed));

        var page = await Store.ReadAllChangesAsync(start, 2, None);
        Assert.Equal(["a", "c"], page.Changes.Select(c => c.Key.Name).ToArray());
        var rest = await Store.ReadAllChangesAsync(page.ResourceVersion, 100, None);
        Assert.Equal(3, rest.Changes.Count);
        Assert.Empty((await Store.ReadAllChangesAsync(all.ResourceVersion, 100, None)).Changes);
    }

    [SkippableFact]
    public async Task The_whole_change_log_expires_after_compaction()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog, StoreFeature.Compaction);
        var start = await Store.CurrentResourceVersionAsync(None);
        await Store.CreateAsync(Key("a"), Widget("a"), None);
        var b = await Store.CreateAsync(Key("b"), Widget("b"), None);
        await Store.CompactAsync(b.ResourceVersion, None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ReadAllChangesAsync(start, 10, None));
        Assert.Equal(StoreErrorKind.Expired, error.Kind);
        Assert.Empty((await Store.ReadAllChangesAsync(b.ResourceVersion, 10, None)).Changes);
    }

    [SkippableFact]
    public async Task Change_reads_are_paged_by_the_limit()
    {
        Requires(StoreFeature.ChangeLog);
        var start = await Store.CurrentResourceVersionAsync(None);
        var written = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            written.Add((await Store.CreateAsync(Key($"obj-{i}"), Widget($"obj-{i}"), None)).ResourceVersion);
        }

        var seen = new List<string>();
        var from = start;
        for (var reads = 0; reads < 10; reads++)
        {
            var batch = await Store.ReadChangesAsync(Collection("default"), from, 3, None);
            Assert.True(batch.Changes.Count <= 3);
            seen.AddRange(batch.Changes.Select(c => c.Object.ResourceVersion));
            from = batch.ResourceVersion;
            if (batch.Changes.Count == 0)
            {
                break;
            }
        }

        Assert.Equal(written, seen);
    }

    [SkippableFact]
    public async Task A_malformed_resource_version_is_refused()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ReadChangesAsync(Collection("default"), "not-a-version", 10, None));
        Assert.Equal(StoreErrorKind.InvalidResourceVersion, error.Kind);
    }

    [SkippableFact]
    public async Task Waiting_for_a_change_wakes_on_a_commit()
    {
        var now = await Store.CurrentResourceVersionAsync(None);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var waiting = Store.WaitForChangeAsync(now, TimeSpan.FromSeconds(30), None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        await Store.CreateAsync(Key("alpha"), Widget("alpha"), None);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));

        // A write already newer than the version: no wait at all.
        await Store.WaitForChangeAsync(now, TimeSpan.FromSeconds(30), None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [SkippableFact]
    public async Task Waiting_without_a_commit_ends_after_the_maximum_wait_or_on_cancellation()
    {
        var now = await Store.CurrentResourceVersionAsync(None);

        await Store.WaitForChangeAsync(now, TimeSpan.FromMilliseconds(100), None).WaitAsync(TimeSpan.FromSeconds(10));

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WaitForChangeAsync(now, TimeSpan.FromSeconds(30), cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    // ---- compaction -----------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Compaction_expires_older_change_reads_and_keeps_later_history()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog, StoreFeature.EveryWriteInChangeLog, StoreFeature.Compaction);
        var start = await Store.CurrentResourceVersionAsync(None);
        var a = await Store.CreateAsync(Key("alpha"), Widget("alpha", spec: Spec(1)), None);
        var a2 = await Store.UpdateAsync(Key("alpha"), WithCounter(a.Object, 2), a.ResourceVersion, None);
        var point = await Store.CreateAsync(Key("bravo"), Widget("bravo"), None);
        var a3 = await Store.UpdateAsync(Key("alpha"), WithCounter(a2.Object, 3), a2.ResourceVersion, None);
        var bGone = await Store.DeleteAsync(Key("bravo"), null, None);

        Assert.True(await Store.CompactAsync(point.ResourceVersion, None) > 0);

        foreach (var old in new[] { start, a.ResourceVersion, a2.ResourceVersion })
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => Store.ReadChangesAsync(Collection("default"), old, 10, None));
            Assert.Equal(StoreErrorKind.Expired, error.Kind);
            Assert.Equal(point.ResourceVersion, error.OldestResourceVersion);
        }

        var after = await Store.ReadChangesAsync(Collection("default"), point.ResourceVersion, 10, None);
        Assert.Equal(
            [(ChangeType.Modified, a3.ResourceVersion), (ChangeType.Deleted, bGone.ResourceVersion)],
            after.Changes.Select(c => (c.Type, c.Object.ResourceVersion)).ToArray());
        Assert.Equal(2, Counter(after.Changes[0].Previous!.Object));

        // Compacting to an older point again does nothing.
        Assert.Equal(0, await Store.CompactAsync(a.ResourceVersion, None));
        await Store.ReadChangesAsync(Collection("default"), point.ResourceVersion, 10, None);
    }

    [SkippableFact]
    public async Task Compaction_never_removes_current_objects()
    {
        Requires(StoreFeature.ChangeLog, StoreFeature.ObjectVersionsInChangeLog, StoreFeature.Compaction);
        var keep = await Store.CreateAsync(Key("keep"), Widget("keep", spec: Spec(1)), None);
        keep = await Store.UpdateAsync(Key("keep"), WithCounter(keep.Object, 2), keep.ResourceVersion, None);
        var untouched = await Store.CreateAsync(Key("untouched", ns: "other"), Widget("untouched", "other"), None);
        await Store.CreateAsync(Key("gone"), Widget("gone"), None);
        await Store.DeleteAsync(Key("gone"), null, None);
        await Store.CreateAsync(Key("back"), Widget("back", spec: Spec(1)), None);
        await Store.DeleteAsync(Key("back"), null, None);
        var back = await Store.CreateAsync(Key("back"), Widget("back", spec: Spec(9)), None);

        await Store.CompactAsync(await Store.CurrentResourceVersionAsync(None), None);

        var all = await Store.ListAsync(Collection(null), new ListRequest(), None);
        Assert.Equal(["default/back", "default/keep", "other/untouched"], QualifiedNames(all.Items));
        Assert.Equal(keep.ResourceVersion, (await Store.GetAsync(Key("keep"), None))!.ResourceVersion);
        Assert.Equal(2, Counter((await Store.GetAsync(Key("keep"), None))!.Object));
        Assert.Equal(untouched.ResourceVersion, (await Store.GetAsync(Key("untouched", ns: "other"), None))!.ResourceVersion);
        Assert.Equal(9, Counter((await Store.GetAsync(Key("back"), None))!.Object));
        Assert.Null(await Store.GetAsync(Key("gone"), None));
        Assert.Equal(3, await Store.CountAsync(Collection(null), None));

        // The store keeps working: writes after compaction are conditional as before, and a deleted key can come back.
        await Store.UpdateAsync(Key("back"), WithCounter(back.Object, 10), back.ResourceVersion, None);
        var again = await Store.CreateAsync(Key("gone"), Widget("gone"), None);
        var batch = await Store.ReadChangesAsync(Collection("default"), back.ResourceVersion, 10, None);
        Assert.Equal([ChangeType.Modified, ChangeType.Added], batch.Changes.Select(c => c.Type).ToArray());
        Assert.Equal(again.ResourceVersion, batch.ResourceVersion);
    }

    [SkippableFact]
    public async Task Compaction_expires_continue_tokens_of_older_lists()
    {
        Requires(StoreFeature.Compaction);
        for (var i = 0; i < 4; i++)
        {
            await Store.CreateAsync(Key($"obj-{i}"), Widget($"obj-{i}"), None);
        }

        var first = await Store.ListAsync(Collection("default"), new ListRequest(Limit: 2), None);
        Assert.NotNull(first.Continue);

        // Compacting exactly to the list's version keeps its snapshot readable.
        await Store.CompactAsync(first.ResourceVersion, None);
        var second = await Store.ListAsync(Collection("default"), new ListRequest(Limit: 2, Continue: first.Continue), None);
        Assert.Equal(["obj-2", "obj-3"], Names(second.Items));

        await Store.DeleteAsync(Key("obj-3"), null, None);
        await Store.CompactAsync(await Store.CurrentResourceVersionAsync(None), None);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ListAsync(Collection("default"), new ListRequest(Limit: 2, Continue: first.Continue), None));
        Assert.Equal(StoreErrorKind.Expired, error.Kind);
    }

    protected static JsonObject Spec(int counter) => new() { ["counter"] = counter };

    protected static JsonObject Widget(string name, string ns = "default", JsonObject? spec = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns.Length > 0)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject
        {
            ["apiVersion"] = "example.com/v1",
            ["kind"] = "Widget",
            ["metadata"] = metadata,
            ["spec"] = spec ?? Spec(0),
        };
    }

    protected static JsonObject WithCounter(JsonObject value, int counter)
    {
        var copy = (JsonObject)value.DeepClone();
        copy["spec"] = Spec(counter);
        return copy;
    }

    protected static int Counter(JsonObject value) => value["spec"]!["counter"]!.GetValue<int>();

    protected static string? ResourceVersionOf(JsonObject value) => value["metadata"]?["resourceVersion"]?.GetValue<string>();

    protected static long Number(string resourceVersion) => long.Parse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Asserts equal JSON ignoring <c>metadata.resourceVersion</c>.</summary>
    protected static void AssertSameContent(JsonObject expected, JsonObject actual)
    {
        var left = WithoutResourceVersion(expected);
        var right = WithoutResourceVersion(actual);
        Assert.True(JsonNode.DeepEquals(left, right), $"expected {left.ToJsonString()} but got {right.ToJsonString()}");
    }

    private static JsonObject WithoutResourceVersion(JsonObject value)
    {
        var copy = (JsonObject)value.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }

    private static string[] Names(IEnumerable<StoredObject> items) =>
        items.Select(i => i.Object["metadata"]!["name"]!.GetValue<string>()).ToArray();

    private static string[] QualifiedNames(IEnumerable<StoredObject> items) =>
        items.Select(i => $"{i.Object["metadata"]!["namespace"]?.GetValue<string>() ?? ""}/{i.Object["metadata"]!["name"]!.GetValue<string>()}").ToArray();

    private async Task<List<string>> ListAllPages(CollectionKey collection, int limit)
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(collection, new ListRequest(limit, token), None);
            Assert.True(page.Items.Count <= limit, $"a page of {page.Items.Count} items exceeds the limit {limit}");
            seen.AddRange(QualifiedNames(page.Items));
            token = page.Continue;
            Assert.True(++pages <= 1000, "paging does not terminate");
        }
        while (token is not null);

        return seen;
    }
}

/// <summary>Parts of the store contract that a backend may be unable to provide (see <see cref="ObjectStoreConformanceTests.UnsupportedReason"/>).</summary>
public enum StoreFeature
{
    /// <summary>The change log can be read at all (ReadChanges, ReadAllChanges advance past new writes).</summary>
    ChangeLog,

    /// <summary>An object's resourceVersion is a position in the change log (read after it; the current version is the last write's).</summary>
    ObjectVersionsInChangeLog,

    /// <summary>Every write appears in the change log (not only the latest state of each object), with the previous state.</summary>
    EveryWriteInChangeLog,

    /// <summary>CompactAsync forgets history so that older change reads and continue tokens expire.</summary>
    Compaction,

    /// <summary>Later pages of a list show the collection as of the first page.</summary>
    SnapshotPaging,
}
