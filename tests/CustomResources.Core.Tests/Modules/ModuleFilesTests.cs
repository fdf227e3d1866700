using System.Text.Json.Nodes;
using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

public sealed class ModuleFilesTests
{
    private static ModuleFileResult ParseNode(string json, string operatorVersion = ModuleFiles.OperatorVersion) =>
        ModuleFiles.Parse(JsonNode.Parse(json), operatorVersion);

    private static string[] Fields(ModuleFileResult result) => [.. result.Errors.Select(e => e.Field)];

    [Fact]
    public void A_yaml_file_in_the_reference_shape_parses_into_its_typed_model()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.FullYaml);

        Assert.Empty(result.Errors);
        var file = result.File!;
        Assert.Equal("custom-app-installer", file.Metadata.Name);
        Assert.Equal("1.0.0", file.Metadata.Version);
        Assert.Equal("DevOps Team", file.Metadata.Author);
        Assert.Equal("500m", file.Metadata.Cpu);
        Assert.Equal("512Mi", file.Metadata.Memory);
        Assert.Equal(["environment", "enableDebug", "namespace", "replicas", "features", "clusterId"], file.Config.Select(c => c.Name));
        var environment = file.Config[0];
        Assert.Equal(ConfigType.Option, environment.Type);
        Assert.Equal("env", environment.Alias);
        Assert.True(environment.Required);
        Assert.Equal("development", environment.Default!.GetValue<string>());
        Assert.Equal(["development", "staging", "production"], environment.Values);
        Assert.True(file.Config[1].Editable);
        Assert.Equal("^[a-z0-9-]+$", file.Config[2].Regex);
        Assert.Equal((1L, 10L), (file.Config[3].Min!.Value, file.Config[3].Max!.Value));
        Assert.Equal(ConfigType.MultipleOptions, file.Config[4].Type);
        Assert.False(file.Config[5].Editable);
        Assert.Equal("my-registry/custom-app-installer:v1.0.0", file.Spec.Image);
        Assert.Equal(["my-registry-secret"], file.Spec.ImagePullSecrets);
        Assert.Equal([ModuleAccess.Workspace], file.Spec.Permissions);
        Assert.False(file.NeedsControllerPermission);
    }

    [Fact]
    public void A_json_file_parses_and_config_is_optional()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.SimpleJson);

        Assert.True(result.IsValid);
        Assert.Empty(result.File!.Config);
        Assert.Null(result.File.Metadata.Cpu);
    }

    [Fact]
    public void Text_that_is_neither_json_nor_yaml_is_one_problem_not_an_exception()
    {
        var result = ModuleFiles.Parse("{ \"kind\": ");

        Assert.False(result.IsValid);
        Assert.Equal("<file>", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void A_file_that_is_not_an_object_is_refused()
    {
        Assert.Equal(["<file>"], Fields(ModuleFiles.Parse("- a\n- b\n")));
    }

    [Fact]
    public void Every_problem_of_a_bad_file_is_reported_at_once_with_its_path()
    {
        var result = ParseNode("""
            {
              "kind": "Plugin",
              "metadata": { "name": "Bad_Name", "version": "1.0", "supportedOperatorVersion": "~1", "resource_usage": { "cpu": "lots", "memory": "-1Gi" } },
              "config": [
                { "type": "integer", "name": "replicas", "spec": { "min": 5, "max": 2 } },
                { "type": "colour", "name": "tint" },
                { "type": "string", "name": "replicas" },
                { "type": "option", "name": "size", "spec": { "values": [], "default": "xl" } }
              ],
              "spec": { "permissions": ["root"], "imagePullSecrets": ["Not A Name"] },
              "extra": true
            }
            """);

        Assert.False(result.IsValid);
        Assert.Equal(
            [
                "extra",
                "kind",
                "metadata.name",
                "metadata.version",
                "metadata.supportedOperatorVersion",
                "metadata.resource_usage.cpu",
                "metadata.resource_usage.memory",
                "config[0].spec.min",
                "config[1].type",
                "config[2].name",
                "config[3].spec.values",
                "spec.image",
                "spec.imagePullSecrets[0]",
                "spec.permissions[0]",
            ],
            Fields(result));
    }

    [Fact]
    public void Kind_is_required_in_a_file_but_may_be_left_out_of_a_definition_spec()
    {
        var file = ModuleFileSamples.File();
        file.Remove("kind");

        Assert.Equal(["kind"], Fields(ModuleFiles.Parse(file)));
        Assert.True(ModuleFiles.Parse(file, requireKind: false).IsValid);
    }

    [Fact]
    public void Paths_carry_the_given_prefix()
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["version"] = "one";

        Assert.Equal(["spec.metadata.version"], Fields(ModuleFiles.Parse(file, path: "spec")));
    }

    [Fact]
    public void Required_metadata_and_spec_fields_are_named_when_missing()
    {
        var result = ParseNode("""{ "kind": "Custom", "metadata": {}, "spec": {} }""");

        Assert.Equal(["metadata.name", "metadata.version", "metadata.supportedOperatorVersion", "spec.image"], Fields(result));
        Assert.All(result.Errors, e => Assert.Equal("FieldValueRequired", e.Reason));
        Assert.Equal(["metadata", "spec"], Fields(ParseNode("""{ "kind": "Custom" }""")));
    }

    [Fact]
    public void Unknown_fields_anywhere_are_errors_not_warnings()
    {
        var file = ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "string", ["name"] = "a", ["spc"] = new JsonObject(), ["spec"] = new JsonObject { ["regexp"] = "x" } }));
        file["metadata"]!["authr"] = "me";
        file["metadata"]!["resource_usage"] = new JsonObject { ["gpu"] = "1" };
        file["spec"]!["imagePullSecret"] = new JsonArray("s");

        var result = ModuleFiles.Parse(file);

        Assert.Equal(["metadata.authr", "metadata.resource_usage.gpu", "config[0].spc", "config[0].spec.regexp", "spec.imagePullSecret"], Fields(result));
        Assert.Contains("unknown field", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_field_of_another_type_is_refused()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "integer", ["name"] = "n", ["spec"] = new JsonObject { ["regex"] = "^a$", ["values"] = new JsonArray("a") } })));

        Assert.Equal(["config[0].spec.regex", "config[0].spec.values"], Fields(result));
        Assert.Contains("is not a field of a integer entry", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("0.0.1-alpha.1+build.7")]
    [InlineData("10.20.30")]
    public void Semantic_versions_are_accepted(string version)
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["version"] = version;
        Assert.True(ModuleFiles.Parse(file).IsValid);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-01")]
    [InlineData("1.0.0-")]
    public void Versions_that_are_not_semver_2_are_refused(string version)
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["version"] = version;
        Assert.Equal(["metadata.version"], Fields(ModuleFiles.Parse(file)));
    }

    [Fact]
    public void A_yaml_number_as_version_is_a_type_error()
    {
        var result = ModuleFiles.Parse("kind: Custom\nmetadata:\n  name: a\n  version: 1.0\n  supportedOperatorVersion: '>= 0.0.0'\nspec:\n  image: a:1\n");
        Assert.Equal("FieldValueTypeInvalid", Assert.Single(result.Errors).Reason);
    }

    [Theory]
    [InlineData(">= 0.0.0, < 1.0.0", "0.1.0", true)]
    [InlineData(">= 0.0.0, < 1.0.0", "1.0.0", false)]
    [InlineData(">0.1.0", "0.1.0", false)]
    [InlineData("<= 0.1.0", "0.1.0", true)]
    [InlineData("= 0.1.0", "0.1.0", true)]
    [InlineData("0.1.0", "0.1.0", true)]
    [InlineData("0.1.0", "0.1.1", false)]
    [InlineData(">= 1", "1.0.0", true)]
    [InlineData(">= 0.2", "0.1.9", false)]
    [InlineData("< 1.0.0", "1.0.0-rc.1", true)]
    [InlineData(">= 1.0.0-alpha, < 1.0.0-beta", "1.0.0-alpha.5", true)]
    public void The_operator_version_constraint_is_checked_against_the_given_operator_version(string constraint, string operatorVersion, bool satisfied)
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["supportedOperatorVersion"] = constraint;

        var result = ModuleFiles.Parse(file, operatorVersion);

        Assert.Equal(satisfied, result.IsValid);
        if (!satisfied)
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal("metadata.supportedOperatorVersion", error.Field);
            Assert.Contains(constraint, error.Message, StringComparison.Ordinal);
            Assert.Contains(operatorVersion, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("~1.0.0")]
    [InlineData(">= 0.0.0,")]
    [InlineData("=> 1.0.0")]
    [InlineData("")]
    public void Malformed_constraints_are_refused(string constraint)
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["supportedOperatorVersion"] = constraint;
        Assert.Equal(["metadata.supportedOperatorVersion"], Fields(ModuleFiles.Parse(file)));
    }

    [Theory]
    [InlineData("500m", "512Mi", true)]
    [InlineData("2", "2Gi", true)]
    [InlineData("0.5", "1e9", true)]
    [InlineData("0", "1Gi", false)]
    [InlineData("1", "1GB", false)]
    [InlineData("1 core", "1Gi", false)]
    public void Resource_usage_must_be_positive_quantities(string cpu, string memory, bool valid)
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["resource_usage"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory };
        Assert.Equal(valid, ModuleFiles.Parse(file).IsValid);
    }

    [Fact]
    public void A_yaml_integer_cpu_is_read_as_a_quantity()
    {
        var result = ModuleFiles.Parse("kind: Custom\nmetadata:\n  name: a\n  version: 1.0.0\n  supportedOperatorVersion: '>= 0.0.0'\n  resource_usage:\n    cpu: 2\nspec:\n  image: a:1\n");
        Assert.Equal("2", result.File!.Metadata.Cpu);
    }

    [Fact]
    public void Optional_metadata_strings_must_be_strings()
    {
        var file = ModuleFileSamples.File();
        file["metadata"]!["author"] = 5;
        file["metadata"]!["category"] = new JsonArray();
        Assert.Equal(["metadata.author", "metadata.category"], Fields(ModuleFiles.Parse(file)));
    }

    [Fact]
    public void Config_names_must_be_unique_and_aliases_must_not_clash()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "string", ["name"] = "a", ["alias"] = "a" },
            new JsonObject { ["type"] = "string", ["name"] = "b", ["alias"] = "a" },
            new JsonObject { ["type"] = "string", ["name"] = "c", ["alias"] = "b" },
            new JsonObject { ["type"] = "string", ["name"] = "c" },
            new JsonObject { ["type"] = "string", ["name"] = "1st" })));

        Assert.Equal(["config[3].name", "config[4].name", "config[1].alias", "config[2].alias"], Fields(result));
        Assert.Equal("FieldValueDuplicate", result.Errors[0].Reason);
    }

    [Fact]
    public void An_alias_may_repeat_its_own_entry_name()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "string", ["name"] = "namespace", ["alias"] = "namespace" })));
        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData("multiple-options")]
    [InlineData("multiple_options")]
    [InlineData("multipleOptions")]
    public void Multiple_options_has_one_canonical_spelling_and_two_accepted_ones(string spelling)
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = spelling, ["name"] = "m", ["spec"] = new JsonObject { ["values"] = new JsonArray("a", "b") } })));

        Assert.Equal(ConfigType.MultipleOptions, result.File!.Config[0].Type);
        Assert.Equal("multiple-options", result.File.Config[0].TypeName);
    }

    [Fact]
    public void Defaults_must_satisfy_their_own_entry()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "string", ["name"] = "s", ["spec"] = new JsonObject { ["regex"] = "^[a-z]+$", ["default"] = "ABC" } },
            new JsonObject { ["type"] = "integer", ["name"] = "i", ["spec"] = new JsonObject { ["min"] = 1, ["max"] = 3, ["default"] = 4 } },
            new JsonObject { ["type"] = "integer", ["name"] = "j", ["spec"] = new JsonObject { ["default"] = "4" } },
            new JsonObject { ["type"] = "boolean", ["name"] = "b", ["spec"] = new JsonObject { ["default"] = "yes" } },
            new JsonObject { ["type"] = "option", ["name"] = "o", ["spec"] = new JsonObject { ["values"] = new JsonArray("x"), ["default"] = "y" } },
            new JsonObject { ["type"] = "multiple-options", ["name"] = "m", ["spec"] = new JsonObject { ["values"] = new JsonArray("x", "y"), ["max"] = 1, ["default"] = new JsonArray("x", "y") } })));

        Assert.Equal(["config[0].spec.default", "config[1].spec.default", "config[2].spec.default", "config[3].spec.default", "config[4].spec.default", "config[5].spec.default"], Fields(result));
    }

    [Fact]
    public void A_regex_must_compile()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "string", ["name"] = "s", ["spec"] = new JsonObject { ["regex"] = "([a-z" } },
            new JsonObject { ["type"] = "string", ["name"] = "t", ["spec"] = new JsonObject { ["regex"] = "(a)\\1" } })));

        Assert.Equal(["config[0].spec.regex", "config[1].spec.regex"], Fields(result));
    }

    [Fact]
    public void Option_values_must_be_unique_strings()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "option", ["name"] = "o", ["spec"] = new JsonObject { ["values"] = new JsonArray("a", "a", 3) } },
            new JsonObject { ["type"] = "option", ["name"] = "p" })));

        Assert.Equal(["config[0].spec.values[1]", "config[0].spec.values[2]", "config[1].spec.values"], Fields(result));
    }

    [Fact]
    public void Counts_of_multiple_options_must_not_be_negative()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "multiple-options", ["name"] = "m", ["spec"] = new JsonObject { ["values"] = new JsonArray("a"), ["min"] = -1, ["max"] = 1.5 } })));

        Assert.Equal(["config[0].spec.max", "config[0].spec.min"], Fields(result).Order());
    }

    [Fact]
    public void Required_and_editable_must_be_booleans()
    {
        var result = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "boolean", ["name"] = "b", ["spec"] = new JsonObject { ["required"] = "yes", ["editable"] = 0 } })));
        Assert.Equal(["config[0].spec.required", "config[0].spec.editable"], Fields(result));
    }

    [Fact]
    public void Permissions_are_workspace_or_controller_without_repeats()
    {
        var file = ModuleFileSamples.File(permission: "controller");
        Assert.True(ModuleFiles.Parse(file).File!.NeedsControllerPermission);

        file["spec"]!["permissions"] = new JsonArray("workspace", "workspace", "admin");
        Assert.Equal(["spec.permissions[1]", "spec.permissions[2]"], Fields(ModuleFiles.Parse(file)));
    }

    [Fact]
    public void An_image_with_spaces_is_refused()
    {
        var file = ModuleFileSamples.File();
        file["spec"]!["image"] = "my image";
        Assert.Equal(["spec.image"], Fields(ModuleFiles.Parse(file)));
    }
}
