using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Security;

/// <summary>
/// The default ClusterRoles and ClusterRoleBindings, as Kubernetes bootstraps them, written through the engine.
/// Idempotent: missing objects are created, drifted roles put back and missing default subjects added to the bindings
/// (other subjects stay), unless annotated
/// <c>rbac.authorization.kubernetes.io/autoupdate: "false"</c> (Kubernetes' opt-out).
/// </summary>
/// <remarks>
/// <c>cluster-admin</c> holds everything. <c>admin</c>, <c>edit</c> and <c>view</c> are aggregated from ClusterRoles
/// labelled <c>rbac.authorization.k8s.io/aggregate-to-{admin,edit,view}: "true"</c>; <c>view</c> aggregates into
/// <c>edit</c> and <c>edit</c> into <c>admin</c>. Their base roles grant view = get/list/watch, edit = also
/// create/update/patch/delete/deletecollection, on every resource of every custom API group (the groups of the stored
/// definitions, never the built-in control-plane groups: definitions, webhooks, event subscriptions and dead letters
/// (which carry event payloads) and RBAC stay out); view also reads namespaces; admin adds roles and rolebindings.
/// RBAC rules cannot exclude, so the custom groups are listed by name: call this again after a definition is created or
/// deleted (it is cheap) so a new group joins the defaults.
/// <c>system-discovery</c>, <c>system-basic-user</c> (self-subject access and rules reviews) and <c>system-public-info-viewer</c>
/// (health and version, also for unauthenticated callers) are bound to <c>system:authenticated</c>, and
/// <c>cluster-admin</c> to <c>system:masters</c>. Kubernetes spells those role names with colons (<c>system:discovery</c>);
/// the engine's object names are DNS subdomains, so they use hyphens here.
/// </remarks>
public static class RbacBootstrap
{
    public const string AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToView = "rbac.authorization.k8s.io/aggregate-to-view";
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    public const string BootstrappingLabel = "kubernetes.io/bootstrapping";

