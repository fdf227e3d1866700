using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Security;

/// <summary>
/// The built-in types of Kubernetes RBAC, group <c>rbac.authorization.k8s.io/v1</c>: Role and RoleBinding (namespaced),
/// ClusterRole and ClusterRoleBinding (cluster-scoped). Their schemas follow Kubernetes' structurally; the rules a
/// schema cannot express (immutable roleRef, subject kinds) live in <see cref="RbacObjectValidator"/>.
/// </summary>
public static class RbacDefinitions
{
    public const string Group = "rbac.authorization.k8s.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;

    public const string RolesResource = "roles";
    public const string RoleBindingsResource = "rolebindings";
    public const string ClusterRolesResource = "clusterroles";
    public const string ClusterRoleBindingsResource = "clusterrolebindings";

    public static readonly ResourceDefinition Roles = Define(
        new ResourceNames(RolesResource, "role", "Role", "RoleList", [], []), ResourceScope.Namespaced, RoleSchema(cluster: false));

    public static readonly ResourceDefinition ClusterRoles = Define(
        new ResourceNames(ClusterRolesResource, "clusterrole", "ClusterRole", "ClusterRoleList", [], []), ResourceScope.Cluster, RoleSchema(cluster: true));

    public static readonly ResourceDefinition RoleBindings = Define(
        new ResourceNames(RoleBindingsResource, "rolebinding", "RoleBinding", "RoleBindingList", [], []), ResourceScope.Namespaced, BindingSchema());

    public static readonly ResourceDefinition ClusterRoleBindings = Define(
        new ResourceNames(ClusterRoleBindingsResource, "clusterrolebinding", "ClusterRoleBinding", "ClusterRoleBindingList", [], []), ResourceScope.Cluster, BindingSchema());

    public static IReadOnlyList<ResourceDefinition> All { get; } = [ClusterRoleBindings, ClusterRoles, RoleBindings, Roles];

    public static bool IsRbacType(ResourceDefinition definition) => All.Any(d => ReferenceEquals(d, definition));

    public static CollectionKey Collection(string resource, string? ns) => new(Group, resource, ns);

    public static ObjectKey Key(string resource, string ns, string name) => new(Group, resource, ns, name);

    private static ResourceDefinition Define(ResourceNames names, ResourceScope scope, JsonObject schema) =>
        new(Group, names, scope, [new DefinitionVersion(Version, true, true, false, null, schema, [], false)])
        {
            BuiltIn = true,
        };

    private const string PolicyRuleSchema = """
        {
          "type": "object",
          "required": ["verbs"],
          "properties": {
            "verbs": { "type": "array", "items": { "type": "string" } },
            "apiGroups": { "type": "array", "items": { "type": "string" } },
            "resources": { "type": "array", "items": { "type": "string" } },
            "resourceNames": { "type": "array", "items": { "type": "string" } },
            "nonResourceURLs": { "type": "array", "items": { "type": "string" } }
          }
        }
        """;

    private static JsonObject RoleSchema(bool cluster)
    {
        var properties = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["metadata"] = new JsonObject { ["type"] = "object" },
            ["rules"] = new JsonObject { ["type"] = "array", ["items"] = JsonNode.Parse(PolicyRuleSchema) },
        };
        if (cluster)
        {
            properties["aggregationRule"] = JsonNode.Parse("""
                {
                  "type": "object",
                  "properties": {
                    "clusterRoleSelectors": {
                      "type": "array",
                      "items": { "type": "object", "x-kubernetes-preserve-unknown-fields": true }
                    }
                  }
                }
                """);
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties };
    }

    private static JsonObject BindingSchema() => JsonNode.Parse("""
        {
          "type": "object",
          "required": ["roleRef"],
          "properties": {
            "apiVersion": { "type": "string" },
            "kind": { "type": "string" },
            "metadata": { "type": "object" },
            "roleRef": {
              "type": "object",
              "required": ["kind", "name"],
              "properties": {
                "apiGroup": { "type": "string", "default": "rbac.authorization.k8s.io" },
                "kind": { "type": "string" },
                "name": { "type": "string" }
              }
            },
            "subjects": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["kind", "name"],
                "properties": {
                  "kind": { "type": "string" },
                  "name": { "type": "string" },
                  "namespace": { "type": "string" },
                  "apiGroup": { "type": "string" }
                }
              }
            }
          }
        }
        """)!.AsObject();
}
