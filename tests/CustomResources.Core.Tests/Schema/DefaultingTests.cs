using System.Text.Json.Nodes;
using static CustomResources.Core.Tests.Schema.SchemaFixtures;

namespace CustomResources.Core.Tests.Schema;

public class DefaultingTests
{
    private static JsonObject Defaulted(string schemaJson, string objectJson)
    {
        var obj = Parse(objectJson);
        CompileValid(schemaJson).ApplyDefaults(obj);
        return obj;
    }

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());

    [Fact]
    public void Missing_properties_with_defaults_are_set()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "cronSpec": "* * * * */5", "image": "x" } }""");

        Assert.Equal(1, (int)obj["spec"]!["replicas"]!);
        Assert.False((bool)obj["spec"]!["suspend"]!);
        Assert.Equal("Allow", (string?)obj["spec"]!["policy"]);
    }

    [Fact]
    public void Existing_values_are_not_overwritten()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "replicas": 5, "suspend": true, "policy": "Forbid" } }""");

        AssertJson("""{ "replicas": 5, "suspend": true, "policy": "Forbid", "resources": { "limits": { "cpu": "100m" } } }""", obj["spec"]!);
    }

    [Fact]
    public void Defaults_inside_defaulted_values_are_applied_too()
    {
        var obj = Defaulted(CronTab, """{ "spec": {} }""");

        AssertJson("""{ "limits": { "cpu": "100m" } }""", obj["spec"]!["resources"]!);
    }

    [Fact]
    public void Nested_defaults_fill_partially_given_objects()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "resources": { "limits": { "memory": "1Gi" } } } }""");

        AssertJson("""{ "limits": { "memory": "1Gi", "cpu": "100m" } }""", obj["spec"]!["resources"]!);
    }

    [Fact]
    public void Array_items_get_their_defaults()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "ports": [ { "name": "a" }, { "name": "b", "protocol": "UDP" } ] } }""");

        AssertJson("""[ { "name": "a", "protocol": "TCP" }, { "name": "b", "protocol": "UDP" } ]""", obj["spec"]!["ports"]!);
    }

    [Fact]
    public void Map_values_get_their_defaults()
    {
        var obj = Defaulted(
            """{ "type": "object", "properties": { "spec": { "type": "object", "additionalProperties": { "type": "object", "properties": { "weight": { "type": "integer", "default": 1 } } } } } }""",
            """{ "spec": { "a": {}, "b": { "weight": 3 } } }""");

        AssertJson("""{ "a": { "weight": 1 }, "b": { "weight": 3 } }""", obj["spec"]!);
    }

    [Fact]
    public void Each_default_is_a_separate_copy()
    {
        var schema = CompileValid("""{ "type": "object", "properties": { "spec": { "type": "object", "properties": { "tags": { "type": "array", "items": { "type": "string" }, "default": ["a"] } } } } }""");
        var first = Parse("""{ "spec": {} }""");
        var second = Parse("""{ "spec": {} }""");

        schema.ApplyDefaults(first);
        schema.ApplyDefaults(second);
        first["spec"]!["tags"]!.AsArray().Add("changed");

        AssertJson("""{ "tags": ["a"] }""", second["spec"]!);
        AssertJson("""["a"]""", schema.Source["properties"]!["spec"]!["properties"]!["tags"]!["default"]!);
    }

    [Fact]
    public void A_null_in_a_non_nullable_field_is_replaced_by_the_default()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "replicas": null, "comment": null } }""");

        Assert.Equal(1, (int)obj["spec"]!["replicas"]!);
        Assert.True(obj["spec"]!.AsObject().ContainsKey("comment"));
    }

    [Fact]
    public void Root_type_meta_and_metadata_are_not_touched()
    {
        var obj = Defaulted(
            """{ "type": "object", "properties": { "apiVersion": { "type": "string", "default": "v9" }, "kind": { "type": "string", "default": "K" }, "metadata": { "type": "object", "properties": { "name": { "type": "string", "default": "n" } } }, "spec": { "type": "object", "default": {} } } }""",
            """{ "metadata": {} }""");

        AssertJson("""{ "metadata": {}, "spec": {} }""", obj);
    }

    [Fact]
    public void Values_of_the_wrong_type_are_left_alone()
    {
        var obj = Defaulted(CronTab, """{ "spec": { "resources": "big", "ports": { "name": "x" } } }""");

        AssertJson("""{ "resources": "big", "ports": { "name": "x" }, "replicas": 1, "suspend": false, "policy": "Allow" }""", obj["spec"]!);
    }
}
