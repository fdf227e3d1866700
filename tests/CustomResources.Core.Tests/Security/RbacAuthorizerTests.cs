using CustomResources.Core.Security;
using static CustomResources.Core.Tests.Security.RbacWorld;

namespace CustomResources.Core.Tests.Security;

public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Alice = UserInfo.Authenticated("alice");
    private static readonly UserInfo Bob = UserInfo.Authenticated("bob", "devs");

    [Fact]
    public async Task Nobody_is_allowed_anything_without_bindings()
    {
        var world = await RbacWorld.StartAsync();

        Assert.False(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.False((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("get", "/version"))).Allowed);
    }

    [Fact]
    public async Task A_role_binding_grants_its_role_in_its_own_namespace_only()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "widget-reader", Rule(["get", "list"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "widget-reader", User("alice"));

        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-a"));
        Assert.False(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-b"));
        Assert.False(await world.CanAsync(Alice, "list", "example.com", "widgets"));
        Assert.False(await world.CanAsync(Alice, "delete", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Bob, "get", "example.com", "widgets", "team-a", "w1"));
    }

    [Fact]
    public async Task A_role_binding_to_a_cluster_role_grants_it_only_in_the_binding_namespace()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("widget-admin", Rule(["*"], ["example.com"], ["*"]));
        await world.RoleBindingAsync("team-a", "alice-admin", "ClusterRole", "widget-admin", User("alice"));

        Assert.True(await world.CanAsync(Alice, "create", "example.com", "widgets", "team-a"));
        Assert.False(await world.CanAsync(Alice, "create", "example.com", "widgets", "team-b"));
        Assert.False(await world.CanAsync(Alice, "create", "example.com", "clusterwidgets"));
    }

    [Fact]
    public async Task A_role_binding_cannot_reach_a_role_of_another_namespace()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-b", "reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "reader", User("alice"));

        var decision = await world.AuthorizeAsync(Alice, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"));

        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: role.rbac.authorization.k8s.io \"reader\" not found", decision.Reason);
    }

    [Fact]
    public async Task A_cluster_role_binding_grants_everywhere_including_cluster_scoped_resources()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("crd-admin", Rule(["*"], ["apiextensions.k8s.io"], ["customresourcedefinitions"]), Rule(["get", "list"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("alice-crds", "crd-admin", User("alice"));

        Assert.True(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-b"));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "widgets"));
    }

    [Fact]
    public async Task Cluster_scoped_resources_cannot_be_granted_by_a_role_binding()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("everything", Rule(["*"], ["*"], ["*"]));
        await world.RoleBindingAsync("team-a", "alice-everything", "ClusterRole", "everything", User("alice"));

        Assert.True(await world.CanAsync(Alice, "delete", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
        Assert.False(await world.CanAsync(Alice, "create", "", "namespaces"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "clusterroles"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "clusterrolebindings"));
        Assert.False(await world.CanAsync(Alice, "delete", "", "namespaces", "team-b", "team-b"));
    }

    [Fact]
    public async Task Group_subjects_match_members_and_system_authenticated_matches_every_authenticated_user()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.ClusterRoleAsync("lister", Rule(["list"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("devs-read", "reader", Group("devs"));
        await world.ClusterRoleBindingAsync("all-list", "lister", Group(UserInfo.AuthenticatedGroup));

        Assert.True(await world.CanAsync(Bob, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-a"));
        Assert.False(await world.CanAsync(UserInfo.Anonymous, "list", "example.com", "widgets", "team-a"));
    }

    [Fact]
    public async Task System_masters_are_allowed_everything_without_bindings()
    {
        var world = await RbacWorld.StartAsync();
        var root = UserInfo.Authenticated("root", UserInfo.MastersGroup);

        var decision = await world.AuthorizeAsync(root, RequestAttributes.ForResource("delete", "apiextensions.k8s.io", "customresourcedefinitions", name: "x"));

        Assert.True(decision.Allowed);
        Assert.Contains("system:masters", decision.Reason, StringComparison.Ordinal);
        Assert.True((await world.AuthorizeAsync(root, RequestAttributes.ForPath("post", "/anything"))).Allowed);
    }

    [Fact]
    public async Task Service_account_subjects_match_the_account_and_default_to_the_binding_namespace()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "bot-reads", "Role", "reader", ServiceAccount("bot"));
        await world.ClusterRoleAsync("lister", Rule(["list"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("ci-lists", "lister", ServiceAccount("ci", "team-b"));

        Assert.True(await world.CanAsync(UserInfo.ServiceAccount("team-a", "bot"), "get", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(UserInfo.ServiceAccount("team-b", "bot"), "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(UserInfo.ServiceAccount("team-b", "ci"), "list", "example.com", "widgets", "team-a"));
        Assert.False(await world.CanAsync(UserInfo.ServiceAccount("team-a", "ci"), "list", "example.com", "widgets", "team-a"));
    }

    [Fact]
    public void A_service_account_identity_has_kubernetes_name_groups_and_namespace()
    {
        var account = UserInfo.ServiceAccount("team-a", "bot");

        Assert.Equal("system:serviceaccount:team-a:bot", account.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"], account.Groups);
        Assert.Equal("team-a", account.Namespace);
    }

    [Fact]
    public void Authenticated_users_always_carry_system_authenticated_once()
    {
        Assert.Equal(["devs", "system:authenticated"], UserInfo.Authenticated("bob", "devs", "system:authenticated").Groups);
        Assert.Equal(["system:unauthenticated"], UserInfo.Anonymous.Groups);
    }

    [Fact]
    public async Task ResourceNames_limit_a_grant_to_the_named_objects()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "one-widget", Rule(["get", "update", "list"], ["example.com"], ["widgets"], ["w1"]));
        await world.RoleBindingAsync("team-a", "alice-one", "Role", "one-widget", User("alice"));

        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "update", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w2"));
        Assert.False(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-a"));

        // A list pinned to the name by a field selector names the object, so kubectl get/wait on it works.
        var pinned = RequestAttributesMapper.Map("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "fieldSelector=metadata.name%3Dw1");
        Assert.True((await world.AuthorizeAsync(Alice, pinned)).Allowed);
    }

    [Fact]
    public async Task Subresource_rules_grant_the_subresource_and_not_the_object()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("status-writer", Rule(["update", "patch"], ["*"], ["*/status"]), Rule(["get"], ["example.com"], ["widgets/scale"]));
        await world.ClusterRoleBindingAsync("controller", "status-writer", User("alice"));

        Assert.True(await world.CanAsync(Alice, "patch", "example.com", "widgets", "team-a", "w1", "status"));
        Assert.True(await world.CanAsync(Alice, "update", "other.io", "gadgets", "team-b", "g1", "status"));
        Assert.False(await world.CanAsync(Alice, "patch", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1", "scale"));
        Assert.False(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
    }

    [Fact]
    public async Task NonResourceUrls_are_granted_by_cluster_role_bindings()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("discovery", UrlRule(["get"], ["/apis", "/apis/*", "/version"]));
        await world.ClusterRoleBindingAsync("discovery", "discovery", Group(UserInfo.AuthenticatedGroup));

        Assert.True((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("get", "/apis/example.com/v1"))).Allowed);
        Assert.True((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("get", "/version"))).Allowed);
        Assert.False((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("get", "/version/extra"))).Allowed);
        Assert.False((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("post", "/apis"))).Allowed);
    }

    [Fact]
    public async Task An_allow_names_the_binding_role_and_subject_as_kubernetes_does()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "reader", User("alice"));
        await world.ClusterRoleAsync("lister", Rule(["list"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("devs-list", "lister", Group("devs"));

        var byRole = await world.AuthorizeAsync(Alice, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"));
        var byCluster = await world.AuthorizeAsync(Bob, RequestAttributes.ForResource("list", "example.com", "widgets", "team-a"));

        Assert.Equal("RBAC: allowed by RoleBinding \"alice-reads/team-a\" of Role \"reader\" to User \"alice\"", byRole.Reason);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"devs-list\" of ClusterRole \"lister\" to Group \"devs\"", byCluster.Reason);
    }

    [Fact]
    public async Task A_plain_denial_has_no_reason_and_missing_roles_are_reported()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleBindingAsync("dangling", "gone", User("alice"));
        await world.RoleBindingAsync("team-a", "dangling-too", "ClusterRole", "also-gone", User("alice"));

        var plain = await world.AuthorizeAsync(Bob, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"));
        var dangling = await world.AuthorizeAsync(Alice, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"));

        Assert.Equal(AuthorizationDecision.Deny(), plain);
        Assert.False(dangling.Allowed);
        Assert.Equal("RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, clusterrole.rbac.authorization.k8s.io \"also-gone\" not found]", dangling.Reason);
    }

    [Fact]
    public async Task An_aggregated_cluster_role_holds_the_rules_of_the_roles_its_selector_matches()
    {
        var world = await RbacWorld.StartAsync();
        await world.AggregatedClusterRoleAsync("monitoring", "example.com/aggregate-to-monitoring");
        await world.ClusterRoleWithLabelsAsync("widget-metrics", new() { ["example.com/aggregate-to-monitoring"] = "true" }, Rule(["get"], ["example.com"], ["widgets"]));
        await world.ClusterRoleWithLabelsAsync("unrelated", new() { ["other"] = "true" }, Rule(["delete"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("alice-monitoring", "monitoring", User("alice"));

        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Alice, "delete", "example.com", "widgets", "team-a", "w1"));
        Assert.False(await world.CanAsync(Alice, "list", "example.com", "gadgets", "team-a"));

        // A ClusterRole labelled later joins at once.
        await world.ClusterRoleWithLabelsAsync("gadget-metrics", new() { ["example.com/aggregate-to-monitoring"] = "true" }, Rule(["list"], ["example.com"], ["gadgets"]));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "gadgets", "team-a"));
    }

    [Fact]
    public async Task Aggregation_follows_nested_aggregated_roles_and_survives_cycles()
    {
        var world = await RbacWorld.StartAsync();
        await world.AggregatedClusterRoleAsync("outer", "agg/outer");
        await world.CreateRbacAsync("clusterroles", null, new()
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "inner", ["labels"] = new System.Text.Json.Nodes.JsonObject { ["agg/outer"] = "true" } },
            ["aggregationRule"] = System.Text.Json.Nodes.JsonNode.Parse("""{"clusterRoleSelectors":[{"matchLabels":{"agg/inner":"true"}},{"matchLabels":{"agg/outer":"true"}}]}"""),
        });
        await world.ClusterRoleWithLabelsAsync("leaf", new() { ["agg/inner"] = "true" }, Rule(["watch"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("alice-outer", "outer", User("alice"));

        Assert.True(await world.CanAsync(Alice, "watch", "example.com", "widgets", "team-a"));
    }

    [Fact]
    public async Task An_aggregated_role_ignores_its_own_rules_as_the_aggregation_controller_overwrites_them()
    {
        var world = await RbacWorld.StartAsync();
        var role = RoleObject("ClusterRole", "agg", null, Rule(["get"], ["example.com"], ["widgets"]));
        role["aggregationRule"] = System.Text.Json.Nodes.JsonNode.Parse("""{"clusterRoleSelectors":[{"matchLabels":{"agg/x":"true"}}]}""");
        await world.CreateRbacAsync("clusterroles", null, role);
        await world.ClusterRoleBindingAsync("alice-agg", "agg", User("alice"));

        Assert.False(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
    }

    [Fact]
    public async Task RulesFor_a_namespace_unites_cluster_and_namespace_grants()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "reader", User("alice"));
        await world.ClusterRoleAsync("lister", Rule(["list"], ["example.com"], ["widgets"]));
        await world.ClusterRoleBindingAsync("alice-lists", "lister", User("alice"));

        var inTeamA = await world.Authorizer.RulesForAsync(Alice, "team-a", CancellationToken.None);
        var cluster = await world.Authorizer.RulesForAsync(Alice, "", CancellationToken.None);

        Assert.Equal(2, inTeamA.Count);
        Assert.Equal([PolicyRule.ForResources(["list"], ["example.com"], ["widgets"])], cluster);
    }

    [Fact]
    public async Task EnsureAllowed_throws_the_forbidden_status_for_a_mapped_request_and_passes_an_allowed_one()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get"], ["example.com"], ["widgets"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "reader", User("alice"));

        var allowed = await world.Authorizer.EnsureAllowedAsync(Alice, RequestAttributesMapper.Map("GET", "/apis/example.com/v1/namespaces/team-a/widgets/w1"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<CustomResources.Core.Errors.ApiException>(() =>
            world.Authorizer.EnsureAllowedAsync(Alice, RequestAttributesMapper.Map("DELETE", "/apis/example.com/v1/namespaces/team-a/widgets"), CancellationToken.None));

        Assert.True(allowed.Allowed);
        Assert.Equal(403, error.Code);
        Assert.Equal("widgets.example.com is forbidden: User \"alice\" cannot deletecollection resource \"widgets\" in API group \"example.com\" in the namespace \"team-a\"", error.Message);
    }
}
