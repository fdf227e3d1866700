using System.Text.Json.Nodes;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>
/// Module manifests for the reference module (samples/modules/ReferenceModule) in the <c>team-a</c> Workspace: an
/// embedded module file with an editable <c>replicas</c> (alias <c>r</c>, 1–10) and an optional <c>greeting</c>.
/// </summary>
internal static class ReferenceModuleManifests
{
    /// <summary>The image the tests map to the reference module's process (Modules:Local:Images).</summary>
    public const string Image = "samples/reference-module:1.0.0";

    public static JsonObject Module(string name, JsonObject config, bool hibernated = false) => new()
    {
        ["apiVersion"] = "modules.customresources.io/v1",
        ["kind"] = "Module",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["workspace"] = new JsonObject { ["name"] = "team-a" },
            ["source"] = new JsonObject
            {
                ["raw"] = new JsonObject
                {
                    ["kind"] = "Custom",
                    ["metadata"] = new JsonObject { ["name"] = "reference", ["version"] = "1.0.0", ["supportedOperatorVersion"] = ">= 0.0.0, < 1.0.0" },
                    ["config"] = new JsonArray(
                        new JsonObject { ["type"] = "integer", ["name"] = "replicas", ["alias"] = "r", ["spec"] = new JsonObject { ["required"] = true, ["default"] = 1, ["min"] = 1, ["max"] = 10, ["editable"] = true } },
                        new JsonObject { ["type"] = "string", ["name"] = "greeting", ["spec"] = new JsonObject { ["required"] = false, ["default"] = "hello" } }),
                    ["spec"] = new JsonObject { ["image"] = Image, ["permissions"] = new JsonArray("workspace") },
                },
            },
            ["config"] = config,
            ["hibernated"] = hibernated,
        },
    };
}
