using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Fakes;

/// <summary>A <see cref="ResourceService"/> over an in-memory store and a fixed clock, with the "default" namespace.</summary>
public sealed class Engine
{
    public static readonly DateTimeOffset Start = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private static readonly CancellationToken None = CancellationToken.None;

    private Engine()
    {
        Store = new InMemoryObjectStore();
        Scripted = new ScriptedObjectStore(Store);
        Catalog = new DefinitionCatalog(Scripted);
        Service = new ResourceService(Scripted, Catalog, Clock);
    }

    public InMemoryObjectStore Store { get; }

    /// <summary>The store the service writes through (hooks for concurrent writers and collisions).</summary>
    public ScriptedObjectStore Scripted { get; }

    public FixedTimeProvider Clock { get; } = new(Start);

    public DefinitionCatalog Catalog { get; }

    public ResourceService Service { get; }

    public static async Task<Engine> StartAsync()
    {
        var engine = new Engine();
        await engine.CreateNamespaceAsync("default");
        return engine;
    }

    public Task<ResourceTarget> NamespacesAsync() => Service.ResolveAsync("", "v1", "namespaces", None);

    public Task<ResourceTarget> DefinitionsAsync() => Service.ResolveAsync(BuiltInDefinitions.ApiExtensionsGroup, "v1", "customresourcedefinitions", None);

    public Task<ResourceTarget> CronTabsAsync(string version = "v1") => Service.ResolveAsync("stable.example.com", version, "crontabs", None);

    public async Task<StoredObject> CreateNamespaceAsync(string name)
    {
        var target = await NamespacesAsync();
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
        return (await Service.CreateAsync(target, null, body, new WriteOptions(), None)).Stored;
    }

    public async Task<StoredObject> DefineAsync(JsonObject crd) =>
        (await Service.CreateAsync(await DefinitionsAsync(), null, crd, new WriteOptions(FieldValidation.Strict), None)).Stored;

    /// <summary>Defines the CronTab type (stable.example.com, namespaced, v1 only, short name "ct").</summary>
    public async Task<ResourceTarget> DefineCronTabsAsync()
    {
        await DefineAsync(Crds.CronTab());
        return await CronTabsAsync();
    }

    public async Task<StoredObject> CreateCronTabAsync(string name, string ns = "default", string image = "busybox:1", WriteOptions? options = null)
    {
        var target = await CronTabsAsync();
        return (await Service.CreateAsync(target, ns, Crds.CronTabObject(name, image: image), options ?? new WriteOptions(), None)).Stored;
    }
}
