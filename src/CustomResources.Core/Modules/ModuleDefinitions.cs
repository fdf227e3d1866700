using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Modules;

/// <summary>
/// The module types, group <c>modules.customresources.io/v1</c>: ModuleDefinition (cluster-scoped, a stored module
/// file), Workspace (cluster-scoped, the environment modules run in, mapped to a namespace) and Module (namespaced,
/// one installed module). Schemas give their shape; the rules beyond it live in <see cref="ModuleObjectValidator"/>
/// (synchronous) and <see cref="ModuleWriteGuard"/> (reads other objects, fetches httpURL sources).
/// </summary>
/// <remarks>
/// Module has a status subresource, as a CRD would: status belongs to the reconciler, and users' writes cannot forge
/// it (its <c>resolvedConfig</c> guards non-editable config). The engine offers the subresource only to types that are
/// not flagged built-in, so Module is compiled in but not flagged <see cref="ResourceDefinition.BuiltIn"/>; its group
/// still counts as built-in for the default RBAC roles because it is listed in <see cref="BuiltInDefinitions.All"/>.
/// </remarks>
public static class ModuleDefinitions
{
    public const string Group = "modules.customresources.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;

    public const string ModulesResource = "modules";
    public const string WorkspacesResource = "workspaces";
    public const string ModuleDefinitionsResource = "moduledefinitions";

    /// <summary>Hex SHA-256 of the module file fetched from <c>spec.source.httpURL</c> at write time.</summary>
    public const string SourceSha256Annotation = Group + "/source-sha256";

    /// <summary>The module file text fetched from <c>spec.source.httpURL</c> at write time: what was validated is what runs.</summary>
    public const string SourceFileAnnotation = Group + "/source-file";

    /// <summary>The group that may use module files asking for the <c>controller</c> permission.</summary>
    public const string ControllerPermissionGroup = Security.UserInfo.MastersGroup;

    public static readonly string[] Phases = ["Pending", "Installing", "Ready", "Sleeping", "Resuming", "Uninstalling", "Failed"];

    public static readonly ResourceDefinition ModuleDefinitionType = new(
        Group,
        new ResourceNames(ModuleDefinitionsResource, "moduledefinition", "ModuleDefinition", "ModuleDefinitionList", ["moddef"], ["modules-all"]),
        ResourceScope.Cluster,
        [new DefinitionVersion(Version, true, true, false, null, ModuleDefinitionSchema(), [
            new PrinterColumn("Module", "string", null, "The module file's name", 0, ".spec.metadata.name"),
            new PrinterColumn("Version", "string", null, "The module file's version", 0, ".spec.metadata.version"),
            new PrinterColumn("Image", "string", null, "The container image", 1, ".spec.spec.image"),
        ], false)])
    {
        BuiltIn = true,
    };

    public static readonly ResourceDefinition WorkspaceType = new(
        Group,
        new ResourceNames(WorkspacesResource, "workspace", "Workspace", "WorkspaceList", ["ws"], ["modules-all"]),
        ResourceScope.Cluster,
        [new DefinitionVersion(Version, true, true, false, null, WorkspaceSchema(), [
            new PrinterColumn("Namespace", "string", null, "The namespace the workspace's modules live in", 0, ".spec.namespace"),
        ], false)])
    {
        BuiltIn = true,
    };

    public static readonly ResourceDefinition ModuleType = new(
        Group,
        new ResourceNames(ModulesResource, "module", "Module", "ModuleList", ["mod"], ["modules-all"]),
        ResourceScope.Namespaced,
        [new DefinitionVersion(Version, true, true, false, null, ModuleSchema(), [
            new PrinterColumn("Workspace", "string", null, "The workspace", 0, ".spec.workspace.name"),
            new PrinterColumn("Phase", "string", null, "Where the module is in its life cycle", 0, ".status.phase"),
            new PrinterColumn("Hibernated", "boolean", null, "Desired hibernation", 0, ".spec.hibernated"),
        ], true)]);

    public static IReadOnlyList<ResourceDefinition> All { get; } = [ModuleDefinitionType, ModuleType, WorkspaceType];

    public static bool IsModuleType(ResourceDefinition definition) => All.Any(d => ReferenceEquals(d, definition));

    public static ObjectKey ModuleKey(string ns, string name) => new(Group, ModulesResource, ns, name);

    public static ObjectKey WorkspaceKey(string name) => new(Group, WorkspacesResource, "", name);

