using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Azure.Tests.Cosmos;
using CustomResources.Azure.Tests.Queues;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Modules;

/// <summary>
/// The Module controller as it runs in Azure, end to end: the server in Cosmos DB mode (the stand-in) with its work
/// queue on Azurite and the local runtime running the reference module, driven by <see cref="FunctionsHostStandIn"/>
/// the way the Functions host drives it (change feed and resync timer put work on the queue; the queue triggers
/// deliver it to /ModuleReconcile, and after the fifth failed delivery to /ModuleReconcilePoison).
/// </summary>
[Collection(CosmosStandInGroup.Name)]
public sealed class AzureModuleControllerTests(CosmosStandIn standIn, AzuriteQueues azurite) : IAsyncLifetime, IClassFixture<AzuriteQueues>
{
    private const string Image = ReferenceModuleManifests.Image;
    private const string Group = "modules.customresources.io";
    private const string Modules = "/apis/modules.customresources.io/v1/namespaces/team-a/modules";
    private const string ReconcilerFinalizer = "modules.customresources.io/uninstall";

    /// <summary>Generous: a loaded 2-core machine starts a module process, waits for its health and installs it.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "cr-azure-modules-" + Guid.NewGuid().ToString("N"));
    private ApiFactory? factory;
    private HttpClient? client;
    private FunctionsHostStandIn? host;
    private global::Azure.Storage.Queues.QueueClient? queue;

    private HttpClient Client => client!;

    private FunctionsHostStandIn Host => host!;

    private string CallsFile => Path.Combine(directory, "module-calls.jsonl");

    private string RuntimeStateFile => Path.Combine(directory, "runtime", "modules.json");

