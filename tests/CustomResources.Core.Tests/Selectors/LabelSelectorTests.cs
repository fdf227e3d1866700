using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Selectors;

namespace CustomResources.Core.Tests.Selectors;

public class LabelSelectorTests
{
    private static JsonObject Labels(string json) => JsonNode.Parse(json)!.AsObject();

    private static readonly JsonObject Web = Labels("""{"app":"web","tier":"frontend","env":"prod","example.com/owner":"team-a","empty":""}""");

    private static bool Selects(string selector, JsonObject? labels) => LabelSelector.Parse(selector).Matches(labels);

    private static string ParseError(string selector)
    {
        var error = Assert.Throws<ApiException>(() => LabelSelector.Parse(selector));
        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequest", error.Reason);
        return error.Message;
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_selector_matches_everything(string text)
    {
        var selector = LabelSelector.Parse(text);
        Assert.True(selector.IsEverything);
        Assert.True(selector.Matches(Web));
        Assert.True(selector.Matches(null));
        Assert.Equal("", selector.ToString());
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app=api", false)]
    [InlineData("app==web", true)]
    [InlineData("app==api", false)]
    [InlineData("missing=web", false)]
    [InlineData("app!=web", false)]
    [InlineData("app!=api", true)]
    [InlineData("app in (web,api)", true)]
    [InlineData("app in (api,db)", false)]
    [InlineData("app notin (web,api)", false)]
    [InlineData("app notin (api,db)", true)]
    [InlineData("app", true)]
    [InlineData("missing", false)]
    [InlineData("!app", false)]
    [InlineData("!missing", true)]
    [InlineData("example.com/owner=team-a", true)]
    [InlineData("empty=", true)]
    [InlineData("empty", true)]
    [InlineData("app=", false)]
    public void Each_operator_matches_as_in_kubernetes(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector, Web));

    [Theory]
    [InlineData("missing!=web")]
    [InlineData("missing notin (a,b)")]
    [InlineData("!missing")]
    public void Negative_operators_match_objects_without_the_key(string selector)
    {
        Assert.True(Selects(selector, Web));
        Assert.True(Selects(selector, null));
        Assert.True(Selects(selector, new JsonObject()));
    }

    [Theory]
    [InlineData("missing=x")]
    [InlineData("missing in (x)")]
    [InlineData("missing")]
    public void Positive_operators_need_the_key(string selector) =>
        Assert.False(Selects(selector, null));

    [Theory]
    [InlineData("app=web,tier=frontend", true)]
    [InlineData("app=web,tier=backend", false)]
    [InlineData("app=web,tier!=backend,env in (prod,staging),!canary,example.com/owner", true)]
    [InlineData("app=web,canary", false)]
    [InlineData("app in (web),app notin (web)", false)]
    public void Comma_separated_requirements_must_all_hold(string selector, bool expected) =>
        Assert.Equal(expected, Selects(selector, Web));

    [Theory]
    [InlineData("  app = web ")]
    [InlineData("app  ==  web")]
    [InlineData("app=web ,  tier=frontend")]
    [InlineData("env in(prod , staging)")]
    [InlineData("env  in  ( prod,staging )")]
    [InlineData("env\tnotin\t(dev)")]
    [InlineData("! canary")]
    [InlineData(" app , !canary ")]
    public void Whitespace_between_tokens_is_ignored(string selector) =>
        Assert.True(Selects(selector, Web));

    [Fact]
    public void Integer_comparisons_need_an_integer_label()
    {
        var labels = Labels("""{"replicas":"5","name":"x"}""");
        Assert.True(Selects("replicas>3", labels));
        Assert.False(Selects("replicas>5", labels));
        Assert.True(Selects("replicas<10", labels));
        Assert.False(Selects("name>1", labels));
        Assert.False(Selects("missing<1", labels));
    }

    [Fact]
    public void Values_may_be_operator_words()
    {
        var labels = Labels("""{"mode":"in","other":"notin"}""");
        Assert.True(Selects("mode=in", labels));
        Assert.True(Selects("other in (in,notin)", labels));
    }

    [Fact]
    public void Empty_values_are_allowed_in_lists()
    {
        Assert.True(Selects("empty in (a,)", Web));
        Assert.True(Selects("empty in (,a)", Web));
        Assert.False(Selects("app in (a,)", Web));
    }

    [Fact]
    public void To_string_is_canonical_and_reparses_to_the_same_selector()
    {
        var selector = LabelSelector.Parse(" tier != db , app == web,env in ( staging ,prod,prod ), !canary, owner, x notin (b,a), n>3, m<2");
        var text = selector.ToString();
        Assert.Equal("app=web,!canary,env in (prod,staging),m<2,n>3,owner,tier!=db,x notin (a,b)", text);
        Assert.Equal(text, LabelSelector.Parse(text).ToString());
    }

    [Fact]
    public void Requirements_expose_key_operator_and_values()
    {
        var requirement = Assert.Single(LabelSelector.Parse("env notin (b,a)").Requirements);
        Assert.Equal("env", requirement.Key);
        Assert.Equal(LabelOperator.NotIn, requirement.Operator);
        Assert.Equal(["a", "b"], requirement.Values);
    }

    [Theory]
    [InlineData("env in (a,b", "at position 12: found end of input, expected ')' to close the list opened at position 8")]
    [InlineData("env in a,b", "at position 8: found 'a', expected '(' after 'in' (e.g. 'key in (a,b)')")]
    [InlineData("env in", "at position 7: found end of input, expected '(' after 'in' (e.g. 'key in (a,b)')")]
    [InlineData("env in ()", "at position 9: 'in' needs at least one value between the parentheses")]
    [InlineData("env notin ( )", "at position 13: 'notin' needs at least one value between the parentheses")]
    [InlineData("env in (a b)", "at position 11: found 'b', expected ',' or ')'")]
    [InlineData("env in (a,(b))", "at position 11: found '(', expected a label value, ',' or ')'")]
    [InlineData("(env)", "at position 1: found '(', expected a label key or '!'")]
    [InlineData("=web", "at position 1: found '=', expected a label key or '!'")]
    [InlineData(",app", "at position 1: found ',', expected a label key or '!'")]
    [InlineData("app=web,", "at position 9: found end of input, expected a requirement after ','")]
    [InlineData("app=web,,tier", "at position 9: found ',', expected a requirement after ','")]
    [InlineData("!", "at position 2: found end of input, expected a label key after '!'")]
    [InlineData("!app=web", "at position 5: found '=', expected ',' or end of input")]
    [InlineData("app=web tier=db", "at position 9: found 'tier', expected ',' or end of input")]
    [InlineData("app web", "at position 5: found 'web', expected an operator (=, ==, !=, in, notin, >, <), ',' or end of input after label key 'app'")]
    [InlineData("app=(web)", "at position 5: found '(', expected a label value")]
    [InlineData("app>x", "at position 5: found 'x', expected an integer after '>'")]
    [InlineData("app<", "at position 5: found end of input, expected an integer after '<'")]
    public void Syntax_errors_name_the_problem_and_position(string selector, string expected)
    {
        var message = ParseError(selector);
        Assert.Equal($"unable to parse label selector \"{selector}\": {expected}", message);
    }

    [Theory]
    [InlineData("ab:c!=x", "invalid label key 'ab:c'")]
    [InlineData("-app=web", "invalid label key '-app': name part must consist of alphanumeric characters")]
    [InlineData("app_=web", "invalid label key 'app_'")]
    [InlineData("a@b=c", "invalid label key 'a@b'")]
    [InlineData("Example.com/app=web", "invalid label key 'Example.com/app': prefix part")]
    [InlineData("/app=web", "invalid label key '/app': prefix part must be non-empty")]
    [InlineData("example.com/=web", "invalid label key 'example.com/': name part must be non-empty")]
    [InlineData("app=web$", "invalid label value 'web$': a valid label must be an empty string or consist of alphanumeric characters")]
    [InlineData("app in (ok,-bad)", "invalid label value '-bad'")]
    public void Bad_keys_and_values_are_refused(string selector, string expected)
    {
        var message = ParseError(selector);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_and_values_may_be_63_characters_but_no_more()
    {
        var max = "a" + new string('b', 61) + "c";
        Assert.True(Selects($"{max}={max}", Labels($$"""{"{{max}}":"{{max}}"}""")));

        var longValue = max + "d";
        Assert.Equal(
            $"unable to parse label selector \"k={longValue}\": at position 3: invalid label value '{longValue}': must be no more than 63 characters",
            ParseError($"k={longValue}"));
        Assert.Contains("name part must be no more than 63 characters", ParseError($"{longValue}=v"), StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_are_bad_requests()
    {
        var error = Assert.Throws<ApiException>(() => LabelSelector.Parse("a in ("));
        Assert.Equal("BadRequest", (string?)error.ToStatus()["reason"]);
        Assert.Equal(400, (int?)error.ToStatus()["code"]);
    }
}
