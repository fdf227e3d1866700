using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using static CustomResources.Core.Tests.Security.RbacWorld;

namespace CustomResources.Core.Tests.Security;

public sealed class RbacObjectValidatorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_four_rbac_types_are_served_with_kubernetes_scopes()
    {
        var world = await RbacWorld.StartAsync();

        var roles = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "roles", None);
        var clusterRoles = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "clusterroles", None);
        var bindings = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "rolebindings", None);
        var clusterBindings = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "clusterrolebindings", None);

        Assert.Equal(("Role", true), (roles.Kind, roles.Definition.Namespaced));
        Assert.Equal(("ClusterRole", false), (clusterRoles.Kind, clusterRoles.Definition.Namespaced));
        Assert.Equal(("RoleBinding", true), (bindings.Kind, bindings.Definition.Namespaced));
        Assert.Equal(("ClusterRoleBinding", false), (clusterBindings.Kind, clusterBindings.Definition.Namespaced));
    }

    [Fact]
    public async Task A_role_is_stored_with_its_rules_and_unknown_fields_pruned()
    {
        var world = await RbacWorld.StartAsync();
        var body = RoleObject("Role", "reader", "team-a", Rule(["get"], ["example.com"], ["widgets"], ["w1"]));
        body["rules"]![0]!["bogus"] = true;

        var stored = await world.CreateRbacAsync("roles", "team-a", body);

        Assert.Equal("""[{"verbs":["get"],"apiGroups":["example.com"],"resources":["widgets"],"resourceNames":["w1"]}]""", stored["rules"]!.ToJsonString());
    }

    [Fact]
    public async Task Changing_a_binding_roleRef_is_refused_with_a_422_field_error()
    {
        var world = await RbacWorld.StartAsync();
        var created = await world.RoleBindingAsync("team-a", "b", "ClusterRole", "view", User("alice"));
        var changed = (JsonObject)created.DeepClone();
        changed["roleRef"]!["name"] = "edit";
        var target = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "rolebindings", None);

        var error = await Assert.ThrowsAsync<ApiException>(() => world.Service.ReplaceAsync(target, "team-a", "b", changed, new WriteOptions(), None));

        Assert.Equal(422, error.Code);
        Assert.Equal("Invalid", error.Reason);
        var cause = Assert.Single(error.Causes);
        Assert.Equal(("FieldValueInvalid", "roleRef"), (cause.Reason, cause.Field));
        Assert.EndsWith(": cannot change roleRef", cause.Message, StringComparison.Ordinal);
        Assert.StartsWith("RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: roleRef: Invalid value: {", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binding_may_change_its_subjects()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleBindingAsync("b", "view", User("alice"));
        var target = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "clusterrolebindings", None);

        var patched = await world.Service.PatchAsync(target, null, "b", PatchKind.Merge, JsonNode.Parse("""{"subjects":[{"kind":"User","name":"bob"}]}"""), new WriteOptions(), None);

        Assert.Equal("bob", (string?)patched.Stored.Object["subjects"]![0]!["name"]);
    }

    [Fact]
    public async Task A_cluster_role_binding_may_only_reference_a_cluster_role()
    {
        var world = await RbacWorld.StartAsync();
        var body = BindingObject("ClusterRoleBinding", "b", null, "Role", "x", User("alice"));

        var error = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("clusterrolebindings", null, body));

        Assert.Equal("roleRef.kind", Assert.Single(error.Causes).Field);
        Assert.Contains("Unsupported value: \"Role\": supported values: \"ClusterRole\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_roleRef_apiGroup_defaults_to_rbac_and_a_wrong_one_is_refused()
    {
        var world = await RbacWorld.StartAsync();
        var defaulted = BindingObject("RoleBinding", "ok", "team-a", "Role", "x", User("alice"));
        ((JsonObject)defaulted["roleRef"]!).Remove("apiGroup");
        var wrong = BindingObject("RoleBinding", "bad", "team-a", "Role", "x", User("alice"));
        wrong["roleRef"]!["apiGroup"] = "example.com";

        var stored = await world.CreateRbacAsync("rolebindings", "team-a", defaulted);
        var error = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("rolebindings", "team-a", wrong));

        Assert.Equal("rbac.authorization.k8s.io", (string?)stored["roleRef"]!["apiGroup"]);
        Assert.Equal("roleRef.apiGroup", Assert.Single(error.Causes).Field);
    }

    [Fact]
    public async Task Subjects_must_be_users_groups_or_service_accounts_with_the_right_api_group()
    {
        var world = await RbacWorld.StartAsync();
        var body = BindingObject(
            "ClusterRoleBinding", "b", null, "ClusterRole", "view",
            new JsonObject { ["kind"] = "Robot", ["name"] = "r2" },
            new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "bot", ["apiGroup"] = "rbac.authorization.k8s.io" },
            new JsonObject { ["kind"] = "User", ["name"] = "alice", ["apiGroup"] = "example.com" },
            new JsonObject { ["kind"] = "Group", ["name"] = "" });

        var error = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("clusterrolebindings", null, body));

        Assert.Equal(
            ["subjects[0].kind", "subjects[1].apiGroup", "subjects[1].namespace", "subjects[2].apiGroup", "subjects[3].name"],
            error.Causes.Select(c => c.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Policy_rules_need_verbs_and_either_resources_with_groups_or_urls_in_cluster_roles()
    {
        var world = await RbacWorld.StartAsync();
        var role = RoleObject(
            "Role", "bad", "team-a",
            new JsonObject { ["verbs"] = new JsonArray(), ["apiGroups"] = new JsonArray("x"), ["resources"] = new JsonArray("y") },
            new JsonObject { ["verbs"] = new JsonArray("get"), ["resources"] = new JsonArray("y") },
            UrlRule(["get"], ["/healthz"]));
        var clusterRole = RoleObject(
            "ClusterRole", "bad", null,
            new JsonObject { ["verbs"] = new JsonArray("get"), ["apiGroups"] = new JsonArray(""), ["resources"] = new JsonArray("y"), ["nonResourceURLs"] = new JsonArray("/x") },
            UrlRule(["get"], ["/healthz"]));

        var roleError = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("roles", "team-a", role));
        var clusterError = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("clusterroles", null, clusterRole));

        Assert.Equal(["rules[0].verbs", "rules[1].apiGroups", "rules[2].nonResourceURLs"], roleError.Causes.Select(c => c.Field));
        Assert.Contains("namespaced rules cannot apply to non-resource URLs", roleError.Message, StringComparison.Ordinal);
        Assert.Equal("rules[0].nonResourceURLs", Assert.Single(clusterError.Causes).Field);
        Assert.Contains("rules cannot apply to both regular resources and non-resource URLs", clusterError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_aggregation_rule_needs_at_least_one_valid_selector()
    {
        var world = await RbacWorld.StartAsync();
        var empty = RoleObject("ClusterRole", "empty", null);
        empty["aggregationRule"] = new JsonObject { ["clusterRoleSelectors"] = new JsonArray() };
        var invalid = RoleObject("ClusterRole", "invalid", null);
        invalid["aggregationRule"] = JsonNode.Parse("""{"clusterRoleSelectors":[{"matchExpressions":[{"key":"a","operator":"Sometimes"}]}]}""");

        var emptyError = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("clusterroles", null, empty));
        var invalidError = await Assert.ThrowsAsync<ApiException>(() => world.CreateRbacAsync("clusterroles", null, invalid));

        Assert.Equal("aggregationRule.clusterRoleSelectors", Assert.Single(emptyError.Causes).Field);
        Assert.StartsWith("aggregationRule.clusterRoleSelectors[0]", invalidError.Causes[0].Field, StringComparison.Ordinal);
    }

    [Fact]
    public void The_validator_applies_to_the_rbac_types_only()
    {
        var validator = new RbacObjectValidator();

        Assert.All(RbacDefinitions.All, d => Assert.True(validator.AppliesTo(d)));
        Assert.False(validator.AppliesTo(CustomResources.Core.Definitions.BuiltInDefinitions.Namespaces));
    }
}
