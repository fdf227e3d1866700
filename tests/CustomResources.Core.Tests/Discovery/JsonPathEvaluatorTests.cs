using System.Text.Json.Nodes;
using CustomResources.Core.Discovery;

namespace CustomResources.Core.Tests.Discovery;

public class JsonPathEvaluatorTests
{
    private static readonly JsonNode Document = JsonNode.Parse("""
        {
          "metadata": { "name": "n", "labels": { "app": "web", "a.b/c": "dotted" } },
          "spec": { "n": 3, "flag": true, "empty": null, "items": [ { "name": "a" }, { "name": "b" }, { "other": 1 } ] }
        }
        """)!;

    private static List<string> Eval(string path) => JsonPathEvaluator.Evaluate(Document, path).Select(n => n.ToJsonString()).ToList();

    [Theory]
    [InlineData(".metadata.name", "\"n\"")]
    [InlineData("metadata.name", "\"n\"")]
    [InlineData("{.metadata.name}", "\"n\"")]
    [InlineData("$.metadata.name", "\"n\"")]
    [InlineData(".spec.n", "3")]
    [InlineData(".spec.flag", "true")]
    [InlineData(".metadata.labels['a.b/c']", "\"dotted\"")]
    [InlineData(".metadata.labels[\"a.b/c\"]", "\"dotted\"")]
    [InlineData(".metadata.labels.a\\.b/c", "\"dotted\"")]
    [InlineData(".spec.items[1].name", "\"b\"")]
    [InlineData(".spec.items[-1].other", "1")]
    public void Selects_a_single_value(string path, string expected)
    {
        Assert.Equal([expected], Eval(path));
    }

    [Fact]
    public void Wildcards_select_every_match_in_order()
    {
        Assert.Equal(["\"a\"", "\"b\""], Eval(".spec.items[*].name"));
        Assert.Equal(["\"web\"", "\"dotted\""], Eval(".metadata.labels.*"));
    }

    [Theory]
    [InlineData(".spec.missing")]
    [InlineData(".spec.empty")]
    [InlineData(".spec.items[7]")]
    [InlineData(".spec.n.deeper")]
    [InlineData(".spec.items[?(@.name=='a')]")]
    [InlineData(".spec.items[")]
    [InlineData("..name")]
    public void Selects_nothing_for_missing_null_or_unsupported_paths(string path)
    {
        Assert.Empty(Eval(path));
    }
}
