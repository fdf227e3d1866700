using CustomResources.Core.Security;

namespace CustomResources.Core.Tests.Security;

public sealed class RbacErrorsTests
{
    private static readonly UserInfo Alice = UserInfo.Authenticated("alice");

    [Fact]
    public void A_denied_named_request_reads_as_kube_apiserver_words_it()
    {
        var error = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"));

        Assert.Equal(403, error.Code);
        Assert.Equal("Forbidden", error.Reason);
        Assert.Equal("widgets.example.com \"w1\" is forbidden: User \"alice\" cannot get resource \"widgets\" in API group \"example.com\" in the namespace \"team-a\"", error.Message);
    }

    [Fact]
    public void A_denied_collection_request_omits_the_name()
    {
        var error = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("list", "example.com", "widgets", "team-a"));

        Assert.Equal("widgets.example.com is forbidden: User \"alice\" cannot list resource \"widgets\" in API group \"example.com\" in the namespace \"team-a\"", error.Message);
    }

    [Fact]
    public void A_cluster_scoped_denial_says_at_the_cluster_scope_and_the_core_group_is_empty()
    {
        var error = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("create", "", "namespaces"));

        Assert.Equal("namespaces is forbidden: User \"alice\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope", error.Message);
    }

    [Fact]
    public void A_subresource_denial_names_resource_slash_subresource()
    {
        var error = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("update", "example.com", "widgets", "team-a", "w1", "status"));

        Assert.Equal("widgets.example.com \"w1\" is forbidden: User \"alice\" cannot update resource \"widgets/status\" in API group \"example.com\" in the namespace \"team-a\"", error.Message);
    }

    [Fact]
    public void A_non_resource_denial_names_the_path()
    {
        var error = RbacErrors.Forbidden(UserInfo.Anonymous, RequestAttributes.ForPath("get", "/version"));

        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/version\"", error.Message);
        Assert.Null(error.Subject);
    }

    [Fact]
    public void A_reason_is_appended_after_a_colon()
    {
        var error = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("get", "example.com", "widgets", "team-a", "w1"), "RBAC: role.rbac.authorization.k8s.io \"x\" not found");

        Assert.EndsWith("in the namespace \"team-a\": RBAC: role.rbac.authorization.k8s.io \"x\" not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_status_details_name_the_group_resource_and_object()
    {
        var status = RbacErrors.Forbidden(Alice, RequestAttributes.ForResource("delete", "example.com", "widgets", "team-a", "w1")).ToStatus();

        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(403, (int)status["code"]!);
        Assert.Equal("""{"name":"w1","group":"example.com","kind":"widgets"}""", status["details"]!.ToJsonString());
    }
}