    private string? SkipReason => standIn.SkipReason ?? azurite.SkipReason;

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var cosmos = standIn.FreshOptions();
        var queueName = AzuriteQueues.FreshQueueName();
        var module = typeof(AzureModuleControllerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceModulePath").Value!;
        factory = new ApiFactory();
        factory.Settings["Storage:Provider"] = "Cosmos";
        factory.Settings["Storage:Cosmos:AccountEndpoint"] = cosmos.AccountEndpoint!;
        factory.Settings["Storage:Cosmos:Key"] = cosmos.Key!;
        factory.Settings["Storage:Cosmos:Database"] = cosmos.Database;
        factory.Settings["Storage:Cosmos:CreateIfMissing"] = "true";
        factory.Settings["Modules:Queue:ConnectionString"] = azurite.ConnectionString;
        factory.Settings["Modules:Queue:QueueName"] = queueName;
        factory.Settings["Modules:Queue:CreateIfMissing"] = "true";
        factory.Settings["Modules:TokenKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        factory.Settings["Modules:Local:StatePath"] = RuntimeStateFile;
        factory.Settings["Modules:Local:Images:0:Image"] = Image;
        factory.Settings["Modules:Local:Images:0:Command"] = "dotnet";
        factory.Settings["Modules:Local:Images:0:Arguments:0"] = module;
        factory.Settings["Modules:Local:Images:0:Environment:MODULE_STATE_FILE"] = CallsFile;
        client = factory.CreateClient();
        queue = azurite.Client(queueName);
        host = new FunctionsHostStandIn(Client, factory.Services.GetRequiredService<CosmosObjectStore>(), queue, azurite.Client(queueName + "-poison"));

        var ns = await Client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "team-a" } });
        Assert.True(ns.StatusCode == HttpStatusCode.Created, await ns.Content.ReadAsStringAsync());
        var workspace = new JsonObject
        {
            ["apiVersion"] = "modules.customresources.io/v1",
            ["kind"] = "Workspace",
            ["metadata"] = new JsonObject { ["name"] = "team-a" },
            ["spec"] = new JsonObject(),
        };
        var created = await Client.SendJsonAsync(HttpMethod.Post, "/apis/modules.customresources.io/v1/workspaces", workspace);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        if (factory is not null)
        {
            try
            {
                // Uninstall whatever is left, the way it happens in Azure, so the module processes stop.
                var list = await (await Client.GetAsync(Modules)).ReadObjectAsync();
                var names = list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToList();
                foreach (var name in names)
                {
                    await Client.DeleteAsync($"{Modules}/{name}");
                    await Host.ChangeFeedAsync(ModuleDocument(name));
                }

                if (names.Count > 0)
                {
                    await Host.DrainUntilAsync(async () => (await (await Client.GetAsync(Modules)).ReadObjectAsync())["items"]!.AsArray().Count == 0, TimeSpan.FromMinutes(1), "clean-up");
                    foreach (var name in names)
                    {
                        await Host.ChangeFeedAsync(ModuleDocument(name));
                    }

                    await Host.DrainUntilAsync(() => Task.FromResult(RunningModulePids().Count == 0), TimeSpan.FromMinutes(1), "module processes to stop");
                }
            }
            catch (Xunit.Sdk.XunitException)
            {
                // The test has failed already (or left the runtime unable to uninstall): stop the processes below.
            }
            finally
            {
                StopLeftoverModules();
                client?.Dispose();
                await factory.DisposeAsync();
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // Left to the OS's temp cleanup.
                }
            }
        }
    }

    private static (string, string, string, string) ModuleDocument(string name) => (Group, "modules", "team-a", name);

    private static (string, string, string, string) WorkspaceDocument(string name) => (Group, "workspaces", "", name);

    private async Task<JsonObject?> GetModuleAsync(string name)
    {
        var response = await Client.GetAsync($"{Modules}/{name}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.ReadObjectAsync();
    }

    private static JsonObject? ConditionOf(JsonObject module, string type) =>
        module["status"]?["conditions"] is JsonArray conditions ? conditions.OfType<JsonObject>().SingleOrDefault(c => (string?)c["type"] == type) : null;

    private List<JsonObject> Calls(string path) => File.Exists(CallsFile)
        ? [.. File.ReadAllLines(CallsFile).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).Where(c => (string?)c["path"] == path)]
        : [];

    /// <summary>Creates the Module through the API; the change feed delivers the Workspace's and the Module's documents; the queue drains.</summary>
    private async Task<JsonObject> CreateAndInstallAsync(string name)
    {
        var created = await Client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module(name, new JsonObject { ["r"] = 3 }));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await Host.ChangeFeedAsync(WorkspaceDocument("team-a"), ModuleDocument(name));
        await Host.DrainAsync(Patience);
        return (await GetModuleAsync(name))!;
    }

    private async Task<HttpResponseMessage> PostAsync(string function, string body) =>
        await Client.PostAsync("/" + function, new StringContent(body, Encoding.UTF8, "application/json"));

    [SkippableFact]
    public async Task Work_from_the_change_feed_installs_a_module_through_the_queue_and_a_delete_uninstalls_it()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var ready = await CreateAndInstallAsync("app");

        Assert.Equal("Ready", (string?)ready["status"]!["phase"]);
        Assert.Contains(ReconcilerFinalizer, ready["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        // What /install answered is kept in the status.
        Assert.Equal(1, (int?)ready["status"]!["metadata"]!["installCount"]);
        Assert.NotNull(ready["status"]!["metadata"]!["installedAt"]);
        Assert.Equal(3, (int?)ready["status"]!["resolvedConfig"]!["replicas"]);
        var install = Assert.Single(Calls("/install"));
        Assert.Equal(3, (int?)install["body"]!["replicas"]);
        Assert.Equal("True", (string?)ConditionOf(ready, "Ready")!["status"]);
        Assert.Null(ConditionOf(ready, "Stalled"));
        Assert.All(Host.Deliveries, d => Assert.True(d.Succeeded, d.ToString()));
        Assert.Contains(Host.Deliveries, d => d.Message.Contains("\"workspace:team-a\"", StringComparison.Ordinal));
        Assert.NotEmpty(RunningModulePids());

        // A resync with nothing changed installs nothing again.
        await Host.ResyncAsync();
        await Host.DrainAsync(Patience);
        Assert.Single(Calls("/install"));

        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteAsync($"{Modules}/app")).StatusCode);
        await Host.ChangeFeedAsync(ModuleDocument("app"));
        await Host.DrainAsync(Patience);
        Assert.Null(await GetModuleAsync("app"));
        var uninstall = Assert.Single(Calls("/uninstall"));
        Assert.Equal(1, (int?)uninstall["body"]!["installCount"]);
        Assert.Single(Calls("/install"));

        // The deletion itself (the tombstone) reaches the feed too; the runtime lets the process go.
        await Host.ChangeFeedAsync(ModuleDocument("app"));
        await Host.DrainAsync(Patience);
        Assert.Empty(RunningModulePids());
        Assert.All(Host.Deliveries, d => Assert.True(d.Succeeded, d.ToString()));
    }

    [SkippableFact]
    public async Task Work_the_queue_gives_up_on_marks_the_module_stalled_until_a_reconcile_succeeds()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var ready = await CreateAndInstallAsync("app");
        Assert.Equal("Ready", (string?)ready["status"]!["phase"]);
        var before = Host.Deliveries.Count;

        // A runtime state file the runtime cannot make sense of (the same module twice): an unexpected error, not one
        // the reconciler classifies, so every delivery fails and the host finally moves the message to the poison queue.
        var state = await File.ReadAllTextAsync(RuntimeStateFile);
        await File.WriteAllTextAsync(RuntimeStateFile, DuplicateFirstEntry(state));
        await Host.ResyncAsync();
        await Host.DrainUntilAsync(
            async () => (string?)ConditionOf((await GetModuleAsync("app"))!, "Stalled")?["status"] == "True",
            Patience,
            "Stalled=True");

        var forApp = Host.Deliveries.Skip(before).Where(d => d.Message.Contains("\"team-a/app\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [.. Enumerable.Range(1, FunctionsHostStandIn.MaxDequeueCount).Select(n => ("/ModuleReconcile", (long)n, HttpStatusCode.InternalServerError)), ("/ModuleReconcilePoison", 1L, HttpStatusCode.OK)],
            forApp.Select(d => (d.Function, d.DequeueCount, d.Status)));
        var stalled = (await GetModuleAsync("app"))!;
        var condition = ConditionOf(stalled, "Stalled")!;
        Assert.Equal("RetriesExhausted", (string?)condition["reason"]);
        Assert.Contains("gave up", (string?)condition["message"], StringComparison.Ordinal);
        // The poison handler put the Module back on the queue for a later look, invisible for now.
        Assert.Equal(1, await FunctionsHostStandIn.CountAsync(queue!));

        // The stalled status write itself queues nothing (the controller's own status writes never do)...
        await Host.ChangeFeedAsync(ModuleDocument("app"));
        Assert.Equal(1, await FunctionsHostStandIn.CountAsync(queue!));

        // ...the next look does (here the resync timer, before the poison handler's own look 5 minutes later), and
        // once fixed it succeeds and says so.
        await File.WriteAllTextAsync(RuntimeStateFile, state);
        await Host.ResyncAsync();
        await Host.DrainUntilAsync(
            async () => (string?)ConditionOf((await GetModuleAsync("app"))!, "Stalled")?["status"] == "False",
            Patience,
            "Stalled=False");
        var recovered = (await GetModuleAsync("app"))!;
        Assert.Equal("Reconciled", (string?)ConditionOf(recovered, "Stalled")!["reason"]);
        Assert.Equal("Ready", (string?)recovered["status"]!["phase"]);
        Assert.Single(Calls("/install"));
    }

    /// <summary>
    /// The same Module queued more than once (its own requeue, the feed delivering its finalizer and status writes, a
    /// Workspace change, the resync) and delivered in one batch (host.json batchSize 8) or by two instances.
    /// </summary>
    [SkippableFact]
    public async Task Concurrent_deliveries_of_one_module_install_it_once()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var batched = new FunctionsHostStandIn(Client, factory!.Services.GetRequiredService<CosmosObjectStore>(), queue!, azurite.Client(queue!.Name + "-poison")) { BatchSize = 8 };
        var created = await Client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("app", new JsonObject { ["r"] = 3 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(new CustomResources.Core.Modules.ReconcileMessage("team-a/app", 0).ToJson());
        // The first reconcile adds the finalizer and puts the Module back on the queue; three more copies join it.
        Assert.True((await batched.DeliverNextAsync())?.Succeeded);
        Assert.Contains(ReconcilerFinalizer, (await GetModuleAsync("app"))!["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        for (var i = 0; i < 3; i++)
        {
            await queue.SendMessageAsync(new CustomResources.Core.Modules.ReconcileMessage("team-a/app", 0).ToJson());
        }

        // Copies that found the install claimed come back when the claim would expire (minutes): not waited for here.
        await batched.DrainUntilAsync(async () => (string?)(await GetModuleAsync("app"))?["status"]?["phase"] == "Ready", Patience, "the module to be Ready");
        await batched.DeliverNextAsync();
        Assert.True(Calls("/install").Count == 1, $"{Calls("/install").Count} installs:\n{string.Join("\n", batched.Deliveries)}");
    }

    [SkippableFact]
    public async Task Malformed_invocations_are_refused_and_malformed_messages_dropped()
    {
        Skip.If(SkipReason is not null, SkipReason);
        foreach (var function in new[] { "ModuleReconcile", "ModuleReconcilePoison" })
        {
            foreach (var envelope in new[] { "not json", "[]", """{"Metadata":{}}""", """{"Data":{"other":"x"}}""", """{"Data":{"message":42}}""" })
            {
                var response = await PostAsync(function, envelope);
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{function} {envelope}: {(int)response.StatusCode}");
                Assert.Contains("malformed invocation payload", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            foreach (var text in new[] { "not a key", "a/b/c", "", """{"key":"team-a/app","attempt":-1}""", """{"attempt":0}""", "{broken" })
            {
                var body = new JsonObject { ["Data"] = new JsonObject { ["message"] = text }, ["Metadata"] = new JsonObject { ["DequeueCount"] = 1 } };
                var response = await PostAsync(function, body.ToJsonString());
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{function} '{text}': {(int)response.StatusCode}");
                Assert.Contains("dropped a malformed message", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        foreach (var envelope in new[] { "not json", """{"Metadata":{}}""" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("ModuleResync", envelope)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("ResourceChangeFeed", envelope)).StatusCode);
        }

        // A message the host decoded as JSON (an object, not a string) and a bare key are well formed: a Module that
        // does not exist is simply done.
        var decoded = """{"Data":{"message":{"key":"team-a/nothing","attempt":0}},"Metadata":{"DequeueCount":"2"}}""";
        var answer = await PostAsync("ModuleReconcile", decoded);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("team-a/nothing: gone", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("ModuleReconcile", """{"Data":{"message":"team-a/nothing"}}""")).StatusCode);

        // Nothing of it was put on the queue to be tried again.
        Assert.Equal(0, await FunctionsHostStandIn.CountAsync(queue!));
    }

    /// <summary>The runtime state with its first recorded module listed twice.</summary>
    private static string DuplicateFirstEntry(string state)
    {
        var root = JsonNode.Parse(state)!.AsObject();
        var list = root.Select(p => p.Value).OfType<JsonArray>().First(a => a.Count > 0);
        list.Add(list[0]!.DeepClone());
        return root.ToJsonString();
    }

    /// <summary>Process ids of the modules the runtime's state file records.</summary>
    private List<int> RunningModulePids()
    {
        if (!File.Exists(RuntimeStateFile))
        {
            return [];
        }

        var pids = new List<int>();
        Collect(JsonNode.Parse(File.ReadAllText(RuntimeStateFile)), pids);
        return pids;

        static void Collect(JsonNode? node, List<int> into)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (name, value) in o)
                    {
                        if (string.Equals(name, "pid", StringComparison.OrdinalIgnoreCase) && value is JsonValue v && v.TryGetValue<int>(out var pid))
                        {
                            into.Add(pid);
                        }
                        else
                        {
                            Collect(value, into);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Collect(item, into);
                    }

                    break;
            }
        }
    }

    /// <summary>Stops module processes a failed test left running: only those recorded here, and only if they run the reference module.</summary>
    private void StopLeftoverModules()
    {
        var module = typeof(AzureModuleControllerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceModulePath").Value!;
        List<int> pids;
        try
        {
            pids = RunningModulePids();
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return;
        }

        foreach (var pid in pids.Distinct())
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
                if (commandLine.Contains(module, StringComparison.Ordinal))
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already, or not ours.
            }
        }
    }
}
