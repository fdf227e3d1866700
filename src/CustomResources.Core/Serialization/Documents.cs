using System.Text.Json.Nodes;

namespace CustomResources.Core.Serialization;

/// <summary>Reads and writes request and response bodies as JSON or YAML.</summary>
public static class Documents
{
    /// <summary>Parses JSON; throws <see cref="DocumentFormatException"/> naming line and position.</summary>
    public static JsonNode? ParseJson(ReadOnlySpan<byte> utf8) => JsonDocumentReader.Parse(utf8);

    /// <summary>Parses one YAML document into JSON nodes (YAML 1.2 core schema scalars); throws <see cref="DocumentFormatException"/>.</summary>
    public static JsonNode? ParseYaml(string yaml) => YamlDocumentReader.Parse(yaml);

    /// <summary>Writes a JSON node as a YAML document (block style, strings quoted where needed).</summary>
    public static string WriteYaml(JsonNode? node) => YamlDocumentWriter.Write(node);
}
