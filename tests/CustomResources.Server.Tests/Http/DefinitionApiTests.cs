using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class DefinitionApiTests : IClassFixture<ApiFactory>
{
    private const string Definitions = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private readonly HttpClient _client;

    public DefinitionApiTests(ApiFactory factory) => _client = factory.CreateClient();

    [Fact]
    public async Task Created_definition_is_served_immediately_and_reports_established_status()
    {
        var created = await _client.SendJsonAsync(HttpMethod.Post, Definitions, Samples.CronTabDefinition("immediate.example.com", "gadgets", "Gadget", ["gd"]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadObjectAsync();
        var conditions = body["status"]!["conditions"]!.AsArray().Select(c => (c!["type"]!.GetValue<string>(), c["status"]!.GetValue<string>())).ToList();
        Assert.Contains(("Established", "True"), conditions);
        Assert.Contains(("NamesAccepted", "True"), conditions);
        Assert.Equal("Gadget", body["status"]!["acceptedNames"]!["kind"]!.GetValue<string>());
        Assert.Equal("GadgetList", body["status"]!["acceptedNames"]!["listKind"]!.GetValue<string>());
        Assert.Equal("[\"v1\"]", body["status"]!["storedVersions"]!.ToJsonString());

        var list = await _client.GetAsync("/apis/immediate.example.com/v1/namespaces/default/gadgets");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("GadgetList", (await list.ReadObjectAsync())["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Definition_can_be_created_from_yaml()
    {
        const string yaml = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.yaml.example.com
            spec:
              group: yaml.example.com
              scope: Cluster
              names:
                plural: widgets
                singular: widget
                kind: Widget
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          properties:
                            size:
                              type: integer
            """;
        var response = await _client.SendTextAsync(HttpMethod.Post, Definitions, yaml, "application/yaml");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var got = await _client.GetAsync($"{Definitions}/widgets.yaml.example.com");
        Assert.Equal("Cluster", (await got.ReadObjectAsync())["spec"]!["scope"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_definition_is_refused_listing_every_problem_with_its_path()
    {
        var crd = Samples.CronTabDefinition("broken.example.com", "things", "Thing", ["th"]);
        crd["metadata"]!["name"] = "wrong.broken.example.com";
        crd["spec"]!["scope"] = "Galaxy";
        var schema = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
        schema["properties"]!["spec"]!["properties"]!["image"]!["type"] = "strin";
        schema["properties"]!["spec"]!["properties"]!["cronSpec"]!["pattern"] = "([unclosed";

        var response = await _client.SendJsonAsync(HttpMethod.Post, Definitions, crd);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var fields = status["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("metadata.name", fields);
        Assert.Contains("spec.scope", fields);
        Assert.Contains(fields, f => f.StartsWith("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[image]", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[cronSpec]", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Definitions}/things.broken.example.com")).StatusCode);
    }

    [Fact]
    public async Task Definition_without_exactly_one_storage_version_is_refused()
    {
        var crd = Samples.CronTabDefinition("storage.example.com", "boxes", "Box", ["bx"]);
        var second = crd["spec"]!["versions"]![0]!.DeepClone();
        second["name"] = "v2";
        crd["spec"]!["versions"]!.AsArray().Add(second);
        var response = await _client.SendJsonAsync(HttpMethod.Post, Definitions, crd);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("exactly one version marked as storage", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Name_clash_with_another_definition_is_refused()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, Definitions, Samples.CronTabDefinition("clash.example.com", "apples", "Apple", ["ap"]))).StatusCode);
        var clash = Samples.CronTabDefinition("clash.example.com", "pears", "Apple", ["ap"]);
        var response = await _client.SendJsonAsync(HttpMethod.Post, Definitions, clash);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = (await response.ReadObjectAsync())["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("spec.names.kind", fields);
        Assert.Contains("spec.names.shortNames[0]", fields);
    }

    [Fact]
    public async Task Definition_update_requires_resource_version_and_keeps_stored_versions()
    {
        var created = await (await _client.SendJsonAsync(HttpMethod.Post, Definitions, Samples.CronTabDefinition("update.example.com", "pumps", "Pump", ["pu"]))).ReadObjectAsync();
        var v2 = created["spec"]!["versions"]![0]!.DeepClone();
        v2["name"] = "v2";
        created["spec"]!["versions"]![0]!["storage"] = false;
        created["spec"]!["versions"]!.AsArray().Add(v2);
        var updated = await _client.SendJsonAsync(HttpMethod.Put, $"{Definitions}/pumps.update.example.com", created);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("[\"v1\",\"v2\"]", (await updated.ReadObjectAsync())["status"]!["storedVersions"]!.ToJsonString());

        var stale = await _client.SendJsonAsync(HttpMethod.Put, $"{Definitions}/pumps.update.example.com", created);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_definition_with_objects_is_refused_unless_cascade_is_requested()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, Definitions, Samples.CronTabDefinition("cascade.example.com", "crons", "Cron", ["cr"]))).StatusCode);
        var obj = Samples.CronTab("one");
        obj["apiVersion"] = "cascade.example.com/v1";
        obj["kind"] = "Cron";
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/apis/cascade.example.com/v1/namespaces/default/crons", obj)).StatusCode);

        var refused = await _client.DeleteAsync($"{Definitions}/crons.cascade.example.com");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("1 object", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var deleted = await _client.DeleteAsync($"{Definitions}/crons.cascade.example.com?propagationPolicy=Background");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/apis/cascade.example.com/v1/namespaces/default/crons/one")).StatusCode);
    }
}
