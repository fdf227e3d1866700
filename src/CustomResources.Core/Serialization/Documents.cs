using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>Reads and writes request and response bodies as JSON or YAML.</summary>
public static class Documents
{
    /// <summary>Parses JSON; throws <see cref="DocumentFormatException"/> naming line and position.</summary>
    public static JsonNode? ParseJson(ReadOnlySpan<byte> utf8) => throw new NotImplementedException();

    /// <summary>Parses one YAML document into JSON nodes (YAML 1.2 core schema scalars); throws <see cref="DocumentFormatException"/>.</summary>
    public static JsonNode? ParseYaml(string yaml) => throw new NotImplementedException();

    /// <summary>Writes a JSON node as a YAML document (block style, strings quoted where needed).</summary>
    public static string WriteYaml(JsonNode? node) => throw new NotImplementedException();
}

/// <summary>RFC 7386 JSON merge patch.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => throw new NotImplementedException();
}

/// <summary>RFC 6902 JSON patch.</summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in <paramref name="operations"/> (a JSON array) to a copy of <paramref name="document"/>.</summary>
    public static JsonNode? Apply(JsonNode? document, JsonNode? operations) => throw new NotImplementedException();
}
