using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Core.Events;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Tests.Cosmos;

public class ChangeFeedEventPublisherTests
{
    private static readonly DateTimeOffset Committed = new(2026, 11, 30, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly FakeDocuments store = new();
    private readonly RecordingPublisher publisher = new();

    private ChangeFeedEventPublisher Handler => new(store, publisher, "urn:test");

    private static JsonObject Document(string name, long writes, bool deleted, string etag)
    {
        var value = new JsonObject
        {
            ["apiVersion"] = "stable.example.com/v1",
            ["kind"] = "CronTab",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = $"uid-{name}" },
            ["spec"] = new JsonObject { ["cronSpec"] = "* * * * */5" },
        };
        var document = CosmosResourceDocument.Create(new ObjectKey("stable.example.com", "crontabs", "default", name), value, writes, deleted, Committed, deleted ? 60 : null);
        document[CosmosResourceDocument.ETag] = $"\"{etag}\"";
        return document;
    }

    [Fact]
    public async Task Creates_updates_and_soft_deletes_become_created_updated_and_deleted_events()
    {
        var created = store.Put(Document("a", 1, false, "e1"));
        var updated = store.Put(Document("b", 3, false, "e2"));
        var deleted = store.Put(Document("c", 4, true, "e3"));

        var outcome = await Handler.PublishAsync([created, updated, deleted], CancellationToken.None);

        Assert.Empty(outcome.Skipped);
        var events = Assert.Single(publisher.Batches);
        Assert.Equal(
            ["stable.example.com.CronTab.created", "stable.example.com.CronTab.updated", "stable.example.com.CronTab.deleted"],
            events.Select(e => e.Type));
        Assert.Equal(["uid-a/e1", "uid-b/e2", "uid-c/e3"], events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal(Committed, e.Time));
        Assert.Equal("/apis/stable.example.com/v1/namespaces/default/crontabs/a", events[0].Subject);
        Assert.Equal("e1", (string?)events[0].Data["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task A_redelivered_batch_publishes_events_with_the_same_ids()
    {
        var document = store.Put(Document("a", 1, false, "e1"));
        await Handler.PublishAsync([document], CancellationToken.None);
        await Handler.PublishAsync([document], CancellationToken.None);
        Assert.Equal(2, publisher.Batches.Count);
        Assert.Equal(publisher.Batches[0].Single().Id, publisher.Batches[1].Single().Id);
    }

    [Fact]
    public async Task The_event_carries_what_the_store_holds_not_what_the_payload_claims()
    {
        store.Put(Document("a", 2, false, "e-stored"));
        var forged = Document("a", 1, false, "e-forged");
        ((JsonObject)forged["object"]!)["spec"] = new JsonObject { ["cronSpec"] = "forged" };

        await Handler.PublishAsync([forged], CancellationToken.None);

        var e = Assert.Single(Assert.Single(publisher.Batches));
        Assert.Equal("uid-a/e-stored", e.Id);
        Assert.Equal("* * * * */5", (string?)e.Data["spec"]!["cronSpec"]);
    }

    [Fact]
    public async Task Documents_the_store_does_not_hold_or_that_are_not_resources_are_skipped_with_a_reason()
    {
        store.Put(new JsonObject { ["id"] = "odd", ["partitionKey"] = "x/y/", ["_etag"] = "\"1\"" });
        var outcome = await Handler.PublishAsync(
            [Document("gone", 1, false, "e1"), new JsonObject { ["id"] = "odd", ["partitionKey"] = "x/y/" }, new JsonObject { ["foo"] = 1 }],
            CancellationToken.None);

        Assert.Empty(publisher.Batches);
        Assert.Equal(3, outcome.Skipped.Count);
        Assert.Contains("no longer stored", outcome.Skipped[0], StringComparison.Ordinal);
        Assert.Contains("not a resource", outcome.Skipped[1], StringComparison.Ordinal);
        Assert.Contains("not a resources document", outcome.Skipped[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_named_twice_in_one_batch_is_published_once()
    {
        var document = store.Put(Document("a", 1, false, "e1"));
        await Handler.PublishAsync([document, document], CancellationToken.None);
        Assert.Single(Assert.Single(publisher.Batches));
    }

    [Fact]
    public async Task A_publish_failure_fails_the_batch_so_the_host_retries_it()
    {
        var document = store.Put(Document("a", 1, false, "e1"));
        publisher.Fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Handler.PublishAsync([document], CancellationToken.None));
    }

    private sealed class FakeDocuments : IResourceDocumentReader
    {
        private readonly Dictionary<(string, string), JsonObject> documents = [];

        public JsonObject Put(JsonObject document)
        {
            documents[((string)document["partitionKey"]!, (string)document["id"]!)] = (JsonObject)document.DeepClone();
            return document;
        }

        public Task<JsonObject?> ReadDocumentAsync(string partitionKey, string id, CancellationToken cancellationToken) =>
            Task.FromResult(documents.TryGetValue((partitionKey, id), out var d) ? (JsonObject?)d.DeepClone() : null);
    }

    private sealed class RecordingPublisher : ILifecycleEventPublisher
    {
        public List<IReadOnlyList<LifecycleEvent>> Batches { get; } = [];

        public bool Fail { get; set; }

        public Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new InvalidOperationException("topic unavailable");
            }

            Batches.Add(events);
            return Task.CompletedTask;
        }
    }
}
