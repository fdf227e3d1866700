using System.Text.Json.Nodes;
using CustomResources.Core.Events;

namespace CustomResources.Core.Tests.Events;

public class ReferenceOnlyEventTests
{
    [Fact]
    public void A_reference_only_event_keeps_the_envelope_and_the_objects_identity_and_drops_the_rest()
    {
        var data = new JsonObject
        {
            ["apiVersion"] = "stable.example.com/v1",
            ["kind"] = "CronTab",
            ["metadata"] = new JsonObject
            {
                ["name"] = "n", ["namespace"] = "default", ["uid"] = "u", ["resourceVersion"] = "7", ["generation"] = 2,
                ["creationTimestamp"] = "2026-11-30T10:00:00Z", ["annotations"] = new JsonObject { ["big"] = new string('x', 100) },
                ["managedFields"] = new JsonArray(),
            },
            ["spec"] = new JsonObject { ["cronSpec"] = "* * * * */5" },
        };
        var full = new LifecycleEvent("u/7", "urn:s", "t", "/subject", DateTimeOffset.UnixEpoch, LifecycleOperation.Updated, "stable.example.com", "CronTab", "default", data);

        var reference = LifecycleEvents.ReferenceOnly(full);

        Assert.Equal(full with { Data = reference.Data }, reference);
        Assert.Equal(
            """{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"n","namespace":"default","uid":"u","resourceVersion":"7","generation":2,"creationTimestamp":"2026-11-30T10:00:00Z"}}""",
            reference.Data.ToJsonString());
        Assert.NotNull(full.Data["spec"]);
    }
}
