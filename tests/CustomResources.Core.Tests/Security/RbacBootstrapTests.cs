using System.Text.Json.Nodes;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using static CustomResources.Core.Tests.Security.RbacWorld;

namespace CustomResources.Core.Tests.Security;

public sealed class RbacBootstrapTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly UserInfo Alice = UserInfo.Authenticated("alice");

    /// <summary>A world with the widgets.example.com type, the defaults, and <paramref name="role"/> bound to alice in team-a.</summary>
    private static async Task<RbacWorld> BoundInTeamAAsync(string role)
    {
        var world = await RbacWorld.StartAsync();
        await world.DefineAsync("example.com", "widgets", "Widget");
        await world.DefineAsync("example.com", "clusterwidgets", "ClusterWidget", "Cluster");
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        await world.RoleBindingAsync("team-a", $"alice-{role}", "ClusterRole", role, User("alice"));
        return world;
    }

    [Fact]
    public async Task The_defaults_are_created_once_and_a_second_run_changes_nothing()
    {
        var world = await RbacWorld.StartAsync();

        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        var revision = world.Store.CurrentRevision;
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);

        Assert.Equal(revision, world.Store.CurrentRevision);
        foreach (var name in new[] { "cluster-admin", "admin", "edit", "view", "system-discovery", "system-basic-user", "system-public-info-viewer" })
        {
            Assert.NotNull(await world.GetStoredAsync("clusterroles", "", name));
        }

        Assert.NotNull(await world.GetStoredAsync("clusterrolebindings", "", "system-discovery"));
    }

    [Fact]
    public async Task Drifted_defaults_are_put_back_unless_autoupdate_is_false()
    {
        var world = await RbacWorld.StartAsync();
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        var target = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "clusterroles", None);
        await world.Service.PatchAsync(target, null, "system-discovery", PatchKind.Merge, JsonNode.Parse("""{"rules":[{"verbs":["get"],"nonResourceURLs":["/version"]}]}"""), new WriteOptions(), None);
        await world.Service.PatchAsync(target, null, "system-public-info-viewer", PatchKind.Merge, JsonNode.Parse("""{"metadata":{"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"false"}},"rules":[]}"""), new WriteOptions(), None);

        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);

        Assert.Equal(8, ((JsonArray)(await world.GetStoredAsync("clusterroles", "", "system-discovery"))!.Object["rules"]![0]!["nonResourceURLs"]!).Count);
        Assert.Empty((JsonArray)(await world.GetStoredAsync("clusterroles", "", "system-public-info-viewer"))!.Object["rules"]!);
    }

    [Fact]
    public async Task Subjects_added_to_a_default_binding_stay_and_removed_defaults_come_back()
    {
        var world = await RbacWorld.StartAsync();
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        var target = await world.Service.ResolveAsync("rbac.authorization.k8s.io", "v1", "clusterrolebindings", None);
        await world.Service.PatchAsync(target, null, "cluster-admin", PatchKind.Merge, JsonNode.Parse("""{"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]}"""), new WriteOptions(), None);

        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);

        var subjects = (JsonArray)(await world.GetStoredAsync("clusterrolebindings", "", "cluster-admin"))!.Object["subjects"]!;
        Assert.Equal(["system:masters", "alice"], subjects.Select(s => (string?)s!["name"]));
        Assert.True(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
    }

    [Fact]
    public async Task View_reads_custom_resources_and_namespaces_but_writes_nothing_and_reads_no_rbac()
    {
        var world = await BoundInTeamAAsync("view");

        Assert.True(await world.CanAsync(Alice, "get", "example.com", "widgets", "team-a", "w1"));
        Assert.True(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-a"));
        Assert.True(await world.CanAsync(Alice, "watch", "example.com", "widgets", "team-a"));
        Assert.True(await world.CanAsync(Alice, "get", "", "namespaces", "team-a", "team-a"));
        Assert.False(await world.CanAsync(Alice, "create", "example.com", "widgets", "team-a"));
        Assert.False(await world.CanAsync(Alice, "list", "rbac.authorization.k8s.io", "roles", "team-a"));
        Assert.False(await world.CanAsync(Alice, "list", "example.com", "widgets", "team-b"));
    }

    [Fact]
    public async Task Namespace_users_see_and_run_modules_there_but_not_their_status_workspaces_or_definitions()
    {
        var viewer = await BoundInTeamAAsync("view");
        Assert.True(await viewer.CanAsync(Alice, "list", "modules.customresources.io", "modules", "team-a"));
        Assert.False(await viewer.CanAsync(Alice, "create", "modules.customresources.io", "modules", "team-a"));

        var editor = await BoundInTeamAAsync("edit");
        Assert.True(await editor.CanAsync(Alice, "create", "modules.customresources.io", "modules", "team-a"));
        Assert.True(await editor.CanAsync(Alice, "delete", "modules.customresources.io", "modules", "team-a", "m1"));
        Assert.False(await editor.CanAsync(Alice, "update", "modules.customresources.io", "modules", "team-a", "m1", "status"));
        Assert.False(await editor.CanAsync(Alice, "create", "modules.customresources.io", "workspaces"));
        Assert.False(await editor.CanAsync(Alice, "create", "modules.customresources.io", "moduledefinitions"));
        Assert.False(await editor.CanAsync(Alice, "create", "modules.customresources.io", "modules", "team-b"));
    }

    [Fact]
    public async Task Edit_adds_every_write_verb_on_custom_resources_but_no_rbac()
    {
        var world = await BoundInTeamAAsync("edit");

        foreach (var verb in new[] { "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection" })
        {
            Assert.True(await world.CanAsync(Alice, verb, "example.com", "widgets", "team-a", verb is "get" or "update" or "patch" or "delete" ? "w1" : ""), verb);
        }

        Assert.True(await world.CanAsync(Alice, "update", "example.com", "widgets", "team-a", "w1", "status"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "rolebindings", "team-a"));
    }

    [Fact]
    public async Task Admin_adds_roles_and_rolebindings_in_the_namespace()
    {
        var world = await BoundInTeamAAsync("admin");

        Assert.True(await world.CanAsync(Alice, "create", "example.com", "widgets", "team-a"));
        Assert.True(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "roles", "team-a"));
        Assert.True(await world.CanAsync(Alice, "delete", "rbac.authorization.k8s.io", "rolebindings", "team-a", "x"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "roles", "team-b"));
    }

    [Fact]
    public async Task A_namespace_admin_cannot_touch_definitions_namespaces_cluster_rbac_or_cluster_scoped_objects()
    {
        var world = await BoundInTeamAAsync("admin");

        Assert.False(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
        Assert.False(await world.CanAsync(Alice, "delete", "apiextensions.k8s.io", "customresourcedefinitions", name: "widgets.example.com"));
        Assert.False(await world.CanAsync(Alice, "create", "", "namespaces"));
        Assert.False(await world.CanAsync(Alice, "delete", "", "namespaces", "team-a", "team-a"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "clusterroles"));
        Assert.False(await world.CanAsync(Alice, "create", "rbac.authorization.k8s.io", "clusterrolebindings"));
        Assert.False(await world.CanAsync(Alice, "create", "example.com", "clusterwidgets"));
        Assert.False(await world.CanAsync(Alice, "create", "admissionregistration.k8s.io", "validatingwebhookconfigurations"));
    }

    [Fact]
    public async Task A_namespace_admin_may_grant_admin_edit_and_view_there_but_not_cluster_admin()
    {
        var world = await BoundInTeamAAsync("admin");

        foreach (var role in new[] { "admin", "edit", "view" })
        {
            await world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", $"bob-{role}", "team-a", "ClusterRole", role, User("bob")), null, None);
        }

        await Assert.ThrowsAsync<CustomResources.Core.Errors.ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-a", BindingObject("RoleBinding", "bob-root", "team-a", "ClusterRole", "cluster-admin", User("bob")), null, None));
        await Assert.ThrowsAsync<CustomResources.Core.Errors.ApiException>(() =>
            world.Guard.CheckAsync(Alice, "team-b", BindingObject("RoleBinding", "bob-admin", "team-b", "ClusterRole", "admin", User("bob")), null, None));
    }

    [Fact]
    public async Task A_cluster_wide_edit_binding_reaches_custom_cluster_scoped_types_but_not_the_control_plane()
    {
        var world = await RbacWorld.StartAsync();
        await world.DefineAsync("example.com", "clusterwidgets", "ClusterWidget", "Cluster");
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        await world.ClusterRoleBindingAsync("alice-edit", "edit", User("alice"));

        Assert.True(await world.CanAsync(Alice, "create", "example.com", "clusterwidgets"));
        Assert.False(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
        Assert.False(await world.CanAsync(Alice, "create", "", "namespaces"));
        Assert.False(await world.CanAsync(Alice, "list", "events.customresources.io", "subscriptions"));
        Assert.False(await world.CanAsync(Alice, "list", "events.customresources.io", "deadletters"));
    }

    [Fact]
    public async Task A_new_definition_group_joins_the_defaults_on_the_next_run()
    {
        var world = await BoundInTeamAAsync("edit");
        await world.DefineAsync("other.io", "gadgets", "Gadget");
        Assert.False(await world.CanAsync(Alice, "create", "other.io", "gadgets", "team-a"));

        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);

        Assert.True(await world.CanAsync(Alice, "create", "other.io", "gadgets", "team-a"));
    }

    [Fact]
    public async Task A_labelled_cluster_role_aggregates_into_view_edit_and_admin_at_once()
    {
        var world = await BoundInTeamAAsync("admin");
        Assert.False(await world.CanAsync(Alice, "get", "", "configmaps", "team-a", "c"));

        await world.ClusterRoleWithLabelsAsync("configmap-view", new() { [RbacBootstrap.AggregateToView] = "true" }, Rule(["get"], [""], ["configmaps"]));

        Assert.True(await world.CanAsync(Alice, "get", "", "configmaps", "team-a", "c"));
    }

    [Fact]
    public async Task Authenticated_users_may_read_discovery_and_review_their_own_access()
    {
        var world = await RbacWorld.StartAsync();
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);

        foreach (var path in new[] { "/api", "/api/v1", "/apis", "/apis/example.com/v1", "/openapi/v3", "/openapi/v2", "/version", "/healthz" })
        {
            Assert.True((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("get", path))).Allowed, path);
        }

        Assert.True(await world.CanAsync(Alice, "create", "authorization.k8s.io", "selfsubjectaccessreviews"));
        Assert.True(await world.CanAsync(Alice, "create", "authorization.k8s.io", "selfsubjectrulesreviews"));
        Assert.False((await world.AuthorizeAsync(UserInfo.Anonymous, RequestAttributes.ForPath("get", "/apis"))).Allowed);
        Assert.True((await world.AuthorizeAsync(UserInfo.Anonymous, RequestAttributes.ForPath("get", "/healthz"))).Allowed);
    }

    [Fact]
    public async Task Cluster_admin_is_bound_to_system_masters_and_grants_everything()
    {
        var world = await RbacWorld.StartAsync();
        await RbacBootstrap.EnsureDefaultsAsync(world.Service, None);
        await world.ClusterRoleBindingAsync("alice-root", "cluster-admin", User("alice"));

        Assert.True(await world.CanAsync(Alice, "create", "apiextensions.k8s.io", "customresourcedefinitions"));
        Assert.True((await world.AuthorizeAsync(Alice, RequestAttributes.ForPath("delete", "/anything"))).Allowed);
        var masters = (await world.GetStoredAsync("clusterrolebindings", "", "cluster-admin"))!.Object;
        Assert.Equal("system:masters", (string?)masters["subjects"]![0]!["name"]);
    }

    [Fact]
    public void Built_in_groups_never_count_as_custom_groups()
    {
        var groups = RbacBootstrap.CustomGroups(CustomResources.Core.Definitions.BuiltInDefinitions.All);

        Assert.Empty(groups);
    }
}