    private static readonly string[] ReadVerbs = ["get", "list", "watch"];
    private static readonly string[] WriteVerbs = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] AllObjectVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static async Task EnsureDefaultsAsync(ResourceService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var customGroups = CustomGroups(await service.Catalog.DefinitionsAsync(cancellationToken));
        var roles = await service.ResolveAsync(RbacDefinitions.Group, RbacDefinitions.Version, RbacDefinitions.ClusterRolesResource, cancellationToken);
        var bindings = await service.ResolveAsync(RbacDefinitions.Group, RbacDefinitions.Version, RbacDefinitions.ClusterRoleBindingsResource, cancellationToken);
        foreach (var role in DefaultClusterRoles(customGroups))
        {
            await EnsureAsync(service, roles, role, ["rules", "aggregationRule"], cancellationToken);
        }

        foreach (var binding in DefaultClusterRoleBindings())
        {
            await EnsureAsync(service, bindings, binding, ["subjects"], cancellationToken);
        }
    }

    /// <summary>The API groups of user-defined types, sorted: built-in groups never count, even when a definition reuses one.</summary>
    public static IReadOnlyList<string> CustomGroups(IEnumerable<ResourceDefinition> definitions)
    {
        var builtInGroups = BuiltInDefinitions.All.Select(d => d.Group).Append(AccessReviews.Group).ToHashSet(StringComparer.Ordinal);
        return definitions.Where(d => !d.BuiltIn && !builtInGroups.Contains(d.Group)).Select(d => d.Group).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public static IReadOnlyList<JsonObject> DefaultClusterRoles(IReadOnlyList<string> customGroups)
    {
        ArgumentNullException.ThrowIfNull(customGroups);
        // Modules live in namespaces like any workload: namespace users see and run them. Workspaces and module
        // definitions are cluster-scoped, and a Module's status is the controller's, so neither is granted here.
        List<PolicyRule> viewRules =
        [
            PolicyRule.ForResources(ReadVerbs, [""], ["namespaces"]),
            PolicyRule.ForResources(ReadVerbs, [Modules.ModuleDefinitions.Group], [Modules.ModuleDefinitions.ModulesResource]),
        ];
        List<PolicyRule> editRules = [PolicyRule.ForResources(WriteVerbs, [Modules.ModuleDefinitions.Group], [Modules.ModuleDefinitions.ModulesResource])];
        if (customGroups.Count > 0)
        {
            viewRules.Add(PolicyRule.ForResources(ReadVerbs, customGroups, [PolicyRule.All]));
            editRules.Add(PolicyRule.ForResources(WriteVerbs, customGroups, [PolicyRule.All]));
        }

        return
        [
            ClusterRole("cluster-admin", [], RbacAuthorizer.FullAuthority),
            Aggregated("admin", AggregateToAdmin, []),
            Aggregated("edit", AggregateToEdit, [AggregateToAdmin]),
            Aggregated("view", AggregateToView, [AggregateToEdit]),
            ClusterRole("system-aggregate-to-admin", [AggregateToAdmin], [PolicyRule.ForResources(AllObjectVerbs, [RbacDefinitions.Group], [RbacDefinitions.RolesResource, RbacDefinitions.RoleBindingsResource])]),
            ClusterRole("system-aggregate-to-edit", [AggregateToEdit], editRules),
            ClusterRole("system-aggregate-to-view", [AggregateToView], viewRules),
            ClusterRole("system-discovery", [], [PolicyRule.ForUrls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/"])]),
            ClusterRole("system-basic-user", [], [PolicyRule.ForResources(["create"], [AccessReviews.Group], [AccessReviews.SelfSubjectAccessReviews.Names.Plural, AccessReviews.SelfSubjectRulesReviews.Names.Plural])]),
            ClusterRole("system-public-info-viewer", [], [PolicyRule.ForUrls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
        ];
    }

    public static IReadOnlyList<JsonObject> DefaultClusterRoleBindings() =>
    [
        Binding("cluster-admin", "cluster-admin", [UserInfo.MastersGroup]),
        Binding("system-discovery", "system-discovery", [UserInfo.AuthenticatedGroup]),
        Binding("system-basic-user", "system-basic-user", [UserInfo.AuthenticatedGroup]),
        Binding("system-public-info-viewer", "system-public-info-viewer", [UserInfo.AuthenticatedGroup, UserInfo.UnauthenticatedGroup]),
    ];

    private static async Task EnsureAsync(ResourceService service, ResourceTarget target, JsonObject wanted, string[] managedFields, CancellationToken cancellationToken)
    {
        var name = ObjectMetadata.Name(wanted);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            StoredObject current;
            try
            {
                current = await service.GetAsync(target, null, name, cancellationToken);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                try
                {
                    await service.CreateAsync(target, null, wanted.DeepClone(), new WriteOptions(), cancellationToken);
                    return;
                }
                catch (ApiException created) when (created.Code == 409)
                {
                    // Another instance bootstrapped at the same moment: reconcile against its copy.
                    continue;
                }
            }

            var updated = Reconciled(current.Object, wanted, managedFields);
            if (updated is null)
            {
                return;
            }

            try
            {
                await service.ReplaceAsync(target, null, name, updated, new WriteOptions(), cancellationToken);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Changed under us: read again.
            }
        }
    }

    /// <summary>The stored object with the managed fields and labels put back, or null when nothing needs writing.</summary>
    private static JsonObject? Reconciled(JsonObject stored, JsonObject wanted, string[] managedFields)
    {
        var meta = stored["metadata"] as JsonObject;
        if (ObjectMetadata.GetString(meta?["annotations"]?[AutoUpdateAnnotation]) == "false")
        {
            return null;
        }

        var updated = (JsonObject)stored.DeepClone();
        foreach (var field in managedFields)
        {
            updated.Remove(field);
            if (wanted[field] is { } value)
            {
                updated[field] = value.DeepClone();
            }
        }

        // Like Kubernetes' reconciliation, subjects are only added: people bound to a default binding stay bound.
        if (stored["subjects"] is JsonArray storedSubjects && updated["subjects"] is JsonArray defaults)
        {
            var kept = storedSubjects.Where(s => !defaults.Any(d => JsonNode.DeepEquals(d, s))).Select(s => s?.DeepClone());
            updated["subjects"] = new JsonArray([.. defaults.Select(d => d?.DeepClone()), .. kept]);
        }

        var labels = updated["metadata"]!["labels"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in (JsonObject)wanted["metadata"]!["labels"]!)
        {
            labels[key] = value?.DeepClone();
        }

        updated["metadata"]!["labels"] = labels;
        return JsonNode.DeepEquals(updated, stored) ? null : updated;
    }

    private static JsonObject ClusterRole(string name, string[] aggregateTo, IEnumerable<PolicyRule> rules)
    {
        var role = Object("ClusterRole", name, aggregateTo);
        role["rules"] = new JsonArray(rules.Select(r => (JsonNode)r.ToJson()).ToArray());
        return role;
    }

    private static JsonObject Aggregated(string name, string selectorLabel, string[] aggregateTo)
    {
        var role = Object("ClusterRole", name, aggregateTo);
        role["aggregationRule"] = new JsonObject
        {
            ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [selectorLabel] = "true" } }),
        };
        role["rules"] = new JsonArray();
        return role;
    }

    private static JsonObject Binding(string name, string clusterRole, string[] groups)
    {
        var binding = Object("ClusterRoleBinding", name, []);
        binding["roleRef"] = new JsonObject { ["apiGroup"] = RbacDefinitions.Group, ["kind"] = "ClusterRole", ["name"] = clusterRole };
        binding["subjects"] = new JsonArray(groups.Select(g => (JsonNode)new JsonObject { ["kind"] = "Group", ["apiGroup"] = RbacDefinitions.Group, ["name"] = g }).ToArray());
        return binding;
    }

    private static JsonObject Object(string kind, string name, string[] aggregateTo)
    {
        var labels = new JsonObject { [BootstrappingLabel] = "rbac-defaults" };
        foreach (var label in aggregateTo)
        {
            labels[label] = "true";
        }

        return new JsonObject
        {
            ["apiVersion"] = RbacDefinitions.ApiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels,
                ["annotations"] = new JsonObject { [AutoUpdateAnnotation] = "true" },
            },
        };
    }
}
