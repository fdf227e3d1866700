using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Objects;

public sealed class ResourceServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly WriteOptions Defaults = new();

    // ---- create ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Create_sets_uid_creation_timestamp_from_the_clock_and_generation_1()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        engine.Clock.Now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var body = Crds.CronTabObject("nightly");
        body["metadata"]!["uid"] = "client-uid";
        body["metadata"]!["resourceVersion"] = "999";
        body["metadata"]!["generation"] = 7;

        var result = await engine.Service.CreateAsync(target, "default", body, Defaults, None);

        var meta = result.Stored.Object["metadata"]!;
        Assert.True(result.Created);
        Assert.True(Guid.TryParse(meta["uid"]!.GetValue<string>(), out _));
        Assert.NotEqual("client-uid", meta["uid"]!.GetValue<string>());
        Assert.Equal("2030-01-02T03:04:05Z", meta["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(1, meta["generation"]!.GetValue<long>());
        Assert.Equal("default", meta["namespace"]!.GetValue<string>());
        Assert.Equal(result.Stored.ResourceVersion, meta["resourceVersion"]!.GetValue<string>());
        Assert.NotEqual("999", result.Stored.ResourceVersion);
        Assert.Equal(1, result.Stored.Object["spec"]!["replicas"]!.GetValue<int>()); // schema default
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Create_of_an_existing_name_is_409_already_exists()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.CreateCronTabAsync("nightly"));

        Assert.Equal((409, "AlreadyExists"), (error.Code, error.Reason));
        Assert.Equal("crontabs.stable.example.com \"nightly\" already exists", error.Message);
    }

    [Fact]
    public async Task Create_without_name_or_generate_name_is_422()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", Crds.CronTabObject(null), Defaults, None));

        Assert.Equal(422, error.Code);
        Assert.Equal("metadata.name", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Generate_name_adds_five_characters_to_the_prefix()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var body = Crds.CronTabObject(null);
        body["metadata"]!["generateName"] = "nightly-";

        var result = await engine.Service.CreateAsync(target, "default", body, Defaults, None);

        var name = ObjectMetadata.Name(result.Stored.Object);
        Assert.Matches("^nightly-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        Assert.Equal("nightly-", result.Stored.Object["metadata"]!["generateName"]!.GetValue<string>());
        Assert.NotNull(await engine.Store.GetAsync(new ObjectKey("stable.example.com", "crontabs", "default", name), None));
    }

    [Fact]
    public async Task Generate_name_retries_with_a_new_name_on_collision()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var collisions = 2;
        engine.Scripted.BeforeCreate = (key, _) => key.Resource == "crontabs" && collisions-- > 0
            ? throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} exists")
            : Task.CompletedTask;
        var body = Crds.CronTabObject(null);
        body["metadata"]!["generateName"] = "nightly-";

        var result = await engine.Service.CreateAsync(target, "default", body, Defaults, None);

        var attempts = engine.Scripted.Creates.Where(k => k.Resource == "crontabs").Select(k => k.Name).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Equal(3, attempts.Distinct().Count());
        Assert.Equal(ObjectMetadata.Name(result.Stored.Object), attempts[^1]);
        Assert.Equal(1, await engine.Store.CountAsync(new CollectionKey("stable.example.com", "crontabs", null), None));
    }

    [Fact]
    public async Task Generate_name_gives_up_after_repeated_collisions()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        engine.Scripted.BeforeCreate = (key, _) => throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} exists");
        var body = Crds.CronTabObject(null);
        body["metadata"]!["generateName"] = "nightly-";

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", body, Defaults, None));

        Assert.Equal((409, "AlreadyExists"), (error.Code, error.Reason));
        Assert.Equal(9, engine.Scripted.Creates.Count(k => k.Resource == "crontabs"));
    }

    [Fact]
    public async Task Explicit_name_collision_is_not_retried()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        engine.Scripted.BeforeCreate = (key, _) => throw new StoreException(StoreErrorKind.AlreadyExists, $"{key} exists");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", Crds.CronTabObject("nightly"), Defaults, None));

        Assert.Equal(409, error.Code);
        Assert.Single(engine.Scripted.Creates, k => k.Resource == "crontabs");
    }

    [Fact]
    public async Task Generated_namespace_name_is_a_valid_label_even_for_a_long_prefix()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.NamespacesAsync();
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["generateName"] = new string('n', 62) } };

        var result = await engine.Service.CreateAsync(target, null, body, Defaults, None);

        Assert.True(NameRules.IsDns1123Label(ObjectMetadata.Name(result.Stored.Object)));
    }

    [Fact]
    public async Task Namespaced_create_in_a_missing_namespace_is_404_for_the_namespace()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.CreateCronTabAsync("nightly", ns: "nowhere"));

        Assert.Equal((404, "NotFound"), (error.Code, error.Reason));
        Assert.Equal("namespaces \"nowhere\" not found", error.Message);
        Assert.Equal(new ErrorSubject("", "namespaces", "nowhere"), error.Subject);
        Assert.DoesNotContain(engine.Scripted.Creates, k => k.Resource == "crontabs");
    }

    [Fact]
    public async Task Namespaced_create_in_a_terminating_namespace_is_403()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineCronTabsAsync();
        await engine.Store.CreateAsync(new ObjectKey("", "namespaces", "", "leaving"), Crds.Parse("""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"leaving"},"status":{"phase":"Terminating"}}
            """), None);

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.CreateCronTabAsync("nightly", ns: "leaving"));

        Assert.Equal((403, "Forbidden"), (error.Code, error.Reason));
        Assert.Contains("because it is being terminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespace_in_the_body_must_match_the_url()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateNamespaceAsync("other");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", Crds.CronTabObject("nightly", ns: "other"), Defaults, None));

        Assert.Equal((400, "BadRequest"), (error.Code, error.Reason));
        Assert.Contains("(other) does not match the namespace sent on the request (default)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_scoped_create_strips_the_namespace()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab(scope: "Cluster"));
        var target = await engine.CronTabsAsync();

        var result = await engine.Service.CreateAsync(target, null, Crds.CronTabObject("global", ns: "default"), Defaults, None);

        Assert.Null(result.Stored.Object["metadata"]!["namespace"]);
        Assert.NotNull(await engine.Store.GetAsync(new ObjectKey("stable.example.com", "crontabs", "", "global"), None));
    }

    [Theory]
    [InlineData("CronJob", "stable.example.com/v1", "the kind in the data (CronJob) does not match the expected kind (CronTab)")]
    [InlineData("CronTab", "stable.example.com/v2", "the API version in the data (stable.example.com/v2) does not match the expected API version (stable.example.com/v1)")]
    [InlineData("", "stable.example.com/v1", "Object 'Kind' is missing in the request body")]
    [InlineData("CronTab", "", "Object 'apiVersion' is missing in the request body")]
    public async Task Kind_and_api_version_must_match_the_url(string kind, string apiVersion, string message)
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var body = Crds.CronTabObject("nightly");
        body["kind"] = kind;
        body["apiVersion"] = apiVersion;

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", body, Defaults, None));

        Assert.Equal((400, message), (error.Code, error.Message));
    }

    [Fact]
    public async Task Body_that_is_not_an_object_is_400()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", new JsonArray(), Defaults, None));

        Assert.Equal((400, "the request body must be a JSON or YAML object, not array"), (error.Code, error.Message));
    }

    [Fact]
    public async Task Schema_violations_are_422_with_every_cause()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var body = Crds.CronTabObject("nightly", image: "");
        body["spec"]!["replicas"] = 50;
        body["metadata"]!["labels"] = new JsonObject { ["bad key!"] = "x" };

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", body, Defaults, None));

        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        Assert.Equal(["metadata.labels", "spec.image", "spec.replicas"], error.Causes.Select(c => c.Field).Order(StringComparer.Ordinal));
        Assert.StartsWith("CronTab.stable.example.com \"nightly\" is invalid: [", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Scripted.Creates, k => k.Resource == "crontabs");
    }

    // ---- unknown fields and warnings ------------------------------------------------------------------------

    [Fact]
    public async Task Strict_field_validation_refuses_every_unknown_field_with_400()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", WithUnknownFields(), new WriteOptions(FieldValidation.Strict), None));

        Assert.Equal(400, error.Code);
        Assert.Equal(
            "CronTab in version \"v1\" cannot be handled as a CronTab: strict decoding error: unknown field \"metadata.colour\", unknown field \"spec.colour\", unknown field \"top\"",
            error.Message);
        Assert.DoesNotContain(engine.Scripted.Creates, k => k.Resource == "crontabs");
    }

    [Fact]
    public async Task Warn_field_validation_drops_unknown_fields_with_a_warning_each()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var result = await engine.Service.CreateAsync(target, "default", WithUnknownFields(), new WriteOptions(FieldValidation.Warn), None);

        Assert.Equal(["unknown field \"metadata.colour\"", "unknown field \"spec.colour\"", "unknown field \"top\""], result.Warnings);
        AssertPruned(result.Stored.Object);
    }

    [Fact]
    public async Task Ignore_field_validation_drops_unknown_fields_silently()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var result = await engine.Service.CreateAsync(target, "default", WithUnknownFields(), new WriteOptions(FieldValidation.Ignore), None);

        Assert.Empty(result.Warnings);
        AssertPruned(result.Stored.Object);
    }

    [Fact]
    public async Task Deprecated_version_warning_is_returned_on_writes()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab(versions: new JsonArray(
            Crds.Version("v1beta1", storage: false, deprecated: true, warning: "stable.example.com/v1beta1 CronTab is going away; use v1"),
            Crds.Version("v1"))));
        var beta = await engine.CronTabsAsync("v1beta1");

        var result = await engine.Service.CreateAsync(beta, "default", Crds.CronTabObject("nightly", version: "v1beta1"), Defaults, None);

        Assert.Equal(["stable.example.com/v1beta1 CronTab is going away; use v1"], result.Warnings);
        Assert.Equal(["stable.example.com/v1beta1 CronTab is going away; use v1"], beta.VersionWarnings);
        Assert.Empty((await engine.CronTabsAsync("v1")).VersionWarnings);
    }

    [Fact]
    public async Task Deprecated_version_without_a_warning_text_gets_the_default_warning()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab(versions: new JsonArray(Crds.Version("v1beta1", storage: false, deprecated: true), Crds.Version("v1"))));

        var beta = await engine.CronTabsAsync("v1beta1");

        Assert.Equal(["stable.example.com/v1beta1 CronTab is deprecated"], beta.VersionWarnings);
    }

    // ---- versions -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Objects_are_stored_in_the_storage_version_and_read_in_the_requested_version()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab(versions: new JsonArray(Crds.Version("v1beta1", storage: false), Crds.Version("v1"))));
        var beta = await engine.CronTabsAsync("v1beta1");
        var v1 = await engine.CronTabsAsync("v1");

        var created = await engine.Service.CreateAsync(beta, "default", Crds.CronTabObject("nightly", version: "v1beta1"), Defaults, None);

        Assert.Equal("stable.example.com/v1beta1", created.Stored.Object["apiVersion"]!.GetValue<string>());
        var raw = await engine.Store.GetAsync(new ObjectKey("stable.example.com", "crontabs", "default", "nightly"), None);
        Assert.Equal("stable.example.com/v1", raw!.Object["apiVersion"]!.GetValue<string>());
        Assert.Equal("stable.example.com/v1", (await engine.Service.GetAsync(v1, "default", "nightly", None)).Object["apiVersion"]!.GetValue<string>());
        Assert.Equal("stable.example.com/v1beta1", (await engine.Service.GetAsync(beta, "default", "nightly", None)).Object["apiVersion"]!.GetValue<string>());
        var listed = await engine.Service.ListAsync(beta, "default", new ListOptions(), None);
        Assert.Equal("stable.example.com/v1beta1", Assert.Single(listed.Items).Object["apiVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unserved_version_or_unknown_type_does_not_resolve()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab(versions: new JsonArray(Crds.Version("v1beta1", served: false, storage: false), Crds.Version("v1"))));

        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.CronTabsAsync("v1beta1"))).Code);
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.ResolveAsync("stable.example.com", "v1", "cronjobs", None))).Code);
    }

    // ---- get / list -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Get_of_a_missing_object_is_404_naming_it()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(target, "default", "ghost", None));

        Assert.Equal((404, "crontabs.stable.example.com \"ghost\" not found"), (error.Code, error.Message));
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue_and_maps_store_errors()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await engine.CreateCronTabAsync(name);
        }

        var first = await engine.Service.ListAsync(target, "default", new ListOptions(Limit: 2), None);
        var second = await engine.Service.ListAsync(target, "default", new ListOptions(Limit: 2, Continue: first.Continue), None);

        Assert.Equal(["a", "b"], first.Items.Select(i => ObjectMetadata.Name(i.Object)));
        Assert.Equal(["c"], second.Items.Select(i => ObjectMetadata.Name(i.Object)));
        Assert.Null(second.Continue);
        Assert.Equal(400, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.ListAsync(target, "default", new ListOptions(Limit: -1), None))).Code);
        Assert.Equal(400, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.ListAsync(target, "default", new ListOptions(Limit: 2, Continue: "garbage"), None))).Code);
        await engine.CreateCronTabAsync("d");
        engine.Store.Compact();
        var expired = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ListAsync(target, "default", new ListOptions(Limit: 2, Continue: first.Continue), None));
        Assert.Equal((410, "Expired"), (expired.Code, expired.Reason));
    }

    // ---- replace --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Replace_without_resource_version_is_422()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(target, "default", "nightly", Crds.CronTabObject("nightly"), Defaults, None));

        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        var cause = Assert.Single(error.Causes);
        Assert.Equal("metadata.resourceVersion", cause.Field);
        Assert.Contains("must be specified for an update", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_409_conflict()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        await engine.Service.ReplaceAsync(target, "default", "nightly", WithImage(created.Object, "v2"), Defaults, None);

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(target, "default", "nightly", WithImage(created.Object, "v3"), Defaults, None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Equal("Operation cannot be fulfilled on crontabs.stable.example.com \"nightly\": the object has been modified; please apply your changes to the latest version and try again", error.Message);
        Assert.Equal("v2", Image((await engine.Service.GetAsync(target, "default", "nightly", None)).Object));
    }

    [Fact]
    public async Task Replace_with_another_name_in_the_body_is_400()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var body = WithImage(created.Object, "v2");
        body["metadata"]!["name"] = "daily";

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(target, "default", "nightly", body, Defaults, None));

        Assert.Equal((400, "the name of the object (daily) does not match the name on the URL (nightly)"), (error.Code, error.Message));
    }

    [Fact]
    public async Task Replace_with_another_uid_is_409()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var body = WithImage(created.Object, "v2");
        body["metadata"]!["uid"] = Guid.NewGuid().ToString();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(target, "default", "nightly", body, Defaults, None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Contains("Precondition failed: UID in precondition", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_of_a_missing_object_is_404()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var body = Crds.CronTabObject("ghost");
        body["metadata"]!["resourceVersion"] = "1";

        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(target, "default", "ghost", body, Defaults, None))).Code);
    }

    [Fact]
    public async Task Replace_that_changes_nothing_keeps_the_resource_version_and_writes_nothing()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var before = engine.Store.CurrentRevision;

        var result = await engine.Service.ReplaceAsync(target, "default", "nightly", created.Object.DeepClone(), Defaults, None);

        Assert.Equal(created.ResourceVersion, result.Stored.ResourceVersion);
        Assert.Equal(before, engine.Store.CurrentRevision);
        Assert.Empty(engine.Scripted.Updates);
    }

    [Fact]
    public async Task Replace_keeps_server_owned_metadata()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var body = WithImage(created.Object, "v2");
        var meta = (JsonObject)body["metadata"]!;
        meta.Remove("uid");
        meta["creationTimestamp"] = "1999-01-01T00:00:00Z";
        meta["generation"] = 40;

        var result = await engine.Service.ReplaceAsync(target, "default", "nightly", body, Defaults, None);

        var after = result.Stored.Object["metadata"]!;
        Assert.Equal(created.Object["metadata"]!["uid"]!.GetValue<string>(), after["uid"]!.GetValue<string>());
        Assert.Equal(created.Object["metadata"]!["creationTimestamp"]!.GetValue<string>(), after["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(2, after["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Without_a_status_subresource_generation_bumps_for_every_change_outside_metadata()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var current = await engine.CreateCronTabAsync("nightly");

        var labelled = current.Object.DeepClone().AsObject();
        labelled["metadata"]!["labels"] = new JsonObject { ["tier"] = "batch" };
        current = (await engine.Service.ReplaceAsync(target, "default", "nightly", labelled, Defaults, None)).Stored;
        Assert.Equal(1, Generation(current.Object));

        var withStatus = current.Object.DeepClone().AsObject();
        withStatus["status"] = new JsonObject { ["lastRun"] = "now" };
        current = (await engine.Service.ReplaceAsync(target, "default", "nightly", withStatus, Defaults, None)).Stored;
        Assert.Equal(2, Generation(current.Object));
        Assert.Equal("now", current.Object["status"]!["lastRun"]!.GetValue<string>());

        current = (await engine.Service.ReplaceAsync(target, "default", "nightly", WithImage(current.Object, "v2"), Defaults, None)).Stored;
        Assert.Equal(3, Generation(current.Object));

        current = (await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, Crds.Parse("""{"spec":{"replicas":3}}"""), Defaults, None)).Stored;
        Assert.Equal(4, Generation(current.Object));
    }

    [Fact]
    public async Task Dry_run_replace_returns_the_result_but_writes_nothing()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");

        var result = await engine.Service.ReplaceAsync(target, "default", "nightly", WithImage(created.Object, "v2"), new WriteOptions(DryRun: true), None);

        Assert.Equal("v2", Image(result.Stored.Object));
        Assert.Empty(engine.Scripted.Updates);
        Assert.Equal("busybox:1", Image((await engine.Service.GetAsync(target, "default", "nightly", None)).Object));
    }

    // ---- patch ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Merge_patch_updates_fields_and_removes_nulls()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var result = await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge,
            Crds.Parse("""{"metadata":{"labels":{"a":"b"}},"spec":{"image":"v2","replicas":null}}"""), Defaults, None);

        Assert.Equal("v2", Image(result.Stored.Object));
        Assert.Equal("b", result.Stored.Object["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Equal(1, result.Stored.Object["spec"]!["replicas"]!.GetValue<int>()); // removed, then defaulted again
    }

    [Fact]
    public async Task Json_patch_applies_operations_in_order()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");
        var patch = JsonNode.Parse("""
            [{"op":"test","path":"/spec/image","value":"busybox:1"},
             {"op":"replace","path":"/spec/image","value":"v2"},
             {"op":"add","path":"/spec/replicas","value":4}]
            """);

        var result = await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Json, patch, Defaults, None);

        Assert.Equal("v2", Image(result.Stored.Object));
        Assert.Equal(4, result.Stored.Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Json_patch_that_cannot_be_applied_is_422_and_changes_nothing()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var patch = JsonNode.Parse("""[{"op":"replace","path":"/spec/image","value":"v2"},{"op":"test","path":"/spec/image","value":"other"}]""");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Json, patch, Defaults, None));

        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        Assert.Equal(created.ResourceVersion, (await engine.Service.GetAsync(target, "default", "nightly", None)).ResourceVersion);
    }

    [Fact]
    public async Task Patch_producing_an_invalid_object_is_422()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, Crds.Parse("""{"spec":{"replicas":11}}"""), Defaults, None));

        Assert.Equal("spec.replicas", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Patch_of_a_missing_object_is_404()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();

        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "ghost", PatchKind.Merge, new JsonObject(), Defaults, None))).Code);
    }

    [Fact]
    public async Task Patch_is_reapplied_when_a_concurrent_writer_changes_the_object_between_read_and_write()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");
        var injected = false;
        engine.Scripted.BeforeUpdate = async (key, _) =>
        {
            if (injected)
            {
                return;
            }

            injected = true;
            var current = await engine.Store.GetAsync(key, None);
            var changed = current!.Object.DeepClone().AsObject();
            changed["metadata"]!["labels"] = new JsonObject { ["writer"] = "other" };
            await engine.Store.UpdateAsync(key, changed, current.ResourceVersion, None);
        };

        var result = await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"v2"}}"""), Defaults, None);

        Assert.True(injected);
        Assert.Equal(2, engine.Scripted.Updates.Count);
        Assert.Equal("v2", Image(result.Stored.Object));
        Assert.Equal("other", result.Stored.Object["metadata"]!["labels"]!["writer"]!.GetValue<string>());
        var stored = await engine.Service.GetAsync(target, "default", "nightly", None);
        Assert.Equal(result.Stored.ResourceVersion, stored.ResourceVersion);
        Assert.Equal("v2", Image(stored.Object));
        Assert.Equal("other", stored.Object["metadata"]!["labels"]!["writer"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_with_the_current_resource_version_is_not_retried_after_a_concurrent_write()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        engine.Scripted.BeforeUpdate = async (key, _) =>
        {
            engine.Scripted.BeforeUpdate = null;
            var current = await engine.Store.GetAsync(key, None);
            await engine.Store.UpdateAsync(key, WithImage(current!.Object, "other"), current.ResourceVersion, None);
        };
        var patch = Crds.Parse($$$"""{"metadata":{"resourceVersion":"{{{created.ResourceVersion}}}"},"spec":{"image":"v2"}}""");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, patch, Defaults, None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Equal("other", Image((await engine.Service.GetAsync(target, "default", "nightly", None)).Object));
    }

    [Fact]
    public async Task Patch_with_an_explicit_stale_resource_version_is_409()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"v2"}}"""), Defaults, None);
        var patch = Crds.Parse($$$"""{"metadata":{"resourceVersion":"{{{created.ResourceVersion}}}"},"spec":{"image":"v3"}}""");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, patch, Defaults, None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Equal("v2", Image((await engine.Service.GetAsync(target, "default", "nightly", None)).Object));
    }

    // ---- delete ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Delete_returns_the_last_state_and_removes_the_object()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var deleted = await engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(), None);

        Assert.Equal("nightly", ObjectMetadata.Name(deleted.Object));
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(target, "default", "nightly", None))).Code);
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(), None))).Code);
    }

    [Fact]
    public async Task Delete_with_a_wrong_uid_precondition_is_409()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("nightly");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(PreconditionUid: "someone-else"), None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Contains("UID in precondition: someone-else", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await engine.Service.GetAsync(target, "default", "nightly", None));
    }

    [Fact]
    public async Task Delete_with_a_stale_resource_version_precondition_is_409()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var created = await engine.CreateCronTabAsync("nightly");
        var updated = await engine.Service.PatchAsync(target, "default", "nightly", PatchKind.Merge, Crds.Parse("""{"spec":{"image":"v2"}}"""), Defaults, None);

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(PreconditionResourceVersion: created.ResourceVersion), None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        var uid = created.Object["metadata"]!["uid"]!.GetValue<string>();
        await engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(PreconditionResourceVersion: updated.Stored.ResourceVersion, PreconditionUid: uid), None);
    }

    [Fact]
    public async Task Dry_run_create_and_delete_write_nothing()
    {
        var engine = await Engine.StartAsync();
        var target = await engine.DefineCronTabsAsync();
        var before = engine.Store.CurrentRevision;

        var created = await engine.Service.CreateAsync(target, "default", Crds.CronTabObject("nightly"), new WriteOptions(DryRun: true), None);

        Assert.True(created.Created);
        Assert.Equal("nightly", ObjectMetadata.Name(created.Stored.Object));
        Assert.Equal(1, created.Stored.Object["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(before, engine.Store.CurrentRevision);

        await engine.CreateCronTabAsync("nightly");
        var dryDuplicate = await Assert.ThrowsAsync<ApiException>(() => engine.Service.CreateAsync(target, "default", Crds.CronTabObject("nightly"), new WriteOptions(DryRun: true), None));
        Assert.Equal(409, dryDuplicate.Code);

        before = engine.Store.CurrentRevision;
        await engine.Service.DeleteAsync(target, "default", "nightly", new DeleteOptions(DryRun: true), None);
        Assert.Equal(before, engine.Store.CurrentRevision);
        Assert.NotNull(await engine.Service.GetAsync(target, "default", "nightly", None));
    }

    // ---- definitions ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Created_definition_gets_accepted_names_stored_versions_and_conditions()
    {
        var engine = await Engine.StartAsync();

        var crd = await engine.DefineAsync(Crds.CronTab());

        var status = crd.Object["status"]!;
        Assert.Equal(["v1"], status["storedVersions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("crontab", status["acceptedNames"]!["singular"]!.GetValue<string>());
        Assert.Equal("CronTabList", status["acceptedNames"]!["listKind"]!.GetValue<string>());
        Assert.Equal(["NamesAccepted", "Established"], status["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
        Assert.All(status["conditions"]!.AsArray(), c => Assert.Equal("2024-05-06T07:08:09Z", c!["lastTransitionTime"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Invalid_definition_is_422_with_every_parser_problem()
    {
        var engine = await Engine.StartAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.DefineAsync(Crds.CronTab(group: "example", scope: "Global")));

        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        Assert.Equal(["spec.group", "spec.scope"], error.Causes.Select(c => c.Field).Order(StringComparer.Ordinal));
        Assert.StartsWith("CustomResourceDefinition.apiextensions.k8s.io \"crontabs.example\" is invalid: [", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Definition_kind_and_singular_may_not_clash_within_a_group()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab());

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.DefineAsync(Crds.CronTab(plural: "schedules", singular: "crontab", shortNames: [])));

        Assert.Equal(422, error.Code);
        Assert.Equal(["spec.names.kind", "spec.names.singular"], error.Causes.Select(c => c.Field));
        Assert.All(error.Causes, c => Assert.EndsWith("is already in use by crontabs.stable.example.com", c.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Definition_short_names_may_not_clash_across_groups_and_with_built_ins()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab());

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.DefineAsync(Crds.CronTab(group: "other.example.com", plural: "tabs", kind: "Tab", shortNames: ["tb", "ct", "ns"])));

        Assert.Equal(422, error.Code);
        var causes = error.Causes.OrderBy(c => c.Field, StringComparer.Ordinal).ToList();
        Assert.Equal(["spec.names.shortNames[1]", "spec.names.shortNames[2]"], causes.Select(c => c.Field));
        Assert.EndsWith("is already in use by crontabs.stable.example.com", causes[0].Message, StringComparison.Ordinal);
        Assert.EndsWith("is already in use by namespaces", causes[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_kind_in_another_group_is_allowed()
    {
        var engine = await Engine.StartAsync();
        await engine.DefineAsync(Crds.CronTab());

        await engine.DefineAsync(Crds.CronTab(group: "other.example.com", shortNames: []));

        Assert.Equal(2 + BuiltInDefinitions.All.Count, (await engine.Catalog.ListAsync(None)).Count);
    }

    [Fact]
    public async Task Definition_update_keeps_the_union_of_stored_versions()
    {
        var engine = await Engine.StartAsync();
        var definitions = await engine.DefinitionsAsync();
        var created = await engine.DefineAsync(Crds.CronTab());
        var body = created.Object.DeepClone().AsObject();
        body["spec"]!["versions"] = new JsonArray(Crds.Version("v1", storage: false), Crds.Version("v2"));
        engine.Clock.Advance(TimeSpan.FromHours(1));

        var updated = await engine.Service.ReplaceAsync(definitions, null, "crontabs.stable.example.com", body, Defaults, None);

        var status = updated.Stored.Object["status"]!;
        Assert.Equal(["v1", "v2"], status["storedVersions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.All(status["conditions"]!.AsArray(), c => Assert.Equal("2024-05-06T07:08:09Z", c!["lastTransitionTime"]!.GetValue<string>()));
        Assert.Equal(2, Generation(updated.Stored.Object));
        Assert.NotNull(await engine.CronTabsAsync("v2"));
    }

    [Fact]
    public async Task Definition_scope_may_not_change_while_objects_exist()
    {
        var engine = await Engine.StartAsync();
        var definitions = await engine.DefinitionsAsync();
        var created = await engine.DefineAsync(Crds.CronTab());
        await engine.CreateCronTabAsync("nightly");
        var body = created.Object.DeepClone().AsObject();
        body["spec"]!["scope"] = "Cluster";

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.ReplaceAsync(definitions, null, "crontabs.stable.example.com", body, Defaults, None));

        Assert.Equal(("FieldValueForbidden", "spec.scope"), (Assert.Single(error.Causes).Reason, error.Causes[0].Field));
    }

    [Fact]
    public async Task Deleting_a_definition_with_objects_is_409_naming_the_count()
    {
        var engine = await Engine.StartAsync();
        var definitions = await engine.DefinitionsAsync();
        await engine.DefineCronTabsAsync();
        await engine.CreateNamespaceAsync("other");
        await engine.CreateCronTabAsync("a");
        await engine.CreateCronTabAsync("b", ns: "other");

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.DeleteAsync(definitions, null, "crontabs.stable.example.com", new DeleteOptions(), None));

        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Contains("still has 2 object(s)", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await engine.CronTabsAsync());
    }

    [Theory]
    [InlineData("Background")]
    [InlineData("Foreground")]
    public async Task Deleting_a_definition_with_a_propagation_policy_deletes_its_objects_then_the_definition(string policy)
    {
        var engine = await Engine.StartAsync();
        var definitions = await engine.DefinitionsAsync();
        await engine.DefineCronTabsAsync();
        await engine.CreateNamespaceAsync("other");
        await engine.CreateCronTabAsync("a");
        await engine.CreateCronTabAsync("b", ns: "other");

        await engine.Service.DeleteAsync(definitions, null, "crontabs.stable.example.com", new DeleteOptions(policy), None);

        Assert.Equal(0, await engine.Store.CountAsync(new CollectionKey("stable.example.com", "crontabs", null), None));
        Assert.Null(await engine.Store.GetAsync(DefinitionCatalog.DefinitionKey("crontabs.stable.example.com"), None));
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.CronTabsAsync())).Code);
    }

    [Fact]
    public async Task Dry_run_delete_of_a_definition_keeps_its_objects()
    {
        var engine = await Engine.StartAsync();
        var definitions = await engine.DefinitionsAsync();
        await engine.DefineCronTabsAsync();
        await engine.CreateCronTabAsync("a");

        await engine.Service.DeleteAsync(definitions, null, "crontabs.stable.example.com", new DeleteOptions("Background", DryRun: true), None);

        Assert.Equal(1, await engine.Store.CountAsync(new CollectionKey("stable.example.com", "crontabs", null), None));
        Assert.NotNull(await engine.CronTabsAsync());
    }

    // ---- namespaces -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Created_namespace_is_active_with_the_kubernetes_finalizer_and_name_label()
    {
        var engine = await Engine.StartAsync();

        var ns = await engine.CreateNamespaceAsync("team-a");

        Assert.Equal("Active", ns.Object["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("kubernetes", ns.Object["spec"]!["finalizers"]![0]!.GetValue<string>());
        Assert.Equal("team-a", ns.Object["metadata"]!["labels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Namespace_names_must_be_labels()
    {
        var engine = await Engine.StartAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.CreateNamespaceAsync("team.a"));

        Assert.Equal(422, error.Code);
        Assert.Equal("metadata.name", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Deleting_the_default_namespace_is_403()
    {
        var engine = await Engine.StartAsync();
        var namespaces = await engine.NamespacesAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => engine.Service.DeleteAsync(namespaces, null, "default", new DeleteOptions(), None));

        Assert.Equal((403, "Forbidden"), (error.Code, error.Reason));
        Assert.NotNull(await engine.Service.GetAsync(namespaces, null, "default", None));
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_the_objects_in_it_and_no_others()
    {
        var engine = await Engine.StartAsync();
        var namespaces = await engine.NamespacesAsync();
        var target = await engine.DefineCronTabsAsync();
        await engine.CreateNamespaceAsync("team-a");
        await engine.CreateCronTabAsync("a1", ns: "team-a");
        await engine.CreateCronTabAsync("a2", ns: "team-a");
        await engine.CreateCronTabAsync("d1");

        await engine.Service.DeleteAsync(namespaces, null, "team-a", new DeleteOptions(), None);

        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => engine.Service.GetAsync(namespaces, null, "team-a", None))).Code);
        Assert.Empty((await engine.Service.ListAsync(target, "team-a", new ListOptions(), None)).Items);
        Assert.Equal(["d1"], (await engine.Service.ListAsync(target, null, new ListOptions(), None)).Items.Select(i => ObjectMetadata.Name(i.Object)));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static JsonObject WithUnknownFields()
    {
        var body = Crds.CronTabObject("nightly");
        body["metadata"]!["colour"] = "red";
        body["spec"]!["colour"] = "blue";
        body["top"] = 1;
        return body;
    }

    private static void AssertPruned(JsonObject obj)
    {
        Assert.Null(obj["metadata"]!["colour"]);
        Assert.Null(obj["spec"]!["colour"]);
        Assert.False(obj.ContainsKey("top"));
    }

    private static JsonObject WithImage(JsonObject obj, string image)
    {
        var copy = obj.DeepClone().AsObject();
        copy["spec"]!["image"] = image;
        return copy;
    }

    private static string Image(JsonObject obj) => obj["spec"]!["image"]!.GetValue<string>();

    private static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();
}
