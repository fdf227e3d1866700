using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using static CustomResources.Core.Tests.Schema.SchemaFixtures;

namespace CustomResources.Core.Tests.Schema;

public class SchemaCompilerTests
{
    private const string Spec = Prefix + ".properties[spec]";

    private static FieldError Single(IReadOnlyList<FieldError> errors)
    {
        Assert.True(errors.Count == 1, Describe(errors));
        return errors[0];
    }

    [Fact]
    public void A_full_CronTab_schema_compiles()
    {
        var compilation = Compile(CronTab);

        Assert.True(compilation.Errors.Count == 0, Describe(compilation.Errors));
        Assert.NotNull(compilation.Schema);
        Assert.Equal("CronTab runs a command on a schedule", (string?)compilation.Schema.Source["description"]);
    }

    [Fact]
    public void Source_is_a_copy_the_caller_cannot_change()
    {
        var schema = Parse("""{ "type": "object" }""");
        var compiled = SchemaCompiler.Compile(schema, Prefix).Schema!;

        schema["type"] = "string";

        Assert.Equal("object", (string?)compiled.Source["type"]);
    }

    [Fact]
    public void An_unknown_type_is_not_supported_and_the_supported_types_are_listed()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "replicas": { "type": "strin" } } }"""));

        Assert.Equal("FieldValueNotSupported", error.Reason);
        Assert.Equal($"{Spec}.properties[replicas].type", error.Field);
        Assert.Equal("Unsupported value: \"strin\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"", error.Message);
    }

    [Fact]
    public void A_type_that_is_not_a_string_is_invalid()
    {
        var error = Single(SpecErrors("""{ "type": ["object", "null"] }"""));

        Assert.Equal("FieldValueInvalid", error.Reason);
        Assert.Equal($"{Spec}.type", error.Field);
    }

    [Fact]
    public void A_missing_type_is_required()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "x": { "description": "no type" } } }"""));

        Assert.Equal("FieldValueRequired", error.Reason);
        Assert.Equal($"{Spec}.properties[x].type", error.Field);
    }

    [Fact]
    public void Int_or_string_and_preserve_unknown_fields_need_no_type()
    {
        Assert.Empty(SpecErrors("""{ "type": "object", "properties": { "a": { "x-kubernetes-int-or-string": true }, "b": { "x-kubernetes-preserve-unknown-fields": true } } }"""));
    }

    [Fact]
    public void Int_or_string_must_not_have_a_type()
    {
        var error = Single(SpecErrors("""{ "type": "string", "x-kubernetes-int-or-string": true }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.type", error.Field);
    }

    [Theory]
    [InlineData("""{ "type": "string" }""", "FieldValueInvalid")]
    [InlineData("""{ "properties": {} }""", "FieldValueRequired")]
    public void The_root_must_be_an_object(string schema, string reason)
    {
        var error = Single(Compile(schema).Errors);

        Assert.Equal(reason, error.Reason);
        Assert.Equal($"{Prefix}.type", error.Field);
        Assert.Contains("must be object at the root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Properties_that_are_not_an_object_are_a_clear_error()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": "x" }"""));

        Assert.Equal($"{Spec}.properties", error.Field);
        Assert.Equal("Invalid value: \"x\": must be an object mapping property names to schemas", error.Message);
    }

    [Fact]
    public void A_property_schema_that_is_not_an_object_is_invalid()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "a": "string" } }"""));

        Assert.Equal($"{Spec}.properties[a]", error.Field);
        Assert.Equal("Invalid value: \"string\": must be a schema object", error.Message);
    }

    [Fact]
    public void Properties_on_a_non_object_type_are_forbidden()
    {
        var error = Single(SpecErrors("""{ "type": "string", "properties": { "a": { "type": "string" } } }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.properties", error.Field);
    }

    [Fact]
    public void Additional_properties_together_with_properties_are_forbidden()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "a": { "type": "string" } }, "additionalProperties": { "type": "string" } }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.additionalProperties", error.Field);
    }

    [Fact]
    public void Additional_properties_must_be_a_schema_or_a_boolean()
    {
        var error = Single(SpecErrors("""{ "type": "object", "additionalProperties": 3 }"""));

        Assert.Equal($"{Spec}.additionalProperties", error.Field);
        Assert.Equal("Invalid value: 3: must be a schema object or a boolean", error.Message);
    }

    [Fact]
    public void Items_are_required_for_arrays()
    {
        var error = Single(SpecErrors("""{ "type": "array" }"""));

        Assert.Equal("FieldValueRequired", error.Reason);
        Assert.Equal($"{Spec}.items", error.Field);
    }

    [Fact]
    public void Items_as_a_list_of_schemas_are_forbidden()
    {
        var error = Single(SpecErrors("""{ "type": "array", "items": [ { "type": "string" } ] }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.items", error.Field);
    }

    [Fact]
    public void Required_must_be_an_array()
    {
        var error = Single(SpecErrors("""{ "type": "object", "required": "a" }"""));

        Assert.Equal($"{Spec}.required", error.Field);
        Assert.Equal("Invalid value: \"a\": must be an array of property names", error.Message);
    }

    [Fact]
    public void Required_entries_must_be_unique_strings()
    {
        var errors = SpecErrors("""{ "type": "object", "required": ["a", 1, "a"] }""");

        Assert.Equal(2, errors.Count);
        Assert.Equal(("FieldValueInvalid", $"{Spec}.required[1]"), (errors[0].Reason, errors[0].Field));
        Assert.Equal(("FieldValueDuplicate", $"{Spec}.required[2]", "Duplicate value: \"a\""), (errors[1].Reason, errors[1].Field, errors[1].Message));
    }

    [Theory]
    [InlineData("[]", "Invalid value: []: must contain at least one value")]
    [InlineData("\"a\"", "Invalid value: \"a\": must be an array of values")]
    public void Enum_must_be_a_non_empty_array(string value, string message)
    {
        var error = Single(SpecErrors($$"""{ "type": "string", "enum": {{value}} }"""));

        Assert.Equal($"{Spec}.enum", error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_pattern_that_does_not_compile_reports_the_regex_error()
    {
        var error = Single(SpecErrors("""{ "type": "string", "pattern": "^[a-z" }"""));

        Assert.Equal($"{Spec}.pattern", error.Field);
        Assert.StartsWith("Invalid value: \"^[a-z\": must be a valid regular expression, but isn't: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Unterminated [] set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pattern_with_unicode_classes_compiles()
    {
        Assert.Empty(SpecErrors("""{ "type": "string", "pattern": "^\\p{L}+$" }"""));
    }

    [Theory]
    [InlineData("minimum", "\"1\"", "must be a number")]
    [InlineData("maximum", "true", "must be a number")]
    [InlineData("multipleOf", "0", "must be greater than 0")]
    [InlineData("minLength", "-1", "must be a non-negative integer")]
    [InlineData("maxLength", "1.5", "must be a non-negative integer")]
    [InlineData("minItems", "\"2\"", "must be a non-negative integer")]
    [InlineData("maxProperties", "-3", "must be a non-negative integer")]
    [InlineData("format", "5", "must be a string")]
    [InlineData("description", "{}", "must be a string")]
    [InlineData("title", "[]", "must be a string")]
    [InlineData("nullable", "\"yes\"", "must be a boolean")]
    [InlineData("uniqueItems", "1", "must be a boolean")]
    [InlineData("exclusiveMinimum", "0", "must be a boolean")]
    [InlineData("x-kubernetes-preserve-unknown-fields", "\"true\"", "must be a boolean")]
    [InlineData("x-kubernetes-embedded-resource", "null", "must be a boolean")]
    public void Keywords_of_the_wrong_json_type_are_invalid(string keyword, string value, string detail)
    {
        var error = Single(SpecErrors($$"""{ "type": "object", "{{keyword}}": {{value}} }"""));

        Assert.Equal("FieldValueInvalid", error.Reason);
        Assert.Equal($"{Spec}.{keyword}", error.Field);
        Assert.EndsWith(detail, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("minLength", "maxLength")]
    [InlineData("minItems", "maxItems")]
    [InlineData("minProperties", "maxProperties")]
    [InlineData("minimum", "maximum")]
    public void A_minimum_above_its_maximum_is_invalid(string min, string max)
    {
        var error = Single(SpecErrors($$"""{ "type": "object", "{{min}}": 5, "{{max}}": 2 }"""));

        Assert.Equal($"{Spec}.{min}", error.Field);
        Assert.Equal($"Invalid value: 5: must be less than or equal to {max}", error.Message);
    }

    [Theory]
    [InlineData("$ref", "\"#/definitions/x\"")]
    [InlineData("definitions", "{}")]
    [InlineData("id", "\"x\"")]
    [InlineData("$schema", "\"http://json-schema.org/draft-04/schema#\"")]
    [InlineData("patternProperties", "{}")]
    [InlineData("dependencies", "{}")]
    [InlineData("additionalItems", "false")]
    public void Keywords_kubernetes_does_not_support_are_forbidden(string keyword, string value)
    {
        var error = Single(SpecErrors($$"""{ "type": "object", "{{keyword}}": {{value}} }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.{keyword}", error.Field);
        Assert.StartsWith($"Forbidden: {keyword} ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_keyword_is_refused_as_an_unknown_field()
    {
        var error = Single(SpecErrors("""{ "type": "object", "readOnly": true }"""));

        Assert.Equal($"{Spec}.readOnly", error.Field);
        Assert.Equal($"unknown field \"{Spec}.readOnly\"", error.Message);
    }

    [Fact]
    public void Documentation_and_kubernetes_extension_keywords_are_accepted()
    {
        Assert.Empty(SpecErrors("""
        {
          "type": "object",
          "title": "t", "description": "d", "example": { "any": ["thing"] },
          "externalDocs": { "description": "docs", "url": "https://example.com" },
          "x-kubernetes-map-type": "granular",
          "x-kubernetes-validations": [ { "rule": "self.a > 0", "message": "positive" } ],
          "properties": {
            "list": {
              "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"],
              "items": { "type": "object", "properties": { "k": { "type": "string" } } }
            }
          }
        }
        """));
    }

    [Fact]
    public void An_unknown_list_type_is_not_supported()
    {
        var error = Single(SpecErrors("""{ "type": "array", "items": { "type": "string" }, "x-kubernetes-list-type": "bag" }"""));

        Assert.Equal("FieldValueNotSupported", error.Reason);
        Assert.Equal($"{Spec}.x-kubernetes-list-type", error.Field);
    }

    [Fact]
    public void Logical_junctors_hold_schemas()
    {
        Assert.Empty(SpecErrors("""
        {
          "type": "object",
          "properties": { "a": { "type": "string" }, "b": { "type": "integer" } },
          "allOf": [ { "required": ["a"] } ],
          "anyOf": [ { "required": ["a"] }, { "required": ["b"] } ],
          "oneOf": [ { "properties": { "a": { "maxLength": 3 } } } ],
          "not": { "required": ["c"] }
        }
        """));
    }

    [Fact]
    public void Junctors_must_be_non_empty_lists_of_schemas()
    {
        var errors = SpecErrors("""{ "type": "object", "anyOf": [], "oneOf": {}, "allOf": [ 1 ] }""");

        Assert.Equal([$"{Spec}.anyOf", $"{Spec}.oneOf", $"{Spec}.allOf[0]"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Defaults_inside_junctors_are_forbidden()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "a": { "type": "string" } }, "anyOf": [ { "properties": { "a": { "default": "x" } } } ] }"""));

        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal($"{Spec}.anyOf[0].properties[a].default", error.Field);
    }

    [Fact]
    public void A_default_of_the_wrong_type_is_reported_as_an_invalid_default()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "replicas": { "type": "integer", "default": "three" } } }"""));

        var field = $"{Spec}.properties[replicas].default";
        Assert.Equal("FieldValueTypeInvalid", error.Reason);
        Assert.Equal(field, error.Field);
        Assert.Equal($"Invalid value: \"three\": {field} in body must be of type integer: \"string\"", error.Message);
    }

    [Fact]
    public void A_default_violating_a_value_validation_is_invalid()
    {
        var error = Single(SpecErrors("""{ "type": "object", "properties": { "mode": { "type": "string", "enum": ["a", "b"], "default": "c" } } }"""));

        Assert.Equal("FieldValueNotSupported", error.Reason);
        Assert.Equal($"{Spec}.properties[mode].default", error.Field);
    }

    [Fact]
    public void A_default_with_unknown_fields_is_invalid()
    {
        var error = Single(SpecErrors("""{ "type": "object", "default": { "a": "x", "zzz": 1 }, "properties": { "a": { "type": "string" } } }"""));

        Assert.Equal($"{Spec}.default.zzz", error.Field);
        Assert.StartsWith("unknown field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_is_validated_after_its_nested_defaults_are_applied()
    {
        // {} misses the required "a", but a's own default fills it in.
        Assert.Empty(SpecErrors("""{ "type": "object", "default": {}, "required": ["a"], "properties": { "a": { "type": "string", "default": "x" } } }"""));
    }

    [Fact]
    public void A_null_default_needs_nullable()
    {
        Assert.Single(SpecErrors("""{ "type": "object", "properties": { "a": { "type": "string", "default": null } } }"""));
        Assert.Empty(SpecErrors("""{ "type": "object", "properties": { "a": { "type": "string", "nullable": true, "default": null } } }"""));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_exact_path()
    {
        var errors = Compile("""
        {
          "type": "object",
          "properties": {
            "spec": {
              "type": "object",
              "required": "image",
              "properties": {
                "replicas": { "type": "strin", "minimum": "0" },
                "image": { "type": "string", "pattern": "(" },
                "ports": { "type": "array" },
                "extra": { "type": "object", "$ref": "#/x", "bogus": 1 }
              }
            },
            "status": { "properties": {} }
          }
        }
        """).Errors;

        Assert.Equal(
            [
                $"{Spec}.required",
                $"{Spec}.properties[replicas].type",
                $"{Spec}.properties[replicas].minimum",
                $"{Spec}.properties[image].pattern",
                $"{Spec}.properties[ports].items",
                $"{Spec}.properties[extra].$ref",
                $"{Spec}.properties[extra].bogus",
                $"{Prefix}.properties[status].type",
            ],
            errors.Select(e => e.Field));
    }

    [Fact]
    public void Compiling_never_throws_on_malformed_schemas()
    {
        var compilation = SchemaCompiler.Compile(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["a"] = null } }, "x");

        Assert.Null(compilation.Schema);
        Assert.Equal("x.properties[a]", Assert.Single(compilation.Errors).Field);
    }
}
