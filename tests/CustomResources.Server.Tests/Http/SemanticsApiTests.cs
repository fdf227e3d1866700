using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

/// <summary>Status subresource, selectors and finalizers through the HTTP API.</summary>
public sealed class SemanticsApiTests : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string Path = "/apis/semantics.example.com/v1/namespaces/default/gizmos";
    private readonly HttpClient _client;

    public SemanticsApiTests(ApiFactory factory) => _client = factory.CreateClient();

    public async Task InitializeAsync()
    {
        var crd = Samples.CronTabDefinition("semantics.example.com", "gizmos", "Gizmo", ["gz"]);
        var version = crd["spec"]!["versions"]![0]!;
        version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["color"] = new JsonObject { ["type"] = "string" };
        version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["size"] = new JsonObject { ["type"] = "integer" };
        version["selectableFields"] = new JsonArray(
            Enumerable.Range(0, 10).Select(i => (JsonNode)new JsonObject { ["jsonPath"] = $".spec.extra{i}" })
                .Append(new JsonObject { ["jsonPath"] = ".spec.color" })
                .Append(new JsonObject { ["jsonPath"] = ".spec.size" }).ToArray());
        for (var i = 0; i < 10; i++)
        {
            version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]![$"extra{i}"] = new JsonObject { ["type"] = "string" };
        }

        var response = await _client.SendJsonAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static JsonObject Gizmo(string name, string color = "red", int size = 1, JsonObject? labels = null)
    {
        var body = Samples.CronTab(name);
        body["apiVersion"] = "semantics.example.com/v1";
        body["kind"] = "Gizmo";
        body["spec"]!["color"] = color;
        body["spec"]!["size"] = size;
        if (labels is not null)
        {
            body["metadata"]!["labels"] = labels;
        }

        return body;
    }

    private async Task<List<string>> NamesAsync(string query)
    {
        var response = await _client.GetAsync(Path + query);
        Assert.True(response.IsSuccessStatusCode, $"{query}: {await response.Content.ReadAsStringAsync()}");
        return (await response.ReadObjectAsync())["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order().ToList();
    }

    [Fact]
    public async Task Status_subresource_routes_write_only_status()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("st"))).StatusCode);
        var patched = await _client.SendJsonAsync(HttpMethod.Patch, $"{Path}/st/status", JsonNode.Parse("""{"status":{"phase":"Ready"},"spec":{"color":"blue"}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = await patched.ReadObjectAsync();
        Assert.Equal("Ready", body["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("red", body["spec"]!["color"]!.GetValue<string>());
        Assert.Equal(1, body["metadata"]!["generation"]!.GetValue<long>());

        var main = await _client.SendJsonAsync(HttpMethod.Patch, $"{Path}/st", JsonNode.Parse("""{"status":{"phase":"Hacked"}}"""), "application/merge-patch+json");
        Assert.Equal("Ready", (await main.ReadObjectAsync())["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("Ready", (await (await _client.GetAsync($"{Path}/st/status")).ReadObjectAsync())["status"]!["phase"]!.GetValue<string>());

        var current = await (await _client.GetAsync($"{Path}/st")).ReadObjectAsync();
        current["status"] = new JsonObject { ["phase"] = "Done" };
        var put = await _client.SendJsonAsync(HttpMethod.Put, $"{Path}/st/status", current);
        Assert.Equal("Done", (await put.ReadObjectAsync())["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_route_of_a_type_without_the_subresource_is_404()
    {
        await Samples.DefineCronTabAsync(_client);
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("no-status"));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/no-status/status")).StatusCode);
    }

    [Fact]
    public async Task Label_selectors_support_every_operator()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("l-web-prod", labels: new JsonObject { ["app"] = "web", ["env"] = "prod" }));
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("l-web-dev", labels: new JsonObject { ["app"] = "web", ["env"] = "dev", ["canary"] = "true" }));
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("l-db", labels: new JsonObject { ["app"] = "db" }));

        static string Q(string selector) => "?labelSelector=" + Uri.EscapeDataString(selector);
        Assert.Equal(["l-web-dev", "l-web-prod"], await NamesAsync(Q("app=web")));
        Assert.Equal(["l-web-dev", "l-web-prod"], await NamesAsync(Q("app==web")));
        Assert.Contains("l-db", await NamesAsync(Q("app!=web")));
        Assert.DoesNotContain("l-web-prod", await NamesAsync(Q("app!=web")));
        Assert.Equal(["l-web-dev", "l-web-prod"], await NamesAsync(Q("env in (prod, dev)")));
        Assert.Equal(["l-db"], (await NamesAsync(Q("env notin (prod,dev)"))).Where(n => n.StartsWith("l-", StringComparison.Ordinal)).ToList());
        Assert.Equal(["l-web-dev"], await NamesAsync(Q("canary")));
        Assert.Equal(["l-web-prod"], await NamesAsync(Q("app=web,!canary")));
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync(Path + Q("env in (prod"))).StatusCode);
    }

    [Fact]
    public async Task Field_selectors_cover_name_namespace_and_more_than_eight_selectable_fields()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("f-blue", color: "blue", size: 3));
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("f-green", color: "green", size: 5));

        static string Q(string selector) => "?fieldSelector=" + Uri.EscapeDataString(selector);
        Assert.Equal(["f-blue"], await NamesAsync(Q("metadata.name=f-blue")));
        Assert.Equal(["f-green"], await NamesAsync(Q("spec.color=green")));
        Assert.Equal(["f-green"], await NamesAsync(Q("spec.size=5,metadata.namespace=default")));
        Assert.DoesNotContain("f-blue", await NamesAsync(Q("spec.color!=blue")));
        Assert.Empty(await NamesAsync(Q("metadata.name=missing")));
        var unsupported = await _client.GetAsync(Path + Q("spec.image=x"));
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);
        Assert.Contains("field label not supported: spec.image", await unsupported.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Finalizers_hold_an_object_until_removed_over_http()
    {
        var body = Gizmo("fin");
        body["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await _client.SendJsonAsync(HttpMethod.Post, Path, body);
        var deleted = await _client.DeleteAsync($"{Path}/fin");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.NotNull((await deleted.ReadObjectAsync())["metadata"]!["deletionTimestamp"]);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"{Path}/fin")).StatusCode);

        var forbidden = await _client.SendJsonAsync(HttpMethod.Patch, $"{Path}/fin", JsonNode.Parse("""{"spec":{"color":"pink"}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, forbidden.StatusCode);

        await _client.SendJsonAsync(HttpMethod.Patch, $"{Path}/fin", JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Path}/fin")).StatusCode);
    }

    [Fact]
    public async Task Orphan_dependents_option_in_the_body_keeps_dependents()
    {
        var owner = await (await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("o-owner"))).ReadObjectAsync();
        var child = Gizmo("o-child");
        child["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "semantics.example.com/v1", ["kind"] = "Gizmo", ["name"] = "o-owner", ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
        });
        await _client.SendJsonAsync(HttpMethod.Post, Path, child);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Path}/o-owner") { Content = new StringContent("""{"orphanDependents":true}""", System.Text.Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"{Path}/o-child")).StatusCode);

        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("b-owner"));
        var bOwner = await (await _client.GetAsync($"{Path}/b-owner")).ReadObjectAsync();
        var bChild = Gizmo("b-child");
        bChild["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "semantics.example.com/v1", ["kind"] = "Gizmo", ["name"] = "b-owner", ["uid"] = bOwner["metadata"]!["uid"]!.GetValue<string>(),
        });
        await _client.SendJsonAsync(HttpMethod.Post, Path, bChild);
        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"{Path}/b-owner?propagationPolicy=Background")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Path}/b-child")).StatusCode);
    }

    [Fact]
    public async Task Deprecated_version_answers_with_its_warning()
    {
        var crd = Samples.CronTabDefinition("deprecated.example.com", "relics", "Relic", ["rl"]);
        var v1 = crd["spec"]!["versions"]![0]!;
        var v2 = v1.DeepClone();
        v2["name"] = "v2";
        v1["storage"] = false;
        v1["deprecated"] = true;
        v1["deprecationWarning"] = "deprecated.example.com/v1 Relic is deprecated; use v2";
        crd["spec"]!["versions"]!.AsArray().Add(v2);
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).StatusCode);

        var relic = Samples.CronTab("old");
        relic["apiVersion"] = "deprecated.example.com/v1";
        relic["kind"] = "Relic";
        var created = await _client.SendJsonAsync(HttpMethod.Post, "/apis/deprecated.example.com/v1/namespaces/default/relics", relic);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("use v2", string.Join(",", created.Headers.GetValues("Warning")), StringComparison.Ordinal);

        // Stored in v2, readable in both served versions (conversion None: only apiVersion changes).
        var asV2 = await (await _client.GetAsync("/apis/deprecated.example.com/v2/namespaces/default/relics/old")).ReadObjectAsync();
        Assert.Equal("deprecated.example.com/v2", asV2["apiVersion"]!.GetValue<string>());
        var asV1 = await _client.GetAsync("/apis/deprecated.example.com/v1/namespaces/default/relics/old");
        Assert.Equal("deprecated.example.com/v1", (await asV1.ReadObjectAsync())["apiVersion"]!.GetValue<string>());
        Assert.True(asV1.Headers.Contains("Warning"));
        Assert.False((await _client.GetAsync("/apis/deprecated.example.com/v2/namespaces/default/relics/old")).Headers.Contains("Warning"));
    }

    [Fact]
    public async Task Delete_collection_removes_matching_objects_with_their_usual_semantics()
    {
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("dc-a", labels: new JsonObject { ["batch"] = "old" }));
        var held = Gizmo("dc-b", labels: new JsonObject { ["batch"] = "old" });
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await _client.SendJsonAsync(HttpMethod.Post, Path, held);
        await _client.SendJsonAsync(HttpMethod.Post, Path, Gizmo("dc-c", labels: new JsonObject { ["batch"] = "new" }));

        var response = await _client.DeleteAsync(Path + "?labelSelector=batch%3Dold");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.ReadObjectAsync();
        Assert.Equal("GizmoList", list["kind"]!.GetValue<string>());
        Assert.Equal(2, list["items"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Path}/dc-a")).StatusCode);
        Assert.NotNull((await (await _client.GetAsync($"{Path}/dc-b")).ReadObjectAsync())["metadata"]!["deletionTimestamp"]);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"{Path}/dc-c")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _client.DeleteAsync("/api/v1/namespaces")).StatusCode);
    }
}
