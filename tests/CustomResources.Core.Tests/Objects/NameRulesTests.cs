using System.Text.Json.Nodes;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Tests.Objects;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("my-name.example.com", true)]
    [InlineData("0abc", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("", false)]
    [InlineData("My-name", false)]
    [InlineData("-abc", false)]
    [InlineData("abc-", false)]
    [InlineData("a..b", false)]
    [InlineData("a_b", false)]
    [InlineData(".a", false)]
    public void Dns1123_subdomain(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsDns1123Subdomain(value));
        Assert.Equal(valid, !NameRules.CheckSubdomain("metadata.name", value).Any());
    }

    [Fact]
    public void Dns1123_subdomain_is_at_most_253_characters()
    {
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];
        Assert.True(NameRules.IsDns1123Subdomain(longest));
        Assert.False(NameRules.IsDns1123Subdomain(longest + "a"));

        var error = Assert.Single(NameRules.CheckSubdomain("metadata.name", longest + "a"));
        Assert.Equal("metadata.name", error.Field);
        Assert.EndsWith("must be no more than 253 characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("123-abc", true)]
    [InlineData("a.b", false)]
    [InlineData("ABC", false)]
    [InlineData("abc-", false)]
    public void Dns1123_label(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsDns1123Label(value));
        Assert.Equal(valid, !NameRules.CheckLabel("metadata.name", value).Any());
    }

    [Fact]
    public void Dns1123_label_is_at_most_63_characters()
    {
        Assert.True(NameRules.IsDns1123Label(new string('a', 63)));
        Assert.False(NameRules.IsDns1123Label(new string('a', 64)));
        Assert.EndsWith("must be no more than 63 characters", Assert.Single(NameRules.CheckLabel("f", new string('a', 64))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crontabs", true)]
    [InlineData("my-name", true)]
    [InlineData("abc-123", true)]
    [InlineData("123-abc", false)]
    [InlineData("Crontabs", false)]
    [InlineData("cron.tabs", false)]
    [InlineData("crontab-", false)]
    public void Dns1035_label_starts_with_a_letter(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsDns1035Label(value));
        Assert.Equal(valid, !NameRules.CheckDns1035("spec.names.plural", value).Any());
    }

    [Theory]
    [InlineData("app")]
    [InlineData("App.Name_x-1")]
    [InlineData("example.com/app")]
    [InlineData("kubernetes.io/metadata.name")]
    public void Valid_qualified_names(string key)
    {
        Assert.Empty(NameRules.CheckQualifiedName("metadata.labels", key));
    }

    [Theory]
    [InlineData("/app", "prefix part must be non-empty")]
    [InlineData("Example.com/app", "prefix part a lowercase RFC 1123 subdomain")]
    [InlineData("example.com/", "name part must be non-empty")]
    [InlineData("-app", "name part must consist of alphanumeric characters")]
    [InlineData("app_", "name part must consist of alphanumeric characters")]
    [InlineData("a/b/c", "name part must consist of alphanumeric characters")]
    public void Invalid_qualified_names_say_which_part_is_wrong(string key, string message)
    {
        var error = Assert.Single(NameRules.CheckQualifiedName("metadata.labels", key));

        Assert.Equal("metadata.labels", error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qualified_name_part_is_at_most_63_characters()
    {
        Assert.Empty(NameRules.CheckQualifiedName("f", "example.com/" + new string('a', 63)));
        Assert.Contains("name part must be no more than 63 characters", Assert.Single(NameRules.CheckQualifiedName("f", "example.com/" + new string('a', 64))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_beta-3", true)]
    [InlineData("MyValue", true)]
    [InlineData("-v", false)]
    [InlineData("v/1", false)]
    [InlineData("v ", false)]
    public void Label_values_may_be_empty_or_qualified_name_parts(string value, bool valid)
    {
        Assert.Equal(valid, !NameRules.CheckLabelValue("metadata.labels[app]", value).Any());
    }

    [Fact]
    public void Label_values_are_at_most_63_characters()
    {
        Assert.Empty(NameRules.CheckLabelValue("f", new string('v', 63)));
        Assert.Single(NameRules.CheckLabelValue("f", new string('v', 64)));
    }

    [Fact]
    public void String_maps_must_hold_only_strings()
    {
        Assert.Empty(NameRules.CheckStringMap("metadata.labels", null));
        Assert.Empty(NameRules.CheckStringMap("metadata.labels", new JsonObject { ["a"] = "b" }));

        var notObject = Assert.Single(NameRules.CheckStringMap("metadata.labels", new JsonArray()));
        Assert.Equal(("FieldValueTypeInvalid", "metadata.labels"), (notObject.Reason, notObject.Field));

        var errors = NameRules.CheckStringMap("metadata.labels", new JsonObject { ["a"] = 1, ["b"] = "ok", ["c"] = null }).ToList();
        Assert.Equal(["metadata.labels[a]", "metadata.labels[c]"], errors.Select(e => e.Field));
    }
}
