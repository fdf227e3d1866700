using CustomResources.Core.Security;

namespace CustomResources.Core.Tests.Security;

public sealed class PolicyRuleTests
{
    private static RequestAttributes Get(string group, string resource, string name = "w1", string subresource = "", string verb = "get") =>
        RequestAttributes.ForResource(verb, group, resource, "team-a", name, subresource);

    [Fact]
    public void An_exact_rule_allows_its_verb_group_and_resource_only()
    {
        var rule = PolicyRule.ForResources(["get"], ["example.com"], ["widgets"]);

        Assert.True(rule.Allows(Get("example.com", "widgets")));
        Assert.False(rule.Allows(Get("example.com", "widgets", verb: "delete")));
        Assert.False(rule.Allows(Get("other.com", "widgets")));
        Assert.False(rule.Allows(Get("example.com", "gadgets")));
    }

    [Fact]
    public void Wildcards_match_every_verb_group_and_resource()
    {
        Assert.True(PolicyRule.ForResources(["*"], ["example.com"], ["widgets"]).Allows(Get("example.com", "widgets", verb: "deletecollection")));
        Assert.True(PolicyRule.ForResources(["get"], ["*"], ["widgets"]).Allows(Get("any.group", "widgets")));
        Assert.True(PolicyRule.ForResources(["get"], ["example.com"], ["*"]).Allows(Get("example.com", "gadgets")));
        Assert.True(PolicyRule.ForResources(["get"], ["example.com"], ["*"]).Allows(Get("example.com", "gadgets", subresource: "status")));
    }

    [Fact]
    public void A_resource_rule_does_not_cover_its_subresources()
    {
        var rule = PolicyRule.ForResources(["update"], ["example.com"], ["widgets"]);

        Assert.False(rule.Allows(Get("example.com", "widgets", subresource: "status", verb: "update")));
    }

    [Fact]
    public void A_resource_slash_subresource_rule_covers_only_that_subresource()
    {
        var rule = PolicyRule.ForResources(["update"], ["example.com"], ["widgets/status"]);

        Assert.True(rule.Allows(Get("example.com", "widgets", subresource: "status", verb: "update")));
        Assert.False(rule.Allows(Get("example.com", "widgets", verb: "update")));
        Assert.False(rule.Allows(Get("example.com", "gadgets", subresource: "status", verb: "update")));
    }

    [Fact]
    public void A_star_slash_status_rule_covers_the_status_of_every_resource_but_no_main_resource()
    {
        var rule = PolicyRule.ForResources(["patch"], ["*"], ["*/status"]);

        Assert.True(rule.Allows(Get("example.com", "widgets", subresource: "status", verb: "patch")));
        Assert.True(rule.Allows(Get("other.io", "gadgets", subresource: "status", verb: "patch")));
        Assert.False(rule.Allows(Get("example.com", "widgets", verb: "patch")));
        Assert.False(rule.Allows(Get("example.com", "widgets", subresource: "scale", verb: "patch")));
    }

    [Theory]
    [InlineData("get", "w1", true)]
    [InlineData("update", "w1", true)]
    [InlineData("patch", "w1", true)]
    [InlineData("delete", "w1", true)]
    [InlineData("get", "w2", false)]
    [InlineData("list", "", false)]
    [InlineData("watch", "", false)]
    [InlineData("create", "", false)]
    [InlineData("deletecollection", "", false)]
    public void ResourceNames_admit_only_requests_naming_one_of_them(string verb, string name, bool allowed)
    {
        var rule = PolicyRule.ForResources(["*"], ["example.com"], ["widgets"], ["w1"]);

        Assert.Equal(allowed, rule.Allows(Get("example.com", "widgets", name, verb: verb)));
    }

    [Theory]
    [InlineData("/healthz", "/healthz", true)]
    [InlineData("/healthz", "/healthz/ready", false)]
    [InlineData("/apis/*", "/apis/example.com/v1", true)]
    [InlineData("/apis/*", "/apis", false)]
    [InlineData("/openapi*", "/openapi/v3", true)]
    [InlineData("*", "/anything", true)]
    public void NonResourceUrls_match_exactly_or_by_prefix_before_a_trailing_star(string url, string path, bool allowed)
    {
        var rule = PolicyRule.ForUrls(["get"], [url]);

        Assert.Equal(allowed, rule.Allows(RequestAttributes.ForPath("get", path)));
    }

    [Fact]
    public void Resource_rules_never_allow_paths_and_url_rules_never_allow_resources()
    {
        Assert.False(PolicyRule.ForResources(["*"], ["*"], ["*"]).Allows(RequestAttributes.ForPath("get", "/version")));
        Assert.False(PolicyRule.ForUrls(["*"], ["*"]).Allows(Get("example.com", "widgets")));
        Assert.False(PolicyRule.ForUrls(["post"], ["/version"]).Allows(RequestAttributes.ForPath("get", "/version")));
    }

    [Fact]
    public void Rules_round_trip_through_json_with_kubernetes_field_names()
    {
        var rule = new PolicyRule(["get"], ["example.com"], ["widgets"], ["w1"], []);
        var json = rule.ToJson();

        Assert.Equal("""{"verbs":["get"],"apiGroups":["example.com"],"resources":["widgets"],"resourceNames":["w1"]}""", json.ToJsonString());
        Assert.Equal(rule, PolicyRule.FromJson(json));
        Assert.Equal(["/x"], PolicyRule.FromJson(PolicyRule.ForUrls(["get"], ["/x"]).ToJson()).NonResourceUrls);
    }
}
