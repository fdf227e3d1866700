using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Selectors;

namespace CustomResources.Core.Tests.Selectors;

public class FieldSelectorTests
{
    private static readonly string[] Selectable = ["spec.color", "spec.size", "spec.enabled", "spec.note", "status.phase"];

    private static readonly JsonObject Widget = JsonNode.Parse("""
        {
          "apiVersion": "example.com/v1",
          "kind": "Widget",
          "metadata": {"name": "blue-one", "namespace": "team-a"},
          "spec": {"color": "blue", "size": 42, "enabled": true, "note": "a,b=c!d\\e"},
          "status": {"phase": null}
        }
        """)!.AsObject();

    private static bool Selects(string selector) => FieldSelector.Parse(selector, Selectable).Matches(Widget);

    private static string ParseError(string selector, IReadOnlyCollection<string>? allowed = null)
    {
        var error = Assert.Throws<ApiException>(() => FieldSelector.Parse(selector, allowed ?? Selectable));
        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequest", error.Reason);
        return error.Message;
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(",")]
    public void Empty_selector_matches_everything(string text)
    {
        var selector = FieldSelector.Parse(text, []);
        Assert.True(selector.IsEverything);
        Assert.True(selector.Matches(Widget));
        Assert.Null(selector.ExactName);
    }

