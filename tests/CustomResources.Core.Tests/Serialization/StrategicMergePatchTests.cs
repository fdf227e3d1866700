using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public sealed class StrategicMergePatchTests
{
    private static readonly Dictionary<string, string> Keys = new() { ["webhooks"] = "name" };

    private static JsonNode? Apply(string target, string patch) =>
        StrategicMergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch), Keys);

    [Fact]
    public void Keyed_lists_merge_by_key_and_other_lists_are_replaced()
    {
        var result = Apply(
            """{ "webhooks": [{ "name": "a", "timeoutSeconds": 5, "rules": [{ "scope": "*", "resources": ["x"] }] }, { "name": "b", "timeoutSeconds": 7 }] }""",
            """{ "$setElementOrder/webhooks": [{ "name": "b" }, { "name": "a" }], "webhooks": [{ "name": "a", "rules": [{ "resources": ["y"] }] }] }""");
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "webhooks": [{ "name": "b", "timeoutSeconds": 7 }, { "name": "a", "timeoutSeconds": 5, "rules": [{ "resources": ["y"] }] }] }"""),
            result), result!.ToJsonString());
    }

    [Fact]
    public void Entries_are_added_deleted_and_fields_removed_with_null()
    {
        var result = Apply(
            """{ "metadata": { "labels": { "a": "1", "b": "2" } }, "webhooks": [{ "name": "a" }, { "name": "b", "x": 1 }] }""",
            """{ "metadata": { "labels": { "a": null } }, "webhooks": [{ "name": "a", "$patch": "delete" }, { "name": "b", "x": null }, { "name": "c" }] }""");
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "metadata": { "labels": { "b": "2" } }, "webhooks": [{ "name": "b" }, { "name": "c" }] }"""),
            result), result!.ToJsonString());
    }

    [Fact]
    public void Replace_directives_and_primitive_deletions_apply()
    {
        var result = Apply(
            """{ "spec": { "a": 1, "b": 2, "finalizers": ["x", "y"] }, "webhooks": [{ "name": "a" }] }""",
            """{ "spec": { "$patch": "replace", "c": 3 }, "$deleteFromPrimitiveList/list": ["q"], "webhooks": [{ "$patch": "replace" }, { "name": "z" }] }""");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "spec": { "c": 3 }, "webhooks": [{ "name": "z" }] }"""), result), result!.ToJsonString());

        var primitives = Apply("""{ "finalizers": ["x", "y"] }""", """{ "$deleteFromPrimitiveList/finalizers": ["x"] }""");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "finalizers": ["y"] }"""), primitives), primitives!.ToJsonString());
    }

    [Fact]
    public void A_patch_that_is_not_an_object_is_refused()
    {
        Assert.Throws<PatchException>(() => Apply("{}", "[]"));
        Assert.Throws<PatchException>(() => Apply("""{ "webhooks": [] }""", """{ "webhooks": [{ "timeoutSeconds": 1 }] }"""));
    }
}
