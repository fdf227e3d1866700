using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Selectors;

namespace CustomResources.Core.Security;

/// <summary>
/// The write-time rules of the RBAC types beyond their schemas, with Kubernetes' field errors: policy rules are either
/// resource rules (apiGroups and resources) or non-resource rules (cluster roles only); a binding's roleRef names a Role
/// or ClusterRole of the RBAC group and never changes after create; subjects are User, Group or ServiceAccount.
/// The server registers it as an <see cref="IWriteValidator"/>.
/// </summary>
public sealed class RbacObjectValidator : IWriteValidator
{
    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    public bool AppliesTo(ResourceDefinition definition) => definition is not null && RbacDefinitions.IsRbacType(definition);

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return ObjectMetadata.GetString(obj["kind"]) switch
        {
            "Role" => ValidateRole(obj, namespaced: true),
            "ClusterRole" => ValidateRole(obj, namespaced: false),
            "RoleBinding" => ValidateBinding(obj, old, namespaced: true),
            "ClusterRoleBinding" => ValidateBinding(obj, old, namespaced: false),
            _ => [],
        };
    }

    public static List<FieldError> ValidateRole(JsonObject role, bool namespaced)
    {
        ArgumentNullException.ThrowIfNull(role);
        var errors = new List<FieldError>();
        if (role["rules"] is JsonArray rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                ValidateRule(rules[i], $"rules[{i}]", namespaced, errors);
            }
        }

        if (!namespaced && role["aggregationRule"] is JsonObject aggregation)
        {
            var selectors = aggregation["clusterRoleSelectors"] as JsonArray;
            if (selectors is null || selectors.Count == 0)
            {
                errors.Add(FieldError.Required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
            }
            else
            {
                for (var i = 0; i < selectors.Count; i++)
                {
                    LabelSelector.FromJson(selectors[i], $"aggregationRule.clusterRoleSelectors[{i}]", errors);
                }
            }
        }

        return errors;
    }

    private static void ValidateRule(JsonNode? rule, string path, bool namespaced, List<FieldError> errors)
    {
        var parsed = PolicyRule.FromJson(rule);
        if (parsed.Verbs.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.verbs", "verbs must contain at least one value"));
        }

        if (parsed.NonResourceUrls.Count > 0)
        {
            if (namespaced)
            {
                errors.Add(FieldError.Invalid($"{path}.nonResourceURLs", rule?["nonResourceURLs"], "namespaced rules cannot apply to non-resource URLs"));
            }

            if (parsed.ApiGroups.Count > 0 || parsed.Resources.Count > 0 || parsed.ResourceNames.Count > 0)
            {
                errors.Add(FieldError.Invalid($"{path}.nonResourceURLs", rule?["nonResourceURLs"], "rules cannot apply to both regular resources and non-resource URLs"));
            }

            return;
        }

        if (parsed.ApiGroups.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.apiGroups", "resource rules must supply at least one api group"));
        }

        if (parsed.Resources.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.resources", "resource rules must supply at least one resource"));
        }
    }

    public static List<FieldError> ValidateBinding(JsonObject binding, JsonObject? old, bool namespaced)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var errors = new List<FieldError>();
        var roleRef = binding["roleRef"] as JsonObject;
        var apiGroup = ObjectMetadata.GetString(roleRef?["apiGroup"]) ?? "";
        if (apiGroup != RbacDefinitions.Group)
        {
            errors.Add(FieldError.NotSupported("roleRef.apiGroup", JsonValue.Create(apiGroup), [RbacDefinitions.Group]));
        }

        var kind = ObjectMetadata.GetString(roleRef?["kind"]) ?? "";
        string[] kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
        if (!kinds.Contains(kind, StringComparer.Ordinal))
        {
            errors.Add(FieldError.NotSupported("roleRef.kind", JsonValue.Create(kind), kinds));
        }

        if (string.IsNullOrEmpty(ObjectMetadata.GetString(roleRef?["name"])))
        {
            errors.Add(FieldError.Required("roleRef.name"));
        }

        // The role a binding grants is its identity: changing it means deleting and recreating the binding (kubectl auth reconcile does that).
        if (old?["roleRef"] is JsonObject oldRoleRef && roleRef is not null && !JsonNode.DeepEquals(oldRoleRef, roleRef))
        {
            errors.Add(FieldError.Invalid("roleRef", roleRef, "cannot change roleRef"));
        }

        if (binding["subjects"] is JsonArray subjects)
        {
            for (var i = 0; i < subjects.Count; i++)
            {
                ValidateSubject(subjects[i] as JsonObject, $"subjects[{i}]", namespaced, errors);
            }
        }

        return errors;
    }

    private static void ValidateSubject(JsonObject? subject, string path, bool namespaced, List<FieldError> errors)
    {
        var name = ObjectMetadata.GetString(subject?["name"]) ?? "";
        var kind = ObjectMetadata.GetString(subject?["kind"]) ?? "";
        var apiGroup = ObjectMetadata.GetString(subject?["apiGroup"]) ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.name"));
        }

        switch (kind)
        {
            case "ServiceAccount":
                if (name.Length > 0)
                {
                    errors.AddRange(NameRules.CheckSubdomain($"{path}.name", name));
                }

                if (apiGroup.Length > 0)
                {
                    errors.Add(FieldError.NotSupported($"{path}.apiGroup", JsonValue.Create(apiGroup), [""]));
                }

                if (!namespaced && string.IsNullOrEmpty(ObjectMetadata.GetString(subject?["namespace"])))
                {
                    errors.Add(FieldError.Required($"{path}.namespace"));
                }

                break;
            case "User" or "Group":
                // An empty apiGroup is what Kubernetes' v1 defaulting fills with the RBAC group.
                if (apiGroup.Length > 0 && apiGroup != RbacDefinitions.Group)
                {
                    errors.Add(FieldError.NotSupported($"{path}.apiGroup", JsonValue.Create(apiGroup), [RbacDefinitions.Group]));
                }

                break;
            default:
                errors.Add(FieldError.NotSupported($"{path}.kind", JsonValue.Create(kind), SubjectKinds));
                break;
        }
    }
}
