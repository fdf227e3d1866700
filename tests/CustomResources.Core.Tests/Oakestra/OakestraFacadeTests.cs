using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Oakestra;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Oakestra;

public sealed class OakestraFacadeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private const string DeviceSchema = """
        {"type":"object","required":["device_id"],"properties":{
          "device_id":{"type":"string"},
          "config":{"type":"object","properties":{"cpu_limit":{"type":"integer","minimum":1},"memory_limit":{"type":"integer"}}}}}
        """;

    [Theory]
    [InlineData("device_config", "device-config", "DeviceConfig")]
    [InlineData("sensor", "sensor", "Sensor")]
    [InlineData("edge_node_2", "edge-node-2", "EdgeNode2")]
    public void Type_names_map_to_plural_and_kind(string type, string plural, string kind)
    {
        Assert.Equal(plural, OakestraFacade.Plural(type));
        Assert.Equal(kind, OakestraFacade.Kind(type));
    }

    [Fact]
    public void Definition_for_a_type_is_a_cluster_scoped_crd_with_the_schema_under_spec()
    {
        var crd = OakestraFacade.DefinitionFor("device_config", Obj(DeviceSchema));

        Assert.Equal("device-config.oakestra.custom-resources.io", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("device_config", crd["metadata"]!["annotations"]![OakestraFacade.TypeAnnotation]!.GetValue<string>());
        Assert.Equal("Cluster", crd["spec"]!["scope"]!.GetValue<string>());
        Assert.Equal("DeviceConfig", crd["spec"]!["names"]!["kind"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Obj(DeviceSchema), crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]));
    }

    [Fact]
    public async Task Created_type_is_listed_with_its_original_schema()
    {
        var (facade, _) = await StartAsync();

        var created = await facade.CreateTypeAsync(TypeRequest("device_config"), None);
        var types = await facade.ListTypesAsync(None);

        Assert.Equal("device_config", created["resource_type"]!.GetValue<string>());
        var listed = Assert.Single(types)!;
        Assert.Equal("device_config", listed["resource_type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Obj(DeviceSchema), listed["schema"]), listed["schema"]!.ToJsonString());
    }

    [Fact]
    public async Task Duplicate_type_is_409()
    {
        var (facade, _) = await StartAsync();
        await facade.CreateTypeAsync(TypeRequest("device_config"), None);

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(TypeRequest("device_config"), None));

        Assert.Equal((409, "AlreadyExists"), (error.Code, error.Reason));
    }

    [Theory]
    [InlineData("Device")]
    [InlineData("1device")]
    [InlineData("device_")]
    [InlineData("device-config")]
    [InlineData("")]
    public async Task Invalid_type_names_are_422_on_resource_type(string type)
    {
        var (facade, _) = await StartAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(TypeRequest(type), None));

        Assert.Equal(422, error.Code);
        Assert.Equal("resource_type", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Type_name_longer_than_63_characters_is_refused()
    {
        var (facade, _) = await StartAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(TypeRequest(new string('a', 64)), None));

        Assert.Equal("resource_type", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Schema_declaring_id_and_extra_request_keys_are_refused_together()
    {
        var (facade, engine) = await StartAsync();
        var request = TypeRequest("device_config");
        request["schema"]!["properties"]!["id"] = new JsonObject { ["type"] = "string" };
        request["owner"] = "me";

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(request, None));

        Assert.Equal(422, error.Code);
        Assert.Equal([("FieldValueForbidden", "schema.properties.id"), ("FieldValueInvalid", "owner")], error.Causes.Select(c => (c.Reason, c.Field)));
        Assert.Empty(await facade.ListTypesAsync(None));
        Assert.Equal(0, await engine.Store.CountAsync(Core.Definitions.DefinitionCatalog.DefinitionCollection, None));
    }

    [Fact]
    public async Task Missing_schema_is_required()
    {
        var (facade, _) = await StartAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(new JsonObject { ["resource_type"] = "device_config" }, None));

        Assert.Equal(("FieldValueRequired", "schema"), (Assert.Single(error.Causes).Reason, error.Causes[0].Field));
    }

    [Fact]
    public async Task Invalid_schema_is_422_with_paths_relative_to_the_schema()
    {
        var (facade, _) = await StartAsync();
        var request = TypeRequest("device_config");
        request["schema"]!["properties"]!["device_id"]!["type"] = "banana";

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateTypeAsync(request, None));

        Assert.Equal(422, error.Code);
        Assert.All(error.Causes, c => Assert.StartsWith("schema", c.Field, StringComparison.Ordinal));
        Assert.Contains(error.Causes, c => c.Field.Contains("device_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Instance_create_assigns_a_32_hex_id_and_hides_metadata()
    {
        var (facade, engine) = await StartWithTypeAsync();

        var instance = await facade.CreateAsync("device_config", Obj("""{"device_id":"edge123","config":{"cpu_limit":2}}"""), None);

        var id = instance.Body["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(["id", "device_id", "config"], instance.Body.Select(p => p.Key));
        Assert.Equal(2, instance.Body["config"]!["cpu_limit"]!.GetValue<int>());
        var stored = await engine.Store.GetAsync(new ObjectKey(OakestraFacade.Group, "device-config", "", id), None);
        Assert.Equal(stored!.ResourceVersion, instance.ResourceVersion);
        Assert.Equal("edge123", stored.Object["spec"]!["device_id"]!.GetValue<string>());

        var read = await facade.GetAsync("device_config", id, None);
        Assert.True(JsonNode.DeepEquals(instance.Body, read.Body));
        Assert.Single(await facade.ListAsync("device_config", None));
    }

    [Fact]
    public async Task Instance_with_an_id_is_refused()
    {
        var (facade, _) = await StartWithTypeAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateAsync("device_config", Obj("""{"id":"mine","device_id":"x"}"""), None));

        Assert.Equal(("FieldValueForbidden", "id"), (Assert.Single(error.Causes).Reason, error.Causes[0].Field));
    }

    [Fact]
    public async Task Unknown_instance_fields_are_422_listing_each_without_the_spec_prefix()
    {
        var (facade, engine) = await StartWithTypeAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateAsync("device_config", Obj("""{"device_id":"x","colour":"red","config":{"gpu":1}}"""), None));

        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        Assert.Equal(["colour", "config.gpu"], error.Causes.Select(c => c.Field).Order(StringComparer.Ordinal));
        Assert.Equal(0, await engine.Store.CountAsync(new CollectionKey(OakestraFacade.Group, "device-config", null), None));
    }

    [Fact]
    public async Task Schema_violations_are_422_with_instance_field_paths()
    {
        var (facade, _) = await StartWithTypeAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.CreateAsync("device_config", Obj("""{"config":{"cpu_limit":0}}"""), None));

        Assert.Equal(["config.cpu_limit", "device_id"], error.Causes.Select(c => c.Field).Order(StringComparer.Ordinal));
        Assert.All(error.Causes, c => Assert.DoesNotContain("spec.", c.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Patch_merges_and_validates_the_merged_result()
    {
        var (facade, _) = await StartWithTypeAsync();
        var id = (await facade.CreateAsync("device_config", Obj("""{"device_id":"x","config":{"cpu_limit":2,"memory_limit":4096}}"""), None)).Body["id"]!.GetValue<string>();

        var patched = await facade.PatchAsync("device_config", id, Obj("""{"config":{"cpu_limit":4}}"""), null, None);
        Assert.Equal(4, patched.Body["config"]!["cpu_limit"]!.GetValue<int>());
        Assert.Equal(4096, patched.Body["config"]!["memory_limit"]!.GetValue<int>());

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.PatchAsync("device_config", id, Obj("""{"device_id":null}"""), null, None));
        Assert.Equal(422, error.Code);
        Assert.Equal("device_id", Assert.Single(error.Causes).Field);

        var idChange = await Assert.ThrowsAsync<ApiException>(() => facade.PatchAsync("device_config", id, Obj("""{"id":"other"}"""), null, None));
        Assert.Equal(422, idChange.Code);
    }

    [Fact]
    public async Task Put_replaces_the_instance_wholesale()
    {
        var (facade, _) = await StartWithTypeAsync();
        var id = (await facade.CreateAsync("device_config", Obj("""{"device_id":"x","config":{"cpu_limit":2}}"""), None)).Body["id"]!.GetValue<string>();

        var replaced = await facade.ReplaceAsync("device_config", id, Obj("""{"device_id":"y"}"""), null, None);

        Assert.Equal(["id", "device_id"], replaced.Body.Select(p => p.Key));
        Assert.Equal("y", replaced.Body["device_id"]!.GetValue<string>());
        Assert.Equal(["id", "device_id"], (await facade.GetAsync("device_config", id, None)).Body.Select(p => p.Key));
    }

    [Fact]
    public async Task Stale_if_match_is_412_for_put_patch_and_delete_and_current_if_match_succeeds()
    {
        var (facade, _) = await StartWithTypeAsync();
        var created = await facade.CreateAsync("device_config", Obj("""{"device_id":"x"}"""), None);
        var id = created.Body["id"]!.GetValue<string>();
        var current = await facade.PatchAsync("device_config", id, Obj("""{"device_id":"y"}"""), created.ResourceVersion, None);

        var put = await Assert.ThrowsAsync<ApiException>(() => facade.ReplaceAsync("device_config", id, Obj("""{"device_id":"z"}"""), created.ResourceVersion, None));
        var patch = await Assert.ThrowsAsync<ApiException>(() => facade.PatchAsync("device_config", id, Obj("""{"device_id":"z"}"""), created.ResourceVersion, None));
        var delete = await Assert.ThrowsAsync<ApiException>(() => facade.DeleteAsync("device_config", id, created.ResourceVersion, None));

        Assert.All([put, patch, delete], e => Assert.Equal((412, "PreconditionFailed"), (e.Code, e.Reason)));
        Assert.Equal("y", (await facade.GetAsync("device_config", id, None)).Body["device_id"]!.GetValue<string>());
        var replaced = await facade.ReplaceAsync("device_config", id, Obj("""{"device_id":"z"}"""), current.ResourceVersion, None);
        await facade.DeleteAsync("device_config", id, replaced.ResourceVersion, None);
    }

    [Fact]
    public async Task Missing_type_or_instance_is_404()
    {
        var (facade, _) = await StartWithTypeAsync();

        var type = await Assert.ThrowsAsync<ApiException>(() => facade.ListAsync("no_such_type", None));
        var badName = await Assert.ThrowsAsync<ApiException>(() => facade.ListAsync("Bad-Name", None));
        var instance = await Assert.ThrowsAsync<ApiException>(() => facade.GetAsync("device_config", "0123", None));

        Assert.Equal("custom resource type \"no_such_type\" not found", type.Message);
        Assert.Equal(404, badName.Code);
        Assert.Equal((404, "device_config \"0123\" not found"), (instance.Code, instance.Message));
    }

    [Fact]
    public async Task Deleting_a_type_with_instances_is_409_unless_cascade()
    {
        var (facade, engine) = await StartWithTypeAsync();
        await facade.CreateAsync("device_config", Obj("""{"device_id":"x"}"""), None);

        var error = await Assert.ThrowsAsync<ApiException>(() => facade.DeleteTypeAsync("device_config", cascade: false, None));
        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));
        Assert.Contains("cascade=true", error.Message, StringComparison.Ordinal);
        Assert.Single(await facade.ListTypesAsync(None));

        await facade.DeleteTypeAsync("device_config", cascade: true, None);

        Assert.Empty(await facade.ListTypesAsync(None));
        Assert.Equal(0, await engine.Store.CountAsync(new CollectionKey(OakestraFacade.Group, "device-config", null), None));
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => facade.DeleteTypeAsync("device_config", cascade: true, None))).Code);
    }

    [Fact]
    public async Task Type_without_instances_is_deleted_without_cascade()
    {
        var (facade, _) = await StartWithTypeAsync();

        await facade.DeleteTypeAsync("device_config", cascade: false, None);

        Assert.Empty(await facade.ListTypesAsync(None));
    }

    [Fact]
    public async Task Facade_types_are_ordinary_definitions_served_by_the_engine()
    {
        var (facade, engine) = await StartWithTypeAsync();
        var id = (await facade.CreateAsync("device_config", Obj("""{"device_id":"x"}"""), None)).Body["id"]!.GetValue<string>();

        var target = await engine.Service.ResolveAsync(OakestraFacade.Group, OakestraFacade.Version, "device-config", None);
        var obj = await engine.Service.GetAsync(target, null, id, None);

        Assert.False(target.Definition.Namespaced);
        Assert.Equal("DeviceConfig", obj.Object["kind"]!.GetValue<string>());
        Assert.Equal("x", obj.Object["spec"]!["device_id"]!.GetValue<string>());
        Assert.NotNull(await engine.Service.PatchAsync(target, null, id, PatchKind.Merge, Obj("""{"spec":{"device_id":"k"}}"""), new WriteOptions(), None));
        Assert.Equal("k", (await facade.GetAsync("device_config", id, None)).Body["device_id"]!.GetValue<string>());
    }

    private static async Task<(OakestraFacade Facade, Engine Engine)> StartAsync()
    {
        var engine = await Engine.StartAsync();
        return (new OakestraFacade(engine.Service), engine);
    }

    private static async Task<(OakestraFacade Facade, Engine Engine)> StartWithTypeAsync()
    {
        var (facade, engine) = await StartAsync();
        await facade.CreateTypeAsync(TypeRequest("device_config"), None);
        return (facade, engine);
    }

    private static JsonObject TypeRequest(string type) => new() { ["resource_type"] = type, ["schema"] = Obj(DeviceSchema) };

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();
}
