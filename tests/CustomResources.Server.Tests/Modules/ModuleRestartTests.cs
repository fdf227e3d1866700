using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Modules;

/// <summary>
/// The real server process hard-killed (SIGKILL of the server alone, as a crash or the OOM killer would) while a Module's
/// <c>POST /install</c> is in flight, then restarted on the same data directory: the Module converges, the module process
/// left running is reused rather than doubled, and a later restart does not install again.
/// </summary>
public sealed class ModuleRestartTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Image = ReferenceModuleManifests.Image;
    private const string Modules = "/apis/modules.customresources.io/v1/namespaces/team-a/modules";

    /// <summary>How long the reference module holds each <c>/install</c>: the window in which the server is killed.</summary>
    private const int InstallDelayMs = 4000;

    private readonly string directory = Path.Combine(Path.GetTempPath(), "cr-restart-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServerProcess> servers = [];
    private string StateFile => Path.Combine(directory, "module-calls.jsonl");

    private Dictionary<string, string> Environment()
    {
        var module = typeof(ModuleRestartTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceModulePath").Value!;
        return new Dictionary<string, string>
        {
            ["Modules__Local__Images__0__Image"] = Image,
            ["Modules__Local__Images__0__Command"] = "dotnet",
            ["Modules__Local__Images__0__Arguments__0"] = module,
            ["Modules__Local__Images__0__Environment__MODULE_STATE_FILE"] = StateFile,
            ["Modules__Local__Images__0__Environment__MODULE_DELAY_PATH"] = "/install",
            ["Modules__Local__Images__0__Environment__MODULE_DELAY_MS"] = InstallDelayMs.ToString(CultureInfo.InvariantCulture),

            // "Module … already runs as pid …" (Debug) shows that a restarted server reused the running process.
            ["Logging__LogLevel__CustomResources.Embedded.Modules"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__CustomResources.Server.Http"] = "Warning",
        };
    }

    private async Task<(ServerProcess Server, HttpClient Client)> StartAsync()
    {
        var server = await ServerProcess.StartAsync(Environment(), directory);
        servers.Add(server);
        return (server, new HttpClient { BaseAddress = new Uri(server.BaseUrl) });
    }

    [Fact]
    public async Task A_server_killed_mid_install_converges_after_restart_and_a_later_restart_does_not_install_again()
    {
        var (first, client) = await StartAsync();
        await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "team-a" } });
        var workspace = await client.SendJsonAsync(HttpMethod.Post, "/apis/modules.customresources.io/v1/workspaces", new JsonObject
        {
            ["apiVersion"] = "modules.customresources.io/v1",
            ["kind"] = "Workspace",
            ["metadata"] = new JsonObject { ["name"] = "team-a" },
            ["spec"] = new JsonObject(),
        });
        Assert.True(workspace.StatusCode == HttpStatusCode.Created, await workspace.Content.ReadAsStringAsync());
        var created = await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module("app", new JsonObject { ["replicas"] = 2 }));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        // The install reached the module (recorded on arrival) and is held there: kill the server now.
        await WaitUntilAsync(() => Task.FromResult(Installs(stage: "received").Count == 1), TimeSpan.FromSeconds(60), "the first /install reaching the module", first);
        var installing = await GetAsync(client, "app");
        Assert.Equal("Installing", Phase(installing));
        var modulePid = ModulePid();
        first.Kill(entireProcessTree: false);
        client.Dispose();
        output.WriteLine($"killed server pid {first.ProcessId} while /install was held by module pid {modulePid}; generation {installing["metadata"]!["generation"]}");

        // What a crash leaves behind: the module process runs on (re-parented), recorded in modules.json.
        Assert.True(IsRunning(modulePid), $"module pid {modulePid} died with the server");
        output.WriteLine($"after the kill: module processes {string.Join(",", ModuleProcesses())}");

        // Restarted on the same data directory, the reconcile that was in flight is picked up again and converges.
        var started = DateTime.UtcNow;
        var (second, client2) = await StartAsync();
        var ready = await WaitForAsync(client2, second, "app", m => Phase(m) == "Ready", TimeSpan.FromSeconds(90), "Ready after the restart");
        output.WriteLine($"Ready {(DateTime.UtcNow - started).TotalSeconds:F1} s after the restart began");
        var status = ready["status"]!;
        Assert.Equal(1, (int?)status["metadata"]!["installCount"]);
        Assert.Equal(2, (int?)status["metadata"]!["replicas"]);
        Assert.NotNull(status["metadata"]!["installedAt"]);
        Assert.Equal((int)ready["metadata"]!["generation"]!, (int?)status["installedGeneration"]);

        var calls = Calls();
        output.WriteLine("calls:\n" + string.Join("\n", calls.Select(c => c.ToJsonString())));
        var answered = Installs(stage: null);
        Assert.InRange(answered.Count, 1, 2);
        Assert.InRange(Installs(stage: "received").Count, 1, 2);
        Assert.All(answered, c => Assert.Equal(2, (int?)c["body"]!["replicas"]));

        // One module process, the one that outlived the first server: reused, not doubled, no orphan.
        var processes = ModuleProcesses();
        output.WriteLine($"after convergence: module processes {string.Join(",", processes)}, modules.json pid {ModulePid()}");
        Assert.Equal([ModulePid()], processes);
        Assert.Equal(modulePid, ModulePid());
        Assert.Contains($"already runs as pid {modulePid}", second.Output, StringComparison.Ordinal);

        // A further restart after Ready reconciles the Module (reuses the process, checks health, compares) and does not
        // install again.
        var installsBefore = answered.Count;
        second.Kill(entireProcessTree: false);
        client2.Dispose();
        var (third, client3) = await StartAsync();
        await WaitUntilAsync(() => Task.FromResult(third.Output.Contains($"Module team-a/app already runs as pid {modulePid}", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the third server reconciling the Module", third);
        await WaitUntilAsync(async () => await QueuedAsync() == 0, TimeSpan.FromSeconds(60), "the third server finishing its reconciles", third);
        var after = await GetAsync(client3, "app");
        Assert.Equal("Ready", Phase(after));
        Assert.Equal(installsBefore, Installs(stage: null).Count);
        Assert.Equal(status["installedHash"]!.GetValue<string>(), (string?)after["status"]!["installedHash"]);
        Assert.Equal([modulePid], ModuleProcesses());

        // Clean up what the test started: uninstalled through the finalizer, the process removed.
        Assert.Equal(HttpStatusCode.OK, (await client3.DeleteAsync($"{Modules}/app")).StatusCode);
        await WaitUntilAsync(async () => (await client3.GetAsync($"{Modules}/app")).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(60), "the Module to be deleted", third);
        Assert.Single(Calls(), c => (string?)c["path"] == "/uninstall");
        await WaitUntilAsync(() => Task.FromResult(ModuleProcesses().Count == 0), TimeSpan.FromSeconds(15), "the module process to exit", third);
        client3.Dispose();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Whatever the outcome, no module process outlives the test (they are not the servers' children any more).
        foreach (var pid in ModuleProcesses())
        {
            output.WriteLine($"killing leftover module process {pid}");
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }

        foreach (var server in Enumerable.Reverse(servers))
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Already deleted by a server's dispose, or left for the OS.
        }
    }

    /// <summary>The recorded /install calls: answered ones (<paramref name="stage"/> null), or "received"/"abandoned" entries.</summary>
    private List<JsonObject> Installs(string? stage) =>
        [.. Calls().Where(c => (string?)c["path"] == "/install" && (string?)c["stage"] == stage)];

    private List<JsonObject> Calls() => File.Exists(StateFile)
        ? [.. File.ReadAllLines(StateFile).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())]
        : [];

    /// <summary>The pid recorded for the Module in the local runtime's state file (<c>modules.json</c> beside the store).</summary>
    private int ModulePid()
    {
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "modules.json")))!;
        return (int)state["modules"]!.AsArray().Single(m => (string?)m!["name"] == "app")!["pid"]!;
    }

    /// <summary>Running processes started with this test's state file in their environment: the module processes (Linux /proc).</summary>
    private List<int> ModuleProcesses()
    {
        var marker = "MODULE_STATE_FILE=" + StateFile;
        var found = new List<int>();
        if (!OperatingSystem.IsLinux())
        {
            return found;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var environment = File.ReadAllText(Path.Combine(entry, "environ"));
                if (environment.Split('\0').Contains(marker) && IsRunning(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile, or not ours.
            }
        }

        return found;
    }

    /// <summary>Whether the process exists and is not a zombie (an exited process nobody has reaped yet).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Items left on the controller's durable work list (the <c>reconcile_queue</c> table in the store file).</summary>
    private async Task<long> QueuedAsync()
    {
        var path = Path.Combine(directory, "customresources.db");
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM reconcile_queue WHERE queue = 'modules'";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<JsonObject> GetAsync(HttpClient client, string name)
    {
        var response = await client.GetAsync($"{Modules}/{name}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadObjectAsync();
    }

    private static async Task<JsonObject> WaitForAsync(HttpClient client, ServerProcess server, string name, Func<JsonObject, bool> condition, TimeSpan timeout, string what)
    {
        JsonObject? last = null;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
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

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"{what} did not happen within {timeout.TotalSeconds} s; last status: {last?["status"]?.ToJsonString()}\nserver output:\n{server.Output}");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ServerProcess server)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{what} did not happen within {timeout.TotalSeconds} s\nserver output:\n{server.Output}");
    }

    private static string? Phase(JsonObject module) => (string?)module["status"]?["phase"];

}
