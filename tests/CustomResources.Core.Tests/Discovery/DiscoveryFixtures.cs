using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Tests.Discovery;

internal static class DiscoveryFixtures
{
    public const string Group = "stable.example.com";

    public static JsonObject CronTabSchema(string specDescription = "Spec of the CronTab.") => (JsonObject)JsonNode.Parse($$"""
        {
          "type": "object",
          "description": "A CronTab runs an image on a schedule.",
          "properties": {
            "spec": {
              "type": "object",
              "description": "{{specDescription}}",
              "properties": {
                "cronSpec": { "type": "string", "description": "Cron schedule string." },
                "image": { "type": "string" },
                "replicas": { "type": "integer", "minimum": 0 }
              }
            },
            "status": { "type": "object", "x-kubernetes-preserve-unknown-fields": true }
          }
        }
        """)!;

    public static ResourceDefinition CronTab(IReadOnlyList<PrinterColumn>? columns = null, JsonObject? schema = null) => new(
        Group,
        new ResourceNames("crontabs", "crontab", "CronTab", "CronTabList", ["ct"], ["all"]),
        ResourceScope.Namespaced,
        [
            new DefinitionVersion("v1beta1", true, false, true, "deprecated", CronTabSchema(), [], false),
            new DefinitionVersion("v1", true, true, false, null, schema ?? CronTabSchema(), columns ?? [], true),
            new DefinitionVersion("v2alpha1", false, false, false, null, CronTabSchema(), [], false),
            new DefinitionVersion("v2", true, false, false, null, CronTabSchema(), [], false),
        ]);

    public static ResourceDefinition Widget() => new(
        "widgets.acme.io",
        new ResourceNames("widgets", "widget", "Widget", "WidgetList", [], []),
        ResourceScope.Cluster,
        [new DefinitionVersion("v1", true, true, false, null, null, [], false)]);

    public static ResourceDefinition Unserved() => new(
        "hidden.example.com",
        new ResourceNames("ghosts", "ghost", "Ghost", "GhostList", [], []),
        ResourceScope.Namespaced,
        [new DefinitionVersion("v1", false, true, false, null, null, [], false)]);

    public static IReadOnlyList<ResourceDefinition> All(ResourceDefinition? cronTab = null) =>
        [.. BuiltInDefinitions.All, cronTab ?? CronTab(), Widget(), Unserved()];

    public static IEnumerable<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    public static JsonObject Item(JsonObject list, string name) =>
        list["items"]!.AsArray().Select(i => i!.AsObject()).Single(i => (string?)i["metadata"]!["name"] == name);
}
