using System.Text.Json.Nodes;

namespace CustomResources.Core.Definitions;

public enum ResourceScope
{
    Namespaced,
    Cluster,
}

/// <summary>The names a resource type is known by (CRD <c>spec.names</c>).</summary>
public sealed record ResourceNames(
    string Plural,
    string Singular,
    string Kind,
    string ListKind,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories);

/// <summary>An <c>additionalPrinterColumns</c> entry: a column of <c>kubectl get</c> output.</summary>
public sealed record PrinterColumn(string Name, string Type, string? Format, string? Description, int Priority, string JsonPath);

/// <summary>One served or stored version of a resource type.</summary>
public sealed record DefinitionVersion(
    string Name,
    bool Served,
    bool Storage,
    bool Deprecated,
    string? DeprecationWarning,
    JsonObject? Schema,
    IReadOnlyList<PrinterColumn> PrinterColumns,
    bool StatusSubresource)
{
    public IReadOnlyList<string> SelectableFields { get; init; } = [];
}

/// <summary>
/// A resource type the server serves: either a user's CustomResourceDefinition or a built-in
/// (namespaces, the definitions themselves). <see cref="Name"/> is <c>{plural}.{group}</c>.
/// </summary>
public sealed record ResourceDefinition(
    string Group,
    ResourceNames Names,
    ResourceScope Scope,
    IReadOnlyList<DefinitionVersion> Versions)
{
    public string Name => Group.Length == 0 ? Names.Plural : $"{Names.Plural}.{Group}";

    /// <summary>True for types compiled into the server (their rules are code, not a schema).</summary>
    public bool BuiltIn { get; init; }

    /// <summary>The definition object's resourceVersion (for cache keys); empty for built-ins.</summary>
    public string ResourceVersion { get; init; } = "";

    public bool Namespaced => Scope == ResourceScope.Namespaced;

    public DefinitionVersion? ServedVersion(string version) =>
        Versions.FirstOrDefault(v => v.Served && v.Name == version);

    public DefinitionVersion StorageVersion => Versions.First(v => v.Storage);

    /// <summary>Served versions in Kubernetes' priority order (GA > beta > alpha, higher numbers first, others by name).</summary>
    public IReadOnlyList<DefinitionVersion> ServedVersionsByPriority =>
        Versions.Where(v => v.Served).OrderBy(v => v.Name, KubeVersionComparer.Instance).ToList();

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";
}
