using System.Text.Json.Nodes;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Definitions;

public sealed class DefinitionParserTests
{
    [Fact]
    public void Valid_crontab_parses_with_default_singular_and_list_kind()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab());

        Assert.Empty(parsed.Errors);
        var definition = Assert.IsType<ResourceDefinition>(parsed.Definition);
        Assert.Equal("stable.example.com", definition.Group);
        Assert.Equal("crontabs.stable.example.com", definition.Name);
        Assert.Equal("crontabs", definition.Names.Plural);
        Assert.Equal("crontab", definition.Names.Singular);
        Assert.Equal("CronTab", definition.Names.Kind);
        Assert.Equal("CronTabList", definition.Names.ListKind);
        Assert.Equal(["ct"], definition.Names.ShortNames);
        Assert.Equal(ResourceScope.Namespaced, definition.Scope);
        Assert.Equal("v1", Assert.Single(definition.Versions).Name);
        Assert.Equal("v1", definition.StorageVersion.Name);
        Assert.True(parsed.Schemas.ContainsKey("v1"));
    }

    [Fact]
    public void Explicit_names_and_version_details_are_kept()
    {
        var crd = Crds.CronTab(scope: "Cluster", singular: "tab", versions: new JsonArray(
            Crds.Version("v1beta1", storage: false, deprecated: true, warning: "use v1"),
            Crds.Version("v1")));
        crd["spec"]!["names"]!["listKind"] = "CronTabCollection";
        crd["spec"]!["versions"]![1]!["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        crd["spec"]!["versions"]![1]!["additionalPrinterColumns"] = Json("""[{"name":"Image","type":"string","jsonPath":".spec.image","priority":1}]""");
        crd["spec"]!["versions"]![1]!["selectableFields"] = Json("""[{"jsonPath":".spec.image"}]""");

        var parsed = DefinitionParser.Parse(crd);

        Assert.Empty(parsed.Errors);
        var definition = parsed.Definition!;
        Assert.Equal("tab", definition.Names.Singular);
        Assert.Equal("CronTabCollection", definition.Names.ListKind);
        Assert.Equal(ResourceScope.Cluster, definition.Scope);
        var beta = definition.Versions[0];
        Assert.True(beta.Deprecated);
        Assert.Equal("use v1", beta.DeprecationWarning);
        Assert.False(beta.Storage);
        var v1 = definition.Versions[1];
        Assert.True(v1.StatusSubresource);
        Assert.Equal(new PrinterColumn("Image", "string", null, null, 1, ".spec.image"), Assert.Single(v1.PrinterColumns));
        Assert.Equal([".spec.image"], v1.SelectableFields);
    }

    [Fact]
    public void Missing_spec_is_required()
    {
        var crd = Crds.CronTab();
        crd.Remove("spec");

        var parsed = DefinitionParser.Parse(crd);

        Assert.Null(parsed.Definition);
        AssertError(parsed, "FieldValueRequired", "spec");
    }

    [Fact]
    public void Group_without_a_dot_is_invalid()
    {
        var crd = Crds.CronTab(group: "example");

        var error = AssertError(DefinitionParser.Parse(crd), "FieldValueInvalid", "spec.group");

        Assert.Contains("should be a domain with at least one dot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_that_is_not_a_dns_subdomain_is_invalid()
    {
        AssertError(DefinitionParser.Parse(Crds.CronTab(group: "Stable.Example.com")), "FieldValueInvalid", "spec.group");
    }

    [Theory]
    [InlineData("CronTabs")]
    [InlineData("cron_tabs")]
    [InlineData("1crontabs")]
    public void Plural_that_is_not_a_dns1035_label_is_invalid(string plural)
    {
        AssertError(DefinitionParser.Parse(Crds.CronTab(plural: plural)), "FieldValueInvalid", "spec.names.plural");
    }

    [Theory]
    [InlineData("Cron_Tab")]
    [InlineData("1CronTab")]
    [InlineData("CronTab-")]
    public void Kind_that_is_not_a_mixed_case_label_is_invalid(string kind)
    {
        AssertError(DefinitionParser.Parse(Crds.CronTab(kind: kind)), "FieldValueInvalid", "spec.names.kind");
    }

    [Fact]
    public void Missing_kind_and_plural_are_required()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["names"] = new JsonObject();

        var parsed = DefinitionParser.Parse(crd);

        AssertError(parsed, "FieldValueRequired", "spec.names.plural");
        AssertError(parsed, "FieldValueRequired", "spec.names.kind");
    }

    [Fact]
    public void Bad_and_duplicate_short_names_are_reported_by_index()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(shortNames: ["ct", "CT", "ct"]));

        AssertError(parsed, "FieldValueInvalid", "spec.names.shortNames[1]");
        AssertError(parsed, "FieldValueDuplicate", "spec.names.shortNames[2]");
    }

    [Fact]
    public void Short_names_of_the_wrong_type_are_refused()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["names"]!["shortNames"] = new JsonArray(1);

        AssertError(DefinitionParser.Parse(crd), "FieldValueTypeInvalid", "spec.names.shortNames[0]");
    }

    [Fact]
    public void List_kind_equal_to_kind_is_invalid()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["names"]!["listKind"] = "CronTab";

        var error = AssertError(DefinitionParser.Parse(crd), "FieldValueInvalid", "spec.names.listKind");

        Assert.Contains("kind and listKind may not be the same", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_scope_lists_the_supported_values()
    {
        var error = AssertError(DefinitionParser.Parse(Crds.CronTab(scope: "Global")), "FieldValueNotSupported", "spec.scope");

        Assert.Equal("Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"", error.Message);
    }

    [Fact]
    public void Missing_scope_is_required()
    {
        var crd = Crds.CronTab();
        ((JsonObject)crd["spec"]!).Remove("scope");

        AssertError(DefinitionParser.Parse(crd), "FieldValueRequired", "spec.scope");
    }

    [Fact]
    public void Name_must_be_plural_dot_group()
    {
        var crd = Crds.CronTab();
        crd["metadata"]!["name"] = "crontab.stable.example.com";

        var error = AssertError(DefinitionParser.Parse(crd), "FieldValueInvalid", "metadata.name");

        Assert.Contains("\"crontabs.stable.example.com\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_storage_version_is_invalid()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("v1", storage: false))));

        var error = AssertError(parsed, "FieldValueInvalid", "spec.versions");
        Assert.Contains("must have exactly one version marked as storage version", error.Message, StringComparison.Ordinal);
        Assert.Null(parsed.Definition);
    }

    [Fact]
    public void Two_storage_versions_are_invalid()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("v1"), Crds.Version("v2"))));

        var error = AssertError(parsed, "FieldValueInvalid", "spec.versions");
        Assert.Equal("Invalid value: 2: must have exactly one version marked as storage version", error.Message);
    }

    [Fact]
    public void Empty_versions_are_required()
    {
        AssertError(DefinitionParser.Parse(Crds.CronTab(versions: [])), "FieldValueRequired", "spec.versions");
    }

    [Fact]
    public void No_served_version_is_invalid()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("v1", served: false))));

        var error = AssertError(parsed, "FieldValueInvalid", "spec.versions");
        Assert.Contains("must have at least one version marked as served", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_version_names_are_reported_at_the_second()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("v1"), Crds.Version("v1", storage: false))));

        AssertError(parsed, "FieldValueDuplicate", "spec.versions[1].name");
    }

    [Fact]
    public void Version_name_must_be_a_dns1035_label()
    {
        AssertError(DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("V1")))), "FieldValueInvalid", "spec.versions[0].name");
    }

    [Fact]
    public void Served_and_storage_flags_are_required_booleans()
    {
        var version = Crds.Version("v1");
        version.Remove("served");
        version["storage"] = "yes";

        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version)));

        AssertError(parsed, "FieldValueRequired", "spec.versions[0].served");
        AssertError(parsed, "FieldValueTypeInvalid", "spec.versions[0].storage");
    }

    [Fact]
    public void Missing_schema_is_required()
    {
        var version = Crds.Version("v1");
        version.Remove("schema");

        var error = AssertError(DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version))), "FieldValueRequired", "spec.versions[0].schema.openAPIV3Schema");

        Assert.Equal("Required value: schemas are required", error.Message);
    }

    [Fact]
    public void Schema_problems_carry_the_schema_path()
    {
        var version = Crds.Version("v1");
        version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["type"] = "banana";

        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version)));

        Assert.Contains(parsed.Errors, e => e.Field.StartsWith("spec.versions[0].schema.openAPIV3Schema.properties[spec]", StringComparison.Ordinal));
    }

    [Fact]
    public void Too_long_deprecation_warning_is_refused()
    {
        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(Crds.Version("v1", deprecated: true, warning: new string('w', 257)))));

        AssertError(parsed, "FieldValueTooLong", "spec.versions[0].deprecationWarning");
    }

    [Fact]
    public void Unknown_subresource_is_refused()
    {
        var version = Crds.Version("v1");
        version["subresources"] = new JsonObject { ["logs"] = new JsonObject() };

        AssertError(DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version))), "FieldValueInvalid", "spec.versions[0].subresources.logs");
    }

    [Fact]
    public void Printer_column_with_unsupported_type_and_relative_json_path_is_refused()
    {
        var version = Crds.Version("v1");
        version["additionalPrinterColumns"] = Json("""[{"name":"Ok","type":"string","jsonPath":".spec.image"},{"name":"Bad","type":"float","jsonPath":"spec.image","priority":-1}]""");

        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version)));

        var type = AssertError(parsed, "FieldValueNotSupported", "spec.versions[0].additionalPrinterColumns[1].type");
        Assert.Contains("\"boolean\", \"date\", \"integer\", \"number\", \"string\"", type.Message, StringComparison.Ordinal);
        AssertError(parsed, "FieldValueInvalid", "spec.versions[0].additionalPrinterColumns[1].jsonPath");
        AssertError(parsed, "FieldValueInvalid", "spec.versions[0].additionalPrinterColumns[1].priority");
        Assert.DoesNotContain(parsed.Errors, e => e.Field.Contains("additionalPrinterColumns[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Printer_column_name_type_and_json_path_are_required()
    {
        var version = Crds.Version("v1");
        version["additionalPrinterColumns"] = Json("""[{}]""");

        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version)));

        AssertError(parsed, "FieldValueRequired", "spec.versions[0].additionalPrinterColumns[0].name");
        AssertError(parsed, "FieldValueRequired", "spec.versions[0].additionalPrinterColumns[0].type");
        AssertError(parsed, "FieldValueRequired", "spec.versions[0].additionalPrinterColumns[0].jsonPath");
    }

    [Fact]
    public void Printer_columns_must_be_an_array()
    {
        var version = Crds.Version("v1");
        version["additionalPrinterColumns"] = new JsonObject();

        AssertError(DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version))), "FieldValueTypeInvalid", "spec.versions[0].additionalPrinterColumns");
    }

    [Fact]
    public void Selectable_fields_need_absolute_unique_json_paths()
    {
        var version = Crds.Version("v1");
        version["selectableFields"] = Json("""[{"jsonPath":".spec.image"},{"jsonPath":"spec.cronSpec"},{"jsonPath":".spec.image"},{}, "x"]""");

        var parsed = DefinitionParser.Parse(Crds.CronTab(versions: new JsonArray(version)));

        AssertError(parsed, "FieldValueInvalid", "spec.versions[0].selectableFields[1].jsonPath");
        AssertError(parsed, "FieldValueDuplicate", "spec.versions[0].selectableFields[2].jsonPath");
        AssertError(parsed, "FieldValueRequired", "spec.versions[0].selectableFields[3].jsonPath");
        AssertError(parsed, "FieldValueTypeInvalid", "spec.versions[0].selectableFields[4]");
    }

    [Fact]
    public void Webhook_conversion_is_not_supported()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["conversion"] = new JsonObject { ["strategy"] = "Webhook" };

        var error = AssertError(DefinitionParser.Parse(crd), "FieldValueNotSupported", "spec.conversion.strategy");

        Assert.Equal("Unsupported value: \"Webhook\": supported values: \"None\"", error.Message);
    }

    [Fact]
    public void Conversion_strategy_none_is_accepted()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["conversion"] = new JsonObject { ["strategy"] = "None" };

        Assert.Empty(DefinitionParser.Parse(crd).Errors);
    }

    [Fact]
    public void Preserve_unknown_fields_true_is_refused_and_false_is_accepted()
    {
        var crd = Crds.CronTab();
        crd["spec"]!["preserveUnknownFields"] = true;
        AssertError(DefinitionParser.Parse(crd), "FieldValueInvalid", "spec.preserveUnknownFields");

        crd["spec"]!["preserveUnknownFields"] = false;
        Assert.Empty(DefinitionParser.Parse(crd).Errors);
    }

    [Fact]
    public void Several_problems_are_reported_together()
    {
        var crd = Crds.CronTab(group: "example", scope: "Global", plural: "CronTabs", versions: new JsonArray(Crds.Version("v1", storage: false)));
        crd["spec"]!["conversion"] = new JsonObject { ["strategy"] = "Webhook" };

        var parsed = DefinitionParser.Parse(crd);

        Assert.Null(parsed.Definition);
        Assert.Equal(
            ["spec.conversion.strategy", "spec.group", "spec.names.plural", "spec.scope", "spec.versions"],
            parsed.Errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Resource_version_of_the_definition_object_is_kept()
    {
        var crd = Crds.CronTab();
        crd["metadata"]!["resourceVersion"] = "42";

        Assert.Equal("42", DefinitionParser.Parse(crd).Definition!.ResourceVersion);
    }

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    private static FieldError AssertError(ParsedDefinition parsed, string reason, string field)
    {
        var matches = parsed.Errors.Where(e => e.Field == field && e.Reason == reason).ToList();
        Assert.True(matches.Count == 1, $"expected one {reason} at {field}; got: {string.Join("; ", parsed.Errors.Select(e => $"{e.Reason} {e.Field}: {e.Message}"))}");
        return matches[0];
    }
}
