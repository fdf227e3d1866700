using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Core.Storage;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Http;

public sealed class WatchApiTests : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(10);

    private readonly ApiFactory _factory;
    private readonly HttpClient _client;

    public WatchApiTests(ApiFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    public Task InitializeAsync() => Samples.DefineCronTabAsync(_client);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_watch_from_the_list_version_streams_one_json_event_per_line_while_others_write()
    {
        var rv = await ListVersionAsync();
        await using var watch = await WatchLines.OpenAsync(_client, $"{Samples.CronTabPath}?resourceVersion={rv}&watch=true");

        Assert.Equal(HttpStatusCode.OK, watch.Response.StatusCode);
        Assert.Equal("application/json", watch.Response.Content.Headers.ContentType!.MediaType);

        var writer = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await writer.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("w-one"))).StatusCode);
        var added = await watch.NextAsync();
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        Assert.Equal("w-one", added["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("stable.example.com/v1", added["object"]!["apiVersion"]!.GetValue<string>());
        Assert.Equal("CronTab", added["object"]!["kind"]!.GetValue<string>());

        var patch = await writer.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/w-one", new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } }, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var modified = await watch.NextAsync();
        Assert.Equal("MODIFIED", modified["type"]!.GetValue<string>());
        Assert.Equal(3, modified["object"]!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal((await patch.ReadObjectAsync())["metadata"]!["resourceVersion"]!.GetValue<string>(), modified["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>());

        var delete = await writer.DeleteAsync($"{Samples.CronTabPath}/w-one");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var deleted = await watch.NextAsync();
        Assert.Equal("DELETED", deleted["type"]!.GetValue<string>());
        Assert.Equal("w-one", deleted["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_watch_without_a_version_starts_with_the_current_objects()
    {
        await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "watch-initial" } });
        var path = "/apis/stable.example.com/v1/namespaces/watch-initial/crontabs";
        await _client.SendJsonAsync(HttpMethod.Post, path, Samples.CronTab("first"));
        await _client.SendJsonAsync(HttpMethod.Post, path, Samples.CronTab("second"));

        await using var watch = await WatchLines.OpenAsync(_client, $"{path}?watch=1");

        Assert.Equal(["ADDED first", "ADDED second"], [Describe(await watch.NextAsync()), Describe(await watch.NextAsync())]);
    }

    [Fact]
    public async Task A_table_watch_sends_one_row_tables_with_the_columns_on_the_first_event_only()
    {
        var rv = await ListVersionAsync();
        await using var watch = await WatchLines.OpenAsync(_client, $"{Samples.CronTabPath}?resourceVersion={rv}&watch=true", TableAccept);

        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("t-one", cronSpec: "5 * * * *"));
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("t-two"));

        var first = await watch.NextAsync();
        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
        var table = first["object"]!;
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal("meta.k8s.io/v1", table["apiVersion"]!.GetValue<string>());
        Assert.Equal(["Name", "Spec", "Replicas", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToArray());
        var row = Assert.Single(table["rows"]!.AsArray())!;
        Assert.Equal("t-one", row["cells"]![0]!.GetValue<string>());
        Assert.Equal("5 * * * *", row["cells"]![1]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", row["object"]!["kind"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(table["metadata"]!["resourceVersion"]!.GetValue<string>()));

        var second = await watch.NextAsync();
        Assert.Null(second["object"]!["columnDefinitions"]);
        Assert.Equal("t-two", second["object"]!["rows"]![0]!["cells"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Bookmarks_are_plain_objects_and_the_stream_ends_after_timeout_seconds()
    {
        var rv = await ListVersionAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var watch = await WatchLines.OpenAsync(_client, $"{Samples.CronTabPath}?allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=2&watch=true", TableAccept);

        var bookmark = await watch.NextAsync();
        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal("CronTab", bookmark["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("stable.example.com/v1", bookmark["object"]!["apiVersion"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(bookmark["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>()));

        while (await watch.ReadLineAsync() is { } line)
        {
            Assert.Contains("BOOKMARK", line, StringComparison.Ordinal);
        }

        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task A_compacted_resource_version_is_410_expired_before_streaming()
    {
        var old = await ListVersionAsync();
        await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("compact-me"));
        var store = _factory.Services.GetRequiredService<IObjectStore>();
        var now = await store.CurrentResourceVersionAsync(CancellationToken.None);
        await store.CompactAsync(now, CancellationToken.None);

        var response = await _client.GetAsync($"{Samples.CronTabPath}?resourceVersion={old}&watch=true");

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.Equal($"too old resource version: {old} ({now})", status["message"]!.GetValue<string>());
        Assert.Equal(410, status["code"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("timeoutSeconds=soon")]
    [InlineData("timeoutSeconds=-1")]
    [InlineData("allowWatchBookmarks=maybe")]
    [InlineData("resourceVersionMatch=Newest")]
    [InlineData("resourceVersion=not-a-version")]
    public async Task Malformed_watch_parameters_are_400(string parameter)
    {
        var response = await _client.GetAsync($"{Samples.CronTabPath}?watch=true&{parameter}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Status", (await response.ReadObjectAsync())["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Disconnecting_ends_the_server_side_watch()
    {
        var rv = await ListVersionAsync();
        var watch = await WatchLines.OpenAsync(_client, $"{Samples.CronTabPath}?resourceVersion={rv}&watch=true");
        await watch.DisposeAsync();

        // The server keeps serving after the client went away.
        var response = await _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("after-disconnect"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"{Samples.CronTabPath}/after-disconnect")).StatusCode);
    }

    private async Task<string> ListVersionAsync()
    {
        var list = await (await _client.GetAsync($"{Samples.CronTabPath}?limit=500")).ReadObjectAsync();
        return list["metadata"]!["resourceVersion"]!.GetValue<string>();
    }

    private static string Describe(JsonObject watchEvent) =>
        $"{watchEvent["type"]!.GetValue<string>()} {watchEvent["object"]!["metadata"]!["name"]!.GetValue<string>()}";

    /// <summary>An open watch response read line by line, each read bounded.</summary>
    private sealed class WatchLines : IAsyncDisposable
    {
        private readonly StreamReader _reader;

        private WatchLines(HttpResponseMessage response, StreamReader reader)
        {
            Response = response;
            _reader = reader;
        }

        public HttpResponseMessage Response { get; }

        public static async Task<WatchLines> OpenAsync(HttpClient client, string url, string accept = "application/json")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept", accept);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(LineTimeout);
            if (!response.IsSuccessStatusCode)
            {
                Assert.Fail($"the watch answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            return new WatchLines(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<string?> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(LineTimeout);
            return await _reader.ReadLineAsync(timeout.Token);
        }

        public async Task<JsonObject> NextAsync()
        {
            var line = await ReadLineAsync();
            Assert.NotNull(line);
            return JsonNode.Parse(line)!.AsObject();
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            Response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
