using System.Text.Json.Nodes;
using CustomResources.Core.Admission;
using CustomResources.Core.Outbound;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Objects;

/// <summary>Type-specific write rules: custom objects (schema), namespaces and definitions.</summary>
public sealed partial class ResourceService
{
    private static readonly OutboundPolicy StrictOutbound = new([]);

    /// <summary>
    /// Type-specific rules: namespace defaults, definition rules, or the schema (prune, defaults, validation with
    /// ratcheting); then every write validator that applies to the type. Returns unknown-field paths.
    /// </summary>
    private async Task<List<string>> PrepareAsync(ResourceTarget target, JsonObject obj, JsonObject? old, List<FieldError> errors, CancellationToken cancellationToken)
    {
        List<string> unknown = [];
        if (target.Definition == BuiltInDefinitions.Namespaces)
        {
            PrepareNamespace(obj, old, errors);
        }
        else if (target.Definition == BuiltInDefinitions.CustomResourceDefinitions)
        {
            await PrepareDefinitionAsync(obj, old, errors, cancellationToken);
        }
        else if (target.Schema is CompiledSchema schema)
        {
            unknown = schema.Prune(obj).ToList();
            schema.ApplyDefaults(obj);
            var problems = schema.Validate(obj);

            // Validation ratcheting: after a definition tightens its schema, a value that was already stored and is left
            // unchanged does not block an update; a changed (or newly missing) value must satisfy the current schema.
            errors.AddRange(old is null ? problems : problems.Where(p => !Ratcheted(p, old, obj)));
        }

        // Rules beyond a schema that need the server's configuration (outbound URL policy of hooks and webhooks).
        errors.AddRange(writeValidators.Where(v => v.AppliesTo(target.Definition)).SelectMany(v => v.Validate(obj, old)));
        return unknown;
    }

    /// <summary>
    /// The configured validators, plus the webhook-configuration rules, which are always checked: with the admission
    /// component's outbound policy, or without one the strictest (https to public destinations only).
    /// </summary>
    private readonly IReadOnlyList<IWriteValidator> writeValidators =
        [new WebhookConfigurationValidator(admission?.Policy ?? StrictOutbound), .. (validators ?? []).Where(v => v is not WebhookConfigurationValidator)];

    private readonly IReadOnlyList<IWriteGuard> writeGuards = [.. guards ?? []];

    private async Task GuardAsync(ResourceTarget target, string? ns, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken cancellationToken)
    {
        foreach (var guard in writeGuards)
        {
            await guard.CheckAsync(target, ns, obj, old, options, cancellationToken);
        }
    }

    private static void PrepareNamespace(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var name = ObjectMetadata.Name(obj);
        obj["spec"] = obj["spec"] as JsonObject ?? new JsonObject();
        if (obj["spec"]!["finalizers"] is null)
        {
            obj["spec"]!["finalizers"] = new JsonArray("kubernetes");
        }

        obj["status"] = old?["status"]?.DeepClone() ?? new JsonObject { ["phase"] = "Active" };
        var labels = ObjectMetadata.Metadata(obj)["labels"] as JsonObject ?? new JsonObject();
        labels["kubernetes.io/metadata.name"] = name;
        ObjectMetadata.Metadata(obj)["labels"] = labels;
    }

    private async Task PrepareDefinitionAsync(JsonObject obj, JsonObject? old, List<FieldError> errors, CancellationToken cancellationToken)
    {
        var parsed = DefinitionParser.Parse(obj);
        errors.AddRange(parsed.Errors);
        if (parsed.Definition is not { } definition)
        {
            return;
        }

        var name = ObjectMetadata.Name(obj);
        if (old is not null && DefinitionParser.Parse(old).Definition is { } previous)
        {
            if (previous.Scope != definition.Scope && await store.CountAsync(new CollectionKey(definition.Group, definition.Names.Plural, null), cancellationToken) > 0)
            {
                errors.Add(FieldError.Forbidden("spec.scope", "may not be changed while objects of this type exist"));
            }
        }

        // Names must be unambiguous: no other definition in the group may use this kind, singular or a short name,
        // and short names must be unique across all groups because kubectl resolves them globally.
        foreach (var other in await catalog.DefinitionsAsync(cancellationToken))
        {
            if (other.Name == name || (other.BuiltIn && other.Group != definition.Group && other.Names.ShortNames.Count == 0))
            {
                continue;
            }

            var sameGroup = other.Group == definition.Group;
            if (sameGroup && other.Names.Kind == definition.Names.Kind)
            {
                errors.Add(FieldError.Invalid("spec.names.kind", definition.Names.Kind, $"is already in use by {other.Name}"));
            }

            if (sameGroup && (other.Names.Singular == definition.Names.Singular || other.Names.Plural == definition.Names.Singular))
            {
                errors.Add(FieldError.Invalid("spec.names.singular", definition.Names.Singular, $"is already in use by {other.Name}"));
            }

            for (var i = 0; i < definition.Names.ShortNames.Count; i++)
            {
                var shortName = definition.Names.ShortNames[i];
                if (other.Names.ShortNames.Contains(shortName) || (sameGroup && (other.Names.Plural == shortName || other.Names.Singular == shortName)))
                {
                    errors.Add(FieldError.Invalid($"spec.names.shortNames[{i}]", shortName, $"is already in use by {other.Name}"));
                }
            }
        }

        var stored = new List<string>();
        if (old?["status"]?["storedVersions"] is JsonArray previousStored)
        {
            stored.AddRange(previousStored.Select(v => ObjectMetadata.GetString(v)).OfType<string>());
        }

        if (!stored.Contains(definition.StorageVersion.Name))
        {
            stored.Add(definition.StorageVersion.Name);
        }

        var now = ObjectMetadata.Timestamp(clock.GetUtcNow());
        var names = new JsonObject
        {
            ["plural"] = definition.Names.Plural,
            ["singular"] = definition.Names.Singular,
            ["kind"] = definition.Names.Kind,
            ["listKind"] = definition.Names.ListKind,
        };
        if (definition.Names.ShortNames.Count > 0)
        {
            names["shortNames"] = new JsonArray(definition.Names.ShortNames.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        }

        if (definition.Names.Categories.Count > 0)
        {
            names["categories"] = new JsonArray(definition.Names.Categories.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        }

        obj["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", old, now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", old, now)),
            ["acceptedNames"] = names,
            ["storedVersions"] = new JsonArray(stored.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, JsonObject? old, string now)
    {
        var since = (old?["status"]?["conditions"] as JsonArray)?
            .OfType<JsonObject>()
            .FirstOrDefault(c => ObjectMetadata.GetString(c["type"]) == type && ObjectMetadata.GetString(c["status"]) == "True")?["lastTransitionTime"]?.GetValue<string>();
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = since ?? now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    private static bool Ratcheted(FieldError problem, JsonObject old, JsonObject updated)
    {
        var before = FieldPath.Resolve(old, problem.Field, out var inBefore);
        var after = FieldPath.Resolve(updated, problem.Field, out var inAfter);
        if (inBefore && inAfter)
        {
            return JsonNode.DeepEquals(before, after);
        }

        // Absent before and after: only a missing required field is "unchanged"; an unresolvable path is not ratcheted.
        return !inBefore && !inAfter && problem.Reason == "FieldValueRequired";
    }
}
