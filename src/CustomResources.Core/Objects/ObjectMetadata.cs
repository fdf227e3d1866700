using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Objects;

/// <summary>Rules for <c>metadata</c> (Kubernetes ObjectMeta) shared by every resource type.</summary>
public static class ObjectMetadata
{
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    };

    private const string GenerateAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Timestamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string? GetString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static JsonObject Metadata(JsonObject obj) => (JsonObject)obj["metadata"]!;

    public static string Name(JsonObject obj) => GetString(obj["metadata"]?["name"]) ?? "";

    /// <summary>Removes metadata fields ObjectMeta does not have; returns their paths.</summary>
    public static List<string> PruneUnknown(JsonObject metadata)
    {
        var unknown = metadata.Where(p => !KnownFields.Contains(p.Key)).Select(p => p.Key).ToList();
        foreach (var key in unknown)
        {
            metadata.Remove(key);
        }

        return unknown.Select(k => $"metadata.{k}").ToList();
    }

    /// <summary>Type and format checks for the user-settable metadata fields.</summary>
    public static List<FieldError> Validate(JsonObject metadata)
    {
        var errors = new List<FieldError>();
        foreach (var field in new[] { "name", "generateName", "namespace", "resourceVersion", "uid" })
        {
            if (metadata[field] is JsonNode node && GetString(node) is null)
            {
                errors.Add(FieldError.TypeInvalid($"metadata.{field}", node, "string"));
            }
        }

        errors.AddRange(NameRules.CheckStringMap("metadata.labels", metadata["labels"]));
        errors.AddRange(NameRules.CheckStringMap("metadata.annotations", metadata["annotations"]));
        if (errors.Count > 0)
        {
            return errors;
        }

        if (metadata["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                errors.AddRange(NameRules.CheckQualifiedName("metadata.labels", key));
                errors.AddRange(NameRules.CheckLabelValue($"metadata.labels[{key}]", value!.GetValue<string>()));
            }
        }

        if (metadata["annotations"] is JsonObject annotations)
        {
            long size = 0;
            foreach (var (key, value) in annotations)
            {
                errors.AddRange(NameRules.CheckQualifiedName("metadata.annotations", key.ToLowerInvariant()));
                size += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value!.GetValue<string>());
            }

            if (size > NameRules.AnnotationsMaxBytes)
            {
                errors.Add(FieldError.TooLong("metadata.annotations", NameRules.AnnotationsMaxBytes));
            }
        }

        if (metadata["finalizers"] is JsonNode finalizers)
        {
            if (finalizers is not JsonArray list)
            {
                errors.Add(FieldError.TypeInvalid("metadata.finalizers", finalizers, "array"));
            }
            else
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (GetString(list[i]) is not { } f)
                    {
                        errors.Add(FieldError.TypeInvalid($"metadata.finalizers[{i}]", list[i], "string"));
                    }
                    else
                    {
                        errors.AddRange(NameRules.CheckQualifiedName($"metadata.finalizers[{i}]", f));
                    }
                }
            }
        }

        if (metadata["ownerReferences"] is JsonNode owners && owners is not JsonArray)
        {
            errors.Add(FieldError.TypeInvalid("metadata.ownerReferences", owners, "array"));
        }

        return errors;
    }

    /// <summary>
    /// A name from <c>generateName</c>: the prefix plus five random characters, as Kubernetes does. Like Kubernetes'
    /// SimpleNameGenerator, at most 58 characters of the prefix are kept, so the name is at most 63 characters and a
    /// valid label whenever the prefix is (namespace names must be DNS-1123 labels).
    /// </summary>
    public static string Generate(string prefix)
    {
        var maxPrefix = NameRules.LabelMaxLength - 5;
        if (prefix.Length > maxPrefix)
        {
            prefix = prefix[..maxPrefix];
        }

        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = GenerateAlphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(GenerateAlphabet.Length)];
        }

        return prefix + new string(suffix);
    }

    /// <summary>
    /// True when the two objects differ outside <c>metadata</c> (and outside <c>status</c> unless
    /// <paramref name="includeStatus"/>): the changes that bump <c>generation</c>.
    /// </summary>
    public static bool SpecChanged(JsonObject a, JsonObject b, bool includeStatus = false)
    {
        bool Counts(string key) => key is not ("metadata" or "apiVersion" or "kind") && (includeStatus || key != "status");

        foreach (var (key, value) in a)
        {
            if (Counts(key) && (!b.TryGetPropertyValue(key, out var other) || !JsonNode.DeepEquals(value, other)))
            {
                return true;
            }
        }

        return b.Any(p => Counts(p.Key) && !a.ContainsKey(p.Key));
    }
}
