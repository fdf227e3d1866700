using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public class YamlWritingTests
{
    private static readonly string[] Tricky =
    [
        "", " ", "  ", "true", "True", "FALSE", "false", "null", "Null", "~", "yes", "no", "on", "off", "y", "n", "Y",
        "123", "-123", "+123", "0x1F", "0o17", "007", "1.5", ".5", "-.5", "1.", "1e3", "1E-3", ".inf", "-.inf", ".nan", ".NaN",
        "1_000", "12:30", "2024-01-02", "2024-01-02T03:04:05Z", "0b101",
        "hello", "hello world", " leading", "trailing ", "a: b", "a:b", "a:", "key: value # comment", "a #b", "a#b", "#comment",
        "- item", "-", "--", "---", "--- x", "...", "... x", "?", "? x", ":", ": x", ",", "[", "]", "{", "}", "[a, b]", "{a: b}",
        "*alias", "&anchor", "!tag", "!!str", "|", "|-", ">", ">-", "'", "'quoted'", "\"", "\"quoted\"", "%YAML", "@at", "`tick",
        "<<", "=", "\\", "back\\slash", "C:\\path\\to", "tab\there", "\t", "line\nbreak", "line\nbreak\n", "two\n\n", "\n", "\n\n",
        "\nleading newline", "  indented\nsecond", "first\n  indented second\n", "trailing spaces  \nnext", "line\n  \nafter blank-ish",
        "cr\r\nlf", "\r", "nul\0byte", "bell\u0007", "del\u007F", "next\u0085line", "ls\u2028ps\u2029", "bom\uFEFF",
        "é", "日本語", "emoji 😀", "mixed ünïcödé: yes", "\u00A0nbsp", "zero\u200Bwidth",
        "a,b", "a[b]", "a{b}", "a'b", "a\"b", "a%b", "a@b", "a`b", "a!b", "a&b", "a*b", "a|b", "a>b", "a?b", "a-b",
        "https://example.com/path?q=1#frag", "image:tag", "nginx:1.25", "10.0.0.1", "1.2.3", "v1", "1Gi", "500m", "0.5Gi",
        new string('x', 5000), string.Concat(Enumerable.Repeat("long line with words ", 300)),
        string.Join('\n', Enumerable.Range(0, 200).Select(i => $"line {i}")),
        "#!/bin/sh\nset -e\n\techo \"hi\" # tab-indented\nexit 0\n",
    ];

    public static TheoryData<string> TrickyStrings() => new(Tricky);

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void Strings_round_trip_as_values_and_keys(string text)
    {
        AssertRoundTrips(JsonValue.Create(text));
        AssertRoundTrips(new JsonObject { ["value"] = text });
        AssertRoundTrips(new JsonObject { [text] = "key" });
        AssertRoundTrips(new JsonArray(text, text));
        AssertRoundTrips(new JsonObject { ["list"] = new JsonArray(new JsonObject { ["a"] = text, ["b"] = text }) });
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("1.5")]
    [InlineData("-0.001")]
    [InlineData("1e3")]
    [InlineData("1E+30")]
    [InlineData("2.5e-7")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("[[]]")]
    [InlineData("[{}]")]
    [InlineData("{\"a\":{}}")]
    [InlineData("{\"a\":[]}")]
    [InlineData("[[[]], [{}], {\"a\": [[]]}]")]
    [InlineData("[[1, [2, [3]]], [[\"x\"]]]")]
    [InlineData("[null, null]")]
    [InlineData("{\"a\": null, \"b\": [null, {\"c\": null}]}")]
    [InlineData("[\"\", \"\", {\"\": \"\"}]")]
    [InlineData("{\"a\": [{\"b\": [{\"c\": {\"d\": [1, {}]}}]}]}")]
    public void Json_values_round_trip(string json)
    {
        AssertRoundTrips(Json.Parse(json));
    }

    [Fact]
    public void Clr_backed_numbers_round_trip()
    {
        AssertRoundTrips(new JsonArray(JsonValue.Create(long.MaxValue), JsonValue.Create(long.MinValue), JsonValue.Create(0.1), JsonValue.Create(1.0), JsonValue.Create(1e300), JsonValue.Create(12.5m), JsonValue.Create(-7)));
    }

    [Fact]
    public void Random_documents_round_trip()
    {
        var random = new Random(1234);
        var strings = Tricky;
        for (var i = 0; i < 300; i++)
        {
            AssertRoundTrips(RandomNode(random, strings, 0));
        }
    }

    [Fact]
    public void Very_long_keys_round_trip()
    {
        AssertRoundTrips(new JsonObject { [new string('k', 2000)] = new JsonArray(1, 2), ["b"] = "c" });
        AssertRoundTrips(new JsonObject { [new string('k', 2000) + ": #"] = new JsonObject { ["x"] = 1 } });
    }

    [Fact]
    public void Writes_block_style_with_two_space_indentation_and_kubectl_lists()
    {
        var node = Json.Parse("""
            {"apiVersion":"v1","kind":"Thing","metadata":{"name":"x","labels":{}},
             "spec":{"items":[{"name":"a","ports":[80,443]},{"name":"b"}],"empty":[],"flag":"true","count":3}}
            """);
        const string expected = """
            apiVersion: v1
            kind: Thing
            metadata:
              name: x
              labels: {}
            spec:
              items:
              - name: a
                ports:
                - 80
                - 443
              - name: b
              empty: []
              flag: "true"
              count: 3

            """;
        Assert.Equal(expected.Replace("\r\n", "\n", StringComparison.Ordinal), Documents.WriteYaml(node));
    }

    [Theory]
    [InlineData("true", "\"true\"")]
    [InlineData("null", "\"null\"")]
    [InlineData("123", "\"123\"")]
    [InlineData("1.5", "\"1.5\"")]
    [InlineData("", "\"\"")]
    [InlineData(" x", "\" x\"")]
    [InlineData("x ", "\"x \"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("a #b", "\"a #b\"")]
    [InlineData("*a", "\"*a\"")]
    [InlineData("&a", "\"&a\"")]
    [InlineData("!a", "\"!a\"")]
    [InlineData("|a", "\"|a\"")]
    [InlineData(">a", "\">a\"")]
    [InlineData("'a", "\"'a\"")]
    [InlineData("\"a", "\"\\\"a\"")]
    [InlineData("%a", "\"%a\"")]
    [InlineData("@a", "\"@a\"")]
    [InlineData("`a", "\"`a\"")]
    [InlineData("- a", "\"- a\"")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("tab\tx", "\"tab\\tx\"")]
    [InlineData("plain text", "plain text")]
    [InlineData("nginx:1.25", "nginx:1.25")]
    [InlineData("日本語", "日本語")]
    public void Ambiguous_strings_are_quoted(string text, string expected)
    {
        Assert.Equal($"v: {expected}\n", Documents.WriteYaml(new JsonObject { ["v"] = text }));
    }

    [Fact]
    public void Multi_line_strings_are_literal_blocks()
    {
        Assert.Equal("v: |-\n  one\n  two\n", Documents.WriteYaml(new JsonObject { ["v"] = "one\ntwo" }));
        Assert.Equal("v: |\n  one\n\n  two\n", Documents.WriteYaml(new JsonObject { ["v"] = "one\n\ntwo\n" }));
        Assert.Equal("- |+\n  one\n\n", Documents.WriteYaml(new JsonArray("one\n\n")));
    }

    [Fact]
    public void Scalar_documents_are_written_on_one_line()
    {
        Assert.Equal("null\n", Documents.WriteYaml(null));
        Assert.Equal("42\n", Documents.WriteYaml(JsonValue.Create(42)));
        Assert.Equal("{}\n", Documents.WriteYaml(new JsonObject()));
        Assert.Equal("[]\n", Documents.WriteYaml(new JsonArray()));
        Assert.Equal("\"true\"\n", Documents.WriteYaml(JsonValue.Create("true")));
    }

    private static void AssertRoundTrips(JsonNode? node)
    {
        var yaml = Documents.WriteYaml(node);
        JsonNode? back;
        try
        {
            back = Documents.ParseYaml(yaml);
        }
        catch (DocumentFormatException ex)
        {
            Assert.Fail($"{ex.Message}\n--- yaml ---\n{yaml}");
            return;
        }

        Assert.True(
            JsonEquality.DeepEquals(node, back),
            $"round trip changed {node?.ToJsonString() ?? "null"} into {back?.ToJsonString() ?? "null"}\n--- yaml ---\n{yaml}");
    }

    private static JsonNode? RandomNode(Random random, string[] strings, int depth)
    {
        var pick = random.Next(depth > 4 ? 5 : 8);
        switch (pick)
        {
            case 0:
                return null;
            case 1:
                return JsonValue.Create(random.Next(2) == 0);
            case 2:
                return JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue));
            case 3:
                return JsonValue.Create(Math.Round(random.NextDouble() * 1000, random.Next(6)));
            case 4:
                return JsonValue.Create(RandomString(random, strings));
            case 5:
            case 6:
                {
                    var obj = new JsonObject();
                    var count = random.Next(4);
                    for (var i = 0; i < count; i++)
                    {
                        obj[RandomString(random, strings)] = RandomNode(random, strings, depth + 1);
                    }

                    return obj;
                }

            default:
                {
                    var array = new JsonArray();
                    var count = random.Next(4);
                    for (var i = 0; i < count; i++)
                    {
                        array.Add(RandomNode(random, strings, depth + 1));
                    }

                    return array;
                }
        }
    }

    private static string RandomString(Random random, string[] strings)
    {
        if (random.Next(3) > 0)
        {
            return strings[random.Next(strings.Length)];
        }

        var text = new StringBuilder();
        var length = random.Next(12);
        const string alphabet = "ab :#-?'\"\n\t\\{}[],&*!|>%@`.0123456789é😀\u0085\u2028 ";
        for (var i = 0; i < length; i++)
        {
            var c = alphabet[random.Next(alphabet.Length)];
            text.Append(char.IsHighSurrogate(c) ? "😀" : char.IsLowSurrogate(c) ? "x" : c.ToString());
        }

        return text.ToString();
    }
}
