using CustomResources.Core.Security;

namespace CustomResources.Core.Tests.Security;

public sealed class RequestAttributesMapperTests
{
    [Theory]
    [InlineData("GET", "/apis/example.com/v1/namespaces/team-a/widgets/w1", null, "get", "w1")]
    [InlineData("HEAD", "/apis/example.com/v1/namespaces/team-a/widgets/w1", null, "get", "w1")]
    [InlineData("GET", "/apis/example.com/v1/namespaces/team-a/widgets", null, "list", "")]
    [InlineData("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "?watch=true", "watch", "")]
    [InlineData("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "watch=1&resourceVersion=5", "watch", "")]
    [InlineData("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "?watch=false", "list", "")]
    [InlineData("POST", "/apis/example.com/v1/namespaces/team-a/widgets", null, "create", "")]
    [InlineData("PUT", "/apis/example.com/v1/namespaces/team-a/widgets/w1", null, "update", "w1")]
    [InlineData("PATCH", "/apis/example.com/v1/namespaces/team-a/widgets/w1", null, "patch", "w1")]
    [InlineData("DELETE", "/apis/example.com/v1/namespaces/team-a/widgets/w1", null, "delete", "w1")]
    [InlineData("DELETE", "/apis/example.com/v1/namespaces/team-a/widgets", null, "deletecollection", "")]
    public void Maps_each_method_and_shape_to_its_kubernetes_verb(string method, string path, string? query, string verb, string name)
    {
        var attributes = RequestAttributesMapper.Map(method, path, query);

        Assert.True(attributes.IsResourceRequest);
        Assert.Equal(verb, attributes.Verb);
        Assert.Equal("example.com", attributes.ApiGroup);
        Assert.Equal("v1", attributes.ApiVersion);
        Assert.Equal("widgets", attributes.Resource);
        Assert.Equal("team-a", attributes.Namespace);
        Assert.Equal(name, attributes.Name);
        Assert.Equal("", attributes.Subresource);
    }

    [Fact]
    public void A_status_path_is_the_status_subresource_of_the_named_object()
    {
        var attributes = RequestAttributesMapper.Map("PUT", "/apis/example.com/v1/namespaces/team-a/widgets/w1/status");

        Assert.Equal(("update", "widgets", "status", "w1", "team-a"), (attributes.Verb, attributes.Resource, attributes.Subresource, attributes.Name, attributes.Namespace));
        Assert.Equal("widgets/status", attributes.ResourceWithSubresource);
    }

    [Fact]
    public void Cluster_scoped_and_all_namespace_requests_have_no_namespace()
    {
        var crd = RequestAttributesMapper.Map("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
        var everywhere = RequestAttributesMapper.Map("GET", "/apis/example.com/v1/widgets");

        Assert.Equal(("create", "apiextensions.k8s.io", "customresourcedefinitions", ""), (crd.Verb, crd.ApiGroup, crd.Resource, crd.Namespace));
        Assert.Equal(("list", "widgets", ""), (everywhere.Verb, everywhere.Resource, everywhere.Namespace));
    }

    [Fact]
    public void Core_group_paths_have_the_empty_group()
    {
        var list = RequestAttributesMapper.Map("GET", "/api/v1/namespaces");
        var create = RequestAttributesMapper.Map("POST", "/api/v1/namespaces");

        Assert.Equal(("list", "", "v1", "namespaces", ""), (list.Verb, list.ApiGroup, list.ApiVersion, list.Resource, list.Namespace));
        Assert.Equal(("create", "namespaces", ""), (create.Verb, create.Resource, create.Namespace));
    }

    [Fact]
    public void A_namespace_object_request_carries_its_own_namespace_as_in_kubernetes()
    {
        var get = RequestAttributesMapper.Map("GET", "/api/v1/namespaces/team-a");
        var finalize = RequestAttributesMapper.Map("PUT", "/api/v1/namespaces/team-a/finalize");
        var status = RequestAttributesMapper.Map("GET", "/api/v1/namespaces/team-a/status");

        Assert.Equal(("get", "namespaces", "team-a", "team-a", ""), (get.Verb, get.Resource, get.Name, get.Namespace, get.Subresource));
        Assert.Equal(("update", "namespaces", "team-a", "finalize"), (finalize.Verb, finalize.Resource, finalize.Name, finalize.Subresource));
        Assert.Equal(("get", "namespaces", "team-a", "status"), (status.Verb, status.Resource, status.Name, status.Subresource));
    }

    [Fact]
    public void The_legacy_watch_segment_means_watch()
    {
        var collection = RequestAttributesMapper.Map("GET", "/api/v1/watch/namespaces");
        var item = RequestAttributesMapper.Map("GET", "/apis/example.com/v1/watch/namespaces/team-a/widgets/w1");

        Assert.Equal(("watch", "namespaces", ""), (collection.Verb, collection.Resource, collection.Name));
        Assert.Equal(("watch", "widgets", "team-a", "w1"), (item.Verb, item.Resource, item.Namespace, item.Name));
    }

    [Fact]
    public void A_list_pinned_to_one_name_by_field_selector_carries_that_name()
    {
        var attributes = RequestAttributesMapper.Map("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "?fieldSelector=metadata.name%3Dw1&watch=true");
        var two = RequestAttributesMapper.Map("GET", "/apis/example.com/v1/namespaces/team-a/widgets", "?fieldSelector=metadata.name%3Dw1,spec.x%3Dy");

        Assert.Equal(("watch", "w1"), (attributes.Verb, attributes.Name));
        Assert.Equal(("list", ""), (two.Verb, two.Name));
    }

    [Theory]
    [InlineData("GET", "/api", "get")]
    [InlineData("GET", "/api/v1", "get")]
    [InlineData("GET", "/apis", "get")]
    [InlineData("GET", "/apis/example.com", "get")]
    [InlineData("GET", "/apis/example.com/v1", "get")]
    [InlineData("GET", "/openapi/v3/apis/example.com/v1", "get")]
    [InlineData("GET", "/openapi/v2", "get")]
    [InlineData("GET", "/version", "get")]
    [InlineData("GET", "/healthz", "get")]
    [InlineData("POST", "/custom-resources", "post")]
    [InlineData("HEAD", "/healthz", "head")]
    public void Discovery_openapi_version_and_health_are_non_resource_requests(string method, string path, string verb)
    {
        var attributes = RequestAttributesMapper.Map(method, path);

        Assert.False(attributes.IsResourceRequest);
        Assert.Equal(verb, attributes.Verb);
        Assert.Equal(path, attributes.Path);
    }

    [Fact]
    public void The_root_path_is_a_non_resource_request_for_slash()
    {
        var attributes = RequestAttributesMapper.Map("GET", "");

        Assert.False(attributes.IsResourceRequest);
        Assert.Equal("/", attributes.Path);
    }
}
