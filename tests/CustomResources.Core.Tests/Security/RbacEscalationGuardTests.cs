using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Security;
using static CustomResources.Core.Tests.Security.RbacWorld;

namespace CustomResources.Core.Tests.Security;

public sealed class RbacEscalationGuardTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly UserInfo Alice = UserInfo.Authenticated("alice");

    /// <summary>
    /// Alice administers team-a: all verbs on example.com, and the object verbs on roles/rolebindings there (not "*", which
    /// would include escalate and bind), nothing elsewhere.
    /// </summary>
    private static async Task<RbacWorld> TeamAdminAsync()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("widget-edit", Rule(["*"], ["example.com"], ["*"]));
        await world.ClusterRoleAsync("rbac-edit", Rule(["get", "list", "watch", "create", "update", "patch", "delete"], ["rbac.authorization.k8s.io"], ["roles", "rolebindings"]));
        await world.ClusterRoleAsync("everything", Rule(["*"], ["*"], ["*"]));
        await world.RoleBindingAsync("team-a", "alice-widgets", "ClusterRole", "widget-edit", User("alice"));
        await world.RoleBindingAsync("team-a", "alice-rbac", "ClusterRole", "rbac-edit", User("alice"));
        return world;
    }

    [Fact]
    public async Task Binding_a_role_whose_rules_the_user_holds_in_that_namespace_is_allowed()
    {
        var world = await TeamAdminAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get", "list"], ["example.com"], ["widgets"]));

        await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "bob-reads", "team-a", "Role", "reader", User("bob")), null, None);
        await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "bob-edits", "team-a", "ClusterRole", "widget-edit", User("bob")), null, None);
    }

    [Fact]
    public async Task Binding_a_role_with_more_than_the_user_holds_is_forbidden_naming_the_missing_rules()
    {
        var world = await TeamAdminAsync();

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "bob-everything", "team-a", "ClusterRole", "everything", User("bob")), null, None));

        Assert.Equal(403, error.Code);
        Assert.Equal(
            "rolebindings.rbac.authorization.k8s.io \"bob-everything\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}",
            error.Message);
    }

    [Fact]
    public async Task Rules_held_in_one_namespace_cannot_be_bound_in_another_or_cluster_wide()
    {
        var world = await TeamAdminAsync();

        await Assert.ThrowsAsync<ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-b", BindingObject("RoleBinding", "x", "team-b", "ClusterRole", "widget-edit", User("bob")), null, None));
        await Assert.ThrowsAsync<ApiException>(() =>
            world.Guard.CheckAsync(Alice, null, BindingObject("ClusterRoleBinding", "x", null, "ClusterRole", "widget-edit", User("bob")), null, None));
    }

    [Fact]
    public async Task The_namespace_of_the_url_is_the_scope_even_when_the_body_names_none()
    {
        var world = await TeamAdminAsync();
        var unscoped = BindingObject("RoleBinding", "x", null, "ClusterRole", "widget-edit", User("bob"));

        await world.Guard.CheckAsync(Alice, "team-a", unscoped, null, None);
        await Assert.ThrowsAsync<ApiException>(() => world.Guard.CheckAsync(Alice, "team-b", unscoped, null, None));
    }

    [Fact]
    public async Task The_bind_verb_on_the_role_allows_binding_it_without_holding_its_rules()
    {
        var world = await TeamAdminAsync();
        await world.ClusterRoleAsync("may-bind-everything", Rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], ["everything"]));
        await world.RoleBindingAsync("team-a", "alice-binds", "ClusterRole", "may-bind-everything", User("alice"));

        await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "bob-everything", "team-a", "ClusterRole", "everything", User("bob")), null, None);
        await Assert.ThrowsAsync<ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-b", BindingObject("RoleBinding", "bob-everything", "team-b", "ClusterRole", "everything", User("bob")), null, None));
    }

    [Fact]
    public async Task Binding_a_role_that_does_not_exist_grants_nothing_and_is_allowed()
    {
        var world = await TeamAdminAsync();

        await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "later", "team-a", "Role", "not-yet", User("bob")), null, None);
    }

    [Fact]
    public async Task Binding_an_aggregated_role_checks_its_aggregated_rules()
    {
        var world = await TeamAdminAsync();
        await world.AggregatedClusterRoleAsync("team-view", "agg/team-view");
        await world.ClusterRoleWithLabelsAsync("widgets-view", new() { ["agg/team-view"] = "true" }, Rule(["get"], ["example.com"], ["widgets"]));

        await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "v", "team-a", "ClusterRole", "team-view", User("bob")), null, None);

        await world.ClusterRoleWithLabelsAsync("namespaces-view", new() { ["agg/team-view"] = "true" }, Rule(["get"], [""], ["namespaces"]));
        await Assert.ThrowsAsync<ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "v", "team-a", "ClusterRole", "team-view", User("bob")), null, None));
    }

    [Fact]
    public async Task Writing_a_role_needs_its_rules_held_or_the_escalate_verb()
    {
        var world = await TeamAdminAsync();
        var modest = RoleObject("Role", "modest", "team-a", Rule(["get"], ["example.com"], ["widgets"], ["w1"]));
        var greedy = RoleObject("Role", "greedy", "team-a", Rule(["get"], ["other.io"], ["gadgets"]));

        await world.Guard.CheckAsync(Alice, "team-a", modest, null, None);
        var error = await Assert.ThrowsAsync<ApiException>(() => world.Guard.CheckAsync(Alice, "team-a", greedy, null, None));
        Assert.StartsWith("roles.rbac.authorization.k8s.io \"greedy\" is forbidden: user \"alice\"", error.Message, StringComparison.Ordinal);

        await world.ClusterRoleAsync("escalator", Rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"]));
        await world.RoleBindingAsync("team-a", "alice-escalates", "ClusterRole", "escalator", User("alice"));
        await world.Guard.CheckAsync(Alice, "team-a", greedy, null, None);
    }

    [Fact]
    public async Task A_star_verb_on_roles_includes_escalate_as_in_kubernetes()
    {
        var world = await TeamAdminAsync();
        await world.ClusterRoleAsync("rbac-star", Rule(["*"], ["rbac.authorization.k8s.io"], ["roles"]));
        await world.RoleBindingAsync("team-a", "alice-rbac-star", "ClusterRole", "rbac-star", User("alice"));

        await world.Guard.CheckAsync(Alice, "team-a", RoleObject("Role", "greedy", "team-a", Rule(["get"], ["other.io"], ["gadgets"])), null, None);
    }

    [Fact]
    public async Task A_metadata_only_update_of_a_role_needs_no_check()
    {
        var world = await TeamAdminAsync();
        var greedy = RoleObject("Role", "greedy", "team-a", Rule(["get"], ["other.io"], ["gadgets"]));
        var relabelled = (JsonObject)greedy.DeepClone();
        relabelled["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };

        await world.Guard.CheckAsync(Alice, "team-a", relabelled, greedy, None);
    }

    [Fact]
    public async Task Writing_an_aggregation_rule_needs_full_authority()
    {
        var world = await TeamAdminAsync();
        var aggregated = RoleObject("ClusterRole", "agg", null);
        aggregated["aggregationRule"] = JsonNode.Parse("""{"clusterRoleSelectors":[{"matchLabels":{"a":"b"}}]}""");

        var error = await Assert.ThrowsAsync<ApiException>(() => world.Guard.CheckAsync(Alice, null, aggregated, null, None));
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule", error.Message);

        await world.ClusterRoleAsync("cluster-admin", Rule(["*"], ["*"], ["*"]), UrlRule(["*"], ["*"]));
        await world.ClusterRoleBindingAsync("alice-admin", "cluster-admin", User("alice"));
        await world.Guard.CheckAsync(Alice, null, aggregated, null, None);
    }

    [Fact]
    public async Task System_masters_may_grant_anything()
    {
        var world = await RbacWorld.StartAsync();

        await world.Guard.CheckAsync(UserInfo.Authenticated("root", UserInfo.MastersGroup), null, BindingObject("ClusterRoleBinding", "x", null, "ClusterRole", "anything", User("bob")), null, None);
    }

    [Fact]
    public void Coverage_follows_kubernetes_wildcards_subresources_names_and_urls()
    {
        PolicyRule[] held =
        [
            PolicyRule.ForResources(["get", "list"], ["example.com"], ["widgets"]),
            PolicyRule.ForResources(["update"], ["*"], ["*/status"]),
            PolicyRule.ForResources(["delete"], ["example.com"], ["gadgets"], ["g1", "g2"]),
            PolicyRule.ForUrls(["get"], ["/apis/*"]),
        ];

        Assert.Empty(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["get"], ["example.com"], ["widgets"], ["w1"])]));
        Assert.Empty(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["update"], ["other.io"], ["things/status"])]));
        Assert.Empty(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["delete"], ["example.com"], ["gadgets"], ["g2"])]));
        Assert.Empty(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForUrls(["get"], ["/apis/example.com", "/apis/*"])]));

        Assert.Equal([PolicyRule.ForResources(["*"], ["example.com"], ["widgets"])], RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["*"], ["example.com"], ["widgets"])]));
        Assert.Equal([PolicyRule.ForResources(["watch"], ["example.com"], ["widgets"])], RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["get", "watch"], ["example.com"], ["widgets"])]));
        Assert.Single(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["delete"], ["example.com"], ["gadgets"])]));
        Assert.Single(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForUrls(["get"], ["/api"])]));
        Assert.Single(RbacEscalationGuard.Uncovered(held, [PolicyRule.ForResources(["update"], ["other.io"], ["things"])]));
    }
}
