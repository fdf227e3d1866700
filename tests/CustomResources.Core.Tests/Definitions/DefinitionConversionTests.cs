using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Tests.Definitions;

public sealed class DefinitionConversionTests
{
    private static JsonObject Beta(string spec) => JsonNode.Parse($$"""
        {"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"crontabs.stable.example.com"},
         "spec":{{spec}}}
        """)!.AsObject();

    [Fact]
    public void A_single_version_without_schema_becomes_a_v1_version_that_keeps_every_field()
    {
        var v1 = DefinitionConversion.ToV1(Beta("""{"group":"stable.example.com","version":"v1","scope":"Namespaced","names":{"plural":"crontabs","kind":"CronTab"}}"""));
        Assert.Equal("apiextensions.k8s.io/v1", v1["apiVersion"]!.GetValue<string>());
        Assert.Null(v1["spec"]!["version"]);
        var version = v1["spec"]!["versions"]![0]!;
        Assert.Equal("v1", version["name"]!.GetValue<string>());
        Assert.True(version["served"]!.GetValue<bool>());
        Assert.True(version["storage"]!.GetValue<bool>());
        Assert.True(version["schema"]!["openAPIV3Schema"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        var parsed = DefinitionParser.Parse(v1);
        Assert.Empty(parsed.Errors);
    }

    [Fact]
    public void Top_level_schema_subresources_and_columns_move_into_every_version()
    {
        var v1 = DefinitionConversion.ToV1(Beta("""
            {"group":"stable.example.com","scope":"Namespaced","names":{"plural":"crontabs","kind":"CronTab"},
             "versions":[{"name":"v1","served":true,"storage":true},{"name":"v2","served":true,"storage":false}],
             "preserveUnknownFields":false,
             "validation":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"image":{"type":"string"}}}}}},
             "subresources":{"status":{}},
             "additionalPrinterColumns":[{"name":"Image","type":"string","JSONPath":".spec.image"}]}
            """));
        foreach (var version in v1["spec"]!["versions"]!.AsArray())
        {
            Assert.Equal("string", version!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["image"]!["type"]!.GetValue<string>());
            Assert.Null(version["schema"]!["openAPIV3Schema"]!["x-kubernetes-preserve-unknown-fields"]);
            Assert.NotNull(version["subresources"]!["status"]);
            Assert.Equal(".spec.image", version["additionalPrinterColumns"]![0]!["jsonPath"]!.GetValue<string>());
        }

        Assert.Empty(DefinitionParser.Parse(v1).Errors);
    }

    [Fact]
    public void Preserving_unknown_fields_applies_at_every_object_depth()
    {
        var v1 = DefinitionConversion.ToV1(Beta("""
            {"group":"g.example.com","version":"v1","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},
             "validation":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"nested":{"type":"object"}}}}}}}
            """));
        var schema = v1["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
        Assert.True(schema["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        Assert.True(schema["properties"]!["spec"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        Assert.True(schema["properties"]!["spec"]!["properties"]!["nested"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
    }

    [Fact]
    public void Stored_v1_reads_back_as_v1beta1_with_shared_parts_hoisted()
    {
        var v1 = DefinitionConversion.ToV1(Beta("""{"group":"stable.example.com","version":"v1","scope":"Namespaced","names":{"plural":"crontabs","kind":"CronTab"},"additionalPrinterColumns":[{"name":"A","type":"string","JSONPath":".spec.a"}]}"""));
        var beta = DefinitionConversion.ToV1Beta1(v1);
        Assert.Equal("apiextensions.k8s.io/v1beta1", beta["apiVersion"]!.GetValue<string>());
        Assert.Equal("v1", beta["spec"]!["version"]!.GetValue<string>());
        Assert.NotNull(beta["spec"]!["validation"]!["openAPIV3Schema"]);
        Assert.Equal(".spec.a", beta["spec"]!["additionalPrinterColumns"]![0]!["JSONPath"]!.GetValue<string>());
        Assert.Null(beta["spec"]!["versions"]![0]!["schema"]);
        Assert.Equal("apiextensions.k8s.io/v1", v1["apiVersion"]!.GetValue<string>());
    }
}
