using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;

namespace CustomResources.Core.Tests.Schema;

internal static class SchemaFixtures
{
    public const string Prefix = "spec.versions[0].schema.openAPIV3Schema";

    /// <summary>A CronTab schema in the style of the Kubernetes documentation, with most keywords used.</summary>
    public const string CronTab = """
    {
      "type": "object",
      "description": "CronTab runs a command on a schedule",
      "required": ["spec"],
      "properties": {
        "apiVersion": { "type": "string" },
        "kind": { "type": "string" },
        "metadata": { "type": "object" },
        "spec": {
          "type": "object",
          "required": ["cronSpec", "image"],
          "properties": {
            "cronSpec": { "type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$", "description": "cron schedule" },
            "image": { "type": "string", "minLength": 1, "maxLength": 64 },
            "replicas": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1 },
            "priority": { "type": "number", "minimum": 0, "exclusiveMinimum": true, "multipleOf": 0.5 },
            "suspend": { "type": "boolean", "default": false },
            "policy": { "type": "string", "enum": ["Allow", "Forbid", "Replace"], "default": "Allow" },
            "port": { "x-kubernetes-int-or-string": true },
            "comment": { "type": "string", "nullable": true },
            "startAt": { "type": "string", "format": "date-time" },
            "labels": { "type": "object", "additionalProperties": { "type": "string", "maxLength": 8 }, "maxProperties": 3 },
            "config": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
            "template": {
              "type": "object",
              "x-kubernetes-embedded-resource": true,
              "x-kubernetes-preserve-unknown-fields": true
            },
            "tags": { "type": "array", "items": { "type": "string" }, "maxItems": 4, "uniqueItems": true, "x-kubernetes-list-type": "set" },
            "ports": {
              "type": "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name"],
              "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                  "name": { "type": "string", "maxLength": 15 },
                  "port": { "type": "integer", "minimum": 1, "maximum": 65535 },
                  "protocol": { "type": "string", "enum": ["TCP", "UDP"], "default": "TCP" }
                }
              }
            },
            "resources": {
              "type": "object",
              "default": {},
              "properties": {
                "limits": {
                  "type": "object",
                  "default": {},
                  "properties": { "cpu": { "type": "string", "default": "100m" } }
                }
              }
            },
            "selector": {
              "type": "object",
              "x-kubernetes-map-type": "atomic",
              "properties": { "app": { "type": "string" } },
              "anyOf": [ { "required": ["app"] } ]
            }
          }
        },
        "status": {
          "type": "object",
          "properties": {
            "lastRun": { "type": "string", "example": "2020-01-01T00:00:00Z", "externalDocs": { "url": "https://example.com" } },
            "runs": { "type": "integer", "format": "int64", "title": "Runs" }
          },
          "x-kubernetes-validations": [ { "rule": "self.runs >= 0" } ]
        }
      }
    }
    """;

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static SchemaCompilation Compile(string json) => SchemaCompiler.Compile(Parse(json), Prefix);

    public static CompiledSchema CompileValid(string json)
    {
        var compilation = Compile(json);
        Assert.Empty(compilation.Errors);
        Assert.NotNull(compilation.Schema);
        return compilation.Schema;
    }

    /// <summary>Compiles a root schema whose <c>spec</c> is <paramref name="specJson"/>.</summary>
    public static CompiledSchema WithSpec(string specJson) =>
        CompileValid($$"""{ "type": "object", "properties": { "spec": {{specJson}} } }""");

    /// <summary>Compile errors of a root schema whose <c>spec</c> is <paramref name="specJson"/>.</summary>
    public static IReadOnlyList<FieldError> SpecErrors(string specJson) =>
        Compile($$"""{ "type": "object", "properties": { "spec": {{specJson}} } }""").Errors;

    public static string Describe(IEnumerable<FieldError> errors) =>
        string.Join("\n", errors.Select(e => $"{e.Reason} {e.Field}: {e.Message}"));
}
