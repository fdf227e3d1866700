using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

/// <summary>Bad input gets a clear 4xx Status, writes nothing, and the server keeps serving.</summary>
public sealed class HostileInputTests : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client;

    public HostileInputTests(ApiFactory factory) => _client = factory.CreateClient();

    public Task InitializeAsync() => Samples.DefineCronTabAsync(_client);

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, HttpStatusCode> Bodies() => new()
    {
        { "[1,2,3]", "application/json", HttpStatusCode.BadRequest },
        { "\"just a string\"", "application/json", HttpStatusCode.BadRequest },
        { "{\"apiVersion\":\"stable.example.com/v1\",\"apiVersion\":\"x\"}", "application/json", HttpStatusCode.BadRequest },
        { new string('[', 5000) + new string(']', 5000), "application/json", HttpStatusCode.BadRequest },
        { "a: &a [*a, *a]\nb: *a", "application/yaml", HttpStatusCode.BadRequest },
        { "---\na: 1\n---\nb: 2\n", "application/yaml", HttpStatusCode.BadRequest },
        { "name=value", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType },
        { "", "application/json", HttpStatusCode.BadRequest },
        { "{\"apiVersion\":\"stable.example.com/v1\",\"kind\":\"CronTab\",\"metadata\":\"nope\"}", "application/json", HttpStatusCode.UnprocessableEntity },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Malformed_or_wrongly_typed_bodies_are_refused_without_writing(string body, string contentType, HttpStatusCode expected)
    {
        var before = await CountAsync();
        var response = await _client.SendTextAsync(HttpMethod.Post, Samples.CronTabPath, body, contentType);
        Assert.Equal(expected, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(status["message"]!.GetValue<string>()));
        Assert.Equal(before, await CountAsync());
        Assert.Equal("ok", await _client.GetStringAsync("/healthz"));
    }

    [Theory]
    [InlineData("/apis/stable.example.com/v1/namespaces/..%2F..%2Fetc/crontabs")]
    [InlineData("/apis/stable.example.com/v1/namespaces/default/crontabs/..%2F..%2Fpasswd")]
    [InlineData("/apis/..%2F..%2F/v1/crontabs")]
    [InlineData("/apis/stable.example.com/v1/namespaces/default/crontabs/a%01b")]
    [InlineData("/apis/stable.example.com/v1/namespaces/a%01b/crontabs")]
    [InlineData("/apis/stable.example.com/v1/namespaces/default/crontabs/UPPER")]
    [InlineData("/api/v1/namespaces/default/crontabs")]
    public async Task Hostile_paths_are_not_found_and_never_errors(string path)
    {
        var response = await _client.GetAsync(path);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path} answered {response.StatusCode}");
    }

    [Fact]
    public async Task Creating_through_a_hostile_namespace_path_writes_nothing()
    {
        var before = await CountAsync();
        var response = await _client.SendJsonAsync(HttpMethod.Post, "/apis/stable.example.com/v1/namespaces/..%2Fdefault/crontabs", Samples.CronTab("sneaky"));
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"answered {response.StatusCode}");
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData("?limit=-1")]
    [InlineData("?limit=abc")]
    [InlineData("?limit=1&continue=not-a-token")]
    [InlineData("?fieldValidation=Bogus")]
    [InlineData("?dryRun=Sometimes")]
    [InlineData("?includeObject=Everything")]
    public async Task Invalid_query_parameters_are_400(string query)
    {
        var method = query.Contains("fieldValidation", StringComparison.Ordinal) || query.Contains("dryRun", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;
        using var request = new HttpRequestMessage(method, Samples.CronTabPath + query);
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent(Samples.CronTab("query-" + Guid.NewGuid().ToString("N")[..6]).ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Protobuf_only_accept_is_406()
    {
        var response = await _client.GetWithAcceptAsync(Samples.CronTabPath, "application/vnd.kubernetes.protobuf");
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task Garbage_protobuf_namespace_body_is_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces");
        request.Content = new ByteArrayContent([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Control_characters_in_labels_are_refused()
    {
        var body = Samples.CronTab("ctrl");
        body["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["app"] = "a\u0000b" };
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    private async Task<int> CountAsync() =>
        (await (await _client.GetAsync("/apis/stable.example.com/v1/crontabs")).ReadObjectAsync())["items"]!.AsArray().Count;
}
