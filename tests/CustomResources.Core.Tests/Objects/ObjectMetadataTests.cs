using System.Text.Json.Nodes;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Tests.Objects;

public sealed class ObjectMetadataTests
{
    private const string KubernetesAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    [Fact]
    public void Unknown_metadata_fields_are_pruned_and_reported()
    {
        var meta = new JsonObject { ["name"] = "a", ["labels"] = new JsonObject(), ["colour"] = "red", ["extra"] = new JsonObject() };

        var unknown = ObjectMetadata.PruneUnknown(meta);

        Assert.Equal(["metadata.colour", "metadata.extra"], unknown);
        Assert.Equal(["name", "labels"], meta.Select(p => p.Key));
    }

    [Fact]
    public void Every_object_meta_field_is_known()
    {
        var fields = new[]
        {
            "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
            "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
        };
        var meta = new JsonObject();
        foreach (var field in fields)
        {
            meta[field] = "x";
        }

        Assert.Empty(ObjectMetadata.PruneUnknown(meta));
        Assert.Equal(fields.Length, meta.Count);
    }

    [Fact]
    public void Valid_metadata_has_no_errors()
    {
        var meta = JsonNode.Parse("""
            {"name":"a","namespace":"default","labels":{"app":"web","example.com/tier":""},
             "annotations":{"Example.com/Note":"anything goes: here"},"finalizers":["example.com/cleanup"],"ownerReferences":[]}
            """)!.AsObject();

        Assert.Empty(ObjectMetadata.Validate(meta));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("generateName")]
    [InlineData("namespace")]
    [InlineData("resourceVersion")]
    [InlineData("uid")]
    public void String_fields_must_be_strings(string field)
    {
        var error = Assert.Single(ObjectMetadata.Validate(new JsonObject { [field] = 5 }));

        Assert.Equal(("FieldValueTypeInvalid", $"metadata.{field}"), (error.Reason, error.Field));
    }

