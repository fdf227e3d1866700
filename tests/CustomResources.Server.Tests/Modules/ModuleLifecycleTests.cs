using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Modules;

/// <summary>
/// Modules end to end through the API with the reference module as a real process (local runtime): install, sleep,
/// resume, uninstall, a module's refusal, and invalid config refused at write time.
/// </summary>
public sealed class ModuleLifecycleTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Image = ReferenceModuleManifests.Image;
    private const string Modules = "/apis/modules.customresources.io/v1/namespaces/team-a/modules";

    private readonly ApiFactory factory = new();
    private readonly string stateFile = Path.Combine(Path.GetTempPath(), "cr-module-calls-" + Guid.NewGuid().ToString("N") + ".jsonl");
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        var module = typeof(ModuleLifecycleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceModulePath").Value!;
        factory.Settings["Modules:Local:Images:0:Image"] = Image;
        factory.Settings["Modules:Local:Images:0:Command"] = "dotnet";
        factory.Settings["Modules:Local:Images:0:Arguments:0"] = module;
        factory.Settings["Modules:Local:Images:0:Environment:MODULE_STATE_FILE"] = stateFile;
        client = factory.CreateClient();
        var workspace = new JsonObject
        {
            ["apiVersion"] = "modules.customresources.io/v1",
            ["kind"] = "Workspace",
            ["metadata"] = new JsonObject { ["name"] = "team-a" },
            ["spec"] = new JsonObject(),
        };
        await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "team-a" } });
        var created = await client.SendJsonAsync(HttpMethod.Post, "/apis/modules.customresources.io/v1/workspaces", workspace);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        // Delete whatever is left so the module processes are uninstalled and stopped.
        var list = await (await client.GetAsync(Modules)).ReadObjectAsync();
        foreach (var item in list["items"]!.AsArray())
        {
            await client.DeleteAsync($"{Modules}/{item!["metadata"]!["name"]}");
        }

        for (var i = 0; i < 100 && (await (await client.GetAsync(Modules)).ReadObjectAsync())["items"]!.AsArray().Count > 0; i++)
        {
            await Task.Delay(100);
        }

        client.Dispose();
        await factory.DisposeAsync();
        File.Delete(stateFile);
        File.Delete(stateFile + ".lock");
    }

    private async Task<JsonObject> WaitForAsync(string name, Func<JsonObject, bool> condition, string what)
    {
        JsonObject? last = null;
        for (var i = 0; i < 300; i++)
        {
            var response = await client.GetAsync($"{Modules}/{name}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.ReadObjectAsync();
                if (condition(last))
                {
                    return last;
                }
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{what} did not happen; last state: {last?["status"]?.ToJsonString()}");
    }

    private List<JsonObject> Calls() => File.Exists(stateFile)
        ? [.. File.ReadAllLines(stateFile).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())]
        : [];

    private static string? Phase(JsonObject module) => (string?)module["status"]?["phase"];

    [Fact]
    public async Task A_module_is_installed_put_to_sleep_woken_and_uninstalled_with_its_metadata_persisted()
    {
        var created = await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("app", new JsonObject { ["r"] = 3 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var ready = await WaitForAsync("app", m => Phase(m) == "Ready", "install");
        Assert.Equal(1, (int?)ready["status"]!["metadata"]!["installCount"]);
        Assert.Equal(3, (int?)ready["status"]!["resolvedConfig"]!["replicas"]);
        Assert.Contains(ReconcilerFinalizer, ready["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        var install = Assert.Single(Calls(), c => (string?)c["path"] == "/install");
        Assert.Equal(3, (int?)install["body"]!["replicas"]);
        Assert.Equal("hello", (string?)install["body"]!["greeting"]);

        // The module got the API's URL and its own token.
        using (var probe = new HttpClient())
        {
            var health = JsonNode.Parse(await probe.GetStringAsync($"http://127.0.0.1:{await ModulePortAsync()}/health"))!;
            Assert.True((bool?)health["apiConfigured"]);
        }

        await client.SendJsonAsync(HttpMethod.Patch, $"{Modules}/app", new JsonObject { ["spec"] = new JsonObject { ["hibernated"] = true } }, "application/merge-patch+json");
        await WaitForAsync("app", m => Phase(m) == "Sleeping" && (bool?)m["status"]!["sleeping"] == true, "sleep");
        Assert.Single(Calls(), c => (string?)c["path"] == "/sleep");

        await client.SendJsonAsync(HttpMethod.Patch, $"{Modules}/app", new JsonObject { ["spec"] = new JsonObject { ["hibernated"] = false } }, "application/merge-patch+json");
        var awake = await WaitForAsync("app", m => Phase(m) == "Ready" && (bool?)m["status"]!["sleeping"] == false, "resume");
        Assert.Single(Calls(), c => (string?)c["path"] == "/resume");
        Assert.Equal("resume", (string?)awake["status"]!["lastOperation"]);
        // Changing hibernation is not a new generation to install.
        Assert.Single(Calls(), c => (string?)c["path"] == "/install");

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{Modules}/app")).StatusCode);
        for (var i = 0; i < 300 && (await client.GetAsync($"{Modules}/app")).StatusCode != HttpStatusCode.NotFound; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Modules}/app")).StatusCode);
        var calls = Calls();
        Assert.True(calls.Count(c => (string?)c["path"] == "/uninstall") == 1, string.Join("\n", calls.Select(c => c.ToJsonString())));
        var uninstall = calls.Single(c => (string?)c["path"] == "/uninstall");
        Assert.Equal(1, (int?)uninstall["body"]!["installCount"]);
    }

    [Fact]
    public async Task Invalid_config_is_refused_at_write_time_listing_every_problem()
    {
        var response = await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("bad", new JsonObject { ["replicas"] = 99, ["unknown"] = "x" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var causes = (await response.ReadObjectAsync())["details"]!["causes"]!.AsArray().Select(c => (string?)c!["field"]).ToList();
        Assert.Contains("spec.config.replicas", causes);
        Assert.Contains("spec.config.unknown", causes);
    }

    [Fact]
    public async Task A_module_refusing_install_is_failed_with_its_message_until_the_spec_changes()
    {
        await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("picky", new JsonObject { ["replicas"] = 2 }));
        var ready = await WaitForAsync("picky", m => Phase(m) == "Ready", "install");

        // Ask the running module to refuse the next install, then change the spec so it is installed again.
        using var module = new HttpClient();
        var health = Calls();
        Assert.NotEmpty(health);
        var generation = (int)ready["metadata"]!["generation"]!;
        await ControlAsync(new JsonObject { ["failNext"] = new JsonObject { ["path"] = "/install", ["status"] = 400, ["message"] = "replicas must be even" } });
        await client.SendJsonAsync(HttpMethod.Patch, $"{Modules}/picky", new JsonObject { ["spec"] = new JsonObject { ["config"] = new JsonObject { ["replicas"] = 3 } } }, "application/merge-patch+json");

        var failed = await WaitForAsync("picky", m => Phase(m) == "Failed", "failure");
        Assert.Contains("replicas must be even", (string?)failed["status"]!["message"], StringComparison.Ordinal);
        Assert.Equal(generation + 1, (int?)failed["status"]!["failedGeneration"]);
        var condition = failed["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Ready")!;
        Assert.Equal("InstallFailed", (string?)condition["reason"]);

        // A later spec change retries, and this time the module accepts.
        await client.SendJsonAsync(HttpMethod.Patch, $"{Modules}/picky", new JsonObject { ["spec"] = new JsonObject { ["config"] = new JsonObject { ["replicas"] = 4 } } }, "application/merge-patch+json");
        var recovered = await WaitForAsync("picky", m => Phase(m) == "Ready" && (int?)m["status"]!["resolvedConfig"]!["replicas"] == 4, "retry after a spec change");
        Assert.Equal(generation + 2, (int?)recovered["status"]!["installedGeneration"]);
    }

    [Fact]
    public async Task A_module_crashing_mid_install_is_restarted_and_the_install_retried_until_it_converges()
    {
        await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("fragile", new JsonObject { ["replicas"] = 1 }));
        await WaitForAsync("fragile", m => Phase(m) == "Ready", "install");
        var firstPort = await ModulePortAsync();

        // The running process dies as soon as the next install reaches it; the change below asks for one.
        await ControlAsync(new JsonObject { ["crashOn"] = "/install" });
        await client.SendJsonAsync(HttpMethod.Patch, $"{Modules}/fragile", new JsonObject { ["spec"] = new JsonObject { ["config"] = new JsonObject { ["replicas"] = 5 } } }, "application/merge-patch+json");

        var converged = await WaitForAsync("fragile", m => Phase(m) == "Ready" && (int?)m["status"]!["resolvedConfig"]!["replicas"] == 5, "install after the crash");
        var installs = Calls().Where(c => (string?)c["path"] == "/install").ToList();
        Assert.Contains(installs, c => (bool?)c["crashed"] == true);
        Assert.Equal(5, (int?)installs.Last()["body"]!["replicas"]);
        Assert.NotEqual(firstPort, await ModulePortAsync());
        Assert.NotNull(converged["status"]!["metadata"]!["installedAt"]);
    }

    /// <summary>
    /// Time from Module create to Ready with the reference module (a process start, health, install and two status
    /// writes), one at a time and then 10 at once. A measurement: runs only with MODULES_BENCH=1 (docs/performance.md).
    /// </summary>
    [ModulesBenchmark]
    public async Task Time_from_module_create_to_ready()
    {
        var sequential = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module($"seq-{i}", new JsonObject { ["replicas"] = 1 }));
            await WaitForAsync($"seq-{i}", m => Phase(m) == "Ready", "install");
            sequential.Add(watch.Elapsed.TotalMilliseconds);
        }

        var together = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module($"par-{i}", new JsonObject { ["replicas"] = 1 }))));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => WaitForAsync($"par-{i}", m => Phase(m) == "Ready", "install")));
        together.Stop();

        sequential.Sort();
        output.WriteLine($"create -> Ready, one at a time (10): min {sequential[0]:F0} ms, median {sequential[5]:F0} ms, max {sequential[9]:F0} ms");
        output.WriteLine($"create -> Ready, 10 at once: all Ready after {together.Elapsed.TotalMilliseconds:F0} ms");
    }

    private const string ReconcilerFinalizer = "modules.customresources.io/uninstall";

    private async Task<int> ModulePortAsync()
    {
        var state = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(factory.DatabasePath)!, "modules.json")))!;
        return FindPort(state) ?? throw new InvalidOperationException("no running module in the runtime state: " + state.ToJsonString());
    }

    /// <summary>Sends a control request to the running reference module (its port is in the runtime's state file).</summary>
    private async Task ControlAsync(JsonObject control)
    {
        var port = await ModulePortAsync();
        using var module = new HttpClient();
        var response = await module.SendJsonAsync(HttpMethod.Post, $"http://127.0.0.1:{port}/control", control);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static int? FindPort(JsonNode? node) => node switch
    {
        JsonObject o when o["port"] is JsonValue p && p.TryGetValue<int>(out var port) => port,
        JsonObject o => o.Select(kv => FindPort(kv.Value)).FirstOrDefault(p => p is not null),
        JsonArray a => a.Select(FindPort).FirstOrDefault(p => p is not null),
        _ => null,
    };
}

/// <summary>A measurement, not a check: reported as skipped unless <c>MODULES_BENCH=1</c> asks for it.</summary>
public sealed class ModulesBenchmarkAttribute : FactAttribute
{
    public ModulesBenchmarkAttribute()
    {
        if (Environment.GetEnvironmentVariable("MODULES_BENCH") != "1")
        {
            Skip = "benchmark: runs only with MODULES_BENCH=1 (see docs/performance.md)";
        }
    }
}
