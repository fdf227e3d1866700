using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;

namespace CustomResources.Benchmarks;

/// <summary>The embedded store on a temp file (WAL, synchronous=NORMAL, as the server runs it).</summary>
public class SqliteStoreBenchmarks
{
    private string directory = null!;
    private SqliteObjectStore store = null!;
    private JsonObject value = null!;
    private ObjectKey existing;
    private long counter;

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "cr-bench-" + Guid.NewGuid().ToString("N"));
        store = new SqliteObjectStore(new SqliteStoreOptions { Path = Path.Combine(directory, "bench.db") });
        value = Fixtures.Parse(Fixtures.ValidBody);
        value["metadata"]!["uid"] = Guid.NewGuid().ToString();
        value["metadata"]!["creationTimestamp"] = "2025-01-01T00:00:00Z";
        value["metadata"]!["generation"] = 1;
        value["spec"]!["replicas"] = 1;
        existing = new ObjectKey("stable.example.com", "crontabs", "default", "existing");
        store.CreateAsync(existing, value, CancellationToken.None).GetAwaiter().GetResult();
        for (var i = 0; i < 100; i++)
        {
            store.CreateAsync(new ObjectKey("stable.example.com", "crontabs", "bench-list", $"item-{i}"), value, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>One committed insert (BEGIN IMMEDIATE, head check, insert, commit) with a new name each time.</summary>
    [Benchmark(Description = "SQLite create")]
    public Task<StoredObject> Create() =>
        store.CreateAsync(new ObjectKey("stable.example.com", "crontabs", "default", "c" + Interlocked.Increment(ref counter)), value, CancellationToken.None);

    [Benchmark(Description = "SQLite get")]
    public Task<StoredObject?> Get() => store.GetAsync(existing, CancellationToken.None);

    /// <summary>One namespace of 100 objects, no limit: 100 rows read and parsed into JSON nodes.</summary>
    [Benchmark(Description = "SQLite list 100")]
    public Task<ObjectPage> List() => store.ListAsync(new CollectionKey("stable.example.com", "crontabs", "bench-list"), new ListRequest(), CancellationToken.None);
}
