using CustomResources.Core.Errors;
using CustomResources.Core.Schema;
using static CustomResources.Core.Tests.Schema.SchemaFixtures;

namespace CustomResources.Core.Tests.Schema;

public class ValidationTests
{
    private static readonly CompiledSchema Schema = CompileValid(CronTab);

    private const string ValidSpec = """ "cronSpec": "*/5 * * * *", "image": "my-cron-image" """;

    private static IReadOnlyList<FieldError> ValidateSpec(string extraSpecFields) =>
        Schema.Validate(Parse($$"""{ "apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": { "name": "a" }, "spec": { {{ValidSpec}} {{(extraSpecFields.Length > 0 ? "," + extraSpecFields : "")}} } }"""));

    private static FieldError Single(IReadOnlyList<FieldError> errors)
    {
        Assert.True(errors.Count == 1, Describe(errors));
        return errors[0];
    }

    private static void AssertError(FieldError error, string reason, string field, string message)
    {
        Assert.Equal(reason, error.Reason);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_valid_object_has_no_errors()
    {
        var errors = ValidateSpec("""
            "replicas": 3, "priority": 1.5, "suspend": true, "policy": "Forbid", "port": "http", "comment": null,
            "startAt": "2024-05-01T10:00:00Z", "labels": { "a": "b" }, "config": { "any": [1, "x"] },
            "template": { "apiVersion": "v1", "kind": "Pod" }, "tags": ["a", "b"],
            "ports": [ { "name": "web", "port": 80, "protocol": "TCP" } ], "selector": { "app": "x" }
            """);

        Assert.True(errors.Count == 0, Describe(errors));
    }

    [Fact]
    public void A_missing_required_field_is_reported_at_the_missing_field()
    {
        var errors = Schema.Validate(Parse("""{ "spec": { "cronSpec": "* * * * *" } }"""));

        AssertError(Single(errors), "FieldValueRequired", "spec.image", "Required value");
    }

    [Fact]
    public void A_missing_required_root_field_is_reported()
    {
        AssertError(Single(Schema.Validate(Parse("""{ "kind": "CronTab" }"""))), "FieldValueRequired", "spec", "Required value");
    }

    [Fact]
    public void A_wrong_type_names_the_expected_and_the_given_type()
    {
        AssertError(
            Single(ValidateSpec(""" "replicas": "abc" """)),
            "FieldValueTypeInvalid",
            "spec.replicas",
            "Invalid value: \"abc\": spec.replicas in body must be of type integer: \"string\"");
    }

    [Fact]
    public void An_integral_number_written_with_a_fraction_counts_as_an_integer()
    {
        Assert.Empty(ValidateSpec(""" "replicas": 2.0 """));
    }

    [Fact]
    public void A_fractional_number_is_not_an_integer()
    {
        AssertError(
            Single(ValidateSpec(""" "replicas": 2.5 """)),
            "FieldValueTypeInvalid",
            "spec.replicas",
            "Invalid value: 2.5: spec.replicas in body must be of type integer: \"number\"");
    }

    [Fact]
    public void Minimum_and_maximum_violations_state_the_bound()
    {
        AssertError(Single(ValidateSpec(""" "replicas": 0 """)), "FieldValueInvalid", "spec.replicas", "Invalid value: 0: spec.replicas in body should be greater than or equal to 1");
        AssertError(Single(ValidateSpec(""" "replicas": 11 """)), "FieldValueInvalid", "spec.replicas", "Invalid value: 11: spec.replicas in body should be less than or equal to 10");
    }

    [Fact]
    public void Exclusive_minimum_and_multiple_of_are_checked()
    {
        AssertError(Single(ValidateSpec(""" "priority": 0 """)), "FieldValueInvalid", "spec.priority", "Invalid value: 0: spec.priority in body should be greater than 0");
        AssertError(Single(ValidateSpec(""" "priority": 0.7 """)), "FieldValueInvalid", "spec.priority", "Invalid value: 0.7: spec.priority in body should be a multiple of 0.5");
    }

    [Fact]
    public void A_pattern_mismatch_shows_the_pattern()
    {
        var errors = Schema.Validate(Parse("""{ "spec": { "cronSpec": "every minute", "image": "x" } }"""));

        AssertError(
            Single(errors),
            "FieldValueInvalid",
            "spec.cronSpec",
            """Invalid value: "every minute": spec.cronSpec in body should match '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'""");
    }

    [Fact]
    public void Patterns_use_ecmascript_semantics_so_digits_are_ascii()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "n": { "type": "string", "pattern": "^\\d+$" } } }""");

        Assert.Empty(schema.Validate(Parse("""{ "spec": { "n": "123" } }""")));
        Assert.Single(schema.Validate(Parse("""{ "spec": { "n": "\u0663" } }""")));
    }

    [Fact]
    public void String_lengths_are_checked()
    {
        var short_ = Schema.Validate(Parse("""{ "spec": { "cronSpec": "* * * * *", "image": "" } }"""));
        AssertError(Single(short_), "FieldValueInvalid", "spec.image", "Invalid value: \"\": spec.image in body should be at least 1 chars long");

        var long_ = Schema.Validate(Parse($$"""{ "spec": { "cronSpec": "* * * * *", "image": "{{new string('x', 65)}}" } }"""));
        Assert.Equal("spec.image in body may not be longer than 64", Single(long_).Message.Split(": ", 3)[2]);
    }

    [Fact]
    public void An_enum_violation_lists_the_supported_values()
    {
        AssertError(
            Single(ValidateSpec(""" "policy": "Never" """)),
            "FieldValueNotSupported",
            "spec.policy",
            "Unsupported value: \"Never\": supported values: \"Allow\", \"Forbid\", \"Replace\"");
    }

    [Fact]
    public void Enum_values_are_compared_with_their_json_type()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "n": { "x-kubernetes-int-or-string": true, "enum": [1, "two"] } } }""");

        Assert.Empty(schema.Validate(Parse("""{ "spec": { "n": 1 } }""")));
        Assert.Empty(schema.Validate(Parse("""{ "spec": { "n": 1.0 } }""")));
        AssertError(Single(schema.Validate(Parse("""{ "spec": { "n": "1" } }"""))), "FieldValueNotSupported", "spec.n", "Unsupported value: \"1\": supported values: \"1\", \"two\"");
    }

    [Fact]
    public void Item_counts_and_uniqueness_are_checked()
    {
        AssertError(Single(ValidateSpec(""" "tags": ["a", "b", "c", "d", "e"] """)), "FieldValueInvalid", "spec.tags", "Invalid value: [\"a\",\"b\",\"c\",\"d\",\"e\"]: spec.tags in body should have at most 4 items");
        AssertError(Single(ValidateSpec(""" "tags": ["a", "b", "a"] """)), "FieldValueDuplicate", "spec.tags[2]", "Duplicate value: \"a\"");
    }

    [Fact]
    public void Max_items_zero_is_enforced()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "none": { "type": "array", "items": { "type": "string" }, "maxItems": 0 }, "min": { "type": "array", "items": { "type": "string" }, "minItems": 2 } } }""");

        var errors = schema.Validate(Parse("""{ "spec": { "none": ["a"], "min": ["a"] } }"""));

        Assert.Equal(["spec.none in body should have at most 0 items", "spec.min in body should have at least 2 items"], errors.Select(e => e.Message.Split(": ", 3)[2]));
    }

    [Fact]
    public void Property_counts_and_map_values_are_checked()
    {
        var errors = ValidateSpec(""" "labels": { "a": "1", "b": "2", "c": "3", "d": "too long value" } """);

        Assert.Equal(2, errors.Count);
        AssertError(errors.Single(e => e.Field == "spec.labels.d"), "FieldValueInvalid", "spec.labels.d", "Invalid value: \"too long value\": spec.labels.d in body may not be longer than 8");
        Assert.EndsWith("spec.labels in body should have at most 3 properties", errors.Single(e => e.Field == "spec.labels").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_are_checked()
    {
        AssertError(
            Single(ValidateSpec(""" "startAt": "yesterday" """)),
            "FieldValueInvalid",
            "spec.startAt",
            "Invalid value: \"yesterday\": spec.startAt in body must be of type date-time: \"yesterday\"");
    }

    [Fact]
    public void Nullable_fields_accept_null_and_others_do_not()
    {
        Assert.Empty(ValidateSpec(""" "comment": null """));
        AssertError(Single(ValidateSpec(""" "policy": null """)), "FieldValueTypeInvalid", "spec.policy", "Invalid value: null: spec.policy in body must be of type string: \"null\"");
    }

    [Fact]
    public void Int_or_string_accepts_integers_and_strings_only()
    {
        Assert.Empty(ValidateSpec(""" "port": 8080 """));
        Assert.Empty(ValidateSpec(""" "port": "http" """));
        AssertError(Single(ValidateSpec(""" "port": true """)), "FieldValueTypeInvalid", "spec.port", "Invalid value: true: spec.port in body must be of type integer or string: \"boolean\"");
        Assert.Single(ValidateSpec(""" "port": 1.5 """));
    }

    [Fact]
    public void Preserved_fields_without_a_type_accept_any_value()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "any": { "x-kubernetes-preserve-unknown-fields": true } } }""");

        foreach (var value in new[] { "1", "\"s\"", "[1]", "{ \"a\": {} }", "true", "null" })
        {
            Assert.Empty(schema.Validate(Parse($$"""{ "spec": { "any": {{value}} } }""")));
        }
    }

    [Fact]
    public void A_failed_any_of_reports_itself_and_the_closest_branch()
    {
        var errors = ValidateSpec(""" "selector": {} """);

        Assert.Equal(2, errors.Count);
        AssertError(errors[0], "FieldValueInvalid", "spec.selector", "Invalid value: {}: spec.selector in body must validate at least one schema (anyOf)");
        AssertError(errors[1], "FieldValueRequired", "spec.selector.app", "Required value");
    }

    [Fact]
    public void One_of_and_not_are_checked()
    {
        var schema = WithSpec("""
        {
          "type": "object",
          "properties": { "a": { "type": "string" }, "b": { "type": "string" } },
          "oneOf": [ { "required": ["a"] }, { "required": ["b"] } ],
          "not": { "required": ["c"] }
        }
        """);

        Assert.Empty(schema.Validate(Parse("""{ "spec": { "a": "x" } }""")));
        Assert.EndsWith("spec in body must validate one and only one schema (oneOf)", Assert.Single(schema.Validate(Parse("""{ "spec": { "a": "x", "b": "y" } }"""))).Message, StringComparison.Ordinal);
        var not = schema.Validate(Parse("""{ "spec": { "a": "x", "c": 1 } }"""));
        Assert.EndsWith("spec in body must not validate the schema (not)", Assert.Single(not).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_with_its_path()
    {
        var errors = Schema.Validate(Parse("""
        {
          "spec": {
            "cronSpec": 5,
            "replicas": -1,
            "ports": [ { "name": "ok", "port": 70000 }, { "port": 1 }, { "name": "x", "protocol": "SCTP" } ],
            "tags": "not a list"
          },
          "status": { "runs": "many" }
        }
        """));

        Assert.Equal(
            [
                ("FieldValueTypeInvalid", "spec.cronSpec"),
                ("FieldValueInvalid", "spec.replicas"),
                ("FieldValueInvalid", "spec.ports[0].port"),
                ("FieldValueRequired", "spec.ports[1].name"),
                ("FieldValueNotSupported", "spec.ports[2].protocol"),
                ("FieldValueTypeInvalid", "spec.tags"),
                ("FieldValueRequired", "spec.image"),
                ("FieldValueTypeInvalid", "status.runs"),
            ],
            errors.Select(e => (e.Reason, e.Field)));
    }

    [Fact]
    public void Root_metadata_is_left_to_the_engine()
    {
        var schema = CompileValid("""
        {
          "type": "object",
          "required": ["metadata"],
          "properties": { "metadata": { "type": "object", "properties": { "name": { "type": "string", "maxLength": 3 } } } }
        }
        """);

        Assert.Empty(schema.Validate(Parse("""{ "metadata": { "name": "much too long", "labels": { "a": "b" } } }""")));
        Assert.Empty(schema.Validate(Parse("""{ }""")));
    }

    [Fact]
    public void Validation_does_not_change_the_object()
    {
        var obj = Parse("""{ "spec": { "replicas": 2.0, "extra": 1 } }""");
        var before = obj.ToJsonString();

        Schema.Validate(obj);

        Assert.Equal(before, obj.ToJsonString());
    }

    [Fact]
    public void A_compiled_schema_can_validate_from_many_threads()
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<int>();

        Parallel.For(0, 200, i =>
        {
            var errors = ValidateSpec(i % 2 == 0 ? """ "replicas": 3 """ : """ "replicas": 30, "policy": "x" """);
            results.Add(errors.Count);
        });

        Assert.Equal(100, results.Count(c => c == 0));
        Assert.Equal(100, results.Count(c => c == 2));
    }

    [Fact]
    public void Huge_numbers_are_reported_not_thrown()
    {
        var errors = ValidateSpec(""" "replicas": 1e300, "priority": 1e300 """);

        Assert.Equal("FieldValueTypeInvalid", Assert.Single(errors, e => e.Field == "spec.replicas").Reason);
        Assert.DoesNotContain(errors, e => e.Field == "spec.priority");
    }

    [Fact]
    public void Objects_built_in_code_are_validated_like_parsed_ones()
    {
        var obj = new System.Text.Json.Nodes.JsonObject
        {
            ["spec"] = new System.Text.Json.Nodes.JsonObject
            {
                ["cronSpec"] = "* * * * *",
                ["image"] = "x",
                ["replicas"] = 3,
                ["priority"] = 2.5,
                ["suspend"] = true,
                ["port"] = 20L,
            },
        };

        Assert.Empty(Schema.Validate(obj));

        obj["spec"]!["replicas"] = 2.5;
        Assert.Equal("spec.replicas", Assert.Single(Schema.Validate(obj)).Field);
    }

    [Fact]
    public void A_failed_any_of_keeps_its_message_when_the_closest_branch_has_a_type_error()
    {
        var schema = WithSpec("""{ "type": "object", "properties": { "v": { "x-kubernetes-preserve-unknown-fields": true, "anyOf": [ { "type": "integer" }, { "type": "string" } ] } } }""");

        var errors = schema.Validate(Parse("""{ "spec": { "v": true } }"""));

        Assert.Equal(2, errors.Count);
        Assert.EndsWith("spec.v in body must validate at least one schema (anyOf)", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("FieldValueTypeInvalid", errors[1].Reason);
    }
}
