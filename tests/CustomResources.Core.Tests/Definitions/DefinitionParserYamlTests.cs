using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Definitions;

/// <summary>The YAML reader backs integers with long values (parsed JSON uses JsonElement); both must parse alike.</summary>
public class DefinitionParserYamlTests
{
    private const string Yaml = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          scope: Namespaced
          names: {plural: crontabs, singular: crontab, kind: CronTab}
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
                        replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
                        ratio: {type: number, minimum: 0.5, maximum: 2}
              additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas, priority: 1}
        """;

    [Fact]
    public void Integer_bounds_and_priority_from_yaml_are_accepted()
    {
        var parsed = DefinitionParser.Parse((JsonObject)Documents.ParseYaml(Yaml)!);

        Assert.Empty(parsed.Errors);
        Assert.Equal(1, parsed.Definition!.Versions[0].PrinterColumns[0].Priority);
    }

    [Fact]
    public void Yaml_and_json_forms_of_a_definition_parse_the_same()
    {
        var fromYaml = (JsonObject)Documents.ParseYaml(Yaml)!;
        var fromJson = (JsonObject)JsonNode.Parse(fromYaml.ToJsonString())!;

        Assert.Empty(DefinitionParser.Parse(fromJson).Errors);
        Assert.Empty(DefinitionParser.Parse(fromYaml).Errors);
    }

    [Fact]
    public void A_bound_too_large_for_a_decimal_is_still_refused_from_yaml()
    {
        var yaml = Yaml.Replace("maximum: 10,", "maximum: 100000000000000000000000000000000,", StringComparison.Ordinal);

        var errors = DefinitionParser.Parse((JsonObject)Documents.ParseYaml(yaml)!).Errors;

        Assert.Contains(errors, e => e.Field.EndsWith("properties[replicas].maximum", StringComparison.Ordinal));
    }
}
