using System.Text.Json.Nodes;
using CustomResources.Core.Events;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Events;

public sealed class LifecycleEventsTests
{
    private static readonly DateTimeOffset Committed = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ObjectChange Change(ChangeType type, string ns = "default") => new(
        type,
        new ObjectKey("stable.example.com", "crontabs", ns, "nightly"),
        new StoredObject(JsonNode.Parse("""{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"nightly","namespace":"NS","uid":"u-1","resourceVersion":"42"},"spec":{"image":"x"}}""".Replace("NS", ns, StringComparison.Ordinal))!.AsObject(), "42"),
        null);

    [Theory]
    [InlineData(ChangeType.Added, "stable.example.com.CronTab.created")]
    [InlineData(ChangeType.Modified, "stable.example.com.CronTab.updated")]
    [InlineData(ChangeType.Deleted, "stable.example.com.CronTab.deleted")]
    public void Each_change_type_names_the_operation_and_kind(ChangeType type, string expected) =>
        Assert.Equal(expected, LifecycleEvents.FromChange(Change(type), "urn:test", Committed).Type);

    [Fact]
    public void The_event_carries_id_subject_time_and_the_object()
    {
        var e = LifecycleEvents.FromChange(Change(ChangeType.Added), "urn:customresources:test", Committed);
        Assert.Equal("u-1/42", e.Id);
        Assert.Equal("/apis/stable.example.com/v1/namespaces/default/crontabs/nightly", e.Subject);
        var cloudEvent = e.ToCloudEvent();
        Assert.Equal("1.0", cloudEvent["specversion"]!.GetValue<string>());
        Assert.Equal("urn:customresources:test", cloudEvent["source"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05.0000000Z", cloudEvent["time"]!.GetValue<string>());
        Assert.Equal("x", cloudEvent["data"]!["spec"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Mapping_the_same_change_twice_gives_the_same_event()
    {
        var a = LifecycleEvents.FromChange(Change(ChangeType.Modified), "urn:s", Committed).ToCloudEvent();
        var b = LifecycleEvents.FromChange(Change(ChangeType.Modified), "urn:s", Committed).ToCloudEvent();
        Assert.True(JsonNode.DeepEquals(a, b));
    }

    [Fact]
    public void Cluster_scoped_and_core_subjects_have_no_namespace_segment()
    {
        Assert.Equal("/apis/g.example.com/v1/things/a", LifecycleEvents.Subject(new ObjectKey("g.example.com", "things", "", "a"), "g.example.com/v1"));
        Assert.Equal("/api/v1/namespaces/team-a", LifecycleEvents.Subject(new ObjectKey("", "namespaces", "", "team-a"), "v1"));
        Assert.Equal("core.Namespace.created", LifecycleEvents.TypeName("", "Namespace", LifecycleOperation.Created));
    }
}
