using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Objects;

public sealed class StatusAndRatchetingTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly WriteOptions Defaults = new();

    private static async Task<ResourceTarget> DefineWithStatusAsync(Engine engine)
    {
        var version = Crds.Version("v1");
        version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        await engine.DefineAsync(Crds.CronTab(versions: new JsonArray(version)));
        return await engine.CronTabsAsync();
    }

    private static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();

    [Fact]
    public async Task With_a_status_subresource_main_writes_ignore_status()
    {
        var engine = await Engine.StartAsync();
        var target = await DefineWithStatusAsync(engine);
        var body = Crds.CronTabObject("job");
        body["status"] = new JsonObject { ["lastRun"] = "set-by-user" };
        var created = (await engine.Service.CreateAsync(target, "default", body, Defaults, None)).Stored;
        Assert.Null(created.Object["status"]);

        var patched = (await engine.Service.PatchAsync(target, "default", "job", PatchKind.Merge, Crds.Parse("""{"status":{"lastRun":"again"},"spec":{"replicas":2}}"""), Defaults, None)).Stored;
        Assert.Null(patched.Object["status"]);
        Assert.Equal(2, patched.Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Status_writes_change_only_status_and_never_bump_generation()
    {
        var engine = await Engine.StartAsync();
        var target = await DefineWithStatusAsync(engine);
        await engine.Service.CreateAsync(target, "default", Crds.CronTabObject("job"), Defaults, None);

        var patched = (await engine.Service.PatchStatusAsync(target, "default", "job", PatchKind.Merge, Crds.Parse("""{"status":{"lastRun":"10:00"},"spec":{"image":"ignored"},"metadata":{"labels":{"ignored":"yes"}}}"""), Defaults, None)).Stored;
        Assert.Equal("10:00", patched.Object["status"]!["lastRun"]!.GetValue<string>());
        Assert.Equal("busybox:1", patched.Object["spec"]!["image"]!.GetValue<string>());
        Assert.Null(patched.Object["metadata"]!["labels"]);
        Assert.Equal(1, Generation(patched.Object));

        var replacement = (JsonObject)patched.Object.DeepClone();
        replacement["status"] = new JsonObject { ["lastRun"] = "11:00" };
        var replaced = (await engine.Service.ReplaceStatusAsync(target, "default", "job", replacement, Defaults, None)).Stored;
        Assert.Equal("11:00", replaced.Object["status"]!["lastRun"]!.GetValue<string>());
        Assert.Equal(1, Generation(replaced.Object));

        var specChange = (await engine.Service.PatchAsync(target, "default", "job", PatchKind.Merge, Crds.Parse("""{"spec":{"replicas":4}}"""), Defaults, None)).Stored;
        Assert.Equal(2, Generation(specChange.Object));
        Assert.Equal("11:00", specChange.Object["status"]!["lastRun"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_is_validated_against_the_schema()
    {
        var engine = await Engine.StartAsync();
        var target = await DefineWithStatusAsync(engine);
        await engine.Service.CreateAsync(target, "default", Crds.CronTabObject("job"), Defaults, None);
        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchStatusAsync(target, "default", "job", PatchKind.Merge, Crds.Parse("""{"status":{"lastRun":5}}"""), Defaults, None));
        Assert.Equal(422, error.Code);
        Assert.Contains(error.Causes, c => c.Field == "status.lastRun");
    }

    [Fact]
    public async Task Status_endpoints_need_the_subresource()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("job");
        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetStatusAsync(target, "default", "job", None));
        Assert.Equal(404, error.Code);
    }

    [Fact]
    public async Task Status_can_be_written_while_the_object_is_being_deleted()
    {
        var engine = await Engine.StartAsync();
        var target = await DefineWithStatusAsync(engine);
        var body = Crds.CronTabObject("job");
        body["metadata"]!["finalizers"] = new JsonArray("example.com/cleanup");
        await engine.Service.CreateAsync(target, "default", body, Defaults, None);
        await engine.Service.DeleteAsync(target, "default", "job", new DeleteOptions(), None);
        var patched = (await engine.Service.PatchStatusAsync(target, "default", "job", PatchKind.Merge, Crds.Parse("""{"status":{"lastRun":"cleaning"}}"""), Defaults, None)).Stored;
        Assert.Equal("cleaning", patched.Object["status"]!["lastRun"]!.GetValue<string>());
    }

    [Fact]
    public async Task After_a_schema_tightens_unchanged_invalid_fields_are_ratcheted_but_changed_ones_must_comply()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("legacy", image: "a-very-long-image-name");

        // Tighten: images may now be at most 5 characters.
        var definitions = await engine.DefinitionsAsync();
        var crd = (await engine.Service.GetAsync(definitions, null, "crontabs.stable.example.com", None)).Object;
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["image"]!["maxLength"] = 5;
        await engine.Service.ReplaceAsync(definitions, null, "crontabs.stable.example.com", crd, Defaults, None);
        target = await engine.CronTabsAsync();

        var untouched = await engine.Service.PatchAsync(target, "default", "legacy", PatchKind.Merge, Crds.Parse("""{"spec":{"replicas":3}}"""), Defaults, None);
        Assert.Equal(3, untouched.Stored.Object["spec"]!["replicas"]!.GetValue<int>());

        var changed = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "legacy", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"another-long-name"}}"""), Defaults, None));
        Assert.Contains(changed.Causes, c => c.Field == "spec.image");

        var fixedUp = await engine.Service.PatchAsync(target, "default", "legacy", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"ok:1"}}"""), Defaults, None);
        Assert.Equal("ok:1", fixedUp.Stored.Object["spec"]!["image"]!.GetValue<string>());

        var fresh = await Assert.ThrowsAsync<ApiException>(() => engine.CreateCronTabAsync("fresh", image: "a-very-long-image-name"));
        Assert.Contains(fresh.Causes, c => c.Field == "spec.image");
    }

    [Fact]
    public async Task Field_paths_resolve_indexes_and_keys()
    {
        var obj = Crds.Parse("""{"spec":{"ports":[{"name":"a"},{"name":"b"}],"labels":{"app":"x"}}}""");
        Assert.Equal("b", FieldPath.Resolve(obj, "spec.ports[1].name", out var found)!.GetValue<string>());
        Assert.True(found);
        Assert.Equal("x", FieldPath.Resolve(obj, "spec.labels[app]", out _)!.GetValue<string>());
        Assert.Equal("x", FieldPath.Resolve(obj, "spec.labels.app", out _)!.GetValue<string>());
        FieldPath.Resolve(obj, "spec.ports[7].name", out found);
        Assert.False(found);
    }
}
