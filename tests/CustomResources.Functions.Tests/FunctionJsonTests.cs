using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Functions.Tests;

/// <summary>functions/*/function.json: one catch-all HTTP function that hands every server path and method to the app.</summary>
public class FunctionJsonTests
{
    // Binding types this app may use, with the directions each allows.
    private static readonly Dictionary<string, string[]> KnownBindings = new(StringComparer.Ordinal)
    {
        ["httpTrigger"] = ["in"],
        ["http"] = ["out"],
        ["cosmosDBTrigger"] = ["in"],
        ["queueTrigger"] = ["in"],
        ["timerTrigger"] = ["in"],
    };

    // Real paths the server serves (Kubernetes API, discovery, OpenAPI, Oakestra facade, health).
    public static TheoryData<string> ServerPaths => new()
    {
        "/healthz",
        "/readyz",
        "/version",
        "/api",
        "/api/v1",
        "/api/v1/namespaces",
        "/api/v1/namespaces/default",
        "/apis",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com/status",
        "/apis/stable.example.com/v1",
        "/apis/stable.example.com/v1/namespaces/default/crontabs",
        "/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/status",
        "/openapi/v3",
        "/openapi/v3/apis/stable.example.com/v1",
        "/custom-resources/x",
    };

    [Fact]
    public void The_functions_are_the_http_api_the_change_feed_and_the_module_controller()
    {
        Assert.Equal(["Api", "ModuleReconcile", "ModuleReconcilePoison", "ModuleResync", "ResourceChangeFeed"], FunctionApp.Functions().Select(f => f.Name));
    }

    [Fact]
    public void Every_binding_has_a_known_type_a_valid_direction_and_a_name()
    {
        foreach (var (name, functionJson) in FunctionApp.Functions())
        {
            var bindings = FunctionApp.Bindings(functionJson).ToList();
            Assert.NotEmpty(bindings);
            foreach (var binding in bindings)
            {
                var type = (string?)binding["type"];
                Assert.True(type is not null && KnownBindings.ContainsKey(type), $"{name}: unknown binding type '{type}'");
                Assert.Contains((string?)binding["direction"], KnownBindings[type!]);
                Assert.False(string.IsNullOrEmpty((string?)binding["name"]), $"{name}: a binding without a name");
            }
            Assert.Single(bindings, b => (string?)b["direction"] == "in");
        }
    }

    [Fact]
    public void The_http_function_answers_through_an_http_output_binding()
    {
        var (_, functionJson) = Assert.Single(FunctionApp.Functions(), f => f.Name == "Api");
        Assert.Single(FunctionApp.Bindings(functionJson), b => (string?)b["type"] == "http" && (string?)b["direction"] == "out");
    }

    [Fact]
    public void The_http_trigger_is_an_anonymous_catch_all()
    {
        var trigger = FunctionApp.HttpTrigger();
        Assert.Equal("{*path}", (string?)trigger["route"]);
        // Authentication is the app's job: the host must not demand a function key first.
        Assert.Equal("anonymous", (string?)trigger["authLevel"]);
    }

    [Fact]
    public void The_http_trigger_accepts_every_method_the_api_uses()
    {
        var methods = TriggerMethods();
        foreach (var method in new[] { "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD" })
        {
            Assert.Contains(method, methods);
        }
    }

    [Fact]
    public void Every_endpoint_of_the_server_is_reachable_through_the_trigger()
    {
        using var factory = new ServerFactory();
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var methods = TriggerMethods();
        foreach (var endpoint in endpoints)
        {
            var raw = endpoint.RoutePattern.RawText ?? "";
            var firstSegment = raw.TrimStart('/').Split('/')[0];
            Assert.False(string.Equals(firstSegment, "admin", StringComparison.OrdinalIgnoreCase), $"{raw} is under the host's reserved /admin");
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                Assert.True(methods.Contains(method), $"{method} {raw} is not accepted by the HTTP trigger");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ServerPaths))]
    public void The_catch_all_route_delivers_server_paths_unchanged(string path)
    {
        var routePrefix = (string?)FunctionApp.HostJson()["extensions"]?["http"]?["routePrefix"] ?? "api";
        var route = (string)FunctionApp.HttpTrigger()["route"]!;
        var template = routePrefix.Length == 0 ? route : $"{routePrefix}/{route}";
        var matcher = new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary());

        var values = new RouteValueDictionary();
        Assert.True(matcher.TryMatch(path, values), $"{path} does not match '{template}'");
        // The whole path (less its leading slash) lands in the catch-all: nothing is stripped or added.
        Assert.Equal(path.TrimStart('/'), values["path"]?.ToString());
        Assert.False(path.StartsWith("/admin/", StringComparison.OrdinalIgnoreCase) || path == "/admin");
    }

    private static HashSet<string> TriggerMethods() =>
        [.. FunctionApp.HttpTrigger()["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant())];

    /// <summary>The server in memory on a throw-away SQLite file, only to read its endpoint table.</summary>
    private sealed class ServerFactory : WebApplicationFactory<Program>
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "cr-functions-tests-" + Guid.NewGuid().ToString("N"));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Storage:Path", Path.Combine(_directory, "customresources.db"));
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing && Directory.Exists(_directory))
            {
                try
                {
                    Directory.Delete(_directory, recursive: true);
                }
                catch (IOException)
                {
                    // A file still held open; the temp folder is cleaned by the OS.
                }
            }
        }
    }
}
