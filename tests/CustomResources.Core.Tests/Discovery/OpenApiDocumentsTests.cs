using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Discovery;
using static CustomResources.Core.Tests.Discovery.DiscoveryFixtures;

namespace CustomResources.Core.Tests.Discovery;

public class OpenApiDocumentsTests
{
    private const string ObjectMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonObject Schemas(JsonObject document) => document["components"]!["schemas"]!.AsObject();

    [Fact]
    public void Index_lists_every_served_group_version_with_a_hashed_url()
    {
        var paths = OpenApiDocuments.Index(All())["paths"]!.AsObject();

        Assert.Equal(
            ["api/v1", "apis/admissionregistration.k8s.io/v1", "apis/apiextensions.k8s.io/v1", "apis/apiextensions.k8s.io/v1beta1", "apis/authentication.customresources.io/v1", "apis/events.customresources.io/v1", "apis/modules.customresources.io/v1", "apis/rbac.authorization.k8s.io/v1", "apis/stable.example.com/v2", "apis/stable.example.com/v1", "apis/stable.example.com/v1beta1", "apis/widgets.acme.io/v1"],
            paths.Select(p => p.Key));
        var url = (string)paths["apis/stable.example.com/v1"]!["serverRelativeURL"]!;
        Assert.Matches("^/openapi/v3/apis/stable.example.com/v1\\?hash=[0-9A-F]{64}$", url);
        Assert.StartsWith("/openapi/v3/api/v1?hash=", (string)paths["api/v1"]!["serverRelativeURL"]!);
    }

