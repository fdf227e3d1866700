using System.Text.Json.Nodes;
using CustomResources.Core.Events;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Events;

namespace CustomResources.Embedded.Tests;

public sealed class SqliteEventOutboxTests : IDisposable
{
    private readonly TempDirectory directory = new();

    private string DbPath => Path.Combine(directory.Path, "store.db");

    private static LifecycleEvent Event(string name, string version)
    {
        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = "uid-" + name } };
        var change = new ObjectChange(ChangeType.Added, new ObjectKey("", "namespaces", "", name), new StoredObject(obj, version), null);
        return LifecycleEvents.FromChange(change, "urn:test", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    }

    public void Dispose() => directory.Dispose();

    [Fact]
    public void The_checkpoint_is_initialized_once_and_persists()
    {
        using (var outbox = new SqliteEventOutbox(DbPath))
        {
            Assert.Null(outbox.ReadCheckpoint());
            Assert.Equal("5", outbox.InitializeCheckpoint("5"));
            Assert.Equal("5", outbox.InitializeCheckpoint("9"));
            outbox.Enqueue([], "12");
        }

        using var reopened = new SqliteEventOutbox(DbPath);
        Assert.Equal("12", reopened.ReadCheckpoint());
        Assert.Equal("12", reopened.InitializeCheckpoint("1"));
    }

    [Fact]
    public void Deliveries_and_the_checkpoint_persist_together_and_repeats_are_ignored()
    {
        var now = DateTimeOffset.UtcNow;
        using (var outbox = new SqliteEventOutbox(DbPath))
        {
            Assert.Equal(3, outbox.Enqueue([("a", Event("x", "3")), ("b", Event("x", "3")), ("a", Event("y", "4"))], "4"));
            // Re-reading the same changes after a crash enqueues nothing new.
            Assert.Equal(0, outbox.Enqueue([("a", Event("x", "3"))], "4"));
        }

        using var reopened = new SqliteEventOutbox(DbPath);
        Assert.Equal("4", reopened.ReadCheckpoint());
        Assert.Equal(3, reopened.Count());
        Assert.Equal(["a", "b"], reopened.SubscriptionsWithDueDeliveries(now).Order(StringComparer.Ordinal));
        var due = reopened.Due("a", now, 10);
        Assert.Equal(["uid-x/3", "uid-y/4"], due.Select(d => d.EventId));
        Assert.Equal("uid-x/3", (string?)JsonNode.Parse(due[0].Payload)!["id"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), due[0].EventTime);
    }

    [Fact]
    public void Failed_attempts_are_rescheduled_and_delivered_ones_removed()
    {
        var now = DateTimeOffset.UtcNow;
        using var outbox = new SqliteEventOutbox(DbPath);
        outbox.Enqueue([("a", Event("x", "3")), ("a", Event("y", "4"))], "4");
        var due = outbox.Due("a", now, 10);
        outbox.Reschedule(due[0].Sequence, 1, now.AddMinutes(1), "HTTP 503");
        outbox.Remove(due[1].Sequence);

        Assert.Empty(outbox.Due("a", now, 10));
        var later = Assert.Single(outbox.Due("a", now.AddMinutes(2), 10));
        Assert.Equal(1, later.Attempts);
        Assert.Equal("HTTP 503", later.LastError);
    }

    [Fact]
    public void Removing_a_subscription_forgets_its_deliveries_and_handshake()
    {
        using var outbox = new SqliteEventOutbox(DbPath);
        outbox.Enqueue([("a", Event("x", "3")), ("b", Event("x", "3"))], "3");
        outbox.SetValidatedUrl("a", "https://h/a");
        Assert.Equal("https://h/a", outbox.ValidatedUrl("a"));

        outbox.RemoveSubscription("a");
        Assert.Null(outbox.ValidatedUrl("a"));
        Assert.Equal(0, outbox.Count("a"));
        Assert.Equal(1, outbox.Count("b"));
    }
}
