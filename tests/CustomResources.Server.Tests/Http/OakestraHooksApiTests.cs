using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CustomResources.Server.Tests.Http;

/// <summary>Oakestra-compatible /hooks: pre_* events are synchronous admission hooks that follow failure policy Fail.</summary>
public sealed class OakestraHooksApiTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();
    private WebApplicationFactory<Program> _server = null!;
    private WebhookReceiver _receiver = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _server = _factory.WithWebHostBuilder(b => b.UseSetting("Outbound:AllowedHosts:0", "127.0.0.1"));
        _client = _server.CreateClient();
        var type = JsonNode.Parse("""{"resource_type":"device_config","schema":{"type":"object","properties":{"device_id":{"type":"string"}}}}""");
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources", type)).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static JsonObject Hook(string name, string url, params string[] events) => new()
    {
        ["hook_name"] = name,
        ["webhook_url"] = url,
        ["entity"] = "device_config",
        ["events"] = new JsonArray(events.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
    };

    [Fact]
    public async Task A_pre_create_hook_can_refuse_a_write_and_is_listed_and_deleted()
    {
        var registered = await _client.SendJsonAsync(HttpMethod.Post, "/hooks", Hook("gatekeeper", _receiver.Url("deny"), "pre_create"));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal("gatekeeper", (await registered.ReadObjectAsync())["hook_name"]!.GetValue<string>());

        var refused = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources/device_config", JsonNode.Parse("""{"device_id":"edge1"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("is not allowed by policy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(_receiver.Reviews, r => r.Review["request"]!["operation"]!.GetValue<string>() == "CREATE");

        var hooks = (await (await _client.GetAsync("/hooks")).ReadNodeAsync()).AsArray();
        var listed = Assert.Single(hooks);
        Assert.Equal(_receiver.Url("deny"), listed!["webhook_url"]!.GetValue<string>());
        Assert.Equal("[\"pre_create\"]", listed["events"]!.ToJsonString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/hooks/gatekeeper")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources/device_config", JsonNode.Parse("""{"device_id":"edge1"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/hooks/gatekeeper")).StatusCode);
    }

    [Fact]
    public async Task A_failing_pre_hook_refuses_the_write_instead_of_passing_silently()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/hooks", Hook("broken", WebhookReceiver.UnreachableUrl(), "pre_create", "pre_update"))).StatusCode);
        var refused = await _client.SendJsonAsync(HttpMethod.Post, "/custom-resources/device_config", JsonNode.Parse("""{"device_id":"edge2"}"""));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Contains("failed calling webhook", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_registration_is_validated_field_by_field()
    {
        var bad = new JsonObject { ["hook_name"] = "Bad Name", ["webhook_url"] = "http://169.254.169.254/x", ["entity"] = "Device-Config", ["events"] = new JsonArray("pre_create", "on_fire", "pre_create"), ["colour"] = "red" };
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/hooks", bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var fields = (await response.ReadObjectAsync())["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("hook_name", fields);
        Assert.Contains("entity", fields);
        Assert.Contains("events[1]", fields);
        Assert.Contains("events[2]", fields);
        Assert.Contains("colour", fields);

        var forbiddenUrl = await _client.SendJsonAsync(HttpMethod.Post, "/hooks", Hook("metadata", "https://169.254.169.254/latest", "pre_create"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, forbiddenUrl.StatusCode);
        Assert.Contains((await forbiddenUrl.ReadObjectAsync())["errors"]!.AsArray(), e => e!["field"]!.GetValue<string>() == "webhook_url");
        Assert.Empty((await (await _client.GetAsync("/hooks")).ReadNodeAsync()).AsArray());
    }

    [Fact]
    public async Task Registering_the_same_hook_twice_is_409()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/hooks", Hook("twice", _receiver.Url("allow"), "pre_delete"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.SendJsonAsync(HttpMethod.Post, "/hooks", Hook("twice", _receiver.Url("allow"), "pre_delete"))).StatusCode);
    }

    [Fact]
    public async Task Post_hooks_receive_lifecycle_events_for_their_entity_only()
    {
        await using var receiver = await HookReceiver.StartAsync();
        using var factory = EventDeliveryTests.Factory();
        using var client = factory.CreateClient();
        var type = JsonNode.Parse("""{"resource_type":"sensor","schema":{"type":"object","properties":{"reading":{"type":"integer"}}}}""");
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/custom-resources", type)).StatusCode);
        var other = JsonNode.Parse("""{"resource_type":"gauge","schema":{"type":"object"}}""");
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/custom-resources", other)).StatusCode);

        var hook = new JsonObject { ["hook_name"] = "notify", ["webhook_url"] = receiver.Url, ["entity"] = "sensor", ["events"] = new JsonArray("post_create", "post_delete") };
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/hooks", hook)).StatusCode);

        await client.SendJsonAsync(HttpMethod.Post, "/custom-resources/gauge", JsonNode.Parse("""{"value":1}"""));
        var created = await (await client.SendJsonAsync(HttpMethod.Post, "/custom-resources/sensor", JsonNode.Parse("""{"reading":7}"""))).ReadObjectAsync();
        var id = created["id"]!.GetValue<string>();
        await client.SendJsonAsync(HttpMethod.Patch, $"/custom-resources/sensor/{id}", JsonNode.Parse("""{"reading":8}"""), "application/merge-patch+json");
        await client.DeleteAsync($"/custom-resources/sensor/{id}");

        await receiver.WaitUntilAsync(r => r.Events.Count >= 2, TimeSpan.FromSeconds(20), "the created and deleted events");
        await Task.Delay(300);
        // Delivery is at least once and unordered (as on Event Grid): compare as a set.
        Assert.Equal(["oakestra.custom-resources.io.Sensor.created", "oakestra.custom-resources.io.Sensor.deleted"], receiver.Events.Select(e => e["type"]!.GetValue<string>()).Distinct().Order().ToList());
        var createdEvent = receiver.Events.First(e => e["type"]!.GetValue<string>().EndsWith(".created", StringComparison.Ordinal));
        Assert.Equal(7, createdEvent["data"]!["spec"]!["reading"]!.GetValue<int>());
        Assert.Contains(id, createdEvent["subject"]!.GetValue<string>(), StringComparison.Ordinal);

        var listed = Assert.Single((await (await client.GetAsync("/hooks")).ReadNodeAsync()).AsArray());
        Assert.Equal("[\"post_create\",\"post_delete\"]", listed!["events"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/hooks/notify")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/apis/events.customresources.io/v1/subscriptions/oakestra-notify")).StatusCode);
    }
}
