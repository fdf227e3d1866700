using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CustomResources.Core.Schema;

/// <summary>
/// One checked node of a structural schema: what defaulting, pruning and the validation schema builder need.
/// Built once by <see cref="SchemaChecker"/>; never changed afterwards, so it is safe to share between threads.
/// </summary>
internal sealed class SchemaNode
{
    /// <summary>The node's path in the definition (for errors about its <c>default</c>).</summary>
    public string SchemaPath { get; init; } = "";

    public string? Type { get; set; }

    public bool Nullable { get; set; }

    public bool PreserveUnknownFields { get; set; }

    public bool IntOrString { get; set; }

    public bool EmbeddedResource { get; set; }

    /// <summary>Declared properties in schema order; null when the node declares none.</summary>
    public Dictionary<string, SchemaNode>? Properties { get; set; }

    /// <summary>The schema of values under keys not in <see cref="Properties"/> (a map).</summary>
    public SchemaNode? AdditionalProperties { get; set; }

    /// <summary><c>additionalProperties: true</c>: any key, any value.</summary>
    public bool AdditionalPropertiesAny { get; set; }

    public SchemaNode? Items { get; set; }

    public bool HasDefault { get; set; }

    public JsonNode? Default { get; set; }

    public List<string> Required { get; } = [];

    public List<JsonNode?>? Enum { get; set; }

    public string? PatternText { get; set; }

    public Regex? Pattern { get; set; }

    public decimal? Minimum { get; set; }

    public decimal? Maximum { get; set; }

    public bool ExclusiveMinimum { get; set; }

    public bool ExclusiveMaximum { get; set; }

    public decimal? MultipleOf { get; set; }

    public int? MinLength { get; set; }

    public int? MaxLength { get; set; }

    public int? MinItems { get; set; }

    public int? MaxItems { get; set; }

    public int? MinProperties { get; set; }

    public int? MaxProperties { get; set; }

    public bool UniqueItems { get; set; }

    public string? Format { get; set; }

    public List<SchemaNode> AllOf { get; } = [];

    public List<SchemaNode> AnyOf { get; } = [];

    public List<SchemaNode> OneOf { get; } = [];

    public SchemaNode? Not { get; set; }

    /// <summary>Whether unknown keys of an object value are kept (not pruned).</summary>
    public bool KeepsUnknownFields => PreserveUnknownFields || AdditionalPropertiesAny;
}
