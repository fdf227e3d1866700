using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>An in-memory server on a fresh SQLite file per test class.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cr-tests-" + Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(_directory, "customresources.db");

    /// <summary>Extra configuration (e.g. <c>Outbound:AllowedHosts:0</c>), applied when the server starts.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:Path", DatabasePath);

        // The API tests act as a cluster admin; authentication and RBAC have their own tests (Security/).
        builder.UseSetting("Authentication:Enabled", "false");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Development");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a finalizer; the temp folder is cleaned by the OS.
            }
        }
    }
}

/// <summary>Small helpers for sending JSON/YAML and reading JSON answers.</summary>
public static class HttpClientExtensions
{
    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, JsonNode? body, string contentType = "application/json") =>
        client.SendTextAsync(method, url, body?.ToJsonString() ?? "", contentType);

    public static async Task<HttpResponseMessage> SendTextAsync(this HttpClient client, HttpMethod method, string url, string body, string contentType)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> GetWithAcceptAsync(this HttpClient client, string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await client.SendAsync(request);
    }

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}

/// <summary>The CronTab definition from the Kubernetes and OpenShift walkthroughs, with a few extra rules.</summary>
public static class Samples
{
    public const string CronTabPath = "/apis/stable.example.com/v1/namespaces/default/crontabs";

    public static JsonObject CronTabDefinition(string group = "stable.example.com", string plural = "crontabs", string kind = "CronTab", string[]? shortNames = null) => JsonNode.Parse($$"""
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": { "name": "{{plural}}.{{group}}" },
          "spec": {
            "group": "{{group}}",
            "scope": "Namespaced",
            "names": { "plural": "{{plural}}", "singular": "{{kind.ToLowerInvariant()}}", "kind": "{{kind}}", "shortNames": {{new JsonArray((shortNames ?? ["ct"]).Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()).ToJsonString()}} },
            "versions": [{
              "name": "v1", "served": true, "storage": true,
              "schema": { "openAPIV3Schema": {
                "type": "object",
                "properties": {
                  "spec": {
                    "type": "object",
                    "required": ["cronSpec", "image"],
                    "properties": {
                      "cronSpec": { "type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$" },
                      "image": { "type": "string" },
                      "replicas": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1 },
                      "settings": { "type": "object", "properties": { "mode": { "type": "string", "default": "fast" } }, "default": {} }
                    }
                  },
                  "status": { "type": "object", "x-kubernetes-preserve-unknown-fields": true }
                }
              } },
              "additionalPrinterColumns": [
                { "name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec" },
                { "name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas" },
                { "name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp" }
              ]
            }]
          }
        }
        """)!.AsObject();

    public static JsonObject CronTab(string name, string cronSpec = "* * * * */5", string image = "my-awesome-cron-image") => new()
    {
        ["apiVersion"] = "stable.example.com/v1",
        ["kind"] = "CronTab",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["cronSpec"] = cronSpec, ["image"] = image },
    };

    /// <summary>Defines the CronTab type unless this server already has it (fixtures are shared per test class).</summary>
    public static async Task DefineCronTabAsync(HttpClient client)
    {
        var response = await client.SendJsonAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CronTabDefinition());
        Assert.True(response.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Conflict, $"defining CronTab answered {response.StatusCode}");
    }
}
