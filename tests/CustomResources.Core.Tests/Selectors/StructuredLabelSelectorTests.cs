using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Selectors;

namespace CustomResources.Core.Tests.Selectors;

public class StructuredLabelSelectorTests
{
    private static LabelSelector From(string json) => LabelSelector.FromJson(JsonNode.Parse(json));

    private static string Error(string json)
    {
        var error = Assert.Throws<ApiException>(() => From(json));
        Assert.Equal(400, error.Code);
        return error.Message;
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"matchLabels":{},"matchExpressions":[]}""")]
    [InlineData("""{"matchLabels":null,"matchExpressions":null}""")]
    public void Absent_or_empty_selector_matches_everything(string json)
    {
        var selector = From(json);
        Assert.True(selector.IsEverything);
        Assert.True(selector.Matches(null));
    }

    [Fact]
    public void Missing_node_matches_everything() =>
        Assert.True(LabelSelector.FromJson(null).IsEverything);

    [Fact]
    public void Structured_form_is_equivalent_to_the_text_form()
    {
        var structured = From("""
            {
              "matchLabels": {"app": "web", "example.com/owner": "team-a"},
              "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["staging", "prod"]},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "track", "operator": "Exists"},
                {"key": "canary", "operator": "DoesNotExist", "values": []}
              ]
            }
            """);
        var text = LabelSelector.Parse("app=web,example.com/owner=team-a,env in (prod,staging),tier notin (db),track,!canary");

        Assert.Equal(text.ToString(), structured.ToString());
        Assert.Equal("app=web,!canary,env in (prod,staging),example.com/owner=team-a,tier notin (db),track", structured.ToString());

        var labelSets = new[]
        {
            """{"app":"web","example.com/owner":"team-a","env":"prod","track":"stable"}""",
            """{"app":"web","example.com/owner":"team-a","env":"prod","track":"stable","tier":"db"}""",
            """{"app":"web","example.com/owner":"team-a","env":"dev","track":"stable"}""",
            """{"app":"web","example.com/owner":"team-a","env":"prod","track":"stable","canary":"yes"}""",
            """{"app":"web","example.com/owner":"team-a","env":"prod"}""",
            """{}""",
        };
        var expected = new[] { true, false, false, false, false, false };
        for (var i = 0; i < labelSets.Length; i++)
        {
            var labels = JsonNode.Parse(labelSets[i])!.AsObject();
            Assert.Equal(expected[i], structured.Matches(labels));
            Assert.Equal(expected[i], text.Matches(labels));
        }
    }

    [Fact]
    public void Not_in_matches_objects_without_the_key()
    {
        var selector = From("""{"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod"]}]}""");
        Assert.True(selector.Matches(new JsonObject()));
        Assert.True(selector.Matches(null));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"In"}]}""", "selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"NotIn","values":[]}]}""", "selector.matchExpressions[0].values: Required value")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"Exists","values":["a"]}]}""", "selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"in","values":["a"]}]}""", "selector.matchExpressions[0].operator: Unsupported value: \"in\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"Gt","values":["1"]}]}""", "Unsupported value: \"Gt\"")]
    [InlineData("""{"matchExpressions":[{"operator":"Exists"}]}""", "selector.matchExpressions[0].key: Required value")]
    [InlineData("""{"matchExpressions":[{"key":"env"}]}""", "selector.matchExpressions[0].operator: Required value")]
    [InlineData("""{"matchExpressions":[{"key":"bad key","operator":"Exists"}]}""", "selector.matchExpressions[0].key: Invalid value: \"bad key\": name part must consist of")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"In","values":["ok","-bad"]}]}""", "selector.matchExpressions[0].values[1]: Invalid value: \"-bad\"")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"In","values":[1]}]}""", "selector.matchExpressions[0].values[0]: Invalid value: 1: selector.matchExpressions[0].values[0] in body must be of type string")]
    [InlineData("""{"matchExpressions":{"key":"env"}}""", "selector.matchExpressions: Invalid value")]
    [InlineData("""{"matchLabels":{"app":3}}""", "selector.matchLabels[app]: Invalid value: 3")]
    [InlineData("""{"matchLabels":{"app":"web!"}}""", "selector.matchLabels[app]: Invalid value: \"web!\": a valid label must be an empty string")]
    [InlineData("""{"matchLabels":{"-app":"web"}}""", "selector.matchLabels: Invalid value: \"-app\": name part must consist of")]
    [InlineData("""{"matchLabels":["app"]}""", "selector.matchLabels: Invalid value")]
    [InlineData("""["app"]""", "selector: Invalid value")]
    public void Malformed_structured_selectors_are_refused_with_the_field_path(string json, string expected) =>
        Assert.Contains(expected, Error(json), StringComparison.Ordinal);

    [Fact]
    public void Several_problems_are_reported_together()
    {
        var message = Error("""{"matchLabels":{"app":"web!"},"matchExpressions":[{"key":"env","operator":"In"}]}""");
        Assert.StartsWith("invalid label selector: [selector.matchLabels[app]: ", message, StringComparison.Ordinal);
        Assert.Contains(", selector.matchExpressions[0].values: Required value", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_errors_can_be_collected_under_a_caller_path()
    {
        var errors = new List<FieldError>();
        var selector = LabelSelector.FromJson(
            JsonNode.Parse("""{"matchExpressions":[{"key":"env","operator":"Exists","values":["x"]}]}"""),
            "webhooks[0].objectSelector",
            errors);

        Assert.Null(selector);
        var error = Assert.Single(errors);
        Assert.Equal("FieldValueForbidden", error.Reason);
        Assert.Equal("webhooks[0].objectSelector.matchExpressions[0].values", error.Field);
    }

    [Fact]
    public void Valid_selector_adds_no_field_errors()
    {
        var errors = new List<FieldError>();
        var selector = LabelSelector.FromJson(JsonNode.Parse("""{"matchLabels":{"app":""}}"""), "spec.selector", errors);
        Assert.Empty(errors);
        Assert.NotNull(selector);
        Assert.True(selector.Matches(JsonNode.Parse("""{"app":""}""")!.AsObject()));
        Assert.False(selector.Matches(new JsonObject()));
    }
}
