using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class ObjectApiTests : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client;

    public ObjectApiTests(ApiFactory factory) => _client = factory.CreateClient();

    public Task InitializeAsync() => Samples.DefineCronTabAsync(_client);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Create_sets_server_metadata_and_applies_nested_defaults()
    {
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("meta-defaults"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var obj = await response.ReadObjectAsync();
        var meta = obj["metadata"]!;
        Assert.True(Guid.TryParse(meta["uid"]!.GetValue<string>(), out _));
        Assert.Equal(1, meta["generation"]!.GetValue<long>());
        Assert.Equal("default", meta["namespace"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(meta["resourceVersion"]!.GetValue<string>()));
        Assert.EndsWith("Z", meta["creationTimestamp"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, obj["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("fast", obj["spec"]!["settings"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Duplicate_create_is_409_AlreadyExists()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("dup"));
        var again = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("dup"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var status = await again.ReadObjectAsync();
        Assert.Equal("AlreadyExists", status["reason"]!.GetValue<string>());
        Assert.Equal("crontabs.stable.example.com \"dup\" already exists", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task GenerateName_creates_unique_names_with_the_prefix()
    {
        var body = Samples.CronTab("");
        body["metadata"] = new JsonObject { ["generateName"] = "gen-" };
        var first = await (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body)).ReadObjectAsync();
        var second = await (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body)).ReadObjectAsync();
        var a = first["metadata"]!["name"]!.GetValue<string>();
        var b = second["metadata"]!["name"]!.GetValue<string>();
        Assert.StartsWith("gen-", a, StringComparison.Ordinal);
        Assert.Equal(9, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Missing_object_is_a_404_Status_naming_it()
    {
        var response = await _client.GetAsync($"{Samples.CronTabPath}/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal("nope", status["details"]!["name"]!.GetValue<string>());
        Assert.Equal("crontabs.stable.example.com \"nope\" not found", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Object_in_a_missing_namespace_is_refused_with_404()
    {
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/apis/stable.example.com/v1/namespaces/nowhere/crontabs", Samples.CronTab("lost"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("namespaces \"nowhere\" not found", (await response.ReadObjectAsync())["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_returns_the_list_kind_with_a_resource_version_and_pages_with_continue()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab($"page-{i}"));
        }

        var names = new List<string>();
        string? token = null;
        do
        {
            var url = $"{Samples.CronTabPath}?limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}");
            var list = await (await _client.GetAsync(url)).ReadObjectAsync();
            Assert.Equal("CronTabList", list["kind"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(list["metadata"]!["resourceVersion"]!.GetValue<string>()));
            names.AddRange(list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = list["metadata"]!["continue"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Contains("page-0", names);
        Assert.Contains("page-4", names);
    }

    [Fact]
    public async Task Put_requires_the_current_resource_version_and_refuses_a_stale_one()
    {
        var created = await (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("put-me"))).ReadObjectAsync();
        var withoutVersion = Samples.CronTab("put-me");
        var missing = await _client.SendJsonAsync(HttpMethod.Put, $"{Samples.CronTabPath}/put-me", withoutVersion);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);

        created["spec"]!["image"] = "v2";
        var ok = await _client.SendJsonAsync(HttpMethod.Put, $"{Samples.CronTabPath}/put-me", created);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var updated = await ok.ReadObjectAsync();
        Assert.Equal(2, updated["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(created["metadata"]!["uid"]!.GetValue<string>(), updated["metadata"]!["uid"]!.GetValue<string>());

        created["spec"]!["image"] = "v3";
        var stale = await _client.SendJsonAsync(HttpMethod.Put, $"{Samples.CronTabPath}/put-me", created);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("Conflict", (await stale.ReadObjectAsync())["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metadata_only_change_does_not_bump_generation()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("gen-meta"));
        var patched = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/gen-meta", JsonNode.Parse("""{"metadata":{"labels":{"team":"a"}}}"""), "application/merge-patch+json");
        var obj = await patched.ReadObjectAsync();
        Assert.Equal("a", obj["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal(1, obj["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_update_the_object_and_strategic_merge_is_415()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("patch-me"));
        var merge = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/patch-me", JsonNode.Parse("""{"spec":{"replicas":7}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);
        Assert.Equal(7, (await merge.ReadObjectAsync())["spec"]!["replicas"]!.GetValue<int>());

        var json = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/patch-me", JsonNode.Parse("""[{"op":"replace","path":"/spec/image","value":"img:v3"}]"""), "application/json-patch+json");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("img:v3", (await json.ReadObjectAsync())["spec"]!["image"]!.GetValue<string>());

        var strategic = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/patch-me", JsonNode.Parse("""{"spec":{"replicas":2}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, strategic.StatusCode);
        Assert.Contains("application/merge-patch+json", await strategic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_that_breaks_the_schema_is_refused_and_nothing_changes()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("patch-bad"));
        var bad = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/patch-bad", JsonNode.Parse("""{"spec":{"replicas":99}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var current = await (await _client.GetAsync($"{Samples.CronTabPath}/patch-bad")).ReadObjectAsync();
        Assert.Equal(1, current["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Failed_json_patch_operation_is_422_with_its_message()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("patch-fail"));
        var response = await _client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/patch-fail", JsonNode.Parse("""[{"op":"remove","path":"/spec/missing"}]"""), "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("/spec/missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_object_lists_every_problem_with_field_paths()
    {
        var body = Samples.CronTab("bad", cronSpec: "not a cron");
        body["spec"]!.AsObject().Remove("image");
        body["spec"]!["replicas"] = 0;
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("CronTab", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("bad", status["details"]!["name"]!.GetValue<string>());
        var causes = status["details"]!["causes"]!.AsArray().ToDictionary(c => c!["field"]!.GetValue<string>(), c => c!["message"]!.GetValue<string>());
        Assert.Contains("spec.cronSpec", causes.Keys);
        Assert.Contains("spec.image", causes.Keys);
        Assert.Contains("spec.replicas", causes.Keys);
        Assert.Contains("greater than or equal to 1", causes["spec.replicas"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_name_and_labels_are_refused_with_their_paths()
    {
        var body = Samples.CronTab("Not_A_Name");
        body["metadata"]!["labels"] = new JsonObject { ["bad key!"] = "x", ["ok"] = "has spaces" };
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = (await response.ReadObjectAsync())["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("metadata.name", fields);
        Assert.Contains("metadata.labels", fields);
        Assert.Contains("metadata.labels[ok]", fields);
    }

    [Fact]
    public async Task Unknown_fields_are_pruned_with_a_warning_by_default_and_refused_when_strict()
    {
        var body = Samples.CronTab("unknown-warn");
        body["spec"]!["extra"] = "x";
        var warned = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
        Assert.Equal(HttpStatusCode.Created, warned.StatusCode);
        Assert.Contains("unknown field \\\"spec.extra\\\"", string.Join(",", warned.Headers.GetValues("Warning")), StringComparison.Ordinal);
        Assert.Null((await warned.ReadObjectAsync())["spec"]!["extra"]);

        body["metadata"]!["name"] = "unknown-strict";
        var strict = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath + "?fieldValidation=Strict", body);
        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Contains("unknown field \\\"spec.extra\\\"".Replace("\\\"", "\\u0022", StringComparison.Ordinal), (await strict.Content.ReadAsStringAsync()).Replace("\\\"", "\\u0022", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/unknown-strict")).StatusCode);

        body["metadata"]!["name"] = "unknown-ignore";
        var ignored = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath + "?fieldValidation=Ignore", body);
        Assert.Equal(HttpStatusCode.Created, ignored.StatusCode);
        Assert.False(ignored.Headers.Contains("Warning"));
    }

    [Fact]
    public async Task ApiVersion_or_kind_not_matching_the_url_is_400()
    {
        var body = Samples.CronTab("mismatch");
        body["kind"] = "Other";
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body)).StatusCode);
        body["kind"] = "CronTab";
        body["apiVersion"] = "stable.example.com/v9";
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body)).StatusCode);
    }

    [Fact]
    public async Task Delete_returns_the_object_and_then_it_is_gone()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("delete-me"));
        var deleted = await _client.DeleteAsync($"{Samples.CronTabPath}/delete-me");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var body = await deleted.ReadObjectAsync();
        Assert.Equal("CronTab", body["kind"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/delete-me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"{Samples.CronTabPath}/delete-me")).StatusCode);
    }

    [Fact]
    public async Task Dry_run_create_validates_but_stores_nothing()
    {
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath + "?dryRun=All", Samples.CronTab("dry"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/dry")).StatusCode);
    }

    [Fact]
    public async Task Yaml_bodies_are_accepted_and_yaml_is_returned_on_request()
    {
        const string yaml = """
            apiVersion: stable.example.com/v1
            kind: CronTab
            metadata:
              name: from-yaml
            spec:
              cronSpec: "*/5 * * * *"
              image: "nginx"
              replicas: 3
            """;
        var created = await _client.SendTextAsync(HttpMethod.Post, Samples.CronTabPath, yaml, "application/yaml");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var asYaml = await _client.GetWithAcceptAsync($"{Samples.CronTabPath}/from-yaml", "application/yaml");
        Assert.Equal("application/yaml", asYaml.Content.Headers.ContentType!.MediaType);
        var text = await asYaml.Content.ReadAsStringAsync();
        Assert.Contains("kind: CronTab", text, StringComparison.Ordinal);
        Assert.Contains("replicas: 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_output_has_name_printer_columns_and_rows()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("tabled"));
        var response = await _client.GetWithAcceptAsync($"{Samples.CronTabPath}/tabled", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        var table = await response.ReadObjectAsync();
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal("meta.k8s.io/v1", table["apiVersion"]!.GetValue<string>());
        var columns = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["Name", "Spec", "Replicas", "Age"], columns);
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("tabled", cells[0]!.GetValue<string>());
        Assert.Equal("* * * * */5", cells[1]!.GetValue<string>());
        Assert.Equal(1, cells[2]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_json_is_400_saying_where()
    {
        var response = await _client.SendTextAsync(HttpMethod.Post, Samples.CronTabPath, "{\n  \"apiVersion\": \"stable.example.com/v1\",\n  \"kind\": }", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Contains("line 3", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_yaml_is_400_saying_where()
    {
        var response = await _client.SendTextAsync(HttpMethod.Post, Samples.CronTabPath, "apiVersion: v1\nkind: [unclosed\n", "application/yaml");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line", (await response.ReadObjectAsync())["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_over_three_mebibytes_is_413_and_nothing_is_stored()
    {
        var body = Samples.CronTab("huge");
        body["spec"]!["image"] = new string('x', (3 * 1024 * 1024) + 10);
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("Status", (await response.ReadObjectAsync())["kind"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/huge")).StatusCode);
    }

    [Fact]
    public async Task Unserved_group_or_version_is_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/apis/stable.example.com/v7/namespaces/default/crontabs")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/apis/nothing.example.com/v1/widgets")).StatusCode);
    }

    [Fact]
    public async Task All_namespaces_list_includes_objects_from_every_namespace()
    {
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "team-a" } };
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        await _client.SendJsonAsync(HttpMethod.Post, "/apis/stable.example.com/v1/namespaces/team-a/crontabs", Samples.CronTab("in-team-a"));
        var list = await (await _client.GetAsync("/apis/stable.example.com/v1/crontabs")).ReadObjectAsync();
        Assert.Contains(list["items"]!.AsArray(), i => i!["metadata"]!["namespace"]!.GetValue<string>() == "team-a");
    }
}
