using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using CustomResources.Core.Serialization;

namespace CustomResources.Benchmarks;

/// <summary>The schema engine on the CronTab definition: compile once per definition, prune/default/validate per write.</summary>
public class SchemaBenchmarks
{
    private JsonObject openApiSchema = null!;
    private CompiledSchema schema = null!;
    private JsonObject validObject = null!;
    private JsonObject invalidObject = null!;

    [GlobalSetup]
    public void Setup()
    {
        openApiSchema = Fixtures.OpenApiV3Schema();
        var compiled = SchemaCompiler.Compile(openApiSchema, Fixtures.SchemaPath);
        schema = compiled.Schema
            ?? throw new InvalidOperationException($"the CronTab schema does not compile: {string.Join("; ", compiled.Errors)}");

        validObject = Fixtures.Parse(Fixtures.ValidBody);
        schema.ApplyDefaults(validObject);
        Expect(schema.Validate(validObject), 0);

        invalidObject = Fixtures.Parse(Fixtures.InvalidBody);
        schema.ApplyDefaults(invalidObject);
        Expect(schema.Validate(invalidObject), 3);

        var pruned = Fixtures.Parse(Fixtures.BodyWithUnknownFields);
        if (schema.Prune(pruned).Count != 2)
        {
            throw new InvalidOperationException("expected two pruned fields");
        }
    }

    [Benchmark(Description = "Compile CronTab schema")]
    public CompiledSchema? Compile() => SchemaCompiler.Compile(openApiSchema, Fixtures.SchemaPath).Schema;

    [Benchmark(Description = "Validate valid CronTab")]
    public int ValidateValid() => schema.Validate(validObject).Count;

    [Benchmark(Description = "Validate invalid CronTab (3 errors)")]
    public int ValidateInvalid() => schema.Validate(invalidObject).Count;

    /// <summary>The baseline for the next benchmark: parsing the request body alone.</summary>
    [Benchmark(Description = "Parse body JSON (baseline)")]
    public JsonNode? ParseBody() => Documents.ParseJson(Fixtures.ValidBody);

    /// <summary>What the write pipeline does with a fresh body: prune, default, validate (parse included).</summary>
    [Benchmark(Description = "Parse + prune + default + validate")]
    public int PruneDefaultValidate()
    {
        var obj = (JsonObject)Documents.ParseJson(Fixtures.BodyWithUnknownFields)!;
        var pruned = schema.Prune(obj).Count;
        schema.ApplyDefaults(obj);
        return pruned + schema.Validate(obj).Count;
    }

    private static void Expect(IReadOnlyList<FieldError> errors, int count)
    {
        if (errors.Count != count)
        {
            throw new InvalidOperationException($"expected {count} errors, got {errors.Count}: {string.Join("; ", errors.Select(e => e.ToString()))}");
        }
    }
}
