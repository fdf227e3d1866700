using CustomResources.Core.Errors;
using CustomResources.Core.Security;

namespace CustomResources.Core.Tests.Security;

/// <summary>Bodies captured from kubectl 1.32 (its typed clients post protobuf for these kinds).</summary>
public sealed class RbacProtobufTests
{
    // kubectl create rolebinding x --clusterrole=edit --user=bob --group=devs --serviceaccount=team-a:bot -n default
    private const string RoleBinding = "azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxLBAQoYCgF4EgAaB2RlZmF1bHQiACoAMgA4AEIAEigKBFVzZXISGXJiYWMuYXV0aG9yaXphdGlvbi5rOHMuaW8aA2JvYiIAEioKBUdyb3VwEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgRkZXZzIgASHwoOU2VydmljZUFjY291bnQSABoDYm90IgZ0ZWFtLWEaLgoZcmJhYy5hdXRob3JpemF0aW9uLms4cy5pbxILQ2x1c3RlclJvbGUaBGVkaXQaACIA";

    // kubectl create clusterrolebinding crb --clusterrole=view --user=alice
    private const string ClusterRoleBinding = "azhzAAoyChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEhJDbHVzdGVyUm9sZUJpbmRpbmcScQoTCgNjcmISABoAIgAqADIAOABCABIqCgRVc2VyEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgVhbGljZSIAGi4KGXJiYWMuYXV0aG9yaXphdGlvbi5rOHMuaW8SC0NsdXN0ZXJSb2xlGgR2aWV3GgAiAA==";

    // kubectl create clusterrole cr --verb=get,post --non-resource-url=/healthz,/version
    private const string ClusterRoleWithUrls = "azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtDbHVzdGVyUm9sZRI1ChIKAmNyEgAaACIAKgAyADgAQgASHwoDZ2V0CgRwb3N0KggvaGVhbHRoeioIL3ZlcnNpb24aACIA";

    // kubectl create clusterrole agg --aggregation-rule="a=b,c=d"
    private const string AggregatedClusterRole = "azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtDbHVzdGVyUm9sZRIpChMKA2FnZxIAGgAiACoAMgA4AEIAGhIKEAoGCgFhEgFiCgYKAWMSAWQaACIA";

    // kubectl auth can-i update widgets.example.com/w1 --subresource=status -n team-a (without discovery, so the resource stays unresolved)
    private const string ResourceReview = "azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSVQoQCgASABoAIgAqADIAOABCABI3CjUKBnRlYW0tYRIGdXBkYXRlGgAiACoTd2lkZ2V0cy5leGFtcGxlLmNvbTIGc3RhdHVzOgJ3MRoICAASABoAIAAaACIA";

    // kubectl auth can-i get /healthz
    private const string PathReview = "azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSLwoQCgASABoAIgAqADIAOABCABIREg8KCC9oZWFsdGh6EgNnZXQaCAgAEgAaACAAGgAiAA==";

    // kubectl auth can-i --list -n team-a
    private const string RulesReview = "azhzAAoxChdhdXRob3JpemF0aW9uLms4cy5pby92MRIWU2VsZlN1YmplY3RSdWxlc1JldmlldxIiChAKABIAGgAiACoAMgA4AEIAEggKBnRlYW0tYRoEGAAiABoAIgA=";

    private static string Decode(string base64) => RbacProtobuf.Decode(Convert.FromBase64String(base64)).ToJsonString();

    [Fact]
    public void A_role_binding_decodes_to_its_json_form()
    {
        Assert.Equal(
            """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"x","namespace":"default"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"},{"kind":"ServiceAccount","name":"bot","namespace":"team-a"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}}""",
            Decode(RoleBinding));
    }

    [Fact]
    public void A_cluster_role_binding_decodes_to_its_json_form()
    {
        Assert.Equal(
            """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"crb"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}""",
            Decode(ClusterRoleBinding));
    }

    [Fact]
    public void Cluster_roles_decode_with_rules_and_aggregation_selectors()
    {
        Assert.Equal(
            """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cr"},"rules":[{"verbs":["get","post"],"nonResourceURLs":["/healthz","/version"]}]}""",
            Decode(ClusterRoleWithUrls));
        Assert.Equal(
            """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"agg"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"a":"b","c":"d"}}]}}""",
            Decode(AggregatedClusterRole));
    }

    [Fact]
    public void Self_subject_access_reviews_decode_for_resources_and_paths()
    {
        Assert.Equal(
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},"spec":{"resourceAttributes":{"namespace":"team-a","verb":"update","resource":"widgets.example.com","subresource":"status","name":"w1"}}}""",
            Decode(ResourceReview));
        Assert.Equal(
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},"spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}}}""",
            Decode(PathReview));
    }

    [Fact]
    public void A_self_subject_rules_review_decodes_with_its_namespace()
    {
        Assert.Equal(
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},"spec":{"namespace":"team-a"}}""",
            Decode(RulesReview));
    }

    [Fact]
    public async Task A_decoded_review_is_answered_by_access_reviews()
    {
        var world = await RbacWorld.StartAsync();
        await world.ClusterRoleAsync("health", RbacWorld.UrlRule(["get"], ["/healthz"]));
        await world.ClusterRoleBindingAsync("health", "health", RbacWorld.Group(UserInfo.AuthenticatedGroup));

        var result = await new AccessReviews(world.Authorizer).ReviewAsync(UserInfo.Authenticated("alice"), RbacProtobuf.Decode(Convert.FromBase64String(PathReview)), CancellationToken.None);

        Assert.True((bool)result["status"]!["allowed"]!);
    }

    [Fact]
    public void Other_kinds_are_an_unsupported_media_type_and_garbage_is_a_bad_request()
    {
        var pod = Convert.FromBase64String(RoleBinding);
        pod[0x26] = (byte)'X'; // the kind's first letter: "XoleBinding"

        Assert.Equal(415, Assert.Throws<ApiException>(() => RbacProtobuf.Decode(pod)).Code);
        Assert.Equal(400, Assert.Throws<ApiException>(() => RbacProtobuf.Decode("{}"u8)).Code);
        Assert.Equal(400, Assert.Throws<ApiException>(() => RbacProtobuf.Decode(Convert.FromBase64String(RoleBinding).AsSpan(0, 40))).Code);
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("application/vnd.kubernetes.protobuf; charset=binary", true)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Recognises_the_protobuf_content_type(string? contentType, bool expected) => Assert.Equal(expected, RbacProtobuf.IsProtobuf(contentType));
}
