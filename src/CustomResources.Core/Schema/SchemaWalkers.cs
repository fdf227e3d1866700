using System.Text.Json.Nodes;

namespace CustomResources.Core.Schema;

/// <summary>Structural defaulting and pruning over <see cref="SchemaNode"/> trees (Kubernetes semantics).</summary>
internal static class SchemaWalkers
{
    private static bool IsTypeMetaOrMetadata(string name) => name is "apiVersion" or "kind" or "metadata";

    /// <summary>
    /// Sets missing properties (and non-nullable properties that are null) that have a default, then recurses into
    /// properties, map values and array items, so defaults inside defaulted values are applied too.
    /// </summary>
    public static void ApplyDefaults(JsonNode? value, SchemaNode node, bool isRoot)
    {
        switch (value)
        {
            case JsonObject obj:
                if (node.Properties is not null)
                {
                    foreach (var (name, property) in node.Properties)
                    {
                        if (!property.HasDefault || (isRoot && IsTypeMetaOrMetadata(name)))
                        {
                            continue;
                        }

                        if (!obj.TryGetPropertyValue(name, out var existing) || (existing is null && !property.Nullable))
                        {
                            obj[name] = property.Default?.DeepClone();
                        }
                    }
                }

                foreach (var (name, child) in obj)
                {
                    if (isRoot && IsTypeMetaOrMetadata(name))
                    {
                        continue;
                    }

                    if (node.Properties is not null && node.Properties.TryGetValue(name, out var property))
                    {
                        ApplyDefaults(child, property, isRoot: false);
                    }
                    else if (node.AdditionalProperties is { } additional)
                    {
                        ApplyDefaults(child, additional, isRoot: false);
                    }
                }

                break;
            case JsonArray array when node.Items is { } items:
                foreach (var item in array)
                {
                    ApplyDefaults(item, items, isRoot: false);
                }

                break;
        }
    }

    /// <summary>Removes fields the schema does not know, recording their paths in document order.</summary>
    public static void Prune(JsonNode? value, SchemaNode node, string path, bool isRoot, List<string> pruned)
    {
        switch (value)
        {
            case JsonObject obj:
                List<string>? remove = null;
                foreach (var (name, child) in obj)
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if ((isRoot || node.EmbeddedResource) && IsTypeMetaOrMetadata(name))
                    {
                        continue;
                    }

                    if (node.Properties is not null && node.Properties.TryGetValue(name, out var property))
                    {
                        Prune(child, property, childPath, isRoot: false, pruned);
                    }
                    else if (node.AdditionalProperties is { } additional)
                    {
                        Prune(child, additional, childPath, isRoot: false, pruned);
                    }
                    else if (!node.KeepsUnknownFields)
                    {
                        (remove ??= []).Add(name);
                        pruned.Add(childPath);
                    }
                }

                if (remove is not null)
                {
                    foreach (var name in remove)
                    {
                        obj.Remove(name);
                    }
                }

                break;
            case JsonArray array when node.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, $"{path}[{i}]", isRoot: false, pruned);
                }

                break;
        }
    }
}
