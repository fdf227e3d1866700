using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Modules;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Modules;

/// <summary>A module file fetcher answering from a table, counting its calls.</summary>
public sealed class FakeModuleFileFetcher : IModuleFileFetcher
{
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public List<Uri> Calls { get; } = [];

    public Task<string> FetchAsync(Uri url, CancellationToken ct)
    {
        Calls.Add(url);
        return Files.TryGetValue(url.ToString(), out var text)
            ? Task.FromResult(text)
            : throw new ModuleFileFetchException($"GET {url} answered 404 Not Found");
    }
}

/// <summary>An engine with the module validator and guard over an in-memory store, and helpers to write module objects.</summary>
public sealed class ModuleWorld
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ModuleWorld()
    {
        Catalog = new DefinitionCatalog(Store);
        Service = new ResourceService(Store, Catalog, new FixedTimeProvider(Engine.Start), validators: [new ModuleObjectValidator()], guards: [new ModuleWriteGuard(Store, Fetcher)]);
    }

    public static UserInfo Alice { get; } = UserInfo.Authenticated("alice", "developers");

    public static UserInfo Admin { get; } = UserInfo.Authenticated("root", UserInfo.MastersGroup);

    public InMemoryObjectStore Store { get; } = new();

    public FakeModuleFileFetcher Fetcher { get; } = new();

    public DefinitionCatalog Catalog { get; }

    public ResourceService Service { get; }

    public static async Task<ModuleWorld> StartAsync()
    {
        var world = new ModuleWorld();
        foreach (var ns in new[] { "dev", "prod" })
        {
            var target = await world.Service.ResolveAsync("", "v1", "namespaces", None);
            await world.Service.CreateAsync(target, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } }, new WriteOptions(), None);
        }

        return world;
    }

    public Task<ResourceTarget> TargetAsync(string plural) => Service.ResolveAsync(ModuleDefinitions.Group, ModuleDefinitions.Version, plural, None);

    public async Task<JsonObject> CreateAsync(string plural, string? ns, JsonObject body, UserInfo? user = null) =>
        (await Service.CreateAsync(await TargetAsync(plural), ns, body, new WriteOptions(User: user), None)).Stored.Object;

    public async Task<JsonObject> ReplaceAsync(string plural, string? ns, JsonObject body, UserInfo? user = null) =>
        (await Service.ReplaceAsync(await TargetAsync(plural), ns, ObjectMetadata.Name(body), body, new WriteOptions(User: user), None)).Stored.Object;

    public async Task<JsonObject> ReplaceStatusAsync(string ns, JsonObject body) =>
        (await Service.ReplaceStatusAsync(await TargetAsync(ModuleDefinitions.ModulesResource), ns, ObjectMetadata.Name(body), body, new WriteOptions(), None)).Stored.Object;

    public async Task<JsonObject> GetAsync(string plural, string? ns, string name) =>
        (await Service.GetAsync(await TargetAsync(plural), ns, name, None)).Object;

    public Task<JsonObject> WorkspaceAsync(string name, string? ns = null, JsonObject? hibernation = null)
    {
        var spec = new JsonObject();
        if (ns is not null)
        {
            spec["namespace"] = ns;
        }

        if (hibernation is not null)
        {
            spec["hibernation"] = hibernation;
        }

        return CreateAsync(ModuleDefinitions.WorkspacesResource, null, Object("Workspace", name, null, spec));
    }

    public Task<JsonObject> DefinitionAsync(string name, JsonObject file) =>
        CreateAsync(ModuleDefinitions.ModuleDefinitionsResource, null, Object("ModuleDefinition", name, null, file));

    public Task<JsonObject> ModuleAsync(string ns, string name, JsonObject source, JsonObject? config = null, string workspace = "dev", UserInfo? user = null) =>
        CreateAsync(ModuleDefinitions.ModulesResource, ns, Module(ns, name, source, config, workspace), user);

    public static JsonObject Module(string ns, string name, JsonObject source, JsonObject? config = null, string workspace = "dev")
    {
        var spec = new JsonObject { ["workspace"] = new JsonObject { ["name"] = workspace }, ["source"] = source };
        if (config is not null)
        {
            spec["config"] = config;
        }

        return Object("Module", name, ns, spec);
    }

    public static JsonObject Raw(JsonObject file) => new() { ["raw"] = file };

    public static JsonObject Object(string kind, string name, string? ns, JsonObject spec)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        return new JsonObject { ["apiVersion"] = ModuleDefinitions.ApiVersion, ["kind"] = kind, ["metadata"] = meta, ["spec"] = spec };
    }

    /// <summary>The refusal of <paramref name="write"/>, which must fail with <paramref name="code"/>.</summary>
    public static async Task<ApiException> RefusedAsync(int code, Func<Task> write)
    {
        var error = await Assert.ThrowsAsync<ApiException>(write);
        Assert.Equal(code, error.Code);
        return error;
    }
}
