using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Discovery;

/// <summary>One served resource in one group-version, the unit every discovery and OpenAPI document is built from.</summary>
internal sealed record ServedResource(ResourceDefinition Definition, DefinitionVersion Version)
{
    public string Group => Definition.Group;

    public string Plural => Definition.Names.Plural;

    public string Kind => Definition.Names.Kind;

    public JsonObject GroupVersionKind(string kind) => DiscoveryModel.Gvk(Group, Version.Name, kind);
}

/// <summary>Groups served definitions by API group and version in Kubernetes order.</summary>
internal static class DiscoveryModel
{
    public static readonly string[] StatusVerbs = ["get", "patch", "update"];

    public static bool IsNamespaces(ResourceDefinition definition) =>
        definition.BuiltIn && definition.Group.Length == 0 && definition.Names.Plural == "namespaces";

    public static bool IsCustomResourceDefinitions(ResourceDefinition definition) =>
        definition.BuiltIn && definition.Group == BuiltInDefinitions.ApiExtensionsGroup && definition.Names.Plural == "customresourcedefinitions";

    /// <summary>The verbs a resource supports, alphabetically (aggregated discovery order).</summary>
    public static IReadOnlyList<string> Verbs(ResourceDefinition definition) =>
        IsNamespaces(definition)
            ? ["create", "delete", "get", "list", "patch", "update", "watch"]
            : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The verbs in the order kube-apiserver lists them in legacy <c>APIResourceList</c>s.</summary>
    public static IReadOnlyList<string> LegacyVerbs(ResourceDefinition definition) =>
        IsNamespaces(definition)
            ? ["create", "delete", "get", "list", "patch", "update", "watch"]
            : ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];

    /// <summary>Served versions of <paramref name="group"/> across all its definitions, highest priority first.</summary>
    public static IReadOnlyList<string> ServedVersions(IEnumerable<ResourceDefinition> definitions, string group) =>
        definitions
            .Where(d => d.Group == group)
            .SelectMany(d => d.Versions.Where(v => v.Served).Select(v => v.Name))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(v => v, KubeVersionComparer.Instance)
            .ToList();

    /// <summary>Named groups with at least one served version: built-in groups first, then the rest by name.</summary>
    public static IReadOnlyList<string> NamedGroups(IEnumerable<ResourceDefinition> definitions)
    {
        var list = definitions.ToList();
        return list
            .Where(d => d.Group.Length > 0 && d.Versions.Any(v => v.Served))
            .GroupBy(d => d.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Any(d => d.BuiltIn) ? 0 : 1)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .ToList();
    }

    /// <summary>The resources served in group-version <paramref name="group"/>/<paramref name="version"/>, by plural name.</summary>
    public static IReadOnlyList<ServedResource> Resources(IEnumerable<ResourceDefinition> definitions, string group, string version) =>
        definitions
            .Where(d => d.Group == group)
            .Select(d => (Definition: d, Version: d.ServedVersion(version)))
            .Where(p => p.Version is not null)
            .Select(p => new ServedResource(p.Definition, p.Version!))
            .OrderBy(r => r.Plural, StringComparer.Ordinal)
            .ToList();

    public static string GroupVersion(string group, string version) => group.Length == 0 ? version : $"{group}/{version}";

    public static JsonObject Gvk(string group, string version, string kind) => new()
    {
        ["group"] = group,
        ["version"] = version,
        ["kind"] = kind,
    };

    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
