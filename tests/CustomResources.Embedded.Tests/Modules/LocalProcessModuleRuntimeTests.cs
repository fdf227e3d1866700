using System.Text.Json.Nodes;
using CustomResources.Core.Modules;
using CustomResources.Embedded.Modules;

namespace CustomResources.Embedded.Tests.Modules;

/// <summary>The local process runtime running the reference module as real processes.</summary>
public sealed class LocalProcessModuleRuntimeTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly List<LocalProcessModuleRuntime> runtimes = [];
    private readonly HashSet<int> pids = [];

    private string StatePath => Path.Combine(directory.Path, "modules.json");

    [Fact]
    public async Task Starts_the_module_on_a_loopback_port_with_its_environment()
    {
        var runtime = NewRuntime();

        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal("127.0.0.1", endpoint.BaseAddress.Host);
        var health = await HealthAsync(endpoint);
        Assert.True((bool)health["healthy"]!);
        Assert.True((bool)health["apiConfigured"]!, "the API URL and the token reach the module");
        Assert.Equal("https://127.0.0.1:6443/", (string?)health["apiUrl"]);

        // PORT reached it: it answers on the port the runtime chose. The state file records it.
        var state = JsonNode.Parse(await File.ReadAllTextAsync(StatePath))!;
        var record = state["modules"]!.AsArray().Single()!;
        Assert.Equal(endpoint.BaseAddress.Port, (int)record["port"]!);
        Assert.Equal((int)health["pid"]!, (int)record["pid"]!);
        Assert.Equal("uid-1", (string?)record["uid"]);
    }

    [Fact]
    public async Task The_image_entry_environment_applies_and_the_workload_environment_wins_over_it()
    {
        var runtime = NewRuntime(image =>
        {
            image.Environment["CUSTOMRESOURCES_API_URL"] = "http://from-the-image-entry/";
            image.Environment["CUSTOMRESOURCES_TOKEN"] = "image-token";
        });
        var workload = Workload(name: "env") with { Environment = new Dictionary<string, string> { ["CUSTOMRESOURCES_API_URL"] = "https://from-the-workload/" } };

        var health = await HealthAsync(await runtime.EnsureRunningAsync(workload, CancellationToken.None));

        Assert.True((bool)health["apiConfigured"]!, "the token of the image entry reaches the module");
        Assert.Equal("https://from-the-workload/", (string?)health["apiUrl"]);
    }

    [Fact]
    public async Task Ensuring_twice_keeps_the_same_process()
    {
        var runtime = NewRuntime();
        var first = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var pid = (int)(await HealthAsync(first))["pid"]!;

        var second = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(pid, (int)(await HealthAsync(second))["pid"]!);
    }

    [Fact]
    public async Task A_restarted_server_reuses_the_running_process()
    {
        var first = await NewRuntime().EnsureRunningAsync(Workload(), CancellationToken.None);
        var pid = (int)(await HealthAsync(first))["pid"]!;

        // A new runtime over the same state file is what the server has after a restart.
        var second = await NewRuntime().EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(pid, (int)(await HealthAsync(second))["pid"]!);
    }

    [Fact]
    public async Task A_dead_process_is_started_again()
    {
        var runtime = NewRuntime();
        var first = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var pid = (int)(await HealthAsync(first))["pid"]!;
        ReferenceModuleHost.Kill(pid);

        // After a restart too: the new instance did not start the dead process.
        var second = await NewRuntime().EnsureRunningAsync(Workload(), CancellationToken.None);

        var health = await HealthAsync(second);
        Assert.NotEqual(pid, (int)health["pid"]!);
        Assert.True(ReferenceModuleHost.IsRunning((int)health["pid"]!));
    }

    [Fact]
    public async Task A_recorded_pid_with_another_start_time_is_not_taken_for_the_module()
    {
        var runtime = NewRuntime();
        var first = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var pid = (int)(await HealthAsync(first))["pid"]!;

        // As if the pid had been reused by an unrelated process since it was recorded.
        var state = JsonNode.Parse(await File.ReadAllTextAsync(StatePath))!;
        var record = state["modules"]![0]!;
        record["processStartTime"] = ((DateTime)record["processStartTime"]!).AddMinutes(-5);
        await File.WriteAllTextAsync(StatePath, state.ToJsonString());

        var second = await NewRuntime().EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.NotEqual(pid, (int)(await HealthAsync(second))["pid"]!);

        // That "unrelated" process is left alone: it was not recognised as the module.
        Assert.True(ReferenceModuleHost.IsRunning(pid));
    }

    [Fact]
    public async Task A_new_uid_replaces_the_old_process()
    {
        var runtime = NewRuntime();
        var first = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var oldPid = (int)(await HealthAsync(first))["pid"]!;

        var second = await runtime.EnsureRunningAsync(Workload(uid: "uid-2"), CancellationToken.None);

        var newPid = (int)(await HealthAsync(second))["pid"]!;
        Assert.NotEqual(oldPid, newPid);
        Assert.False(ReferenceModuleHost.IsRunning(oldPid));
        var record = JsonNode.Parse(await File.ReadAllTextAsync(StatePath))!["modules"]!.AsArray().Single()!;
        Assert.Equal("uid-2", (string?)record["uid"]);
    }

    [Fact]
    public async Task Remove_kills_the_process_and_forgets_it_and_is_idempotent()
    {
        var runtime = NewRuntime();
        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var pid = (int)(await HealthAsync(endpoint))["pid"]!;

        await NewRuntime().RemoveAsync("team-a", "reference", CancellationToken.None);

        Assert.False(ReferenceModuleHost.IsRunning(pid));
        Assert.Empty(JsonNode.Parse(await File.ReadAllTextAsync(StatePath))!["modules"]!.AsArray());
        await runtime.RemoveAsync("team-a", "reference", CancellationToken.None);
        await runtime.RemoveAsync("team-a", "never-existed", CancellationToken.None);

        // Ensuring again after removal starts a fresh process.
        var again = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        Assert.NotEqual(pid, (int)(await HealthAsync(again))["pid"]!);
    }

    [Fact]
    public async Task Modules_of_different_names_run_side_by_side()
    {
        var runtime = NewRuntime();
        var a = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var b = await runtime.EnsureRunningAsync(Workload(name: "other"), CancellationToken.None);

        Assert.NotEqual(a.BaseAddress.Port, b.BaseAddress.Port);
        Assert.NotEqual((int)(await HealthAsync(a))["pid"]!, (int)(await HealthAsync(b))["pid"]!);
    }

    [Fact]
    public async Task An_image_without_a_mapping_is_a_configuration_error()
    {
        var runtime = NewRuntime();

        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() =>
            runtime.EnsureRunningAsync(Workload(image: "example.com/unknown:2.0"), CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Contains("'example.com/unknown:2.0'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Modules:Local:Images", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(StatePath));
    }

    [Fact]
    public async Task A_command_that_cannot_start_is_retryable_and_an_untagged_entry_matches_every_tag()
    {
        var options = new LocalModuleRuntimeOptions { StatePath = StatePath };
        options.Images.Add(new LocalModuleImage
        {
            Image = "example.com/broken",
            Command = Path.Combine(directory.Path, "no-such-program"),
        });
        var runtime = Track(new LocalProcessModuleRuntime(options));

        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() =>
            runtime.EnsureRunningAsync(Workload(image: "example.com/broken:3.1"), CancellationToken.None));

        Assert.True(error.Retryable);
        Assert.Contains("team-a/reference", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        // No module process may outlive the tests: kill what the state file and the health answers named.
        if (File.Exists(StatePath))
        {
            foreach (var module in JsonNode.Parse(File.ReadAllText(StatePath))?["modules"]?.AsArray() ?? [])
            {
                pids.Add((int)module!["pid"]!);
            }
        }

        foreach (var pid in pids)
        {
            ReferenceModuleHost.Kill(pid);
        }

        foreach (var runtime in runtimes)
        {
            runtime.Dispose();
        }

        directory.Dispose();
    }

    private LocalProcessModuleRuntime NewRuntime(Action<LocalModuleImage>? configure = null)
    {
        var image = new LocalModuleImage
        {
            Image = ReferenceModuleHost.Image,
            Command = ReferenceModuleHost.DotnetHost(),
            Arguments = [ReferenceModuleHost.AssemblyPath()],
            WorkingDirectory = directory.Path,
        };
        configure?.Invoke(image);
        var options = new LocalModuleRuntimeOptions { StatePath = StatePath };
        options.Images.Add(image);
        return Track(new LocalProcessModuleRuntime(options));
    }

    private LocalProcessModuleRuntime Track(LocalProcessModuleRuntime runtime)
    {
        runtimes.Add(runtime);
        return runtime;
    }

    private async Task<JsonObject> HealthAsync(ModuleEndpoint endpoint)
    {
        var health = await ReferenceModuleHost.WaitHealthyAsync(endpoint.BaseAddress);
        pids.Add((int)health["pid"]!);
        return health;
    }

    private static ModuleWorkload Workload(string name = "reference", string uid = "uid-1", string image = ReferenceModuleHost.Image) => new(
        "team-a",
        name,
        uid,
        image,
        Cpu: null,
        Memory: null,
        RegistryCredentials: [],
        Environment: new Dictionary<string, string>
        {
            ["CUSTOMRESOURCES_API_URL"] = "https://127.0.0.1:6443/",
            ["CUSTOMRESOURCES_TOKEN"] = "module-token",
        });
}
