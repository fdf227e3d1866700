using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CustomResources.Server.Tests.Http;

/// <summary>Admission webhooks end to end: the server calls a real webhook server on loopback.</summary>
public sealed class AdmissionWebhookApiTests : IAsyncLifetime
{
    private const string Validating = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
    private const string Mutating = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";

    private readonly ApiFactory _factory = new();
    private WebApplicationFactory<Program> _server = null!;
    private WebhookReceiver _receiver = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _server = _factory.WithWebHostBuilder(b => b.UseSetting("Outbound:AllowedHosts:0", "127.0.0.1"));
        _client = _server.CreateClient();
        await Samples.DefineCronTabAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task RegisterAsync(string collection, JsonObject configuration)
    {
        var response = await _client.SendJsonAsync(HttpMethod.Post, collection, configuration);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> CreateAsync(string name, int replicas = 2)
    {
        var body = Samples.CronTab(name);
        body["spec"]!["replicas"] = replicas;
        return _client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, body);
    }

    [Fact]
    public async Task A_validating_denial_reaches_the_client_as_a_status_with_the_hooks_message()
    {
        await RegisterAsync(Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "deny", _receiver.Url("deny")));
        var response = await CreateAsync("refused");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("admission webhook \"deny.hooks.example.com\" denied the request: CREATE of refused is not allowed by policy", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Samples.CronTabPath}/refused")).StatusCode);

        var review = Assert.Single(_receiver.Reviews).Review["request"]!;
        Assert.Equal("CREATE", review["operation"]!.GetValue<string>());
        Assert.Equal("default", review["namespace"]!.GetValue<string>());
        Assert.Equal(2, review["object"]!["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_mutating_patch_is_applied_and_a_patch_that_breaks_the_schema_is_refused()
    {
        await RegisterAsync(Mutating, WebhookReceiver.Configuration("MutatingWebhookConfiguration", "mutate", _receiver.Url("mutate")));
        var response = await CreateAsync("mutated");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("image rewritten by the mutating webhook", StringComparison.Ordinal));
        var stored = await (await _client.GetAsync($"{Samples.CronTabPath}/mutated")).ReadObjectAsync();
        Assert.Equal("registry.example.com/mutated:1", stored["spec"]!["image"]!.GetValue<string>());
        Assert.Equal("webhook", stored["metadata"]!["labels"]!["mutated-by"]!.GetValue<string>());

        await RegisterAsync(Mutating, WebhookReceiver.Configuration("MutatingWebhookConfiguration", "zz-break", _receiver.Url("break")));
        response = await CreateAsync("broken");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("spec.replicas", (await response.ReadObjectAsync())["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_webhook_refuses_the_write_under_Fail_and_is_skipped_under_Ignore()
    {
        await RegisterAsync(Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "slow", _receiver.Url("slow"), timeoutSeconds: 1));
        var response = await CreateAsync("late");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var message = (await response.ReadObjectAsync())["message"]!.GetValue<string>();
        Assert.Contains("failed calling webhook \"slow.hooks.example.com\"", message, StringComparison.Ordinal);
        Assert.Contains("deadline exceeded", message, StringComparison.Ordinal);

        var lenient = WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "slow", _receiver.Url("slow"), failurePolicy: "Ignore", timeoutSeconds: 1);
        lenient["metadata"]!["resourceVersion"] = (await (await _client.GetAsync($"{Validating}/slow")).ReadObjectAsync())["metadata"]!["resourceVersion"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Put, $"{Validating}/slow", lenient)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("late")).StatusCode);
    }

    [Fact]
    public async Task An_unreachable_webhook_refuses_under_Fail_and_is_skipped_under_Ignore()
    {
        var nowhere = WebhookReceiver.UnreachableUrl();
        await RegisterAsync(Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "strict", nowhere));
        var response = await CreateAsync("a");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("failed calling webhook \"strict.hooks.example.com\"", (await response.ReadObjectAsync())["message"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"{Validating}/strict")).StatusCode);
        await RegisterAsync(Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "lenient", nowhere, failurePolicy: "Ignore"));
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("a")).StatusCode);
    }

    [Fact]
    public async Task Delete_is_validated_with_the_old_object()
    {
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("protected")).StatusCode);
        await RegisterAsync(Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "deny", _receiver.Url("deny"), operations: "\"DELETE\""));
        var response = await _client.DeleteAsync($"{Samples.CronTabPath}/protected");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("DELETE of protected is not allowed by policy", (await response.ReadObjectAsync())["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"{Samples.CronTabPath}/protected")).StatusCode);
        var review = Assert.Single(_receiver.Reviews).Review["request"]!;
        Assert.Equal("protected", review["oldObject"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://hooks.example.com/validate", "plain http")]
    [InlineData("https://10.0.0.5/validate", "private")]
    public async Task Forbidden_webhook_urls_are_refused_at_registration(string url, string expected)
    {
        var response = await _client.SendJsonAsync(HttpMethod.Post, Validating, WebhookReceiver.Configuration("ValidatingWebhookConfiguration", "forbidden", url));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var status = await response.ReadObjectAsync();
        Assert.Contains(expected, status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("webhooks[0].clientConfig.url", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Service_references_are_refused_with_a_clear_message()
    {
        var configuration = WebhookReceiver.Configuration("MutatingWebhookConfiguration", "svc", _receiver.Url("allow"));
        configuration["webhooks"]![0]!["clientConfig"] = new JsonObject { ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "hook" } };
        var response = await _client.SendJsonAsync(HttpMethod.Post, Mutating, configuration);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("service references are not supported", (await response.ReadObjectAsync())["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registration_types_are_discoverable()
    {
        var resources = await (await _client.GetAsync("/apis/admissionregistration.k8s.io/v1")).ReadObjectAsync();
        var names = resources["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("validatingwebhookconfigurations", names);
        Assert.Contains("mutatingwebhookconfigurations", names);
    }
}
