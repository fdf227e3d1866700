using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>
/// Kubernetes strategic merge patch, for the built-in types kubectl patches that way (<c>kubectl apply</c> on an
/// existing object). Objects merge as in a JSON merge patch; a list merges by its merge key where the type declares
/// one (e.g. <c>webhooks</c> by <c>name</c>) and is replaced otherwise. Directives: <c>$patch: delete|replace|merge</c>,
/// <c>$setElementOrder/{list}</c>, <c>$deleteFromPrimitiveList/{list}</c> and <c>$retainKeys</c>.
/// </summary>
public static class StrategicMergePatch
{
    /// <summary>
    /// Applies <paramref name="patch"/> to a copy of <paramref name="target"/>. <paramref name="mergeKeys"/> maps a
    /// list's path (field names joined by <c>/</c>, list items not counted, e.g. <c>webhooks</c>) to its merge key.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch, IReadOnlyDictionary<string, string> mergeKeys)
    {
        ArgumentNullException.ThrowIfNull(mergeKeys);
        if (patch is not JsonObject patchObject)
        {
            throw new PatchException("a strategic merge patch must be a JSON object");
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        return MergeObject(result, patchObject, "", mergeKeys);
    }

    private static JsonObject MergeObject(JsonObject target, JsonObject patch, string path, IReadOnlyDictionary<string, string> mergeKeys)
    {
        switch (Directive(patch))
        {
            case "replace":
                return Clean(patch);
            case null or "merge" or "delete":
                break;
            case var other:
                throw new PatchException($"unknown patch directive \"$patch: {other}\"");
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in target.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(key);
            }
        }

        var orders = new List<(string Field, JsonArray Order)>();
        foreach (var (name, value) in patch)
        {
            if (name is "$patch" or "$retainKeys")
            {
                continue;
            }

            if (name.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                orders.Add((name["$setElementOrder/".Length..], value as JsonArray ?? throw new PatchException($"{name} must be a list")));
                continue;
            }

            if (name.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = name["$deleteFromPrimitiveList/".Length..];
                if (target[field] is JsonArray primitives && value is JsonArray remove)
                {
                    foreach (var item in primitives.Where(p => remove.Any(r => JsonNode.DeepEquals(p, r))).ToList())
                    {
                        primitives.Remove(item);
                    }
                }

                continue;
            }

            var childPath = path.Length == 0 ? name : $"{path}/{name}";
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject deleted && Directive(deleted) == "delete")
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchChild)
            {
                var merged = MergeObject(target[name] as JsonObject ?? [], patchChild, childPath, mergeKeys);
                target[name] = merged.Parent is null ? merged : merged.DeepClone();
            }
            else if (value is JsonArray patchList && mergeKeys.TryGetValue(childPath, out var key))
            {
                var list = target[name] as JsonArray ?? [];
                MergeList(list, patchList, key, childPath, mergeKeys);
                if (list.Parent is null)
                {
                    target[name] = list;
                }
            }
            else
            {
                target[name] = value is JsonArray array ? new JsonArray([.. array.Select(i => i is JsonObject o ? (JsonNode)Clean(o) : i?.DeepClone())]) : value.DeepClone();
            }
        }

        foreach (var (field, order) in orders)
        {
            if (target[field] is JsonArray list && mergeKeys.TryGetValue(path.Length == 0 ? field : $"{path}/{field}", out var key))
            {
                Reorder(list, order, key);
            }
        }

        return target;
    }

    private static void MergeList(JsonArray target, JsonArray patch, string key, string path, IReadOnlyDictionary<string, string> mergeKeys)
    {
        if (patch.OfType<JsonObject>().Any(i => Directive(i) == "replace" && i.Count == 1))
        {
            // {"$patch": "replace"} in a list: the list is exactly the other entries.
            var entries = patch.Where(i => !(i is JsonObject o && Directive(o) == "replace" && o.Count == 1)).Select(i => i is JsonObject o ? (JsonNode)Clean(o) : i?.DeepClone()).ToList();
            target.Clear();
            foreach (var entry in entries)
            {
                target.Add(entry);
            }

            return;
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[key] is not JsonNode keyValue)
            {
                throw new PatchException($"every entry of {path} in the patch must be an object with \"{key}\"");
            }

            var existing = target.OfType<JsonObject>().FirstOrDefault(t => JsonNode.DeepEquals(t[key], keyValue));
            if (Directive(patchItem) == "delete")
            {
                if (existing is not null)
                {
                    target.Remove(existing);
                }

                continue;
            }

            if (existing is null)
            {
                target.Add(Clean(patchItem));
                continue;
            }

            var index = target.IndexOf(existing);
            var merged = MergeObject((JsonObject)existing.DeepClone(), patchItem, path, mergeKeys);
            target[index] = merged;
        }
    }

    private static void Reorder(JsonArray list, JsonArray order, string key)
    {
        var items = list.ToList();
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var match = items.OfType<JsonObject>().FirstOrDefault(i => JsonNode.DeepEquals(i[key], wanted?[key]));
            if (match is not null)
            {
                ordered.Add(match);
                items.Remove(match);
            }
        }

        ordered.AddRange(items);
        list.Clear();
        foreach (var item in ordered)
        {
            list.Add(item);
        }
    }

    private static string? Directive(JsonObject obj) => obj["$patch"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A copy without directives (for entries and objects that are set, not merged).</summary>
    private static JsonObject Clean(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (name.StartsWith('$'))
            {
                continue;
            }

            copy[name] = value switch
            {
                JsonObject child => Clean(child),
                JsonArray array => new JsonArray([.. array.Select(i => i is JsonObject o ? (JsonNode)Clean(o) : i?.DeepClone())]),
                _ => value?.DeepClone(),
            };
        }

        return copy;
    }
}
