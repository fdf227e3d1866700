using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class NamespaceApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Protobuf_namespace_body_from_kubectl_creates_the_namespace()
    {
        // The exact 57-byte body kubectl 1.32 sends for `kubectl create namespace team-a`.
        var body = Convert.FromHexString("6b387300" + "0a0f0a0276311209" + "4e616d657370616365" + "121e" + "0a160a067465616d2d61" + "12001a0022002a00320038004200" + "1200" + "1a020a00" + "1a002200");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.kubernetes.protobuf,application/json");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ns = await response.ReadObjectAsync();
        Assert.Equal("team-a", ns["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Active", ns["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Namespace_names_must_be_dns_labels()
    {
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "has.dots" } };
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_objects()
    {
        await Samples.DefineCronTabAsync(_client);
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "doomed" } };
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/apis/stable.example.com/v1/namespaces/doomed/crontabs", Samples.CronTab("inside"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync("/api/v1/namespaces/doomed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/namespaces/doomed")).StatusCode);

        // Recreating the namespace does not bring the old objects back.
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/apis/stable.example.com/v1/namespaces/doomed/crontabs/inside")).StatusCode);
    }

    [Fact]
    public async Task Strategic_merge_patch_on_a_namespace_merges_labels()
    {
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "smp", ["labels"] = new JsonObject { ["a"] = "1" } } };
        Assert.Equal(HttpStatusCode.Created, (await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        var patched = await _client.SendJsonAsync(HttpMethod.Patch, "/api/v1/namespaces/smp", JsonNode.Parse("""{"metadata":{"labels":{"b":"2"}}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var labels = (await patched.ReadObjectAsync())["metadata"]!["labels"]!;
        Assert.Equal("1", labels["a"]!.GetValue<string>());
        Assert.Equal("2", labels["b"]!.GetValue<string>());
    }
}
