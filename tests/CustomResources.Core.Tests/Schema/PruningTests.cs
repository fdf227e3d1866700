using System.Text.Json.Nodes;
using static CustomResources.Core.Tests.Schema.SchemaFixtures;

namespace CustomResources.Core.Tests.Schema;

public class PruningTests
{
    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());

    [Fact]
    public void Unknown_fields_are_removed_and_their_paths_returned_in_document_order()
    {
        var obj = Parse("""{ "spec": { "zzz": 1, "image": "x", "ports": [ { "name": "a", "bad": true }, { "name": "b" }, { "name": "c", "worse": {} } ], "resources": { "limits": { "cpu": "1", "gpu": 2 } } }, "extra": "x" }""");

        var pruned = CompileValid(CronTab).Prune(obj);

        Assert.Equal(["spec.zzz", "spec.ports[0].bad", "spec.ports[2].worse", "spec.resources.limits.gpu", "extra"], pruned);
        AssertJson("""{ "spec": { "image": "x", "ports": [ { "name": "a" }, { "name": "b" }, { "name": "c" } ], "resources": { "limits": { "cpu": "1" } } } }""", obj);
    }

    [Fact]
    public void Nothing_is_returned_when_everything_is_known()
    {
        var obj = Parse("""{ "apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": { "name": "a" }, "spec": { "image": "x" } }""");

        Assert.Empty(CompileValid(CronTab).Prune(obj));
    }

    [Fact]
    public void Root_api_version_kind_and_metadata_are_never_pruned()
    {
        var schema = CompileValid("""{ "type": "object", "properties": { "spec": { "type": "object" } } }""");
        var obj = Parse("""{ "apiVersion": "v1", "kind": "K", "metadata": { "name": "a", "anything": 1 }, "spec": { "x": 1 } }""");

        var pruned = schema.Prune(obj);

        Assert.Equal(["spec.x"], pruned);
        AssertJson("""{ "apiVersion": "v1", "kind": "K", "metadata": { "name": "a", "anything": 1 }, "spec": {} }""", obj);
    }

    [Fact]
    public void Preserve_unknown_fields_keeps_everything_below_it()
    {
        var obj = Parse("""{ "spec": { "config": { "a": { "b": [1, { "c": 2 }] } } } }""");

        Assert.Empty(CompileValid(CronTab).Prune(obj));
        AssertJson("""{ "a": { "b": [1, { "c": 2 }] } }""", obj["spec"]!["config"]!);
    }

    [Fact]
    public void Preserve_unknown_fields_still_prunes_inside_declared_properties()
    {
        var schema = WithSpec("""{ "type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": { "known": { "type": "object", "properties": { "a": { "type": "string" } } } } }""");
        var obj = Parse("""{ "spec": { "free": 1, "known": { "a": "x", "b": "y" } } }""");

        Assert.Equal(["spec.known.b"], schema.Prune(obj));
        AssertJson("""{ "free": 1, "known": { "a": "x" } }""", obj["spec"]!);
    }

    [Fact]
    public void Additional_properties_keep_every_key_and_prune_inside_values()
    {
        var schema = WithSpec("""{ "type": "object", "additionalProperties": { "type": "object", "properties": { "a": { "type": "string" } } } }""");
        var obj = Parse("""{ "spec": { "one": { "a": "x", "b": 1 }, "two": { "a": "y" } } }""");

        Assert.Equal(["spec.one.b"], schema.Prune(obj));
        AssertJson("""{ "one": { "a": "x" }, "two": { "a": "y" } }""", obj["spec"]!);
    }

    [Fact]
    public void Additional_properties_true_keeps_everything()
    {
        var schema = WithSpec("""{ "type": "object", "additionalProperties": true }""");
        var obj = Parse("""{ "spec": { "one": { "b": 1 } } }""");

        Assert.Empty(schema.Prune(obj));
    }

    [Fact]
    public void Embedded_resources_keep_api_version_kind_and_metadata()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "template": { "type": "object", "x-kubernetes-embedded-resource": true, "properties": { "spec": { "type": "object" } } } } }""");
        var obj = Parse("""{ "spec": { "template": { "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" }, "spec": { "x": 1 }, "status": {} } } }""");

        Assert.Equal(["spec.template.spec.x", "spec.template.status"], schema.Prune(obj));
        AssertJson("""{ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" }, "spec": {} }""", obj["spec"]!["template"]!);
    }

    [Fact]
    public void An_object_without_declared_properties_loses_all_its_fields()
    {
        var schema = WithSpec("""{ "type": "object" }""");
        var obj = Parse("""{ "spec": { "a": 1, "b": 2 } }""");

        Assert.Equal(["spec.a", "spec.b"], schema.Prune(obj));
    }
}
