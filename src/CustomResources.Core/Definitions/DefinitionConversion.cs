using System.Text.Json.Nodes;

namespace CustomResources.Core.Definitions;

/// <summary>
/// Converts CustomResourceDefinitions between <c>apiextensions.k8s.io/v1beta1</c> (still used by older manifests,
/// such as the OpenShift walkthrough) and the stored <c>v1</c> form.
/// </summary>
/// <remarks>
/// v1beta1 differs from v1 in: a single <c>spec.version</c> instead of (or besides) <c>spec.versions</c>; schema,
/// subresources and printer columns at the top of <c>spec</c> (<c>validation.openAPIV3Schema</c>,
/// <c>subresources</c>, <c>additionalPrinterColumns</c> with <c>JSONPath</c>) for all versions; no schema required;
/// and <c>preserveUnknownFields</c> defaulting to true (nothing is pruned). A v1beta1 definition without a schema
/// therefore accepts arbitrary fields, as it did in Kubernetes.
/// </remarks>
public static class DefinitionConversion
{
    public const string V1 = "apiextensions.k8s.io/v1";
    public const string V1Beta1 = "apiextensions.k8s.io/v1beta1";

    /// <summary>A v1beta1 definition in v1 form (a copy); other input is returned unchanged.</summary>
    public static JsonObject ToV1(JsonObject definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var result = (JsonObject)definition.DeepClone();
        result["apiVersion"] = V1;
        if (result["spec"] is not JsonObject spec)
        {
            return result;
        }

        var preserveUnknown = spec["preserveUnknownFields"]?.GetValueKind() != System.Text.Json.JsonValueKind.False;
        var sharedSchema = spec["validation"]?["openAPIV3Schema"]?.DeepClone() as JsonObject;
        var sharedSubresources = spec["subresources"]?.DeepClone();
        var sharedColumns = spec["additionalPrinterColumns"] as JsonArray;

        JsonArray versions;
        if (spec["versions"] is JsonArray listed && listed.Count > 0)
        {
            versions = (JsonArray)listed.DeepClone();
        }
        else if (spec["version"] is JsonValue single)
        {
            versions = new JsonArray(new JsonObject { ["name"] = single.DeepClone(), ["served"] = true, ["storage"] = true });
        }
        else
        {
            versions = [];
        }

        foreach (var version in versions.OfType<JsonObject>())
        {
            if (version["schema"] is null)
            {
                var schema = (JsonObject?)sharedSchema?.DeepClone() ?? new JsonObject { ["type"] = "object" };
                if (preserveUnknown)
                {
                    PreserveUnknownFields(schema);
                }

                version["schema"] = new JsonObject { ["openAPIV3Schema"] = schema };
            }

            if (version["subresources"] is null && sharedSubresources is not null)
            {
                version["subresources"] = sharedSubresources.DeepClone();
            }

            if (version["additionalPrinterColumns"] is null && sharedColumns is not null)
            {
                version["additionalPrinterColumns"] = new JsonArray(sharedColumns.OfType<JsonObject>().Select(c => (JsonNode)RenameKey(c, "JSONPath", "jsonPath")).ToArray());
            }
        }

        foreach (var field in new[] { "version", "validation", "subresources", "additionalPrinterColumns", "preserveUnknownFields" })
        {
            spec.Remove(field);
        }

        spec["versions"] = versions;
        return result;
    }

    /// <summary>A stored v1 definition as v1beta1 shows it (a copy).</summary>
    public static JsonObject ToV1Beta1(JsonObject definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var result = (JsonObject)definition.DeepClone();
        result["apiVersion"] = V1Beta1;
        if (result["spec"] is not JsonObject spec || spec["versions"] is not JsonArray versions || versions.Count == 0)
        {
            return result;
        }

        var items = versions.OfType<JsonObject>().ToList();
        spec["version"] = items[0]["name"]?.DeepClone();

        // Hoist what every version shares to the top, as v1beta1 clients expect.
        Hoist(items, "schema", value => spec["validation"] = new JsonObject { ["openAPIV3Schema"] = value["openAPIV3Schema"]?.DeepClone() });
        Hoist(items, "subresources", value => spec["subresources"] = value.DeepClone());
        Hoist(items, "additionalPrinterColumns", value => spec["additionalPrinterColumns"] =
            new JsonArray(value.AsArray().OfType<JsonObject>().Select(c => (JsonNode)RenameKey(c, "jsonPath", "JSONPath")).ToArray()));
        spec["preserveUnknownFields"] = false;
        return result;
    }

    private static void Hoist(List<JsonObject> versions, string field, Action<JsonNode> setShared)
    {
        var first = versions[0][field];
        if (first is null || versions.Any(v => !JsonNode.DeepEquals(v[field], first)))
        {
            return;
        }

        setShared(first);
        foreach (var version in versions)
        {
            version.Remove(field);
        }
    }

    private static JsonObject RenameKey(JsonObject obj, string from, string to)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            copy[key == from ? to : key] = value?.DeepClone();
        }

        return copy;
    }

    /// <summary>v1beta1's default: nothing is pruned, at any depth.</summary>
    private static void PreserveUnknownFields(JsonObject schema)
    {
        var type = schema["type"] is JsonValue t && t.GetValueKind() == System.Text.Json.JsonValueKind.String ? t.GetValue<string>() : null;
        if (type is null or "object" && schema["additionalProperties"] is null)
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }

        foreach (var child in (schema["properties"] as JsonObject)?.Select(p => p.Value).OfType<JsonObject>() ?? [])
        {
            PreserveUnknownFields(child);
        }

        if (schema["items"] is JsonObject items)
        {
            PreserveUnknownFields(items);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            PreserveUnknownFields(additional);
        }
    }
}
