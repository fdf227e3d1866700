using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Benchmarks;

/// <summary>The CronTab definition from samples/ and typical request bodies for it.</summary>
internal static class Fixtures
{
    public const string SchemaPath = "spec.versions[0].schema.openAPIV3Schema";

    /// <summary>samples/crontab-crd.yaml (embedded at build time).</summary>
    public static readonly string CrdYaml = ReadResource("crontab-crd.yaml");

    /// <summary>A typical create body: valid, with no replicas (so the default applies).</summary>
    public static readonly byte[] ValidBody = Encoding.UTF8.GetBytes("""
        {"apiVersion":"stable.example.com/v1","kind":"CronTab",
         "metadata":{"name":"nightly","namespace":"default","labels":{"app":"backup","tier":"ops"}},
         "spec":{"cronSpec":"0 3 * * *","image":"registry.example.com/backup:1.2.3"}}
        """);

    /// <summary>Three problems: cronSpec does not match the pattern, image is missing, replicas is above the maximum.</summary>
    public static readonly byte[] InvalidBody = Encoding.UTF8.GetBytes("""
        {"apiVersion":"stable.example.com/v1","kind":"CronTab",
         "metadata":{"name":"broken","namespace":"default"},
         "spec":{"cronSpec":"every night","replicas":20}}
        """);

    /// <summary>A valid body with two unknown fields that pruning removes.</summary>
    public static readonly byte[] BodyWithUnknownFields = Encoding.UTF8.GetBytes("""
        {"apiVersion":"stable.example.com/v1","kind":"CronTab",
         "metadata":{"name":"nightly","namespace":"default"},
         "spec":{"cronSpec":"0 3 * * *","image":"backup:1","color":"blue"},"extra":true}
        """);

    public static JsonObject Crd() => (JsonObject)Documents.ParseYaml(CrdYaml)!;

    public static JsonObject OpenApiV3Schema() =>
        (JsonObject)Crd()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    public static JsonObject Parse(byte[] json) => (JsonObject)Documents.ParseJson(json)!;

    private static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
