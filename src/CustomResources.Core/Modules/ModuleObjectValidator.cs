using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Modules;

/// <summary>
/// The write-time rules of the module types that need no other object: a ModuleDefinition's <c>spec</c> is a valid
/// module file; a Workspace maps to a valid namespace (its own name by default) that never changes, and its hibernation
/// schedule parses; a Module names exactly one source (an https <c>httpURL</c>) and a valid schedule. Problems join the
/// schema's in one 422. The server registers it as an <see cref="IWriteValidator"/>, beside <see cref="ModuleWriteGuard"/>.
/// </summary>
public sealed class ModuleObjectValidator(string operatorVersion = ModuleFiles.OperatorVersion) : IWriteValidator
{
    private static readonly string[] SourceKinds = ["raw", "httpURL", "moduleDefinition"];

    public bool AppliesTo(ResourceDefinition definition) => definition is not null && ModuleDefinitions.IsModuleType(definition);

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return ObjectMetadata.GetString(obj["kind"]) switch
        {
            "ModuleDefinition" => ValidateModuleDefinition(obj, old),
            "Workspace" => ValidateWorkspace(obj, old),
            "Module" => ValidateModule(obj),
            _ => [],
        };
    }

    private List<FieldError> ValidateModuleDefinition(JsonObject obj, JsonObject? old)
    {
        // A stored definition whose file is unchanged stays writable (finalizers, labels) even if a newer operator no longer admits it.
        if (old is not null && JsonNode.DeepEquals(old["spec"], obj["spec"]))
        {
            return [];
        }

        return [.. ModuleFiles.Parse(obj["spec"], operatorVersion, "spec", requireKind: false).Errors];
    }

    private static List<FieldError> ValidateWorkspace(JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        var name = ObjectMetadata.Name(obj);
        var given = obj["spec"]?["namespace"];
        if (given is not null)
        {
            if (ObjectMetadata.GetString(given) is { Length: > 0 } ns)
            {
                errors.AddRange(NameRules.CheckLabel("spec.namespace", ns));
            }
            else
            {
                errors.Add(FieldError.Invalid("spec.namespace", given, "must be a namespace name"));
            }
        }
        else if (name.Length > 0 && !NameRules.IsDns1123Label(name))
        {
            errors.Add(FieldError.Required("spec.namespace", $"the workspace name \"{name}\" is not a valid namespace name, so the namespace must be given"));
        }

        // Modules live in the workspace's namespace: moving it would strand them.
        if (old is not null && errors.Count == 0 && ModuleDefinitions.WorkspaceNamespace(old) is var before && ModuleDefinitions.WorkspaceNamespace(obj) is var after && before != after)
        {
            errors.Add(FieldError.Invalid("spec.namespace", after, $"field is immutable (the workspace maps to namespace \"{before}\")"));
        }

        HibernationSchedule.Parse(obj["spec"]?["hibernation"], "spec.hibernation", errors);
        return errors;
    }

    private static List<FieldError> ValidateModule(JsonObject obj)
    {
        var errors = new List<FieldError>();
        if (obj["spec"]?["source"] is JsonObject source)
        {
            var given = SourceKinds.Where(k => source[k] is not null).ToList();
            if (given.Count == 0)
            {
                errors.Add(FieldError.Required("spec.source", "exactly one of raw, httpURL or moduleDefinition"));
            }
            else if (given.Count > 1)
            {
                errors.Add(FieldError.Forbidden("spec.source", $"exactly one of raw, httpURL or moduleDefinition may be given, not {string.Join(" and ", given)}"));
            }

            if (source["httpURL"] is { } urlNode)
            {
                var text = ObjectMetadata.GetString(urlNode) ?? "";
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.Host.Length == 0 || url.UserInfo.Length > 0)
                {
                    errors.Add(FieldError.Invalid("spec.source.httpURL", urlNode, "must be an absolute https URL without user information"));
                }
            }
        }

        HibernationSchedule.Parse(obj["spec"]?["hibernation"], "spec.hibernation", errors);
        return errors;
    }
}
