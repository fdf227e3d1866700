using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Objects;

/// <summary>Rules for <c>metadata.finalizers</c> and objects that are being deleted.</summary>
public static class Finalizers
{
    /// <summary>Set by a Foreground delete: the owner stays until its dependents are gone.</summary>
    public const string ForegroundDeletion = "foregroundDeletion";

    public static List<string> Of(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(ObjectMetadata.GetString).OfType<string>().ToList() ?? [];

    public static void Set(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        var meta = ObjectMetadata.Metadata(obj);
        if (finalizers.Count == 0)
        {
            meta.Remove("finalizers");
        }
        else
        {
            meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }
    }

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>
    /// While an object is being deleted, an update may only remove finalizers (status, which controllers report
    /// through, is checked by the caller's write mode). Returns the problems with <paramref name="updated"/>.
    /// </summary>
    public static IEnumerable<FieldError> CheckUpdateWhileDeleting(JsonObject current, JsonObject updated)
    {
        var before = Of(current);
        var added = Of(updated).Where(f => !before.Contains(f)).ToList();
        if (added.Count > 0)
        {
            yield return FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers [{string.Join(", ", added)}]");
        }

        if (!JsonNode.DeepEquals(WithoutFinalizers(current), WithoutFinalizers(updated)))
        {
            yield return FieldError.Forbidden("metadata.deletionTimestamp", "the object is being deleted: an update may only remove finalizers");
        }
    }

    private static JsonObject WithoutFinalizers(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        var meta = ObjectMetadata.Metadata(copy);
        foreach (var field in new[] { "finalizers", "resourceVersion", "generation", "managedFields" })
        {
            meta.Remove(field);
        }

        return copy;
    }
}
