using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;

namespace CustomResources.Core.Discovery;

/// <summary>
/// The documents kubectl reads to find resources: <c>/version</c>, aggregated and legacy discovery.
/// Every method takes the full set of served definitions (built-ins included).
/// </summary>
public static class DiscoveryDocuments
{
    /// <summary>Aggregated discovery content type kubectl requires (v2).</summary>
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static JsonObject Version() => throw new NotImplementedException();

    /// <summary><c>GET /api</c> aggregated: one item for the core group (name "").</summary>
    public static JsonObject AggregatedCore(IReadOnlyList<ResourceDefinition> definitions) => throw new NotImplementedException();

    /// <summary><c>GET /apis</c> aggregated: one item per named group.</summary>
    public static JsonObject AggregatedGroups(IReadOnlyList<ResourceDefinition> definitions) => throw new NotImplementedException();

    /// <summary><c>GET /api</c> legacy (<c>APIVersions</c>).</summary>
    public static JsonObject LegacyCoreVersions(string serverAddress) => throw new NotImplementedException();

    /// <summary><c>GET /apis</c> legacy (<c>APIGroupList</c>).</summary>
    public static JsonObject LegacyGroupList(IReadOnlyList<ResourceDefinition> definitions) => throw new NotImplementedException();

    /// <summary><c>GET /apis/{group}</c> (<c>APIGroup</c>), or null when no served version exists.</summary>
    public static JsonObject? LegacyGroup(IReadOnlyList<ResourceDefinition> definitions, string group) => throw new NotImplementedException();

    /// <summary><c>GET /apis/{group}/{version}</c> or <c>/api/v1</c> (group "") (<c>APIResourceList</c>), or null.</summary>
    public static JsonObject? ResourceList(IReadOnlyList<ResourceDefinition> definitions, string group, string version) => throw new NotImplementedException();
}

/// <summary>OpenAPI v3 documents generated from the definitions (kubectl apply validation and explain).</summary>
public static class OpenApiDocuments
{
    /// <summary><c>GET /openapi/v3</c>: the index of group-version documents.</summary>
    public static JsonObject Index(IReadOnlyList<ResourceDefinition> definitions) => throw new NotImplementedException();

    /// <summary><c>GET /openapi/v3/apis/{group}/{version}</c> (or <c>api/v1</c> for group ""), or null when not served.</summary>
    public static JsonObject? GroupVersion(IReadOnlyList<ResourceDefinition> definitions, string group, string version) => throw new NotImplementedException();
}

/// <summary>Builds <c>meta.k8s.io/v1</c> Tables for <c>kubectl get</c>.</summary>
public static class TableBuilder
{
    /// <summary>
    /// A Table with NAME, the definition's printer columns and AGE (ages relative to <paramref name="now"/>).
    /// <paramref name="includeObject"/> is None, Metadata (default) or Object.
    /// </summary>
    public static JsonObject Build(ResourceDefinition definition, DefinitionVersion version, IReadOnlyList<JsonObject> objects, string resourceVersion, string? continueToken, DateTimeOffset now, string includeObject) =>
        throw new NotImplementedException();
}
