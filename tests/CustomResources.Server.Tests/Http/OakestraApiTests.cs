using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class OakestraApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject DeviceConfigType(string type = "device_config") => JsonNode.Parse($$"""
        {
          "resource_type": "{{type}}",
          "schema": {
            "type": "object",
            "properties": {
              "device_id": {"type": "string"},
              "config": {
                "type": "object",
                "properties": {
                  "cpu_limit": {"type": "integer", "minimum": 1},
                  "memory_limit": {"type": "integer"}
                }
              }
            },
            "required": ["device_id"]
          }
        }
        """)!.AsObject();

    private async Task<string> CreateTypeAndInstanceAsync(string type)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", DeviceConfigType(type))).StatusCode);
        var created = await _client.SendJsonAsync(HttpMethod.Post, $"/custom-resources/{type}", JsonNode.Parse("""{"device_id":"edge123","config":{"cpu_limit":2,"memory_limit":4096}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ReadObjectAsync())["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Device_config_walkthrough_creates_reads_lists_and_deletes_instances()
    {
        var id = await CreateTypeAndInstanceAsync("device_config");

        var instance = await (await _client.GetAsync($"/custom-resources/device_config/{id}")).ReadObjectAsync();
        Assert.Equal("edge123", instance["device_id"]!.GetValue<string>());
        Assert.Equal(4096, instance["config"]!["memory_limit"]!.GetValue<int>());
        Assert.Equal(id, instance["id"]!.GetValue<string>());

        var list = await (await _client.GetAsync("/custom-resources/device_config")).ReadNodeAsync();
        Assert.Single(list.AsArray());

        var types = await (await _client.GetAsync("/custom-resources")).ReadNodeAsync();
        Assert.Contains(types.AsArray(), t => t!["resource_type"]!.GetValue<string>() == "device_config");

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/custom-resources/device_config/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/custom-resources/device_config/{id}")).StatusCode);
    }

    [Fact]
    public async Task Facade_types_are_served_through_the_kubernetes_api_too()
    {
        var id = await CreateTypeAndInstanceAsync("sensor_reading");
        var obj = await (await _client.GetAsync($"/apis/oakestra.custom-resources.io/v1/sensor-reading/{id}")).ReadObjectAsync();
        Assert.Equal("SensorReading", obj["kind"]!.GetValue<string>());
        Assert.Equal("edge123", obj["spec"]!["device_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Duplicate_type_is_409_and_invalid_schema_is_422_with_field_paths()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", DeviceConfigType("dup_type"))).StatusCode);
        var duplicate = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", DeviceConfigType("dup_type"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType!.MediaType);

        var invalid = DeviceConfigType("bad_schema");
        invalid["schema"]!["properties"]!["device_id"]!["type"] = "text";
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", invalid);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.Equal(422, problem["status"]!.GetValue<int>());
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["field"]!.GetValue<string>().StartsWith("schema.properties[device_id]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Instance_violating_the_schema_is_422_listing_every_field()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", DeviceConfigType("strict_type"))).StatusCode);
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources/strict_type", JsonNode.Parse("""{"config":{"cpu_limit":0,"memory_limit":"lots"}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = (await response.ReadObjectAsync())["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("device_id", fields);
        Assert.Contains("config.cpu_limit", fields);
        Assert.Contains("config.memory_limit", fields);
    }

    [Fact]
    public async Task Unknown_instance_fields_are_refused_rather_than_dropped()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", DeviceConfigType("closed_type"))).StatusCode);
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources/closed_type", JsonNode.Parse("""{"device_id":"x","colour":"red"}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("colour", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_validates_the_merged_result_and_put_replaces_the_instance()
    {
        var id = await CreateTypeAndInstanceAsync("patched_type");
        var patched = await _client.SendJsonAsync(HttpMethod.Patch, $"/custom-resources/patched_type/{id}", JsonNode.Parse("""{"config":{"cpu_limit":4}}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = await patched.ReadObjectAsync();
        Assert.Equal(4, body["config"]!["cpu_limit"]!.GetValue<int>());
        Assert.Equal(4096, body["config"]!["memory_limit"]!.GetValue<int>());

        var removesRequired = await _client.SendJsonAsync(HttpMethod.Patch, $"/custom-resources/patched_type/{id}", JsonNode.Parse("""{"device_id":null}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, removesRequired.StatusCode);

        var replaced = await _client.SendJsonAsync(HttpMethod.Put, $"/custom-resources/patched_type/{id}", JsonNode.Parse("""{"device_id":"edge999"}"""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await replaced.ReadObjectAsync();
        Assert.Equal("edge999", after["device_id"]!.GetValue<string>());
        Assert.Null(after["config"]);
    }

    [Fact]
    public async Task If_match_with_a_stale_etag_is_412()
    {
        var id = await CreateTypeAndInstanceAsync("etag_type");
        var first = await _client.GetAsync($"/custom-resources/etag_type/{id}");
        var etag = first.Headers.ETag!.Tag;
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Put, $"/custom-resources/etag_type/{id}", JsonNode.Parse("""{"device_id":"a"}"""))).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/custom-resources/etag_type/{id}");
        request.Content = new StringContent("""{"device_id":"b"}""");
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var stale = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("a", (await (await _client.GetAsync($"/custom-resources/etag_type/{id}")).ReadObjectAsync())["device_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Missing_type_or_id_is_404_problem()
    {
        var missingType = await _client.GetAsync("/custom-resources/never_defined");
        Assert.Equal(HttpStatusCode.NotFound, missingType.StatusCode);
        Assert.Equal("application/problem+json", missingType.Content.Headers.ContentType!.MediaType);
        await CreateTypeAndInstanceAsync("lookup_type");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/custom-resources/lookup_type/0123456789abcdef")).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_type_with_instances_needs_cascade()
    {
        await CreateTypeAndInstanceAsync("doomed_type");
        Assert.Equal(HttpStatusCode.Conflict, (await _client.DeleteAsync("/custom-resources/doomed_type")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/custom-resources/doomed_type?cascade=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/custom-resources/doomed_type")).StatusCode);
    }
}
