using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Objects;

public sealed class DeletionTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly WriteOptions Defaults = new();

    private static async Task<StoredObject> CreateAsync(Engine engine, string name, string ns = "default", string[]? finalizers = null, JsonObject[]? owners = null)
    {
        var body = Crds.CronTabObject(name);
        if (finalizers is not null)
        {
            body["metadata"]!["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }

        if (owners is not null)
        {
            body["metadata"]!["ownerReferences"] = new JsonArray(owners.Select(o => (JsonNode)new JsonObject
            {
                ["apiVersion"] = o["apiVersion"]!.GetValue<string>(),
                ["kind"] = o["kind"]!.GetValue<string>(),
                ["name"] = o["metadata"]!["name"]!.GetValue<string>(),
                ["uid"] = o["metadata"]!["uid"]!.GetValue<string>(),
            }).ToArray());
        }

        return (await engine.Service.CreateAsync(await engine.CronTabsAsync(), ns, body, Defaults, None)).Stored;
    }

    private static async Task<StoredObject?> FindAsync(Engine engine, string name, string ns = "default")
    {
        try
        {
            return await engine.Service.GetAsync(await engine.CronTabsAsync(), ns, name, None);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private static async Task<StoredObject> RemoveFinalizersAsync(Engine engine, string name, string ns = "default") =>
        (await engine.Service.PatchAsync(await engine.CronTabsAsync(), ns, name, PatchKind.Merge, Crds.Parse("""{"metadata":{"finalizers":null}}"""), Defaults, None)).Stored;

    [Fact]
    public async Task Delete_without_finalizers_removes_the_object_at_once()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await CreateAsync(engine, "plain");
        await engine.Service.DeleteAsync(target, "default", "plain", new DeleteOptions(), None);
        Assert.Null(await FindAsync(engine, "plain"));
    }

    [Fact]
    public async Task Delete_with_finalizers_marks_the_object_and_keeps_it_readable()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await CreateAsync(engine, "held", finalizers: ["example.com/cleanup"]);

        var marked = await engine.Service.DeleteAsync(target, "default", "held", new DeleteOptions(), None);
        Assert.Equal("2024-05-06T07:08:09Z", marked.Object["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        var read = await FindAsync(engine, "held");
        Assert.NotNull(read);
        Assert.NotNull(read!.Object["metadata"]!["deletionTimestamp"]);

        // A second delete changes nothing and still answers with the marked object.
        var again = await engine.Service.DeleteAsync(target, "default", "held", new DeleteOptions(), None);
        Assert.Equal(read.ResourceVersion, again.ResourceVersion);
    }

    [Fact]
    public async Task Removing_the_last_finalizer_lets_the_object_go()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await CreateAsync(engine, "held", finalizers: ["a.example.com/one", "b.example.com/two"]);
        await engine.Service.DeleteAsync(target, "default", "held", new DeleteOptions(), None);

        await engine.Service.PatchAsync(target, "default", "held", PatchKind.Json, JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers/0"}]"""), Defaults, None);
        Assert.NotNull(await FindAsync(engine, "held"));
        await RemoveFinalizersAsync(engine, "held");
        Assert.Null(await FindAsync(engine, "held"));
    }

    [Fact]
    public async Task While_deleting_updates_may_only_remove_finalizers()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await CreateAsync(engine, "held", finalizers: ["example.com/cleanup"]);
        await engine.Service.DeleteAsync(target, "default", "held", new DeleteOptions(), None);

        var specChange = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "held", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"other"}}"""), Defaults, None));
        Assert.Equal(422, specChange.Code);
        Assert.Contains(specChange.Causes, c => c.Field == "metadata.deletionTimestamp");

        var addFinalizer = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "held", PatchKind.Merge, Crds.Parse("""{"metadata":{"finalizers":["example.com/cleanup","example.com/more"]}}"""), Defaults, None));
        Assert.Contains(addFinalizer.Causes, c => c.Field == "metadata.finalizers" && c.Message.Contains("example.com/more", StringComparison.Ordinal));
        Assert.NotNull(await FindAsync(engine, "held"));
    }

    [Fact]
    public async Task Deleting_a_namespace_marks_it_terminating_until_its_objects_are_gone()
    {
        var engine = await Engine.StartAsync();
        var crontabs = await engine.DefineCronTabsAsync();
        var namespaces = await engine.NamespacesAsync();
        await engine.CreateNamespaceAsync("team-a");
        await CreateAsync(engine, "free", "team-a");
        await CreateAsync(engine, "held", "team-a", finalizers: ["example.com/cleanup"]);
        await CreateAsync(engine, "elsewhere");

        var marked = await engine.Service.DeleteAsync(namespaces, null, "team-a", new DeleteOptions(), None);
        Assert.Equal("Terminating", marked.Object["status"]!["phase"]!.GetValue<string>());
        Assert.Null(await FindAsync(engine, "free", "team-a"));
        Assert.NotNull((await FindAsync(engine, "held", "team-a"))!.Object["metadata"]!["deletionTimestamp"]);
        Assert.NotNull(await FindAsync(engine, "elsewhere"));

        var refused = await Assert.ThrowsAsync<ApiException>(() => CreateAsync(engine, "late", "team-a"));
        Assert.Equal(403, refused.Code);

        await RemoveFinalizersAsync(engine, "held", "team-a");
        await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(namespaces, null, "team-a", None));
        _ = crontabs;
    }

    [Fact]
    public async Task Deleting_an_empty_namespace_removes_it_at_once()
    {
        var engine = await Engine.StartAsync();
        var namespaces = await engine.NamespacesAsync();
        await engine.CreateNamespaceAsync("empty");
        var deleted = await engine.Service.DeleteAsync(namespaces, null, "empty", new DeleteOptions(), None);
        Assert.NotNull(deleted.Object["metadata"]!["deletionTimestamp"]);
        var missing = await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(namespaces, null, "empty", None));
        Assert.Equal(404, missing.Code);
    }

    [Fact]
    public async Task Cascading_definition_delete_waits_for_finalized_objects_and_refuses_new_ones()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineCronTabsAsync();
        var definitions = await engine.DefinitionsAsync();
        await CreateAsync(engine, "free");
        await CreateAsync(engine, "held", finalizers: ["example.com/cleanup"]);

        var marked = await engine.Service.DeleteAsync(definitions, null, "crontabs.stable.example.com", new DeleteOptions("Background"), None);
        Assert.Contains(marked.Object["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "Terminating");
        Assert.Null(await FindAsync(engine, "free"));

        var refused = await Assert.ThrowsAsync<ApiException>(() => CreateAsync(engine, "late"));
        Assert.Equal(405, refused.Code);

        await RemoveFinalizersAsync(engine, "held");
        var gone = await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(definitions, null, "crontabs.stable.example.com", None));
        Assert.Equal(404, gone.Code);
    }

    [Fact]
    public async Task Background_deletion_removes_dependents_after_the_owner()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var owner = await CreateAsync(engine, "owner");
        await CreateAsync(engine, "child", owners: [owner.Object]);
        await CreateAsync(engine, "grandchild", owners: [(await FindAsync(engine, "child"))!.Object]);
        await CreateAsync(engine, "unrelated");

        await engine.Service.DeleteAsync(target, "default", "owner", new DeleteOptions("Background"), None);
        Assert.Null(await FindAsync(engine, "owner"));
        Assert.Null(await FindAsync(engine, "child"));
        Assert.Null(await FindAsync(engine, "grandchild"));
        Assert.NotNull(await FindAsync(engine, "unrelated"));
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_drops_their_reference()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var owner = await CreateAsync(engine, "owner");
        await CreateAsync(engine, "child", owners: [owner.Object]);

        await engine.Service.DeleteAsync(target, "default", "owner", new DeleteOptions("Orphan"), None);
        var child = await FindAsync(engine, "child");
        Assert.NotNull(child);
        Assert.Null(child!.Object["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_dependents_are_gone()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var owner = await CreateAsync(engine, "owner");
        await CreateAsync(engine, "child", owners: [owner.Object], finalizers: ["example.com/cleanup"]);

        var marked = await engine.Service.DeleteAsync(target, "default", "owner", new DeleteOptions("Foreground"), None);
        Assert.Contains("foregroundDeletion", marked.Object["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.NotNull(await FindAsync(engine, "owner"));
        Assert.NotNull((await FindAsync(engine, "child"))!.Object["metadata"]!["deletionTimestamp"]);

        await RemoveFinalizersAsync(engine, "child");
        Assert.Null(await FindAsync(engine, "child"));
        Assert.Null(await FindAsync(engine, "owner"));
    }

    [Fact]
    public async Task A_dependent_with_a_living_second_owner_survives_and_loses_the_dangling_reference()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var first = await CreateAsync(engine, "first");
        var second = await CreateAsync(engine, "second");
        await CreateAsync(engine, "shared", owners: [first.Object, second.Object]);

        await engine.Service.DeleteAsync(target, "default", "first", new DeleteOptions("Background"), None);
        var shared = await FindAsync(engine, "shared");
        Assert.NotNull(shared);
        var references = shared!.Object["metadata"]!["ownerReferences"]!.AsArray();
        Assert.Single(references);
        Assert.Equal("second", references[0]!["name"]!.GetValue<string>());
    }
}
