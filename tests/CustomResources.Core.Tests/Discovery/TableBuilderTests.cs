using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Discovery;
using static CustomResources.Core.Tests.Discovery.DiscoveryFixtures;

namespace CustomResources.Core.Tests.Discovery;

public class TableBuilderTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject CronTabObject(string name = "my-cron", string created = "2025-01-01T11:54:30Z") => (JsonObject)JsonNode.Parse($$"""
        {
          "apiVersion": "stable.example.com/v1",
          "kind": "CronTab",
          "metadata": {
            "name": "{{name}}",
            "namespace": "default",
            "uid": "u-1",
            "resourceVersion": "42",
            "creationTimestamp": "{{created}}",
            "labels": { "app": "web", "app.kubernetes.io/name": "cron" },
            "annotations": { "note": "x" },
            "managedFields": [ { "manager": "kubectl" } ]
          },
          "spec": {
            "cronSpec": "* * * * */5",
            "replicas": 3,
            "ratio": 0.5,
            "suspend": false,
            "items": [ { "name": "a" }, { "name": "b" } ]
          },
          "status": { "conditions": [ { "type": "Ready", "status": "True" } ], "lastRun": "2025-01-01T10:00:00Z" }
        }
        """)!;

    private static JsonObject Build(ResourceDefinition definition, IReadOnlyList<JsonObject> objects, string includeObject = "Metadata", string? continueToken = null) =>
        TableBuilder.Build(definition, definition.StorageVersion, objects, "100", continueToken, Now, includeObject);

    private static List<string> ColumnNames(JsonObject table) =>
        table["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!).ToList();

    private static JsonArray Cells(JsonObject table, int row = 0) => table["rows"]![row]!["cells"]!.AsArray();

    [Fact]
    public void Crd_without_printer_columns_shows_name_and_age()
    {
        var table = Build(CronTab(), [CronTabObject()]);

        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal(["Name", "Age"], ColumnNames(table));
        var name = table["columnDefinitions"]![0]!;
        Assert.Equal("string", (string?)name["type"]);
        Assert.Equal("name", (string?)name["format"]);
        Assert.Equal("date", (string?)table["columnDefinitions"]![1]!["type"]);
        Assert.Equal(["my-cron", "5m30s"], Cells(table).Select(c => (string)c!));
    }

    [Fact]
    public void Crd_with_printer_columns_shows_name_and_exactly_those_columns()
    {
        PrinterColumn[] columns =
        [
            new("Spec", "string", null, "The cron spec", 0, ".spec.cronSpec"),
            new("Replicas", "integer", "int32", null, 1, ".spec.replicas"),
            new("Age", "date", null, null, 0, ".metadata.creationTimestamp"),
        ];

        var table = Build(CronTab(columns), [CronTabObject()]);

        Assert.Equal(["Name", "Spec", "Replicas", "Age"], ColumnNames(table));
        var replicas = table["columnDefinitions"]![2]!;
        Assert.Equal("integer", (string?)replicas["type"]);
        Assert.Equal("int32", (string?)replicas["format"]);
        Assert.Equal(1, (int)replicas["priority"]!);
        Assert.Equal("The cron spec", (string?)table["columnDefinitions"]![1]!["description"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["my-cron","* * * * */5",3,"5m30s"]"""), Cells(table)));
    }

    [Fact]
    public void Printer_cells_follow_the_column_type()
    {
        PrinterColumn[] columns =
        [
            new("Ratio", "number", null, null, 0, ".spec.ratio"),
            new("Suspended", "boolean", null, null, 0, ".spec.suspend"),
            new("ReplicasText", "string", null, null, 0, ".spec.replicas"),
            new("LastRun", "date", null, null, 0, ".status.lastRun"),
            new("WrongType", "integer", null, null, 0, ".spec.cronSpec"),
            new("Missing", "string", null, null, 0, ".spec.nothing"),
        ];

        var table = Build(CronTab(columns), [CronTabObject()]);

        Assert.Equal("""["my-cron",0.5,false,"3","120m",null,null]""", Cells(table).ToJsonString());
    }

    [Fact]
    public void Printer_cells_evaluate_the_json_path_subset()
    {
        PrinterColumn[] columns =
        [
            new("App", "string", null, null, 0, ".metadata.labels.app"),
            new("Ready", "string", null, null, 0, ".status.conditions[0].type"),
            new("Items", "string", null, null, 0, ".spec.items[*].name"),
            new("Name", "string", null, null, 0, ".metadata.labels['app.kubernetes.io/name']"),
            new("Last", "string", null, null, 0, "{.spec.items[-1].name}"),
        ];

        var table = Build(CronTab(columns), [CronTabObject()]);

        Assert.Equal(["my-cron", "web", "Ready", "a,b", "cron", "b"], Cells(table).Select(c => (string)c!));
    }

    [Fact]
    public void Namespaces_show_name_status_and_age()
    {
        var ns = (JsonObject)JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","creationTimestamp":"2024-12-30T12:00:00Z"},"status":{"phase":"Active"}}
            """)!;

        var table = Build(BuiltInDefinitions.Namespaces, [ns]);

        Assert.Equal(["Name", "Status", "Age"], ColumnNames(table));
        Assert.Equal(["team-a", "Active", "2d"], Cells(table).Select(c => (string)c!));
    }

    [Fact]
    public void Custom_resource_definitions_show_name_and_created_at()
    {
        var crd = (JsonObject)JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"crontabs.stable.example.com","creationTimestamp":"2024-06-01T08:09:10.123456Z"}}
            """)!;

        var table = Build(BuiltInDefinitions.CustomResourceDefinitions, [crd]);

        Assert.Equal(["Name", "Created At"], ColumnNames(table));
        Assert.Equal(["crontabs.stable.example.com", "2024-06-01T08:09:10Z"], Cells(table).Select(c => (string)c!));
    }

    [Fact]
    public void Metadata_mode_returns_partial_object_metadata_without_managed_fields()
    {
        var table = Build(CronTab(), [CronTabObject()]);

        var obj = table["rows"]![0]!["object"]!;
        Assert.Equal("PartialObjectMetadata", (string?)obj["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)obj["apiVersion"]);
        var metadata = obj["metadata"]!;
        Assert.Equal("my-cron", (string?)metadata["name"]);
        Assert.Equal("default", (string?)metadata["namespace"]);
        Assert.Equal("u-1", (string?)metadata["uid"]);
        Assert.Equal("42", (string?)metadata["resourceVersion"]);
        Assert.Equal("web", (string?)metadata["labels"]!["app"]);
        Assert.Equal("x", (string?)metadata["annotations"]!["note"]);
        Assert.Null(metadata["managedFields"]);
        Assert.Null(obj["spec"]);
    }

    [Fact]
    public void Object_mode_returns_the_full_object_and_none_mode_omits_it()
    {
        var source = CronTabObject();

        var full = Build(CronTab(), [source], "Object")["rows"]![0]!["object"]!;
        var none = Build(CronTab(), [source], "None")["rows"]![0]!.AsObject();

        Assert.True(JsonNode.DeepEquals(source, full));
        Assert.NotSame(source, full);
        Assert.False(none.ContainsKey("object"));
    }

    [Fact]
    public void Table_metadata_carries_resource_version_and_continue_only_when_given()
    {
        var paged = Build(CronTab(), [CronTabObject()], continueToken: "next");
        var last = Build(CronTab(), []);

        Assert.Equal("100", (string?)paged["metadata"]!["resourceVersion"]);
        Assert.Equal("next", (string?)paged["metadata"]!["continue"]);
        Assert.False(last["metadata"]!.AsObject().ContainsKey("continue"));
        Assert.Empty(last["rows"]!.AsArray());
    }

    [Fact]
    public void Rows_follow_the_order_of_the_objects()
    {
        var table = Build(CronTab(), [CronTabObject("b", "2025-01-01T11:59:51Z"), CronTabObject("a", "2024-12-01T12:00:00Z")]);

        Assert.Equal(["b", "9s"], Cells(table, 0).Select(c => (string)c!));
        Assert.Equal(["a", "31d"], Cells(table, 1).Select(c => (string)c!));
    }

    [Fact]
    public void Missing_or_invalid_creation_timestamps_are_marked()
    {
        var missing = (JsonObject)JsonNode.Parse("""{"metadata":{"name":"x"}}""")!;
        var invalid = (JsonObject)JsonNode.Parse("""{"metadata":{"name":"y","creationTimestamp":"yesterday"}}""")!;

        var table = Build(BuiltInDefinitions.Namespaces, [missing, invalid]);

        Assert.Equal("<unknown>", (string?)Cells(table, 0)[2]);
        Assert.Equal("<invalid>", (string?)Cells(table, 1)[2]);
    }
}