    [Fact]
    public void Index_hash_changes_when_the_definition_schema_changes()
    {
        static string Url(ResourceDefinition cronTab) =>
            (string)OpenApiDocuments.Index(All(cronTab))["paths"]!["apis/stable.example.com/v1"]!["serverRelativeURL"]!;

        var before = Url(CronTab());
        var same = Url(CronTab());
        var after = Url(CronTab(schema: CronTabSchema("A different description.")));

        Assert.Equal(before, same);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Group_version_is_null_when_not_served()
    {
        Assert.Null(OpenApiDocuments.GroupVersion(All(), Group, "v2alpha1"));
        Assert.Null(OpenApiDocuments.GroupVersion(All(), "hidden.example.com", "v1"));
        Assert.Null(OpenApiDocuments.GroupVersion(All(), "nope.io", "v1"));
    }

    [Fact]
    public void Group_version_has_namespaced_and_all_namespaces_paths()
    {
        var document = OpenApiDocuments.GroupVersion(All(), Group, "v1")!;

        Assert.Equal("3.0.0", (string?)document["openapi"]);
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/apis/stable.example.com/v1/namespaces/{namespace}/crontabs", paths);
        Assert.Contains("/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}", paths);
        Assert.Contains("/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status", paths);
        Assert.Contains("/apis/stable.example.com/v1/crontabs", paths);
    }

    [Fact]
    public void Patch_operation_carries_the_gvk_object_and_the_field_validation_parameter()
    {
        var document = OpenApiDocuments.GroupVersion(All(), Group, "v1")!;

        var patch = document["paths"]!["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]!["patch"]!;

        Assert.True(JsonNode.DeepEquals(Gvk(Group, "v1", "CronTab"), patch["x-kubernetes-group-version-kind"]));
        var parameters = patch["parameters"]!.AsArray();
        var fieldValidation = parameters.Single(p => (string?)p!["name"] == "fieldValidation")!;
        Assert.Equal("query", (string?)fieldValidation["in"]);
        Assert.Equal("string", (string?)fieldValidation["schema"]!["type"]);
        Assert.Contains(parameters, p => (string?)p!["name"] == "fieldManager");
        Assert.Contains(parameters, p => (string?)p!["name"] == "dryRun");
        var content = patch["requestBody"]!["content"]!.AsObject().Select(c => c.Key).ToList();
        Assert.Contains("application/merge-patch+json", content);
        Assert.Contains("application/json-patch+json", content);
        Assert.Contains("application/apply-patch+yaml", content);
        Assert.DoesNotContain("application/strategic-merge-patch+json", content);
    }

    [Fact]
    public void Every_patch_operation_for_a_kind_supports_field_validation()
    {
        var document = OpenApiDocuments.GroupVersion(All(), Group, "v1")!;

        var patches = document["paths"]!.AsObject().Select(p => p.Value!["patch"]).Where(p => p is not null).ToList();

        Assert.Equal(2, patches.Count);
        Assert.All(patches, p => Assert.Contains(p!["parameters"]!.AsArray(), q => (string?)q!["name"] == "fieldValidation"));
    }

    [Fact]
    public void Every_operation_carries_the_gvk_object()
    {
        var document = OpenApiDocuments.GroupVersion(All(), Group, "v1")!;
        string[] verbs = ["get", "put", "post", "patch", "delete"];

        var operations = document["paths"]!.AsObject()
            .SelectMany(p => verbs.Select(v => p.Value![v]).Where(o => o is not null))
            .ToList();

        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.Equal("CronTab", (string?)o!["x-kubernetes-group-version-kind"]!["kind"]));
    }

    [Fact]
    public void Component_schema_keeps_the_crd_schema_and_adds_gvk_list_and_object_meta()
    {
        var schemas = Schemas(OpenApiDocuments.GroupVersion(All(), Group, "v1")!);

        var cronTab = schemas["com.example.stable.v1.CronTab"]!;

        Assert.Equal("A CronTab runs an image on a schedule.", (string?)cronTab["description"]);
        Assert.Equal("object", (string?)cronTab["type"]);
        var gvks = cronTab["x-kubernetes-group-version-kind"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(Gvk(Group, "v1", "CronTab"), gvks.Single()));
        var properties = cronTab["properties"]!;
        Assert.Equal("string", (string?)properties["apiVersion"]!["type"]);
        Assert.Equal("string", (string?)properties["kind"]!["type"]);
        Assert.Equal(ObjectMetaRef, (string?)properties["metadata"]!["allOf"]![0]!["$ref"]);
        Assert.Equal("Spec of the CronTab.", (string?)properties["spec"]!["description"]);
        Assert.Equal("Cron schedule string.", (string?)properties["spec"]!["properties"]!["cronSpec"]!["description"]);
        Assert.Equal(0, (int)properties["spec"]!["properties"]!["replicas"]!["minimum"]!);
    }

    [Fact]
    public void Component_schemas_include_the_list_kind_and_object_meta()
    {
        var schemas = Schemas(OpenApiDocuments.GroupVersion(All(), Group, "v1")!);

        var list = schemas["com.example.stable.v1.CronTabList"]!;
        Assert.Equal("CronTabList", (string?)list["x-kubernetes-group-version-kind"]![0]!["kind"]);
        Assert.Equal("#/components/schemas/com.example.stable.v1.CronTab", (string?)list["properties"]!["items"]!["items"]!["$ref"]);
        var objectMeta = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!.AsObject();
        foreach (var field in new[] { "name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "labels", "annotations", "finalizers", "ownerReferences" })
        {
            Assert.False(string.IsNullOrEmpty((string?)objectMeta[field]?["description"]), field);
        }
    }

    [Fact]
    public void Schema_refs_all_resolve_within_the_document()
    {
        var document = OpenApiDocuments.GroupVersion(All(), Group, "v1")!;
        var schemas = Schemas(document);

        var refs = new List<string>();
        void Collect(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        if (key == "$ref")
                        {
                            refs.Add((string)value!);
                        }
                        else
                        {
                            Collect(value);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Collect(item);
                    }

                    break;
                default:
                    break;
            }
        }

        Collect(document);

        Assert.NotEmpty(refs);
        Assert.All(refs, r => Assert.True(schemas.ContainsKey(r["#/components/schemas/".Length..]), r));
    }

    [Fact]
    public void Core_document_serves_namespaces_with_strategic_merge_patch()
    {
        var document = OpenApiDocuments.GroupVersion(All(), "", "v1")!;

        var paths = document["paths"]!.AsObject();
        Assert.Contains("/api/v1/namespaces", paths.Select(p => p.Key));
        var patch = paths["/api/v1/namespaces/{name}"]!["patch"]!;
        Assert.True(JsonNode.DeepEquals(Gvk("", "v1", "Namespace"), patch["x-kubernetes-group-version-kind"]));
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation");
        Assert.NotNull(patch["requestBody"]!["content"]!["application/strategic-merge-patch+json"]);
        var ns = Schemas(document)["io.k8s.api.core.v1.Namespace"]!;
        Assert.Equal("Namespace", (string?)ns["x-kubernetes-group-version-kind"]![0]!["kind"]);
        Assert.NotNull(ns["properties"]!["spec"]!["properties"]!["finalizers"]);
        Assert.NotNull(ns["properties"]!["status"]!["properties"]!["phase"]);
    }

    [Fact]
    public void Apiextensions_document_describes_custom_resource_definitions()
    {
        var document = OpenApiDocuments.GroupVersion(All(), BuiltInDefinitions.ApiExtensionsGroup, "v1")!;

        Assert.NotNull(document["paths"]!["/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"]!["patch"]);
        var crd = Schemas(document)["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"]!;
        Assert.Equal("CustomResourceDefinition", (string?)crd["x-kubernetes-group-version-kind"]![0]!["kind"]);
        var spec = crd["properties"]!["spec"]!["properties"]!;
        Assert.NotNull(spec["group"]);
        Assert.NotNull(spec["names"]!["properties"]!["plural"]);
        Assert.NotNull(spec["versions"]!["items"]!["properties"]!["schema"]);
    }

    [Fact]
    public void Cluster_scoped_resource_without_schema_gets_cluster_paths_and_an_open_schema()
    {
        var document = OpenApiDocuments.GroupVersion(All(), "widgets.acme.io", "v1")!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["/apis/widgets.acme.io/v1/widgets", "/apis/widgets.acme.io/v1/widgets/{name}"], paths);
        var widget = Schemas(document)["io.acme.widgets.v1.Widget"]!;
        Assert.True((bool)widget["x-kubernetes-preserve-unknown-fields"]!);
    }

    [Fact]
    public void Group_version_document_does_not_alias_the_definition_schema()
    {
        var cronTab = CronTab();
        var document = OpenApiDocuments.GroupVersion([cronTab], Group, "v1")!;

        Schemas(document)["com.example.stable.v1.CronTab"]!["properties"]!.AsObject().Remove("spec");

        Assert.NotNull(cronTab.ServedVersion("v1")!.Schema!["properties"]!["spec"]);
        Assert.Null(cronTab.ServedVersion("v1")!.Schema!["properties"]!["metadata"]);
    }
}
