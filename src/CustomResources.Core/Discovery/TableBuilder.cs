using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Discovery;

/// <summary>Builds <c>meta.k8s.io/v1</c> Tables for <c>kubectl get</c>.</summary>
/// <remarks>
/// Columns follow kube-apiserver: custom resources get NAME plus the version's printer columns, or NAME and
/// AGE when the version declares none; namespaces get NAME, STATUS, AGE; definitions get NAME, CREATED AT.
/// </remarks>
public static class TableBuilder
{
    /// <summary>The <c>includeObject</c> values Kubernetes accepts.</summary>
    public const string IncludeNone = "None";

    public const string IncludeMetadata = "Metadata";

    public const string IncludeObject = "Object";

    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    private const string CreationTimestampDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    /// <summary>
    /// A Table with NAME, the definition's printer columns and AGE (ages relative to <paramref name="now"/>).
    /// <paramref name="includeObject"/> is None, Metadata (default) or Object.
    /// </summary>
    public static JsonObject Build(ResourceDefinition definition, DefinitionVersion version, IReadOnlyList<JsonObject> objects, string resourceVersion, string? continueToken, DateTimeOffset now, string includeObject)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(objects);

        var columns = Columns(definition, version);
        var columnDefinitions = new JsonArray();
        foreach (var column in columns)
        {
            columnDefinitions.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format ?? "",
                ["description"] = column.Description ?? "",
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray();
            foreach (var column in columns)
            {
                cells.Add(column.Cell(obj, now));
            }

            var row = new JsonObject { ["cells"] = cells };
            var rowObject = RowObject(obj, includeObject);
            if (rowObject is not null)
            {
                row["object"] = rowObject;
            }

            rows.Add(row);
        }

        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion))
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            metadata["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = columnDefinitions,
            ["rows"] = rows,
        };
    }

    private sealed record Column(string Name, string Type, string? Format, string? Description, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell);

    private static List<Column> Columns(ResourceDefinition definition, DefinitionVersion version)
    {
        var name = new Column("Name", "string", "name", NameDescription, 0, (obj, _) => JsonValue.Create(MetadataString(obj, "name") ?? ""));
        if (DiscoveryModel.IsNamespaces(definition))
        {
            return
            [
                name,
                new Column("Status", "string", "", "The status of the namespace", 0, (obj, _) => JsonValue.Create(StatusPhase(obj))),
                new Column("Age", "string", "", CreationTimestampDescription, 0, (obj, now) => JsonValue.Create(Age(MetadataString(obj, "creationTimestamp"), now))),
            ];
        }

        if (DiscoveryModel.IsCustomResourceDefinitions(definition))
        {
            return
            [
                name,
                new Column("Created At", "date", "", CreationTimestampDescription, 0, (obj, _) => JsonValue.Create(CreatedAt(MetadataString(obj, "creationTimestamp")))),
            ];
        }

        var printerColumns = version.PrinterColumns.Count > 0
            ? version.PrinterColumns
            : [new PrinterColumn("Age", "date", null, CreationTimestampDescription, 0, ".metadata.creationTimestamp")];
        var columns = new List<Column> { name };
        foreach (var column in printerColumns)
        {
            var printer = column;
            columns.Add(new Column(printer.Name, printer.Type, printer.Format, printer.Description, printer.Priority, (obj, now) => PrinterCell(printer, obj, now)));
        }

        return columns;
    }

    /// <summary>A printer column's cell: null when the path selects nothing or the value does not fit the column type.</summary>
    internal static JsonNode? PrinterCell(PrinterColumn column, JsonObject obj, DateTimeOffset now)
    {
        var results = JsonPathEvaluator.Evaluate(obj, column.JsonPath);
        if (results.Count == 0)
        {
            return null;
        }

        var first = results[0];
        switch (column.Type)
        {
            case "string":
                return JsonValue.Create(string.Join(",", results.Select(Text)));
            case "integer" when first.GetValueKind() == JsonValueKind.Number:
                var number = first.ToJsonString();
                return long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)
                    ? JsonValue.Create(whole)
                    : JsonValue.Create((long)double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture));
            case "number" when first.GetValueKind() == JsonValueKind.Number:
                var text = first.ToJsonString();
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integral)
                    ? JsonValue.Create(integral)
                    : JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case "boolean" when first.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return JsonValue.Create(first.GetValue<bool>());
            case "date" when first.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(Age(first.GetValue<string>(), now));
            default:
                return null;
        }
    }

    private static string Text(JsonNode node) => node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();

    private static string Age(string? timestamp, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestamp))
        {
            return "<unknown>";
        }

        return HumanDuration.TryParseTimestamp(timestamp, out var created) ? HumanDuration.Format(now - created) : "<invalid>";
    }

    private static string CreatedAt(string? timestamp)
    {
        var created = HumanDuration.TryParseTimestamp(timestamp, out var parsed) ? parsed : DateTimeOffset.MinValue;
        return created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static string StatusPhase(JsonObject obj) =>
        obj["status"] is JsonObject status && status["phase"] is JsonValue phase && phase.TryGetValue<string>(out var text) ? text : "";

    private static string? MetadataString(JsonObject obj, string field) =>
        obj["metadata"] is JsonObject metadata && metadata[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonObject? RowObject(JsonObject obj, string includeObject)
    {
        if (string.Equals(includeObject, IncludeNone, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (string.Equals(includeObject, IncludeObject, StringComparison.OrdinalIgnoreCase))
        {
            return (JsonObject)obj.DeepClone();
        }

        // PartialObjectMetadata: the object's metadata without the (bulky) managed fields.
        var metadata = obj["metadata"] is JsonObject source ? (JsonObject)source.DeepClone() : [];
        metadata.Remove("managedFields");
        return new JsonObject
        {
            ["kind"] = "PartialObjectMetadata",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
        };
    }
}