    [Theory]
    [InlineData("metadata.name=blue-one", true)]
    [InlineData("metadata.name==blue-one", true)]
    [InlineData("metadata.name!=blue-one", false)]
    [InlineData("metadata.name=red-one", false)]
    [InlineData("metadata.name!=red-one", true)]
    [InlineData("metadata.namespace=team-a", true)]
    [InlineData("metadata.namespace=team-b", false)]
    [InlineData("spec.color=blue", true)]
    [InlineData("spec.color!=blue", false)]
    [InlineData("spec.color==red", false)]
    public void Each_operator_compares_the_field_as_a_string(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector));

    [Theory]
    [InlineData("metadata.name=blue-one,spec.color=blue", true)]
    [InlineData("metadata.name=blue-one,spec.color=red", false)]
    [InlineData("spec.color!=red,spec.color!=green,metadata.namespace==team-a", true)]
    [InlineData("spec.color=blue,,spec.size=42,", true)]
    public void Comma_separated_requirements_must_all_hold(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector));

    [Theory]
    [InlineData("spec.size=42", true)]
    [InlineData("spec.size=042", false)]
    [InlineData("spec.size!=7", true)]
    [InlineData("spec.enabled=true", true)]
    [InlineData("spec.enabled=True", false)]
    [InlineData("spec.enabled!=false", true)]
    public void Integers_and_booleans_compare_as_kubernetes_renders_them(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector));

    [Theory]
    [InlineData("status.phase=", true)]
    [InlineData("status.phase!=Running", true)]
    [InlineData("status.phase=Running", false)]
    public void Missing_or_null_fields_compare_as_the_empty_string(string selector, bool expected)
    {
        Assert.Equal(expected, Selects(selector));
        var bare = JsonNode.Parse("""{"metadata":{"name":"x"}}""")!.AsObject();
        Assert.Equal(expected, FieldSelector.Parse(selector, Selectable).Matches(bare));
    }

    [Fact]
    public void Cluster_scoped_objects_have_an_empty_namespace()
    {
        var obj = JsonNode.Parse("""{"metadata":{"name":"x"}}""")!.AsObject();
        Assert.True(FieldSelector.Parse("metadata.namespace=", []).Matches(obj));
        Assert.False(FieldSelector.Parse("metadata.namespace=default", []).Matches(obj));
    }

    [Theory]
    [InlineData(@"spec.note=a\,b\=c!d\\e", true)]
    [InlineData(@"spec.note=a\,b\=c\!d\\e", true)]
    [InlineData(@"spec.note!=a\,b\=c!d\\e", false)]
    [InlineData(@"spec.note=a\,b", false)]
    public void Backslash_escapes_commas_equals_bangs_and_backslashes(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector));

    [Fact]
    public void Escaped_values_are_unescaped_and_to_string_escapes_them_again()
    {
        var selector = FieldSelector.Parse(@"spec.note=a\,b\=c\!d\\e, metadata.name != x", Selectable);
        Assert.Equal(
            [new FieldRequirement("spec.note", FieldOperator.Equal, @"a,b=c!d\e"), new FieldRequirement("metadata.name", FieldOperator.NotEqual, "x")],
            selector.Requirements);
        Assert.Equal(@"spec.note=a\,b\=c!d\\e,metadata.name!=x", selector.ToString());
        Assert.Equal(selector.Requirements, FieldSelector.Parse(selector.ToString(), Selectable).Requirements);
    }

    [Fact]
    public void Whitespace_around_fields_and_values_is_ignored() =>
        Assert.True(Selects(" metadata.name = blue-one ,  spec.color  !=  red "));

    [Theory]
    [InlineData("spec.weight=3", "field label not supported: spec.weight")]
    [InlineData("metadata.labels=x", "field label not supported: metadata.labels")]
    [InlineData("spec.color=blue,spec.shape!=round", "field label not supported: spec.shape")]
    public void Unsupported_fields_are_refused_in_kubernetes_wording(string selector, string expected) =>
        Assert.Equal(expected, ParseError(selector));

    [Fact]
    public void Only_metadata_name_and_namespace_are_supported_without_selectable_fields()
    {
        Assert.True(FieldSelector.Parse("metadata.name=blue-one,metadata.namespace=team-a", []).Matches(Widget));
        Assert.Equal("field label not supported: spec.size", ParseError("spec.size=42", []));
    }

    [Fact]
    public void Allowed_fields_may_be_given_with_a_leading_dot() =>
        Assert.True(FieldSelector.Parse("spec.color=blue", [".spec.color"]).Matches(Widget));

    [Theory]
    [InlineData("metadata.name", "invalid field selector \"metadata.name\": 'metadata.name' is not a requirement; expected field=value, field==value or field!=value")]
    [InlineData("a=b,junk", "invalid field selector \"a=b,junk\": 'junk' is not a requirement")]
    [InlineData("=blue", "invalid field selector \"=blue\": missing field name before '=' in '=blue'")]
    [InlineData(" != blue", "missing field name before '!='")]
    [InlineData("spec.color=a=b", "invalid field selector \"spec.color=a=b\": unescaped '=' in value of 'spec.color'; write it as \\=")]
    [InlineData(@"spec.color=a\qb", @"invalid escape sequence '\q' in value of 'spec.color'")]
    [InlineData(@"spec.color=ab\", @"value of 'spec.color' ends with a lone '\'")]
    public void Syntax_errors_name_the_problem(string selector, string expected) =>
        Assert.Contains(expected, ParseError(selector), StringComparison.Ordinal);

    [Fact]
    public void Exact_name_and_namespace_report_equality_pins_only()
    {
        var pinned = FieldSelector.Parse("metadata.namespace==team-a,metadata.name=blue-one,spec.color=blue", Selectable);
        Assert.Equal("blue-one", pinned.ExactName);
        Assert.Equal("team-a", pinned.ExactNamespace);

        var negated = FieldSelector.Parse("metadata.name!=blue-one,metadata.namespace!=team-a", Selectable);
        Assert.Null(negated.ExactName);
        Assert.Null(negated.ExactNamespace);

        Assert.Equal("", FieldSelector.Parse("metadata.namespace=", []).ExactNamespace);
    }

    [Fact]
    public void Any_number_of_selectable_fields_is_supported()
    {
        var fields = Enumerable.Range(0, 20).Select(i => $"spec.f{i}").ToArray();
        var spec = new JsonObject();
        for (var i = 0; i < fields.Length; i++)
        {
            spec[$"f{i}"] = i % 3 == 0 ? JsonValue.Create(i) : i % 3 == 1 ? JsonValue.Create(i % 2 == 0) : JsonValue.Create($"v{i}");
        }

        var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "many" }, ["spec"] = spec };
        var text = string.Join(",", fields.Select((f, i) => $"{f}={(i % 3 == 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : i % 3 == 1 ? (i % 2 == 0 ? "true" : "false") : $"v{i}")}"));

        var selector = FieldSelector.Parse(text, fields);
        Assert.Equal(20, selector.Requirements.Count);
        Assert.True(selector.Matches(obj));

        spec["f19"] = "changed";
        Assert.False(selector.Matches(obj));
    }

    [Fact]
    public void Field_value_renders_selectable_field_types()
    {
        Assert.Equal("blue", FieldSelector.FieldValue(Widget, "spec.color"));
        Assert.Equal("42", FieldSelector.FieldValue(Widget, ".spec.size"));
        Assert.Equal("true", FieldSelector.FieldValue(Widget, "spec.enabled"));
        Assert.Equal("", FieldSelector.FieldValue(Widget, "status.phase"));
        Assert.Equal("", FieldSelector.FieldValue(Widget, "spec.absent.deeper"));
    }
}
