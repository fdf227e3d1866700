using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Security;
using static CustomResources.Core.Tests.Security.RbacWorld;

namespace CustomResources.Core.Tests.Security;

public sealed class AccessReviewsTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly UserInfo Alice = UserInfo.Authenticated("alice");

    private static JsonObject Review(JsonObject spec) => new()
    {
        ["apiVersion"] = "authorization.k8s.io/v1",
        ["kind"] = "SelfSubjectAccessReview",
        ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
        ["spec"] = spec,
    };

    private static async Task<AccessReviews> ReviewsAsync()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleAsync("team-a", "reader", Rule(["get"], ["example.com"], ["widgets"]), Rule(["update"], ["example.com"], ["widgets/status"]));
        await world.RoleBindingAsync("team-a", "alice-reads", "Role", "reader", User("alice"));
        await world.ClusterRoleAsync("versions", UrlRule(["get"], ["/version"]));
        await world.ClusterRoleBindingAsync("alice-versions", "versions", User("alice"));
        return new AccessReviews(world.Authorizer);
    }

    [Fact]
    public async Task An_allowed_resource_review_returns_the_review_with_allowed_true_and_the_reason()
    {
        var reviews = await ReviewsAsync();

        var result = await reviews.ReviewAsync(Alice, Review(new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["namespace"] = "team-a", ["verb"] = "get", ["group"] = "example.com", ["resource"] = "widgets", ["name"] = "w1" },
        }), None);

        Assert.Equal("SelfSubjectAccessReview", (string?)result["kind"]);
        Assert.Equal("team-a", (string?)result["spec"]!["resourceAttributes"]!["namespace"]);
        Assert.True((bool)result["status"]!["allowed"]!);
        Assert.Equal("RBAC: allowed by RoleBinding \"alice-reads/team-a\" of Role \"reader\" to User \"alice\"", (string?)result["status"]!["reason"]);
    }

    [Fact]
    public async Task A_denied_review_says_allowed_false_and_is_not_an_error()
    {
        var reviews = await ReviewsAsync();

        var result = await reviews.ReviewAsync(Alice, Review(new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["namespace"] = "team-b", ["verb"] = "get", ["group"] = "example.com", ["resource"] = "widgets" },
        }), None);

        Assert.Equal("""{"allowed":false}""", result["status"]!.ToJsonString());
    }

    [Fact]
    public async Task A_review_can_ask_about_a_subresource()
    {
        var reviews = await ReviewsAsync();

        var status = await reviews.ReviewAsync(Alice, Review(new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["namespace"] = "team-a", ["verb"] = "update", ["group"] = "example.com", ["resource"] = "widgets", ["subresource"] = "status" },
        }), None);
        var main = await reviews.ReviewAsync(Alice, Review(new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["namespace"] = "team-a", ["verb"] = "update", ["group"] = "example.com", ["resource"] = "widgets" },
        }), None);

        Assert.True((bool)status["status"]!["allowed"]!);
        Assert.False((bool)main["status"]!["allowed"]!);
    }

    [Fact]
    public async Task A_non_resource_review_checks_the_path()
    {
        var reviews = await ReviewsAsync();

        var version = await reviews.ReviewAsync(Alice, Review(new JsonObject { ["nonResourceAttributes"] = new JsonObject { ["path"] = "/version", ["verb"] = "get" } }), None);
        var healthz = await reviews.ReviewAsync(Alice, Review(new JsonObject { ["nonResourceAttributes"] = new JsonObject { ["path"] = "/healthz", ["verb"] = "get" } }), None);

        Assert.True((bool)version["status"]!["allowed"]!);
        Assert.False((bool)healthz["status"]!["allowed"]!);
    }

    [Fact]
    public async Task A_review_needs_exactly_one_kind_of_attributes()
    {
        var reviews = await ReviewsAsync();

        var neither = await Assert.ThrowsAsync<ApiException>(() => reviews.ReviewAsync(Alice, Review(new JsonObject()), None));
        var both = await Assert.ThrowsAsync<ApiException>(() => reviews.ReviewAsync(Alice, Review(new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["verb"] = "get" },
            ["nonResourceAttributes"] = new JsonObject { ["path"] = "/x", ["verb"] = "get" },
        }), None));

        Assert.Equal(422, neither.Code);
        Assert.Equal(422, both.Code);
        Assert.Equal("SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified", neither.Message);
    }

    [Fact]
    public async Task A_body_of_another_kind_is_a_bad_request()
    {
        var reviews = await ReviewsAsync();
        var wrong = Review(new JsonObject());
        wrong["kind"] = "SubjectAccessReview";

        var error = await Assert.ThrowsAsync<ApiException>(() => reviews.ReviewAsync(Alice, wrong, None));

        Assert.Equal(400, error.Code);
    }

    [Fact]
    public void The_discovery_definition_is_cluster_scoped_and_not_stored_by_the_engine()
    {
        Assert.Equal("authorization.k8s.io", AccessReviews.SelfSubjectAccessReviews.Group);
        Assert.Equal("selfsubjectaccessreviews", AccessReviews.SelfSubjectAccessReviews.Names.Plural);
        Assert.DoesNotContain(AccessReviews.SelfSubjectAccessReviews, CustomResources.Core.Definitions.BuiltInDefinitions.All);
    }

    private static JsonObject RulesReview(string? ns) => new()
    {
        ["apiVersion"] = "authorization.k8s.io/v1",
        ["kind"] = "SelfSubjectRulesReview",
        ["spec"] = ns is null ? new JsonObject() : new JsonObject { ["namespace"] = ns },
    };

    [Fact]
    public async Task A_rules_review_lists_the_resource_and_url_rules_held_in_the_namespace()
    {
        var reviews = await ReviewsAsync();

        var teamA = await reviews.RulesReviewAsync(Alice, RulesReview("team-a"), None);
        var teamB = await reviews.RulesReviewAsync(Alice, RulesReview("team-b"), None);

        Assert.Equal(
            """{"resourceRules":[{"verbs":["get"],"apiGroups":["example.com"],"resources":["widgets"]},{"verbs":["update"],"apiGroups":["example.com"],"resources":["widgets/status"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/version"]}],"incomplete":false}""",
            teamA["status"]!.ToJsonString());
        Assert.Empty((JsonArray)teamB["status"]!["resourceRules"]!);
        Assert.Single((JsonArray)teamB["status"]!["nonResourceRules"]!);
        Assert.NotNull(teamA["metadata"]);
    }

    [Fact]
    public async Task A_rules_review_is_incomplete_when_a_binding_names_a_missing_role()
    {
        var world = await RbacWorld.StartAsync();
        await world.RoleBindingAsync("team-a", "dangling", "Role", "gone", User("alice"));

        var result = await new AccessReviews(world.Authorizer).RulesReviewAsync(Alice, RulesReview("team-a"), None);

        Assert.True((bool)result["status"]!["incomplete"]!);
        Assert.Equal("role.rbac.authorization.k8s.io \"gone\" not found", (string?)result["status"]!["evaluationError"]);
    }

    [Fact]
    public async Task A_rules_review_for_system_masters_lists_everything()
    {
        var reviews = await ReviewsAsync();

        var result = await reviews.RulesReviewAsync(UserInfo.Authenticated("root", UserInfo.MastersGroup), RulesReview(null), None);

        Assert.Equal("""[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]""", result["status"]!["resourceRules"]!.ToJsonString());
        Assert.Equal("""[{"verbs":["*"],"nonResourceURLs":["*"]}]""", result["status"]!["nonResourceRules"]!.ToJsonString());
    }
}
