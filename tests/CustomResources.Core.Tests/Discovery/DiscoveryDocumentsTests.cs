using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Discovery;
using static CustomResources.Core.Tests.Discovery.DiscoveryFixtures;

namespace CustomResources.Core.Tests.Discovery;

public class DiscoveryDocumentsTests
{
    [Fact]
    public void Version_reports_kubernetes_1_32_by_default()
    {
        var version = DiscoveryDocuments.Version();

        Assert.Equal("1", (string?)version["major"]);
        Assert.Equal("32", (string?)version["minor"]);
        Assert.Equal("v1.32.0", (string?)version["gitVersion"]);
        Assert.Equal("clean", (string?)version["gitTreeState"]);
        Assert.Equal("gc", (string?)version["compiler"]);
        Assert.Equal("linux/amd64", (string?)version["platform"]);
        Assert.NotNull(version["gitCommit"]);
        Assert.NotNull(version["buildDate"]);
        Assert.NotNull(version["goVersion"]);
    }

    [Fact]
    public void Version_reports_the_requested_minor_version()
    {
        var version = DiscoveryDocuments.Version(29);

        Assert.Equal("29", (string?)version["minor"]);
        Assert.Equal("v1.29.0", (string?)version["gitVersion"]);
    }

    [Fact]
    public void Aggregated_groups_describe_a_crd_with_short_names_categories_and_verbs()
    {
        var list = DiscoveryDocuments.AggregatedGroups(All());

        Assert.Equal("APIGroupDiscoveryList", (string?)list["kind"]);
        Assert.Equal("apidiscovery.k8s.io/v2", (string?)list["apiVersion"]);
        Assert.NotNull(list["metadata"]);
        var item = Item(list, Group);
        var v1 = item["versions"]!.AsArray().Single(v => (string?)v!["version"] == "v1")!;
        Assert.Equal("Current", (string?)v1["freshness"]);
        var resource = v1["resources"]!.AsArray().Single()!;
        Assert.Equal("crontabs", (string?)resource["resource"]);
        Assert.Equal("crontab", (string?)resource["singularResource"]);
        Assert.Equal("Namespaced", (string?)resource["scope"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"group":"stable.example.com","version":"v1","kind":"CronTab"}"""), resource["responseKind"]));
        Assert.Equal(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], Strings(resource["verbs"]));
        Assert.Equal(["ct"], Strings(resource["shortNames"]));
        Assert.Equal(["all"], Strings(resource["categories"]));
    }

    [Fact]
    public void Aggregated_versions_are_served_versions_in_kubernetes_priority_order()
    {
        var item = Item(DiscoveryDocuments.AggregatedGroups(All()), Group);

        var versions = item["versions"]!.AsArray().Select(v => (string?)v!["version"]);

        Assert.Equal(["v2", "v1", "v1beta1"], versions);
    }

    [Fact]
    public void Aggregated_resource_lists_the_status_subresource_only_where_enabled()
    {
        var item = Item(DiscoveryDocuments.AggregatedGroups(All()), Group);
        JsonNode Resource(string version) =>
            item["versions"]!.AsArray().Single(v => (string?)v!["version"] == version)!["resources"]![0]!;

        var status = Resource("v1")["subresources"]!.AsArray().Single()!;

        Assert.Equal("status", (string?)status["subresource"]);
        Assert.Equal("CronTab", (string?)status["responseKind"]!["kind"]);
        Assert.Equal(["get", "patch", "update"], Strings(status["verbs"]));
        Assert.Null(Resource("v2")["subresources"]);
    }

    [Fact]
    public void Aggregated_groups_omit_unserved_groups_and_the_core_group()
    {
        var names = DiscoveryDocuments.AggregatedGroups(All())["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).ToList();

        Assert.Equal(["admissionregistration.k8s.io", "apiextensions.k8s.io", "authentication.customresources.io", "events.customresources.io", "modules.customresources.io", "rbac.authorization.k8s.io", "stable.example.com", "widgets.acme.io"], names);
    }

    [Fact]
    public void Aggregated_core_has_one_unnamed_item_with_cluster_scoped_namespaces()
    {
        var list = DiscoveryDocuments.AggregatedCore(All());

        var item = list["items"]!.AsArray().Single()!;
        Assert.Equal("", (string?)item["metadata"]!["name"]);
        var version = item["versions"]!.AsArray().Single()!;
        Assert.Equal("v1", (string?)version["version"]);
        var namespaces = version["resources"]!.AsArray().Single()!;
        Assert.Equal("namespaces", (string?)namespaces["resource"]);
        Assert.Equal("Cluster", (string?)namespaces["scope"]);
        Assert.Equal(["ns"], Strings(namespaces["shortNames"]));
        Assert.Equal("", (string?)namespaces["responseKind"]!["group"]);
    }

    [Fact]
    public void Aggregated_core_is_empty_without_core_definitions()
    {
        var list = DiscoveryDocuments.AggregatedCore([CronTab()]);

        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public void Legacy_core_versions_carry_the_server_address()
    {
        var versions = DiscoveryDocuments.LegacyCoreVersions("127.0.0.1:6443");

        Assert.Equal("APIVersions", (string?)versions["kind"]);
        Assert.Equal(["v1"], Strings(versions["versions"]));
        Assert.Equal("127.0.0.1:6443", (string?)versions["serverAddressByClientCIDRs"]![0]!["serverAddress"]);
        Assert.Equal("0.0.0.0/0", (string?)versions["serverAddressByClientCIDRs"]![0]!["clientCIDR"]);
    }

    [Fact]
    public void Legacy_group_list_prefers_the_highest_priority_served_version()
    {
        var list = DiscoveryDocuments.LegacyGroupList(All());

        Assert.Equal("APIGroupList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["apiVersion"]);
        var group = list["groups"]!.AsArray().Single(g => (string?)g!["name"] == Group)!;
        Assert.Equal(["stable.example.com/v2", "stable.example.com/v1", "stable.example.com/v1beta1"], group["versions"]!.AsArray().Select(v => (string)v!["groupVersion"]!));
        Assert.Equal("stable.example.com/v2", (string?)group["preferredVersion"]!["groupVersion"]);
        Assert.Equal("v2", (string?)group["preferredVersion"]!["version"]);
        Assert.DoesNotContain(list["groups"]!.AsArray(), g => (string?)g!["name"] == "hidden.example.com");
    }

    [Fact]
    public void Legacy_group_describes_one_group_or_is_null_when_unserved()
    {
        var group = DiscoveryDocuments.LegacyGroup(All(), Group)!;

        Assert.Equal("APIGroup", (string?)group["kind"]);
        Assert.Equal(Group, (string?)group["name"]);
        Assert.Equal("v2", (string?)group["preferredVersion"]!["version"]);
        Assert.Null(DiscoveryDocuments.LegacyGroup(All(), "hidden.example.com"));
        Assert.Null(DiscoveryDocuments.LegacyGroup(All(), "nope.example.com"));
    }

    [Fact]
    public void Resource_list_names_resources_and_their_status_subresource()
    {
        var list = DiscoveryDocuments.ResourceList(All(), Group, "v1")!;

        Assert.Equal("APIResourceList", (string?)list["kind"]);
        Assert.Equal("stable.example.com/v1", (string?)list["groupVersion"]);
        var resources = list["resources"]!.AsArray();
        Assert.Equal(["crontabs", "crontabs/status"], resources.Select(r => (string)r!["name"]!));
        var crontabs = resources[0]!;
        Assert.Equal("crontab", (string?)crontabs["singularName"]);
        Assert.True((bool)crontabs["namespaced"]!);
        Assert.Equal("CronTab", (string?)crontabs["kind"]);
        Assert.Equal(["ct"], Strings(crontabs["shortNames"]));
        Assert.Equal(["all"], Strings(crontabs["categories"]));
        Assert.Contains("deletecollection", Strings(crontabs["verbs"]));
        Assert.Equal(["get", "patch", "update"], Strings(resources[1]!["verbs"]));
    }

    [Fact]
    public void Core_resource_list_describes_namespaces()
    {
        var list = DiscoveryDocuments.ResourceList(All(), "", "v1")!;

        Assert.Equal("v1", (string?)list["groupVersion"]);
        var namespaces = list["resources"]!.AsArray().First()!;
        Assert.Equal("namespaces", (string?)namespaces["name"]);
        Assert.False((bool)namespaces["namespaced"]!);
        Assert.Equal("Namespace", (string?)namespaces["kind"]);
    }

    [Theory]
    [InlineData(Group, "v2alpha1")]
    [InlineData(Group, "v3")]
    [InlineData("hidden.example.com", "v1")]
    [InlineData("", "v2")]
    public void Resource_list_is_null_for_an_unserved_group_version(string group, string version)
    {
        Assert.Null(DiscoveryDocuments.ResourceList(All(), group, version));
    }

    [Fact]
    public void Built_in_definitions_are_discoverable()
    {
        var item = Item(DiscoveryDocuments.AggregatedGroups(BuiltInDefinitions.All), BuiltInDefinitions.ApiExtensionsGroup);

        var resource = item["versions"]![0]!["resources"]![0]!;

        Assert.Equal("customresourcedefinitions", (string?)resource["resource"]);
        Assert.Equal("Cluster", (string?)resource["scope"]);
        Assert.Equal(["crd", "crds"], Strings(resource["shortNames"]));
    }
}
