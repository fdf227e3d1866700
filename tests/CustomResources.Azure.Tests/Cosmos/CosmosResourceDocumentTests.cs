using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Tests.Cosmos;

public sealed class CosmosResourceDocumentTests
{
    private static readonly ObjectKey Key = new("example.com", "widgets", "default", "alpha");
    private static readonly DateTimeOffset When = new(2026, 11, 30, 10, 0, 0, 123, TimeSpan.Zero);

    private static JsonObject Stored(long writes, bool deleted, string etag = "\"0000d1a2-0000-0d00-0000-65f1b7b90000\"")
    {
        var document = CosmosResourceDocument.Create(Key, Widget(), writes, deleted, When, deleted ? 60 : null);
        document[CosmosResourceDocument.ETag] = etag;
        return document;
    }

    private static JsonObject Widget() => new()
    {
        ["apiVersion"] = "example.com/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = "alpha", ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["size"] = 3 },
    };

    [Fact]
    public void Create_lays_out_the_document()
    {
        var document = CosmosResourceDocument.Create(Key, Widget(), 1, deleted: false, When, null);

        Assert.Equal("alpha", document["id"]!.GetValue<string>());
        Assert.Equal("example.com/widgets/default", document["partitionKey"]!.GetValue<string>());
        Assert.Equal("2026-11-30T10:00:00.123Z", document["committed"]!.GetValue<string>());
        Assert.False(document["deleted"]!.GetValue<bool>());
        Assert.False(document.ContainsKey("ttl"));
        Assert.Equal(60, CosmosResourceDocument.Create(Key, Widget(), 2, deleted: true, When, 60)["ttl"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(1, false, ChangeType.Added)]
    [InlineData(2, false, ChangeType.Modified)]
    [InlineData(7, false, ChangeType.Modified)]
    [InlineData(3, true, ChangeType.Deleted)]
    [InlineData(1, true, ChangeType.Deleted)]
    public void ToChange_maps_writes_and_tombstones_to_change_types(long writes, bool deleted, ChangeType expected)
    {
        var change = CosmosResourceDocument.ToChange(Stored(writes, deleted));

        Assert.Equal(expected, change.Type);
        Assert.Equal(Key, change.Key);
        Assert.Equal(When, change.Committed);
        Assert.Null(change.Previous);
        Assert.Equal("0000d1a2-0000-0d00-0000-65f1b7b90000", change.Object.ResourceVersion);
        Assert.Equal("0000d1a2-0000-0d00-0000-65f1b7b90000", change.Object.Object["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(3, change.Object.Object["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public void ToChange_accepts_the_unquoted_etags_of_the_stand_in_and_does_not_touch_the_document()
    {
        var document = Stored(1, false, etag: "d37dfd33-c091-4d5d-944d-fbf3abdb4e3e");

        var change = CosmosResourceDocument.ToChange(document);

        Assert.Equal("d37dfd33-c091-4d5d-944d-fbf3abdb4e3e", change.Object.ResourceVersion);
        Assert.Null(document["object"]!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public void ToChange_adds_metadata_when_the_object_has_none()
    {
        var document = Stored(1, false);
        ((JsonObject)document["object"]!).Remove("metadata");

        var change = CosmosResourceDocument.ToChange(document);

        Assert.Equal(change.Object.ResourceVersion, change.Object.Object["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("resource", null, "'resource'")]
    [InlineData("resource", "", "'resource'")]
    [InlineData("name", null, "'name'")]
    [InlineData("namespace", null, "'namespace'")]
    [InlineData("group", null, "'group'")]
    [InlineData("_etag", null, "'_etag'")]
    [InlineData("object", null, "'object'")]
    [InlineData("object", "text", "'object'")]
    [InlineData("writes", null, "'writes'")]
    [InlineData("writes", "two", "'writes'")]
    [InlineData("committed", null, "'committed'")]
    [InlineData("committed", "yesterday", "'committed'")]
    public void A_malformed_document_throws_a_format_exception_naming_the_field(string field, string? value, string named)
    {
        var document = Stored(2, false);
        if (value is null)
        {
            document.Remove(field);
        }
        else
        {
            document[field] = value;
        }

        var error = Assert.Throws<FormatException>(() => CosmosResourceDocument.ToChange(document));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Etags_and_versions_convert_both_ways()
    {
        Assert.Equal("abc", CosmosResourceDocument.ResourceVersionOf("\"abc\""));
        Assert.Equal("abc", CosmosResourceDocument.ResourceVersionOf("abc"));
        Assert.Equal("\"abc\"", CosmosResourceDocument.ETagOf("abc"));
    }
}
