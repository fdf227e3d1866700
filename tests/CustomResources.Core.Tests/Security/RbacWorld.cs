using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using CustomResources.Core.Storage;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Security;

/// <summary>An engine with the RBAC validator over an in-memory store, helpers to write RBAC objects, and the authorizer over the same store.</summary>
public sealed class RbacWorld
{
    private static readonly CancellationToken None = CancellationToken.None;

    private RbacWorld()
    {
        Catalog = new DefinitionCatalog(Store);
        Service = new ResourceService(Store, Catalog, new FixedTimeProvider(Engine.Start), validators: [new RbacObjectValidator()]);
        Authorizer = new RbacAuthorizer(Store);
        Guard = new RbacEscalationGuard(Authorizer);
    }

    public InMemoryObjectStore Store { get; } = new();

    public DefinitionCatalog Catalog { get; }

    public ResourceService Service { get; }

    public RbacAuthorizer Authorizer { get; }

    public RbacEscalationGuard Guard { get; }

    public static async Task<RbacWorld> StartAsync(params string[] namespaces)
    {
        var world = new RbacWorld();
        foreach (var ns in namespaces.Length == 0 ? ["team-a", "team-b"] : namespaces)
        {
            await world.CreateAsync("", "v1", "namespaces", null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        return world;
    }

    public async Task<JsonObject> CreateAsync(string group, string version, string plural, string? ns, JsonObject body) =>
        (await Service.CreateAsync(await Service.ResolveAsync(group, version, plural, None), ns, body, new WriteOptions(), None)).Stored.Object;

    public Task<JsonObject> CreateRbacAsync(string plural, string? ns, JsonObject body) =>
        CreateAsync(RbacDefinitions.Group, RbacDefinitions.Version, plural, ns, body);

    public Task<JsonObject> RoleAsync(string ns, string name, params JsonObject[] rules) =>
        CreateRbacAsync(RbacDefinitions.RolesResource, ns, RoleObject("Role", name, ns, rules));

    public Task<JsonObject> ClusterRoleAsync(string name, params JsonObject[] rules) =>
        CreateRbacAsync(RbacDefinitions.ClusterRolesResource, null, RoleObject("ClusterRole", name, null, rules));

    public Task<JsonObject> ClusterRoleWithLabelsAsync(string name, JsonObject labels, params JsonObject[] rules)
    {
        var role = RoleObject("ClusterRole", name, null, rules);
        role["metadata"]!["labels"] = labels;
        return CreateRbacAsync(RbacDefinitions.ClusterRolesResource, null, role);
    }

    public Task<JsonObject> AggregatedClusterRoleAsync(string name, string selectorLabel) =>
        CreateRbacAsync(RbacDefinitions.ClusterRolesResource, null, new JsonObject
        {
            ["apiVersion"] = RbacDefinitions.ApiVersion,
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["aggregationRule"] = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [selectorLabel] = "true" } }),
            },
        });

    public Task<JsonObject> RoleBindingAsync(string ns, string name, string roleKind, string roleName, params JsonObject[] subjects) =>
        CreateRbacAsync(RbacDefinitions.RoleBindingsResource, ns, BindingObject("RoleBinding", name, ns, roleKind, roleName, subjects));

    public Task<JsonObject> ClusterRoleBindingAsync(string name, string roleName, params JsonObject[] subjects) =>
        CreateRbacAsync(RbacDefinitions.ClusterRoleBindingsResource, null, BindingObject("ClusterRoleBinding", name, null, "ClusterRole", roleName, subjects));

    public Task<AuthorizationDecision> AuthorizeAsync(UserInfo user, RequestAttributes request) => Authorizer.AuthorizeAsync(user, request, None);

    public async Task<bool> CanAsync(UserInfo user, string verb, string group, string resource, string ns = "", string name = "", string subresource = "") =>
        (await AuthorizeAsync(user, RequestAttributes.ForResource(verb, group, resource, ns, name, subresource))).Allowed;

    public static JsonObject Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
    {
        var rule = new JsonObject { ["verbs"] = Array(verbs), ["apiGroups"] = Array(groups), ["resources"] = Array(resources) };
        if (names is not null)
        {
            rule["resourceNames"] = Array(names);
        }

        return rule;
    }

    public static JsonObject UrlRule(string[] verbs, string[] urls) => new() { ["verbs"] = Array(verbs), ["nonResourceURLs"] = Array(urls) };

    public static JsonObject User(string name) => new() { ["kind"] = "User", ["apiGroup"] = RbacDefinitions.Group, ["name"] = name };

    public static JsonObject Group(string name) => new() { ["kind"] = "Group", ["apiGroup"] = RbacDefinitions.Group, ["name"] = name };

    public static JsonObject ServiceAccount(string name, string? ns = null)
    {
        var subject = new JsonObject { ["kind"] = "ServiceAccount", ["name"] = name };
        if (ns is not null)
        {
            subject["namespace"] = ns;
        }

        return subject;
    }

    public static JsonObject RoleObject(string kind, string name, string? ns, params JsonObject[] rules)
    {
        var role = Object(kind, name, ns);
        role["rules"] = new JsonArray(rules.Select(r => (JsonNode)r.DeepClone()).ToArray());
        return role;
    }

    public static JsonObject BindingObject(string kind, string name, string? ns, string roleKind, string roleName, params JsonObject[] subjects)
    {
        var binding = Object(kind, name, ns);
        binding["roleRef"] = new JsonObject { ["apiGroup"] = RbacDefinitions.Group, ["kind"] = roleKind, ["name"] = roleName };
        binding["subjects"] = new JsonArray(subjects.Select(s => (JsonNode)s.DeepClone()).ToArray());
        return binding;
    }

    private static JsonObject Object(string kind, string name, string? ns)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        return new JsonObject { ["apiVersion"] = RbacDefinitions.ApiVersion, ["kind"] = kind, ["metadata"] = meta };
    }

    /// <summary>Defines a custom type <c>{plural}.{group}</c> (v1, no short names).</summary>
    public Task<JsonObject> DefineAsync(string group, string plural, string kind, string scope = "Namespaced") =>
        CreateAsync(BuiltInDefinitions.ApiExtensionsGroup, "v1", "customresourcedefinitions", null, Crds.CronTab(group, plural, kind, shortNames: [], scope: scope));

    public Task<StoredObject?> GetStoredAsync(string plural, string ns, string name) =>
        Store.GetAsync(RbacDefinitions.Key(plural, ns, name), None);

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
