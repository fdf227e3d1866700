using System.Text.Json.Nodes;
using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

/// <summary>A runtime that starts nothing and records what it was asked to run (or fails as told).</summary>
internal sealed class FakeRuntime : IModuleRuntime
{
    public List<ModuleWorkload> Ensured { get; } = [];

    public List<string> Removed { get; } = [];

    public Exception? Failure { get; set; }

    public Task<ModuleEndpoint> EnsureRunningAsync(ModuleWorkload workload, CancellationToken cancellationToken)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        Ensured.Add(workload);
        return Task.FromResult(new ModuleEndpoint(new Uri("http://127.0.0.1:1/")));
    }

    public Task RemoveAsync(string ns, string name, CancellationToken cancellationToken)
    {
        Removed.Add($"{ns}/{name}");
        return Task.CompletedTask;
    }
}

/// <summary>A module whose answers are scripted; healthy, and echoing the body when nothing is scripted.</summary>
internal sealed class ScriptedModule : IModuleClient
{
    public Queue<ModuleCallResult> Results { get; } = new();

    public List<(ModuleOperation Operation, JsonObject Body)> Calls { get; } = [];

    public Task<bool> IsHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<ModuleCallResult> CallAsync(ModuleEndpoint endpoint, ModuleOperation operation, JsonObject body, CancellationToken cancellationToken)
    {
        Calls.Add((operation, (JsonObject)body.DeepClone()));
        return Task.FromResult(Results.Count > 0 ? Results.Dequeue() : ModuleCallResult.Success(200, (JsonObject)body.DeepClone()));
    }
}
