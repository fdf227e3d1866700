using System.Net;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

public sealed class DiscoveryApiTests : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string AggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    private readonly HttpClient _client;

    public DiscoveryApiTests(ApiFactory factory) => _client = factory.CreateClient();

    public Task InitializeAsync() => Samples.DefineCronTabAsync(_client);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Version_reports_major_minor_and_git_version()
    {
        var version = await (await _client.GetAsync("/version")).ReadObjectAsync();
        Assert.Equal("1", version["major"]!.GetValue<string>());
        Assert.Equal("32", version["minor"]!.GetValue<string>());
        Assert.StartsWith("v1.32", version["gitVersion"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregated_discovery_uses_the_exact_content_type_and_lists_the_definition()
    {
        var response = await _client.GetWithAcceptAsync("/apis", AggregatedAccept);
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"resource\":\"crontabs\"", body, StringComparison.Ordinal);
        Assert.Contains("\"shortNames\":[\"ct\"]", body, StringComparison.Ordinal);

        var core = await _client.GetWithAcceptAsync("/api", AggregatedAccept);
        Assert.Contains("\"resource\":\"namespaces\"", await core.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_discovery_serves_group_list_and_resource_list()
    {
        var groups = await (await _client.GetAsync("/apis")).ReadObjectAsync();
        Assert.Equal("APIGroupList", groups["kind"]!.GetValue<string>());
        var resources = await (await _client.GetAsync("/apis/stable.example.com/v1")).ReadObjectAsync();
        Assert.Equal("APIResourceList", resources["kind"]!.GetValue<string>());
        var core = await (await _client.GetAsync("/api/v1")).ReadObjectAsync();
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "namespaces");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/apis/missing.example.com")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_v3_index_points_at_group_version_documents_with_field_validation()
    {
        var index = await (await _client.GetAsync("/openapi/v3")).ReadObjectAsync();
        var url = index["paths"]!["apis/stable.example.com/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var doc = await (await _client.GetAsync(url)).Content.ReadAsStringAsync();
        Assert.Contains("x-kubernetes-group-version-kind", doc, StringComparison.Ordinal);
        Assert.Contains("fieldValidation", doc, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/openapi/v3/api/v1")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_v2_is_404_and_never_json()
    {
        var response = await _client.GetWithAcceptAsync("/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Default_namespace_exists_from_the_first_start()
    {
        var ns = await (await _client.GetAsync("/api/v1/namespaces/default")).ReadObjectAsync();
        Assert.Equal("Active", ns["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_endpoints_answer_ok()
    {
        Assert.Equal("ok", await _client.GetStringAsync("/healthz"));
        Assert.Equal("ok", await _client.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task Unknown_path_is_a_404_Status()
    {
        var response = await _client.GetAsync("/no/such/path");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Status", (await response.ReadObjectAsync())["kind"]!.GetValue<string>());
    }
}
