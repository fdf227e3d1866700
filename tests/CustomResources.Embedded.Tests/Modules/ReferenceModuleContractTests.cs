using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Embedded.Tests.Modules;

/// <summary>The reference module's HTTP contract and its test hooks, run in-process.</summary>
public sealed class ReferenceModuleContractTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly ManualTime time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly List<IDisposable> disposables = [];

    [Fact]
    public async Task Health_reports_healthy_with_the_contract_fields()
    {
        var client = Client();
        time.Advance(TimeSpan.FromSeconds(12.5));

        var (status, body) = await GetAsync(client, "/health");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)body!["healthy"]!);
        Assert.Equal(12.5, (double)body["uptime"]!);
        Assert.Equal("2026-01-02T03:04:17.5000000Z", (string?)body["timestamp"]);
        Assert.False(string.IsNullOrEmpty((string?)body["message"]));
        Assert.False((bool)body["apiConfigured"]!);
    }

    [Fact]
    public async Task Health_says_whether_the_API_URL_and_token_were_given()
    {
        var client = Client(("CUSTOMRESOURCES_API_URL", "https://api.example"), ("CUSTOMRESOURCES_TOKEN", "secret"));

        var (_, body) = await GetAsync(client, "/health");

        Assert.True((bool)body!["apiConfigured"]!);
        Assert.Equal("https://api.example", (string?)body["apiUrl"]);
        Assert.DoesNotContain("secret", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_answers_201_with_the_body_and_what_to_persist()
    {
        var client = Client();

        var (status, metadata) = await PostAsync(client, "/install", """{"replicas":2,"env":"dev"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, (int)metadata!["replicas"]!);
        Assert.Equal("dev", (string?)metadata["env"]);
        Assert.Equal(1, (int)metadata["installCount"]!);
        Assert.Equal("2026-01-02T03:04:05.0000000Z", (string?)metadata["installedAt"]);

        // The persisted metadata comes back merged into the next call's body.
        var (_, again) = await PostAsync(client, "/install", metadata.ToJsonString());
        Assert.Equal(2, (int)again!["installCount"]!);
    }

    [Fact]
    public async Task Sleep_and_resume_answer_200_with_metadata_and_uninstall_204()
    {
        var client = Client();

        var (sleepStatus, slept) = await PostAsync(client, "/sleep", """{"installCount":1}""");
        var (resumeStatus, resumed) = await PostAsync(client, "/resume", slept!.ToJsonString());
        using var uninstall = await client.PostAsync(new Uri("/uninstall", UriKind.Relative), Json(resumed!.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, sleepStatus);
        Assert.True((bool)slept["sleeping"]!);
        Assert.NotNull(slept["sleptAt"]);
        Assert.Equal(HttpStatusCode.OK, resumeStatus);
        Assert.False((bool)resumed["sleeping"]!);
        Assert.NotNull(resumed["resumedAt"]);
        Assert.Equal(1, (int)resumed["installCount"]!);
        Assert.Equal(HttpStatusCode.NoContent, uninstall.StatusCode);
        Assert.Empty(await uninstall.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_empty_body_is_an_empty_object_and_a_non_object_body_is_refused()
    {
        var client = Client();

        using var empty = await client.PostAsync(new Uri("/install", UriKind.Relative), null);
        var (arrayStatus, arrayBody) = await PostAsync(client, "/install", "[1,2]");
        var (brokenStatus, brokenBody) = await PostAsync(client, "/sleep", "{not json");

        Assert.Equal(HttpStatusCode.Created, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, arrayStatus);
        Assert.Contains("JSON object", (string?)arrayBody!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, brokenStatus);
        Assert.False(string.IsNullOrEmpty((string?)brokenBody!["message"]));
    }

    [Fact]
    public async Task Calls_are_recorded_in_order_in_memory_and_in_the_state_file()
    {
        var stateFile = Path.Combine(directory.Path, "nested", "calls.jsonl");
        var client = Client(("MODULE_STATE_FILE", stateFile));

        await PostAsync(client, "/install", """{"a":1}""");
        await PostAsync(client, "/sleep", """{"a":2}""");
        await PostAsync(client, "/resume", """{"a":3}""");
        await PostAsync(client, "/uninstall", """{"a":4}""");
        await GetAsync(client, "/health");

        var calls = await CallsAsync(client);
        Assert.Equal(["/install", "/sleep", "/resume", "/uninstall"], calls.Select(c => (string?)c!["path"]));
        Assert.Equal([1, 2, 3, 4], calls.Select(c => (int)c!["body"]!["a"]!));
        Assert.Equal([201, 200, 200, 204], calls.Select(c => (int)c!["status"]!));
        Assert.All(calls, c => Assert.NotNull(c!["time"]));

        var lines = await File.ReadAllLinesAsync(stateFile);
        Assert.Equal(4, lines.Length);
        Assert.Equal("/uninstall", (string?)JsonNode.Parse(lines[3])!["path"]);
    }

    [Fact]
    public async Task Calls_of_an_earlier_process_are_read_back_from_the_state_file()
    {
        var stateFile = Path.Combine(directory.Path, "calls.jsonl");
        await PostAsync(Client(("MODULE_STATE_FILE", stateFile)), "/install", """{"first":true}""");

        var calls = await CallsAsync(Client(("MODULE_STATE_FILE", stateFile)));

        Assert.True((bool)calls.Single()!["body"]!["first"]!);
    }

    [Fact]
    public async Task FailNext_fails_the_next_call_to_that_path_with_its_status_and_message()
    {
        var client = Client();
        var (controlStatus, _) = await PostAsync(client, "/control", """{"failNext":{"path":"/install","status":400,"message":"quota exceeded"}}""");

        var (sleepStatus, _) = await PostAsync(client, "/sleep", "{}");
        var (failedStatus, failed) = await PostAsync(client, "/install", "{}");
        var (retriedStatus, _) = await PostAsync(client, "/install", "{}");

        Assert.Equal(HttpStatusCode.NoContent, controlStatus);
        Assert.Equal(HttpStatusCode.OK, sleepStatus);
        Assert.Equal(HttpStatusCode.BadRequest, failedStatus);
        Assert.Equal("quota exceeded", (string?)failed!["message"]);
        Assert.Equal(HttpStatusCode.Created, retriedStatus);
        Assert.Equal([200, 400, 201], (await CallsAsync(client)).Select(c => (int)c!["status"]!));
    }

    [Fact]
    public async Task FailNext_with_times_fails_that_many_calls_and_reset_clears_it()
    {
        var client = Client();
        await PostAsync(client, "/control", """{"failNext":{"path":"resume","status":503,"times":-1}}""");

        var (first, _) = await PostAsync(client, "/resume", "{}");
        var (second, body) = await PostAsync(client, "/resume", "{}");
        await PostAsync(client, "/control", """{"reset":true}""");
        var (afterReset, _) = await PostAsync(client, "/resume", "{}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second);
        Assert.Equal("injected failure", (string?)body!["message"]);
        Assert.Equal(HttpStatusCode.OK, afterReset);
    }

    [Fact]
    public async Task Failures_can_be_set_by_environment_at_start()
    {
        var client = Client(("MODULE_FAIL_PATH", "/uninstall"), ("MODULE_FAIL_STATUS", "500"), ("MODULE_FAIL_MESSAGE", "disk full"), ("MODULE_FAIL_TIMES", "2"));

        var results = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync(new Uri("/uninstall", UriKind.Relative), Json("{}"));
            results.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.NoContent], results);
    }

    [Fact]
    public async Task HealthyAfterSeconds_answers_503_until_then()
    {
        var client = Client();
        await PostAsync(client, "/control", """{"healthyAfterSeconds":2}""");

        var (before, body) = await GetAsync(client, "/health");
        time.Advance(TimeSpan.FromSeconds(2));
        var (after, _) = await GetAsync(client, "/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before);
        Assert.False((bool)body!["healthy"]!);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task HealthyAfterSeconds_can_be_set_by_environment_at_start()
    {
        var client = Client(("MODULE_HEALTHY_AFTER_SECONDS", "5"));

        var (before, _) = await GetAsync(client, "/health");
        time.Advance(TimeSpan.FromSeconds(5));
        var (after, _) = await GetAsync(client, "/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task A_delay_holds_the_answer_to_that_path()
    {
        var client = Client(("MODULE_DELAY_PATH", "/sleep"), ("MODULE_DELAY_MS", "300"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (status, _) = await PostAsync(client, "/sleep", "{}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task A_malformed_control_request_is_refused_with_a_message()
    {
        var client = Client();

        var (status, body) = await PostAsync(client, "/control", """{"failNext":{"status":400}}""");
        var (badStatus, _) = await PostAsync(client, "/control", """{"failNext":{"path":"/install","status":200}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("path", (string?)body!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
    }

    public void Dispose()
    {
        foreach (var disposable in Enumerable.Reverse(disposables))
        {
            disposable.Dispose();
        }

        directory.Dispose();
    }

    private HttpClient Client(params (string Name, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (name, value) in settings)
            {
                builder.UseSetting(name, value);
            }

            builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(time));
        });
        var client = factory.CreateClient();
        disposables.Add(factory);
        disposables.Add(client);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> PostAsync(HttpClient client, string path, string body)
    {
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject);
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject);
    }

    private static async Task<JsonArray> CallsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonArray>(new Uri("/calls", UriKind.Relative)))!;

    /// <summary>A clock the tests move by hand.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
