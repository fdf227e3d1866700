using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>RFC 7386 JSON merge patch.</summary>
public static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="target"/>; neither input is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        Merge(result, patchObject);
        return result;
    }

    /// <summary>Merges into <paramref name="target"/>, which is already a private copy.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchChild)
            {
                if (target[name] is not JsonObject targetChild)
                {
                    targetChild = [];
                    target[name] = targetChild;
                }

                Merge(targetChild, patchChild);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
