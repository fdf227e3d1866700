using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>
/// A real admission webhook server on a free 127.0.0.1 port (Kestrel): each path answers AdmissionReviews the way a
/// webhook would. <c>/allow</c>, <c>/deny</c> (message names the object), <c>/mutate</c> (adds a label and replaces
/// spec.image), <c>/break</c> (sets spec.replicas to 99), <c>/slow</c> (answers after 5 s).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Every review received, with the path it came to.</summary>
    public List<(string Path, JsonObject Review)> Reviews { get; } = [];

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>A loopback URL where nothing listens.</summary>
    public static string UnreachableUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/nobody";
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/{path}", async (string path, HttpContext context) =>
        {
            var review = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            lock (receiver!.Reviews)
            {
                receiver.Reviews.Add((path, review));
            }

            if (path == "slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            }

            var request = review["request"]!;
            var response = new JsonObject { ["uid"] = request["uid"]!.GetValue<string>(), ["allowed"] = path != "deny" };
            var name = request["name"]?.GetValue<string>() ?? request["oldObject"]?["metadata"]?["name"]?.GetValue<string>();
            switch (path)
            {
                case "deny":
                    response["status"] = new JsonObject { ["code"] = 403, ["message"] = $"{request["operation"]} of {name} is not allowed by policy" };
                    break;
                case "mutate":
                    var label = request["object"]?["metadata"]?["labels"] is null
                        ? """{ "op": "add", "path": "/metadata/labels", "value": { "mutated-by": "webhook" } }"""
                        : """{ "op": "add", "path": "/metadata/labels/mutated-by", "value": "webhook" }""";
                    Patch(response, $$"""[{{label}}, { "op": "replace", "path": "/spec/image", "value": "registry.example.com/mutated:1" }]""");
                    response["warnings"] = new JsonArray("image rewritten by the mutating webhook");
                    break;
                case "break":
                    Patch(response, """[{ "op": "add", "path": "/spec/replicas", "value": 99 }]""");
                    break;
            }

            var answer = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
            return Results.Text(answer.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        receiver = new WebhookReceiver(app, address.Port);
        return receiver;
    }

    private static void Patch(JsonObject response, string operations)
    {
        response["patchType"] = "JSONPatch";
        response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(operations));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A webhook configuration manifest (JSON) with one webhook on CronTabs.</summary>
    public static JsonObject Configuration(string kind, string name, string url, string operations = "\"CREATE\", \"UPDATE\"", string failurePolicy = "Fail", int timeoutSeconds = 10) => JsonNode.Parse($$"""
        {
          "apiVersion": "admissionregistration.k8s.io/v1",
          "kind": "{{kind}}",
          "metadata": { "name": "{{name}}" },
          "webhooks": [{
            "name": "{{name}}.hooks.example.com",
            "clientConfig": { "url": "{{url}}" },
            "rules": [{ "operations": [{{operations}}], "apiGroups": ["stable.example.com"], "apiVersions": ["v1"], "resources": ["crontabs"] }],
            "failurePolicy": "{{failurePolicy}}",
            "timeoutSeconds": {{timeoutSeconds}},
            "sideEffects": "None",
            "admissionReviewVersions": ["v1"]
          }]
        }
        """)!.AsObject();
}
