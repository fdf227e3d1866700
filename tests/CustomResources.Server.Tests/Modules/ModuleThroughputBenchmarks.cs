using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Server.Modules;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Modules;

/// <summary>
/// Module throughput with 100 Modules, a measurement (runs only with MODULES_BENCH=1; results in docs/performance.md):
/// (b) 100 Modules created through the API with the reference module as 100 real processes (local runtime) until all
/// are Ready; then (a) steady-state reconciles per second of <see cref="ModuleReconciler"/> over those 100 Ready Modules
/// (read, runtime check, health check, compare: nothing to do), once with a fake runtime and module client (the
/// reconciler and the SQLite store alone) and once with the server's own reconciler (local runtime, HTTP health checks).
/// </summary>
public sealed class ModuleThroughputBenchmarks(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Count = 100;
    private const string Image = ReferenceModuleManifests.Image;
    private const string Modules = "/apis/modules.customresources.io/v1/namespaces/team-a/modules";
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly ApiFactory factory = new();
    private readonly string stateFile = Path.Combine(Path.GetTempPath(), "cr-bench-calls-" + Guid.NewGuid().ToString("N") + ".jsonl");
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        var module = typeof(ModuleThroughputBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ReferenceModulePath").Value!;
        factory.Settings["Modules:Local:Images:0:Image"] = Image;
        factory.Settings["Modules:Local:Images:0:Command"] = "dotnet";
        factory.Settings["Modules:Local:Images:0:Arguments:0"] = module;
        factory.Settings["Modules:Local:Images:0:Environment:MODULE_STATE_FILE"] = stateFile;
        factory.Settings["Logging:LogLevel:Default"] = "Warning";
        client = factory.CreateClient();
        await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "team-a" } });
        var created = await client.SendJsonAsync(HttpMethod.Post, "/apis/modules.customresources.io/v1/workspaces", new JsonObject
        {
            ["apiVersion"] = "modules.customresources.io/v1",
            ["kind"] = "Workspace",
            ["metadata"] = new JsonObject { ["name"] = "team-a" },
            ["spec"] = new JsonObject(),
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        var watch = Stopwatch.StartNew();
        var list = await (await client.GetAsync(Modules)).ReadObjectAsync();
        foreach (var item in list["items"]!.AsArray())
        {
            await client.DeleteAsync($"{Modules}/{item!["metadata"]!["name"]}");
        }

        for (var i = 0; i < 1200 && (await (await client.GetAsync(Modules)).ReadObjectAsync())["items"]!.AsArray().Count > 0; i++)
        {
            await Task.Delay(250);
        }

        output.WriteLine($"cleanup: all Modules deleted (uninstalled, processes removed) after {watch.Elapsed.TotalSeconds:F1} s");
        client.Dispose();
        await factory.DisposeAsync();
        foreach (var pid in ModuleProcesses())
        {
            output.WriteLine($"killing leftover module process {pid}");
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }

        File.Delete(stateFile);
        File.Delete(stateFile + ".lock");
    }

    [ModulesBenchmark]
    public async Task Reconciles_per_second_and_time_to_ready_with_100_modules()
    {
        output.WriteLine($"machine: nproc {Environment.ProcessorCount}, load average {LoadAverage()}");

        // (b) End to end: 100 Modules through the API, 8 creates at a time, until every one is Ready.
        var total = Stopwatch.StartNew();
        using (var creates = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(0, Count).Select(async i =>
            {
                await creates.WaitAsync();
                try
                {
                    var response = await client.SendJsonAsync(HttpMethod.Post, Modules, ReferenceModuleManifests.Module($"m-{i:D3}", new JsonObject { ["replicas"] = 1 }));
                    Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
                }
                finally
                {
                    creates.Release();
                }
            }));
        }

        var createdAfter = total.Elapsed;
        var ready = 0;
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (DateTime.UtcNow < deadline)
        {
            var items = (await (await client.GetAsync(Modules)).ReadObjectAsync())["items"]!.AsArray();
            ready = items.Count(m => (string?)m!["status"]?["phase"] == "Ready");
            if (ready == Count)
            {
                break;
            }

            await Task.Delay(250);
        }

        total.Stop();
        Assert.True(ready == Count, $"only {ready} of {Count} Modules Ready after 15 minutes");
        var processes = ModuleProcesses();
        var rssMb = processes.Sum(RssKb) / 1024.0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(b) {Count} Modules: created through the API in {createdAfter.TotalSeconds:F1} s; all Ready after {total.Elapsed.TotalSeconds:F1} s = {Count / total.Elapsed.TotalSeconds:F2} modules/s; {processes.Count} module processes, {rssMb:F0} MB RSS together; load average {LoadAverage()}"));
        Assert.Equal(Count, processes.Count);
        var installs = Installs();
        Assert.Equal(Count, installs);

        // Freshly started .NET processes keep a core busy for a while (tiered JIT, start-up work): let the 100 settle
        // (their CPU use under 10 % of a core, at most 90 s) so (a) measures the reconciler, not their warm-up.
        var settle = Stopwatch.StartNew();
        double busy;
        do
        {
            busy = await ModuleCpuAsync(processes);
        }
        while (busy > 0.10 && settle.Elapsed < TimeSpan.FromSeconds(90));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settled after {settle.Elapsed.TotalSeconds:F0} s: the module processes use {busy * 100:F0} % of a core; load average {LoadAverage()}"));

        // (a) Steady state: nothing to change, so each reconcile reads, checks the workload and health, compares.
        var services = factory.Services;
        var keys = Enumerable.Range(0, Count).Select(i => $"team-a/m-{i:D3}").ToArray();
        var directory = Path.GetDirectoryName(factory.DatabasePath)!;
        var fake = new ModuleReconciler(
            services.GetRequiredService<ResourceService>(),
            services.GetRequiredService<IObjectStore>(),
            new InstantRuntime(),
            new HealthyModule(),
            TimeProvider.System,
            new ModuleReconcilerOptions { Credentials = new ModuleCredentials(ModulesSetup.ModuleTokenKey(directory)) });
        var real = services.GetRequiredService<ModuleReconciler>();
        foreach (var (name, reconciler) in new[] { ("fake runtime and module client", fake), ("server's reconciler (local runtime, HTTP /health)", real) })
        {
            foreach (var workers in new[] { 1, 4 })
            {
                var (count, elapsed) = await MeasureAsync(reconciler, keys, workers);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"(a) {name}, {workers} worker(s): {count} reconciles in {elapsed.TotalSeconds:F1} s = {count / elapsed.TotalSeconds:F0} reconciles/s ({elapsed.TotalMilliseconds * workers / count:F2} ms each)"));
            }
        }

        // Where the real reconcile's time goes: the local runtime's check alone, then the health check alone.
        var runtime = services.GetRequiredService<IModuleRuntime>();
        var moduleClient = services.GetRequiredService<IModuleClient>();
        var store = services.GetRequiredService<IObjectStore>();
        var workloads = new List<ModuleWorkload>();
        foreach (var key in keys)
        {
            var stored = await store.GetAsync(ModuleDefinitions.ModuleKey("team-a", key["team-a/".Length..]), CancellationToken.None);
            workloads.Add(new ModuleWorkload("team-a", key["team-a/".Length..], (string)stored!.Object["metadata"]!["uid"]!, Image, null, null, [], new Dictionary<string, string>()));
        }

        var endpoints = new List<ModuleEndpoint>();
        foreach (var workload in workloads)
        {
            endpoints.Add(await runtime.EnsureRunningAsync(workload, CancellationToken.None));
        }

        var (ensured, ensureTime) = await RepeatAsync(i => runtime.EnsureRunningAsync(workloads[i % Count], CancellationToken.None));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(a) breakdown: LocalProcessModuleRuntime.EnsureRunningAsync alone (reuse), 1 worker: {ensured / ensureTime.TotalSeconds:F0}/s ({ensureTime.TotalMilliseconds / ensured:F2} ms each)"));
        var (checkedHealth, healthTime) = await RepeatAsync(async i => Assert.True(await moduleClient.IsHealthyAsync(endpoints[i % Count], CancellationToken.None)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(a) breakdown: HttpModuleClient.IsHealthyAsync alone (GET /health of a reference module process), 1 worker: {checkedHealth / healthTime.TotalSeconds:F0}/s ({healthTime.TotalMilliseconds / checkedHealth:F2} ms each)"));
        var (checkedOne, oneTime) = await RepeatAsync(async _ => Assert.True(await moduleClient.IsHealthyAsync(endpoints[0], CancellationToken.None)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(a) breakdown: IsHealthyAsync of one and the same module process, 1 worker: {checkedOne / oneTime.TotalSeconds:F0}/s ({oneTime.TotalMilliseconds / checkedOne:F2} ms each)"));

        Assert.Equal(installs, Installs());
        output.WriteLine($"load average after: {LoadAverage()}");
    }

    /// <summary>Reconciles the keys round-robin with <paramref name="workers"/> concurrent loops for <see cref="Window"/>, after a short warm-up.</summary>
    private static async Task<(int Count, TimeSpan Elapsed)> MeasureAsync(ModuleReconciler reconciler, string[] keys, int workers)
    {
        foreach (var key in keys)
        {
            Assert.Equal("ready", (await reconciler.ReconcileAsync(key, CancellationToken.None)).Summary);
        }

        var count = 0;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            while (watch.Elapsed < Window)
            {
                var key = keys[(Interlocked.Increment(ref next) & int.MaxValue) % keys.Length];
                var outcome = await reconciler.ReconcileAsync(key, CancellationToken.None);
                Assert.False(outcome.Retry, outcome.Summary);
                Interlocked.Increment(ref count);
            }
        }));
        return (count, watch.Elapsed);
    }

    /// <summary>Runs <paramref name="step"/> (given a counter) in one loop for <see cref="Window"/>.</summary>
    private static async Task<(int Count, TimeSpan Elapsed)> RepeatAsync(Func<int, Task> step)
    {
        var count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Window)
        {
            await step(count++);
        }

        return (count, watch.Elapsed);
    }

    /// <summary>CPU used by <paramref name="pids"/> over one second, in cores (Linux /proc, clock ticks of 10 ms).</summary>
    private static async Task<double> ModuleCpuAsync(List<int> pids)
    {
        var before = pids.Sum(CpuTicks);
        await Task.Delay(1000);
        return (pids.Sum(CpuTicks) - before) / 100.0;
    }

    private static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // utime and stime: fields 14 and 15 of /proc/pid/stat, 12 and 13 after the command.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private int Installs() => File.Exists(stateFile)
        ? File.ReadAllLines(stateFile).Count(l => l.Length > 0 && (string?)JsonNode.Parse(l)!["path"] == "/install" && JsonNode.Parse(l)!["stage"] is null)
        : 0;

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Running processes with this benchmark's state file in their environment: the module processes (Linux /proc).</summary>
    private List<int> ModuleProcesses()
    {
        var marker = "MODULE_STATE_FILE=" + stateFile;
        var found = new List<int>();
        if (!OperatingSystem.IsLinux())
        {
            return found;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(entry, "environ")).Split('\0').Contains(marker) && RssKb(pid) > 0)
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Exited meanwhile, or not ours.
                }
            }
        }

        return found;
    }

    /// <summary>Resident memory of a process in kB (0 for a zombie or a process that is gone).</summary>
    private static long RssKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>A runtime whose workloads always run (no process, no state file).</summary>
    private sealed class InstantRuntime : IModuleRuntime
    {
        private static readonly ModuleEndpoint Endpoint = new(new Uri("http://127.0.0.1:1/"));

        public Task<ModuleEndpoint> EnsureRunningAsync(ModuleWorkload workload, CancellationToken cancellationToken) => Task.FromResult(Endpoint);

        public Task RemoveAsync(string ns, string name, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A module that is always healthy; a steady-state reconcile makes no lifecycle call, so any call fails the run.</summary>
    private sealed class HealthyModule : IModuleClient
    {
        public Task<bool> IsHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<ModuleCallResult> CallAsync(ModuleEndpoint endpoint, ModuleOperation operation, JsonObject body, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"a steady-state reconcile called {operation}");
    }
}
