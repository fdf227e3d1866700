using System.Text.Json.Nodes;

namespace CustomResources.Core.Tests.Fakes;

/// <summary>Definition and object bodies used across the tests.</summary>
public static class Crds
{
    public const string CronTabSchema = """
    {
      "type": "object",
      "properties": {
        "spec": {
          "type": "object",
          "required": ["cronSpec", "image"],
          "properties": {
            "cronSpec": { "type": "string" },
            "image": { "type": "string", "minLength": 1 },
            "replicas": { "type": "integer", "minimum": 1, "maximum": 10, "default": 1 }
          }
        },
        "status": {
          "type": "object",
          "properties": { "lastRun": { "type": "string" } }
        }
      }
    }
    """;

    /// <summary>A CronTab definition; <paramref name="versions"/> defaults to one served storage version v1.</summary>
    public static JsonObject CronTab(
        string group = "stable.example.com",
        string plural = "crontabs",
        string kind = "CronTab",
        string? singular = null,
        string[]? shortNames = null,
        string scope = "Namespaced",
        JsonArray? versions = null)
    {
        var names = new JsonObject { ["plural"] = plural, ["kind"] = kind };
        if (singular is not null)
        {
            names["singular"] = singular;
        }

        if ((shortNames ?? ["ct"]) is { Length: > 0 } shorts)
        {
            names["shortNames"] = new JsonArray(shorts.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["scope"] = scope,
                ["names"] = names,
                ["versions"] = versions ?? new JsonArray(Version("v1")),
            },
        };
    }

    public static JsonObject Version(string name, bool served = true, bool storage = true, bool deprecated = false, string? warning = null)
    {
        var version = new JsonObject
        {
            ["name"] = name,
            ["served"] = served,
            ["storage"] = storage,
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = JsonNode.Parse(CronTabSchema) },
        };
        if (deprecated)
        {
            version["deprecated"] = true;
        }

        if (warning is not null)
        {
            version["deprecationWarning"] = warning;
        }

        return version;
    }

    public static JsonObject CronTabObject(string? name, string version = "v1", string image = "busybox:1", string? ns = null)
    {
        var metadata = new JsonObject();
        if (name is not null)
        {
            metadata["name"] = name;
        }

        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject
        {
            ["apiVersion"] = $"stable.example.com/{version}",
            ["kind"] = "CronTab",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["cronSpec"] = "* * * * */5", ["image"] = image },
        };
    }

    public static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;
}
