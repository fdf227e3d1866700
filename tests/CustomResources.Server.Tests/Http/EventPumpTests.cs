using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Events;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Events;
using CustomResources.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CustomResources.Server.Tests.Http;

/// <summary>The dispatcher's pump: change log to outbox, from a persisted checkpoint.</summary>
public sealed class EventPumpTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cr-pump-" + Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(directory, "store.db");

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("the pump makes no HTTP calls");
    }

    private static EventDispatcher Dispatcher(IObjectStore store, SqliteEventOutbox outbox) => new(
        store,
        outbox,
        new ResourceService(store, new DefinitionCatalog(store), TimeProvider.System),
        new OutboundPolicy([]),
        new NoHttp(),
        Options.Create(new EventOptions { Source = "urn:test" }),
        TimeProvider.System,
        NullLogger<EventDispatcher>.Instance);

    private static Task<StoredObject> CreateNamespaceAsync(IObjectStore store, string name) =>
        store.CreateAsync(new ObjectKey("", "namespaces", "", name), new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = "uid-" + name } }, None);

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Changes_committed_before_a_crash_are_enqueued_after_the_restart_once()
    {
        using var store = new SqliteObjectStore(new SqliteStoreOptions { Path = DbPath });
        await store.CreateAsync(EventDefinitions.SubscriptionKey("all"), new JsonObject
        {
            ["apiVersion"] = EventDefinitions.ApiVersion,
            ["kind"] = "Subscription",
            ["metadata"] = new JsonObject { ["name"] = "all" },
            ["spec"] = new JsonObject { ["url"] = "https://hooks.example.com/x" },
        }, None);
        using (var outbox = new SqliteEventOutbox(DbPath))
        {
            outbox.InitializeCheckpoint(await store.CurrentResourceVersionAsync(None));
        }

        // Committed while no dispatcher ran (it died before reading them).
        var a = await CreateNamespaceAsync(store, "a");
        var b = await CreateNamespaceAsync(store, "b");
        await store.DeleteAsync(new ObjectKey("", "namespaces", "", "a"), null, None);

        using var restarted = new SqliteEventOutbox(DbPath);
        var dispatcher = Dispatcher(store, restarted);
        Assert.Equal(3, await dispatcher.PumpOnceAsync(None));
        Assert.Equal(0, await dispatcher.PumpOnceAsync(None));
        var due = restarted.Due("all", DateTimeOffset.UtcNow.AddSeconds(1), 10);
        Assert.Equal(3, due.Count);
        Assert.Equal($"uid-a/{a.ResourceVersion}", due[0].EventId);
        Assert.Equal($"uid-b/{b.ResourceVersion}", due[1].EventId);
        var deleted = JsonNode.Parse(due[2].Payload)!;
        Assert.Equal("core.Namespace.deleted", (string?)deleted["type"]);
        Assert.Equal("urn:test", (string?)deleted["source"]);
        Assert.Equal(await store.CurrentResourceVersionAsync(None), restarted.ReadCheckpoint());

        // Pumping the same changes again (a crash after enqueue, before the checkpoint moved) adds nothing.
        restarted.Enqueue([], a.ResourceVersion);
        await dispatcher.PumpOnceAsync(None);
        Assert.Equal(3, restarted.Count("all"));
    }

    [Fact]
    public async Task Changes_to_the_event_types_themselves_produce_no_events()
    {
        using var store = new SqliteObjectStore(new SqliteStoreOptions { Path = DbPath });
        using var outbox = new SqliteEventOutbox(DbPath);
        outbox.InitializeCheckpoint(await store.CurrentResourceVersionAsync(None));
        await store.CreateAsync(EventDefinitions.SubscriptionKey("all"), new JsonObject
        {
            ["apiVersion"] = EventDefinitions.ApiVersion,
            ["kind"] = "Subscription",
            ["metadata"] = new JsonObject { ["name"] = "all" },
            ["spec"] = new JsonObject { ["url"] = "https://hooks.example.com/x" },
        }, None);

        await Dispatcher(store, outbox).PumpOnceAsync(None);
        Assert.Equal(0, outbox.Count());
    }
}
