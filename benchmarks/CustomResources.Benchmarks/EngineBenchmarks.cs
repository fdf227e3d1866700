using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Objects;
using CustomResources.Core.Serialization;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;

namespace CustomResources.Benchmarks;

/// <summary>
/// The engine as an HTTP handler calls it, without Kestrel: ResourceService over the SQLite store on a temp file.
/// Every request resolves its type first (the catalog reads the CRD from the store on each lookup).
/// </summary>
public class EngineBenchmarks
{
    private static readonly CancellationToken None = CancellationToken.None;
    private string directory = null!;
    private SqliteObjectStore store = null!;
    private ResourceService service = null!;
    private ResourceTarget target = null!;
    private long counter;

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "cr-bench-" + Guid.NewGuid().ToString("N"));
        store = new SqliteObjectStore(new SqliteStoreOptions { Path = Path.Combine(directory, "bench.db") });
        service = new ResourceService(store, new DefinitionCatalog(store), TimeProvider.System);
        Run(async () =>
        {
            var namespaces = await service.ResolveAsync("", "v1", "namespaces", None);
            await service.CreateAsync(namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "default" } }, new WriteOptions(), None);
            var crds = await service.ResolveAsync("apiextensions.k8s.io", "v1", "customresourcedefinitions", None);
            await service.CreateAsync(crds, null, Fixtures.Crd(), new WriteOptions(), None);
            target = await service.ResolveAsync("stable.example.com", "v1", "crontabs", None);
            var existing = Fixtures.Parse(Fixtures.ValidBody);
            existing["metadata"]!["name"] = "existing";
            await service.CreateAsync(target, "default", existing, new WriteOptions(), None);
            await service.CreateAsync(namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "bench-list" } }, new WriteOptions(), None);
            for (var i = 0; i < 100; i++)
            {
                var item = Fixtures.Parse(Fixtures.ValidBody);
                item["metadata"]!["name"] = $"item-{i}";
                item["metadata"]!["namespace"] = "bench-list";
                await service.CreateAsync(target, "bench-list", item, new WriteOptions(), None);
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(Description = "Resolve crontabs (catalog lookup)")]
    public Task<ResourceTarget> Resolve() => service.ResolveAsync("stable.example.com", "v1", "crontabs", None);

    /// <summary>What POST .../crontabs does after reading the body: parse, resolve, create (validate + commit).</summary>
    [Benchmark(Description = "Engine create (parse+resolve+validate+commit)")]
    public async Task<WriteResult> Create()
    {
        var body = (JsonObject)Documents.ParseJson(Fixtures.ValidBody)!;
        body["metadata"]!["name"] = "c" + Interlocked.Increment(ref counter);
        var resolved = await service.ResolveAsync("stable.example.com", "v1", "crontabs", None);
        return await service.CreateAsync(resolved, "default", body, new WriteOptions(), None);
    }

    /// <summary>What GET .../crontabs/existing does before writing the response: resolve and get.</summary>
    [Benchmark(Description = "Engine get (resolve+get)")]
    public async Task<StoredObject> Get()
    {
        var resolved = await service.ResolveAsync("stable.example.com", "v1", "crontabs", None);
        return await service.GetAsync(resolved, "default", "existing", None);
    }

    [Benchmark(Description = "Engine get, target already resolved")]
    public Task<StoredObject> GetResolved() => service.GetAsync(target, "default", "existing", None);

    /// <summary>LIST of a namespace holding 100 objects (no limit), then serialized to UTF-8 JSON as the response would be.</summary>
    [Benchmark(Description = "Engine list 100 + serialize")]
    public async Task<long> List()
    {
        var resolved = await service.ResolveAsync("stable.example.com", "v1", "crontabs", None);
        var page = await service.ListAsync(resolved, "bench-list", new ListOptions(), None);
        var list = new JsonObject
        {
            ["apiVersion"] = resolved.ApiVersion,
            ["kind"] = resolved.Definition.Names.ListKind,
            ["metadata"] = new JsonObject { ["resourceVersion"] = page.ResourceVersion },
            ["items"] = new JsonArray(page.Items.Select(i => (JsonNode)i.Object).ToArray()),
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            list.WriteTo(writer);
        }

        return page.Items.Count == 100 ? buffer.WrittenCount : throw new InvalidOperationException($"listed {page.Items.Count}");
    }

    private static void Run(Func<Task> action) => action().GetAwaiter().GetResult();
}
