using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Serialization;

namespace CustomResources.Benchmarks;

/// <summary>Reading a CRD: YAML to JSON nodes, then the definition rules and schema compile.</summary>
public class DefinitionBenchmarks
{
    private JsonObject crd = null!;
    private byte[] storedCrdJson = null!;

    [GlobalSetup]
    public void Setup()
    {
        crd = Fixtures.Crd();
        var parsed = DefinitionParser.Parse(crd);
        if (parsed.Definition is null)
        {
            throw new InvalidOperationException($"the CronTab CRD does not parse: {string.Join("; ", parsed.Errors)}");
        }

        storedCrdJson = Encoding.UTF8.GetBytes(crd.ToJsonString());
    }

    [Benchmark(Description = "Parse CRD YAML")]
    public JsonNode? ParseYaml() => Documents.ParseYaml(Fixtures.CrdYaml);

    [Benchmark(Description = "Parse CRD JSON (as stored)")]
    public JsonNode? ParseStoredJson() => JsonNode.Parse(storedCrdJson);

    [Benchmark(Description = "DefinitionParser.Parse (rules + compile)")]
    public ResourceDefinition? ParseDefinition() => DefinitionParser.Parse(crd).Definition;
}
