using System.Text.Json.Nodes;
using CustomResources.Core.Events;
using CustomResources.Core.Outbound;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Events;

public sealed class SubscriptionTests
{
    private static JsonObject Object(JsonObject spec) => new()
    {
        ["apiVersion"] = "events.customresources.io/v1",
        ["kind"] = "Subscription",
        ["metadata"] = new JsonObject { ["name"] = "s" },
        ["spec"] = spec,
    };

    private static LifecycleEvent Event(ChangeType type = ChangeType.Added, string group = "stable.example.com", string kind = "CronTab", string ns = "default", JsonObject? labels = null)
    {
        var obj = new JsonObject
        {
            ["apiVersion"] = group.Length == 0 ? "v1" : $"{group}/v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = "x", ["namespace"] = ns, ["uid"] = "u1", ["labels"] = labels?.DeepClone() ?? new JsonObject() },
        };
        var change = new ObjectChange(type, new ObjectKey(group, kind.ToLowerInvariant() + "s", ns, "x"), new StoredObject(obj, "7"), null);
        return LifecycleEvents.FromChange(change, "urn:test", DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void An_empty_filter_matches_everything()
    {
        var s = Subscription.FromObject(Object(new JsonObject { ["url"] = "https://hooks.example.com/x" }))!;
        Assert.True(s.Matches(Event()));
        Assert.True(s.Matches(Event(ChangeType.Deleted, "", "Namespace", "")));
        Assert.Equal(30, s.MaxDeliveryAttempts);
        Assert.Equal(TimeSpan.FromHours(24), s.TimeToLive);
        Assert.True(s.DeadLetter);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Timeout);
    }

    [Fact]
    public void Event_types_match_operations_or_full_type_names()
    {
        var byOperation = Subscription.FromObject(Object(new JsonObject { ["url"] = "https://h/x", ["eventTypes"] = new JsonArray("deleted") }))!;
        Assert.False(byOperation.Matches(Event(ChangeType.Added)));
        Assert.True(byOperation.Matches(Event(ChangeType.Deleted)));

        var byName = Subscription.FromObject(Object(new JsonObject { ["url"] = "https://h/x", ["eventTypes"] = new JsonArray("stable.example.com.CronTab.updated") }))!;
        Assert.True(byName.Matches(Event(ChangeType.Modified)));
        Assert.False(byName.Matches(Event(ChangeType.Modified, kind: "Other")));
    }

    [Fact]
    public void Filters_on_group_kind_namespace_and_labels()
    {
        var s = Subscription.FromObject(Object(new JsonObject
        {
            ["url"] = "https://h/x",
            ["filter"] = new JsonObject
            {
                ["group"] = "stable.example.com",
                ["kind"] = "CronTab",
                ["namespace"] = "prod",
                ["labelSelector"] = new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "tier", ["operator"] = "In", ["values"] = new JsonArray("web", "api") }) },
            },
        }))!;
        var web = new JsonObject { ["tier"] = "web" };
        Assert.True(s.Matches(Event(ns: "prod", labels: web)));
        Assert.False(s.Matches(Event(ns: "dev", labels: web)));
        Assert.False(s.Matches(Event(ns: "prod", labels: new JsonObject { ["tier"] = "db" })));
        Assert.False(s.Matches(Event(group: "other.example.com", ns: "prod", labels: (JsonObject)web.DeepClone())));
        Assert.False(s.Matches(Event(kind: "Widget", ns: "prod", labels: (JsonObject)web.DeepClone())));
    }

    [Fact]
    public void Validation_applies_the_outbound_policy_and_checks_types_and_selector()
    {
        var policy = new OutboundPolicy([]);
        Assert.Empty(Subscription.Validate(Object(new JsonObject { ["url"] = "https://hooks.example.com/x" }), policy));
        Assert.Contains(Subscription.Validate(Object(new JsonObject { ["url"] = "http://127.0.0.1:9/x" }), policy), e => e.Field == "spec.url");
        Assert.Empty(Subscription.Validate(Object(new JsonObject { ["url"] = "http://127.0.0.1:9/x" }), new OutboundPolicy(["127.0.0.1"])));
        Assert.Contains(Subscription.Validate(Object(new JsonObject { ["url"] = "https://h.example.com/x", ["eventTypes"] = new JsonArray("exploded") }), policy), e => e.Field == "spec.eventTypes[0]");
        Assert.Contains(Subscription.Validate(Object(new JsonObject { ["url"] = "https://h.example.com/x", ["filter"] = new JsonObject { ["labelSelector"] = new JsonObject { ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "a", ["operator"] = "Bogus" }) } } }), policy), e => e.Field.StartsWith("spec.filter.labelSelector", StringComparison.Ordinal));
        Assert.Contains(Subscription.Validate(Object([]), policy), e => e.Field == "spec.url");
    }

    [Fact]
    public void The_retry_schedule_follows_event_grid_and_scales()
    {
        var schedule = new RetrySchedule();
        Assert.Equal(
            [10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 43200],
            Enumerable.Range(1, 11).Select(a => (int)schedule.DelayAfter(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromMilliseconds(100), new RetrySchedule(0.01).DelayAfter(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayAfter(0));
    }
}
