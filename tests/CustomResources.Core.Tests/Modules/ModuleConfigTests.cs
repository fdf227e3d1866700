using System.Text.Json.Nodes;
using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

public sealed class ModuleConfigTests
{
    private static readonly ModuleFile File = ModuleFiles.Parse(ModuleFileSamples.FullYaml).File!;

    private static ConfigResolution Resolve(string configJson, string? previousJson = null) =>
        ModuleConfig.Resolve(File, JsonNode.Parse(configJson)!.AsObject(), previousJson is null ? null : JsonNode.Parse(previousJson)!.AsObject());

    private static string[] Fields(ConfigResolution resolution) => [.. resolution.Errors.Select(e => e.Field)];

    [Fact]
    public void Defaults_fill_what_is_not_given_and_entries_without_a_value_are_left_out()
    {
        var resolution = ModuleConfig.Resolve(File, null);

        Assert.True(resolution.IsValid);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "environment": "development", "enableDebug": false, "namespace": "default", "replicas": 1, "features": ["metrics"] }"""),
            resolution.Resolved));
    }

    [Fact]
    public void Aliases_resolve_to_names_in_the_result()
    {
        var resolution = Resolve("""{ "env": "production", "debug": true, "namespace": "apps", "replicas": 3.0, "features": ["tracing", "logging"], "clusterId": "c-1" }""");

        Assert.Empty(resolution.Errors);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "environment": "production", "enableDebug": true, "namespace": "apps", "replicas": 3, "features": ["tracing", "logging"], "clusterId": "c-1" }"""),
            resolution.Resolved));
    }

    [Fact]
    public void A_name_and_its_alias_together_are_refused()
    {
        var resolution = Resolve("""{ "environment": "staging", "env": "production" }""");

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("spec.config.env", error.Field);
        Assert.Equal("FieldValueDuplicate", error.Reason);
        Assert.Contains("environment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_listed_with_the_key_as_written()
    {
        var resolution = Resolve("""
            { "env": "qa", "debug": "yes", "namespace": "Not Valid", "replicas": 11, "features": ["metrics", "tracing", "logging"], "colour": "red" }
            """);

        Assert.Equal(["spec.config.colour", "spec.config.env", "spec.config.debug", "spec.config.namespace", "spec.config.replicas", "spec.config.features"], Fields(resolution));
        Assert.Equal("FieldValueNotSupported", resolution.Errors[1].Reason);
        Assert.Equal("FieldValueTypeInvalid", resolution.Errors[2].Reason);
        Assert.Contains("regular expression", resolution.Errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("between 1 and 10", resolution.Errors[4].Message, StringComparison.Ordinal);
        Assert.Contains("between 1 and 2", resolution.Errors[5].Message, StringComparison.Ordinal);
        Assert.Contains("\"environment\" (alias \"env\")", resolution.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "replicas": "3" }""", "spec.config.replicas")]
    [InlineData("""{ "replicas": 2.5 }""", "spec.config.replicas")]
    [InlineData("""{ "replicas": 0 }""", "spec.config.replicas")]
    [InlineData("""{ "namespace": 7 }""", "spec.config.namespace")]
    [InlineData("""{ "debug": 1 }""", "spec.config.debug")]
    [InlineData("""{ "env": ["staging"] }""", "spec.config.env")]
    [InlineData("""{ "features": "metrics" }""", "spec.config.features")]
    [InlineData("""{ "features": [] }""", "spec.config.features")]
    [InlineData("""{ "features": ["metrics", "metrics"] }""", "spec.config.features[1]")]
    [InlineData("""{ "features": ["audit"] }""", "spec.config.features[0]")]
    public void Values_of_the_wrong_type_or_out_of_bounds_are_refused(string config, string field)
    {
        Assert.Equal([field], Fields(Resolve(config)));
    }

    [Fact]
    public void A_required_entry_without_value_or_default_is_reported_by_name()
    {
        var file = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(
            new JsonObject { ["type"] = "string", ["name"] = "applicationName", ["alias"] = "appName", ["spec"] = new JsonObject { ["required"] = true } },
            new JsonObject { ["type"] = "integer", ["name"] = "count", ["spec"] = new JsonObject { ["required"] = true } }))).File!;

        var resolution = ModuleConfig.Resolve(file, new JsonObject());

        Assert.Equal(["spec.config.applicationName", "spec.config.count"], Fields(resolution));
        Assert.All(resolution.Errors, e => Assert.Equal("FieldValueRequired", e.Reason));
        Assert.True(ModuleConfig.Resolve(file, new JsonObject { ["appName"] = "shop", ["count"] = 2 }).IsValid);
    }

    [Fact]
    public void An_explicit_null_means_not_set_so_the_default_applies()
    {
        var resolution = Resolve("""{ "replicas": null }""");

        Assert.True(resolution.IsValid);
        Assert.Equal(1, resolution.Resolved["replicas"]!.GetValue<long>());
    }

    [Fact]
    public void A_regex_matches_anywhere_unless_anchored()
    {
        var file = ModuleFiles.Parse(ModuleFileSamples.File(new JsonArray(new JsonObject { ["type"] = "string", ["name"] = "s", ["spec"] = new JsonObject { ["regex"] = "[0-9]" } }))).File!;

        Assert.True(ModuleConfig.Resolve(file, new JsonObject { ["s"] = "abc1" }).IsValid);
        Assert.False(ModuleConfig.Resolve(file, new JsonObject { ["s"] = "abc" }).IsValid);
    }

    [Fact]
    public void On_update_a_non_editable_value_may_not_change()
    {
        var resolution = Resolve("""{ "clusterId": "c-2", "replicas": 5 }""", """{ "clusterId": "c-1", "replicas": 1 }""");

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("spec.config.clusterId", error.Field);
        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Contains("not editable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_update_a_non_editable_value_may_not_be_removed_but_may_stay_or_be_set_for_the_first_time()
    {
        Assert.Equal(["spec.config.clusterId"], Fields(Resolve("""{ }""", """{ "clusterId": "c-1" }""")));
        Assert.True(Resolve("""{ "clusterId": "c-1", "replicas": 4 }""", """{ "clusterId": "c-1", "replicas": 1 }""").IsValid);
        Assert.True(Resolve("""{ "clusterId": "c-1" }""", """{ "replicas": 1 }""").IsValid);
    }

    [Fact]
    public void Editable_values_may_change_on_update()
    {
        Assert.True(Resolve("""{ "env": "production" }""", """{ "environment": "development" }""").IsValid);
    }

    [Fact]
    public void A_file_without_config_refuses_every_key()
    {
        var file = ModuleFiles.Parse(ModuleFileSamples.SimpleJson).File!;

        var resolution = ModuleConfig.Resolve(file, new JsonObject { ["a"] = 1 });

        Assert.Contains("declares no config", Assert.Single(resolution.Errors).Message, StringComparison.Ordinal);
    }
}