    [Fact]
    public void Label_keys_and_values_are_checked_with_their_paths()
    {
        var meta = new JsonObject { ["labels"] = new JsonObject { ["bad key!"] = "ok", ["good"] = "bad value!" } };

        var errors = ObjectMetadata.Validate(meta);

        Assert.Equal(["metadata.labels", "metadata.labels[good]"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Non_string_label_values_are_type_errors()
    {
        var error = Assert.Single(ObjectMetadata.Validate(new JsonObject { ["labels"] = new JsonObject { ["app"] = true } }));

        Assert.Equal(("FieldValueTypeInvalid", "metadata.labels[app]"), (error.Reason, error.Field));
    }

    [Fact]
    public void Annotation_keys_are_qualified_names_compared_in_lower_case()
    {
        Assert.Empty(ObjectMetadata.Validate(new JsonObject { ["annotations"] = new JsonObject { ["Example.COM/Key"] = "v" } }));

        var error = Assert.Single(ObjectMetadata.Validate(new JsonObject { ["annotations"] = new JsonObject { ["bad key"] = "v" } }));
        Assert.Equal("metadata.annotations", error.Field);
    }

    [Fact]
    public void Annotations_may_total_256_KiB()
    {
        var limit = NameRules.AnnotationsMaxBytes;
        var atLimit = new JsonObject { ["annotations"] = new JsonObject { ["k"] = new string('v', limit - 1) } };
        var overLimit = new JsonObject { ["annotations"] = new JsonObject { ["k"] = new string('v', limit) } };

        Assert.Empty(ObjectMetadata.Validate(atLimit));
        var error = Assert.Single(ObjectMetadata.Validate(overLimit));
        Assert.Equal(("FieldValueTooLong", "metadata.annotations"), (error.Reason, error.Field));
        Assert.Equal("Too long: may not be more than 262144 bytes", error.Message);
    }

    [Fact]
    public void Annotation_size_counts_utf8_bytes_of_keys_and_values()
    {
        // 'é' is two bytes in UTF-8: half the limit in characters is the whole limit in bytes.
        var meta = new JsonObject { ["annotations"] = new JsonObject { ["k"] = new string('é', NameRules.AnnotationsMaxBytes / 2) } };

        Assert.Single(ObjectMetadata.Validate(meta));
    }

    [Fact]
    public void Finalizers_must_be_an_array_of_qualified_names()
    {
        var notArray = Assert.Single(ObjectMetadata.Validate(new JsonObject { ["finalizers"] = "example.com/x" }));
        Assert.Equal(("FieldValueTypeInvalid", "metadata.finalizers"), (notArray.Reason, notArray.Field));

        var errors = ObjectMetadata.Validate(new JsonObject { ["finalizers"] = new JsonArray("example.com/ok", 3, "bad finalizer") });
        Assert.Equal([("FieldValueTypeInvalid", "metadata.finalizers[1]"), ("FieldValueInvalid", "metadata.finalizers[2]")], errors.Select(e => (e.Reason, e.Field)));
    }

    [Fact]
    public void Owner_references_must_be_an_array()
    {
        var error = Assert.Single(ObjectMetadata.Validate(new JsonObject { ["ownerReferences"] = new JsonObject() }));

        Assert.Equal(("FieldValueTypeInvalid", "metadata.ownerReferences"), (error.Reason, error.Field));
    }

    [Fact]
    public void Generated_name_is_the_prefix_and_five_characters_of_the_kubernetes_alphabet()
    {
        var names = Enumerable.Range(0, 50).Select(_ => ObjectMetadata.Generate("job-")).ToList();

        Assert.All(names, name =>
        {
            Assert.Equal(9, name.Length);
            Assert.StartsWith("job-", name, StringComparison.Ordinal);
            Assert.All(name[4..], c => Assert.Contains(c, KubernetesAlphabet));
        });
        Assert.True(names.Distinct().Count() > 45, "generated names should be random");
    }

    [Fact]
    public void Long_generate_name_prefixes_are_truncated_as_kubernetes_does()
    {
        // Kubernetes keeps at most 58 characters of the prefix so a generated name is a valid 63-character label.
        var name = ObjectMetadata.Generate(new string('a', 100));

        Assert.Equal(63, name.Length);
        Assert.StartsWith(new string('a', 58), name, StringComparison.Ordinal);
        Assert.True(NameRules.IsDns1123Label(name));
    }

    [Fact]
    public void Timestamp_is_utc_rfc3339_without_fractions()
    {
        Assert.Equal("2024-05-06T05:08:09Z", ObjectMetadata.Timestamp(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 500, TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Spec_changed_ignores_metadata_status_and_type_meta()
    {
        var a = Obj("""{"apiVersion":"g/v1","kind":"K","metadata":{"name":"a","labels":{"x":"1"}},"spec":{"n":1},"status":{"s":1}}""");
        var b = Obj("""{"apiVersion":"g/v2","kind":"K2","metadata":{"name":"a"},"spec":{"n":1},"status":{"s":2}}""");

        Assert.False(ObjectMetadata.SpecChanged(a, b));
    }

    [Fact]
    public void Spec_changed_sees_changed_added_and_removed_top_level_fields()
    {
        var baseline = Obj("""{"metadata":{},"spec":{"n":1}}""");

        Assert.True(ObjectMetadata.SpecChanged(Obj("""{"metadata":{},"spec":{"n":2}}"""), baseline));
        Assert.True(ObjectMetadata.SpecChanged(Obj("""{"metadata":{},"spec":{"n":1},"data":{}}"""), baseline));
        Assert.True(ObjectMetadata.SpecChanged(Obj("""{"metadata":{}}"""), baseline));
        Assert.True(ObjectMetadata.SpecChanged(baseline, Obj("""{"metadata":{}}""")));
        Assert.False(ObjectMetadata.SpecChanged(Obj("""{"spec":{"n":1},"metadata":{"x":1}}"""), baseline));
    }

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();
}