    public static ObjectKey ModuleDefinitionKey(string name) => new(Group, ModuleDefinitionsResource, "", name);

    public static CollectionKey Workspaces() => new(Group, WorkspacesResource, "");

    /// <summary>The namespace a Workspace maps to: <c>spec.namespace</c>, or its own name when that is not set.</summary>
    public static string WorkspaceNamespace(JsonObject workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return ObjectMetadata.GetString(workspace["spec"]?["namespace"]) is { Length: > 0 } ns ? ns : ObjectMetadata.Name(workspace);
    }

    private const string ScheduleSchema = """
        {
          "type": "object",
          "properties": {
            "sleep": { "type": "string", "description": "5-field cron expression: when modules go to sleep" },
            "wake": { "type": "string", "description": "5-field cron expression: when modules wake up" },
            "timeZone": { "type": "string", "description": "IANA time zone of the expressions (default UTC)" }
          }
        }
        """;

    // Only the envelope: ModuleFiles checks the file's fields itself (every problem once, unknown fields as errors, not pruned).
    private const string ModuleFileSchema = """
        {
          "type": "object",
          "description": "A module file (kind Custom): metadata, config and spec",
          "x-kubernetes-preserve-unknown-fields": true
        }
        """;

    private static JsonObject ModuleDefinitionSchema() => Envelope(new JsonObject { ["spec"] = Node(ModuleFileSchema) }, required: "spec");

    private static JsonObject WorkspaceSchema() => Envelope(
        new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["namespace"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63 },
                    ["hibernation"] = Node(ScheduleSchema),
                },
            },
        },
        required: null);

    private static JsonObject ModuleSchema() => Envelope(
        new JsonObject
        {
            ["spec"] = Node($$"""
                {
                  "type": "object",
                  "required": ["workspace", "source"],
                  "properties": {
                    "workspace": {
                      "type": "object",
                      "required": ["name"],
                      "properties": { "name": { "type": "string", "minLength": 1 } }
                    },
                    "source": {
                      "type": "object",
                      "properties": {
                        "raw": {{ModuleFileSchema}},
                        "httpURL": { "type": "string" },
                        "moduleDefinition": {
                          "type": "object",
                          "required": ["name"],
                          "properties": { "name": { "type": "string", "minLength": 1 } }
                        }
                      }
                    },
                    "config": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                    "hibernated": { "type": "boolean", "default": false },
                    "hibernation": {{ScheduleSchema}}
                  }
                }
                """),
            ["status"] = Node($$"""
                {
                  "type": "object",
                  "properties": {
                    "phase": { "type": "string", "enum": [{{string.Join(", ", Phases.Select(p => $"\"{p}\""))}}] },
                    "conditions": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": ["type", "status"],
                        "properties": {
                          "type": { "type": "string" },
                          "status": { "type": "string", "enum": ["True", "False", "Unknown"] },
                          "reason": { "type": "string" },
                          "message": { "type": "string" },
                          "lastTransitionTime": { "type": "string", "format": "date-time" },
                          "observedGeneration": { "type": "integer" }
                        }
                      }
                    },
                    "observedGeneration": { "type": "integer" },
                    "metadata": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                    "lastOperation": { "type": "string" },
                    "lastOperationTime": { "type": "string", "format": "date-time" },
                    "resolvedConfig": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                    "resolvedGeneration": { "type": "integer" },
                    "installedGeneration": { "type": "integer" },
                    "installedHash": { "type": "string" },
                    "failedGeneration": { "type": "integer" },
                    "sleeping": { "type": "boolean" },
                    "nextReconcileTime": { "type": "string", "format": "date-time" },
                    "installing": {
                      "type": "object",
                      "properties": { "hash": { "type": "string" }, "since": { "type": "string", "format": "date-time" } }
                    },
                    "message": { "type": "string" }
                  }
                }
                """),
        },
        required: "spec");

    private static JsonObject Envelope(JsonObject properties, string? required)
    {
        properties["apiVersion"] = new JsonObject { ["type"] = "string" };
        properties["kind"] = new JsonObject { ["type"] = "string" };
        properties["metadata"] = new JsonObject { ["type"] = "object" };
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required is not null)
        {
            schema["required"] = new JsonArray(required);
        }

        return schema;
    }

    private static JsonObject Node(string json) => JsonNode.Parse(json)!.AsObject();
}
