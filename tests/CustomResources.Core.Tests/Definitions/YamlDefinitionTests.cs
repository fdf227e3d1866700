using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Definitions;

/// <summary>Definitions and objects read from YAML hold numbers as long/double nodes, not JsonElements.</summary>
public sealed class YamlDefinitionTests
{
    private const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: pumps.yaml.example.com
        spec:
          group: yaml.example.com
          scope: Namespaced
          names: {plural: pumps, kind: Pump}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        replicas: {type: integer, minimum: 1, maximum: 10, default: 2}
                        ratio: {type: number, multipleOf: 0.5, maximum: 2.5}
                        name: {type: string, minLength: 2, maxLength: 5}
              additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas, priority: 1}
        """;

    [Fact]
    public void Numeric_keywords_from_yaml_compile()
    {
        var parsed = DefinitionParser.Parse(Documents.ParseYaml(Crd)!.AsObject());
        Assert.Empty(parsed.Errors);
        Assert.Equal(1, parsed.Definition!.Versions[0].PrinterColumns[0].Priority);
    }

    [Fact]
    public void Yaml_and_json_forms_of_a_definition_parse_the_same()
    {
        var fromYaml = Documents.ParseYaml(Crd)!.AsObject();
        var fromJson = JsonNode.Parse(fromYaml.ToJsonString())!.AsObject();
        Assert.Empty(DefinitionParser.Parse(fromJson).Errors);
        Assert.Empty(DefinitionParser.Parse(fromYaml).Errors);
        Assert.Equal(DefinitionParser.Parse(fromJson).Definition!.Versions[0].PrinterColumns, DefinitionParser.Parse(fromYaml).Definition!.Versions[0].PrinterColumns);
    }

    [Fact]
    public void A_bound_too_large_for_a_decimal_is_still_refused_from_yaml()
    {
        var yaml = Crd.Replace("maximum: 10,", "maximum: 100000000000000000000000000000000,", StringComparison.Ordinal);
        var errors = DefinitionParser.Parse(Documents.ParseYaml(yaml)!.AsObject()).Errors;
        Assert.Contains(errors, e => e.Field.EndsWith("properties[replicas].maximum", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("replicas: 0", "spec.replicas")]
    [InlineData("replicas: 11", "spec.replicas")]
    [InlineData("ratio: 0.7", "spec.ratio")]
    [InlineData("ratio: 3", "spec.ratio")]
    [InlineData("name: x", "spec.name")]
    public void Yaml_objects_are_validated_against_numeric_limits(string field, string path)
    {
        var schema = DefinitionParser.Parse(Documents.ParseYaml(Crd)!.AsObject()).Schemas["v1"];
        var obj = Documents.ParseYaml($"apiVersion: yaml.example.com/v1\nkind: Pump\nmetadata: {{name: p}}\nspec:\n  {field}\n")!.AsObject();
        Assert.Contains(schema.Validate(obj), e => e.Field == path);
    }

    [Fact]
    public void Yaml_object_within_limits_is_valid_and_defaulted()
    {
        var schema = DefinitionParser.Parse(Documents.ParseYaml(Crd)!.AsObject()).Schemas["v1"];
        var obj = Documents.ParseYaml("apiVersion: yaml.example.com/v1\nkind: Pump\nmetadata: {name: p}\nspec:\n  ratio: 1.5\n  name: abc\n")!.AsObject();
        schema.ApplyDefaults(obj);
        Assert.Empty(schema.Validate(obj));
        Assert.Equal(2, obj["spec"]!["replicas"]!.GetValue<long>());
    }

    [Fact]
    public void Generation_is_read_from_a_long_node()
    {
        Assert.True(JsonNumbers.TryGetInteger(JsonValue.Create(7L), out var generation));
        Assert.Equal(7, generation);
        Assert.True(JsonNumbers.TryGetDecimal(JsonValue.Create(2.5d), out var ratio));
        Assert.Equal(2.5m, ratio);
    }
}
