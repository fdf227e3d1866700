using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public class JsonParsingTests
{
    private static JsonNode? Parse(string json) => Documents.ParseJson(Encoding.UTF8.GetBytes(json));

    private static string ErrorOf(string json) => Assert.Throws<DocumentFormatException>(() => Parse(json)).Message;

    [Fact]
    public void Parses_nested_objects_arrays_and_scalars()
    {
        var node = Parse("""{"a": {"b": [1, 2.50, "x", true, false, null]}, "c": ""}""");
        var list = node!["a"]!["b"]!.AsArray();
        Assert.Equal(6, list.Count);
        Assert.Equal(1, list[0]!.GetValue<long>());
        Assert.Equal("2.50", list[1]!.ToJsonString());
        Assert.Equal("x", list[2]!.GetValue<string>());
        Assert.True(list[3]!.GetValue<bool>());
        Assert.False(list[4]!.GetValue<bool>());
        Assert.Null(list[5]);
        Assert.Equal(string.Empty, node["c"]!.GetValue<string>());
    }

    [Fact]
    public void Keeps_numbers_exactly_as_written()
    {
        var node = Parse("""[1.0, 12345678901234567890123, 1e400, -0.000001]""")!.AsArray();
        Assert.Equal(["1.0", "12345678901234567890123", "1e400", "-0.000001"], node.Select(n => n!.ToJsonString()));
    }

    [Fact]
    public void Null_document_is_null()
    {
        Assert.Null(Parse(" null "));
    }

    [Fact]
    public void Byte_order_mark_is_skipped()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"a":1}""")).ToArray();
        Json.Equal("""{"a":1}""", Documents.ParseJson(bytes));
    }

    [Fact]
    public void Error_names_line_and_column_of_a_missing_colon()
    {
        var message = ErrorOf("{\n  \"a\": 1,\n  \"b\"      }");
        Assert.StartsWith("invalid JSON at line 3, column 12: '}' is invalid after a property name", message);
    }

    [Fact]
    public void Error_column_counts_characters_not_bytes()
    {
        var message = ErrorOf("{\"é€\": x}");
        Assert.StartsWith("invalid JSON at line 1, column 8:", message);
    }

    [Fact]
    public void Error_message_does_not_leak_reader_internals()
    {
        var message = ErrorOf("{\"a\": tru}");
        Assert.DoesNotContain("LineNumber", message);
        Assert.DoesNotContain("BytePositionInLine", message);
        Assert.DoesNotContain("System.", message);
        Assert.DoesNotContain("Exception", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    public void Empty_body_is_refused_with_a_clear_message(string json)
    {
        Assert.Equal("invalid JSON: the body is empty", ErrorOf(json));
    }

    [Fact]
    public void Duplicate_property_names_are_refused_with_their_position()
    {
        var message = ErrorOf("{\n  \"spec\": {\"a\": 1,\n    \"a\": 2}}");
        Assert.Equal("invalid JSON at line 3, column 5: duplicate property name \"a\"", message);
    }

    [Fact]
    public void Same_name_in_different_objects_is_allowed()
    {
        Json.Equal("""{"a":{"a":1},"b":{"a":2}}""", Parse("""{"a":{"a":1},"b":{"a":2}}"""));
    }

    [Theory]
    [InlineData("{\"a\": 1,}")]
    [InlineData("[1, 2,]")]
    [InlineData("{\"a\": 1 /* comment */}")]
    [InlineData("// comment\n{}")]
    [InlineData("{'a': 1}")]
    [InlineData("{\"a\": NaN}")]
    [InlineData("{\"a\": 01}")]
    [InlineData("{\"a\": 1} {\"b\": 2}")]
    [InlineData("{\"a\": 1")]
    [InlineData("[1, 2")]
    [InlineData("\"unterminated")]
    public void Malformed_json_is_refused_with_a_position(string json)
    {
        Assert.Matches(@"^invalid JSON at line \d+, column \d+: \S", ErrorOf(json));
    }

    [Fact]
    public void Trailing_comma_error_is_short_and_client_facing()
    {
        Assert.Equal("invalid JSON at line 1, column 9: trailing commas are not allowed", ErrorOf("{\"a\": 1,}"));
    }

    [Fact]
    public void Trailing_content_error_points_at_the_extra_value()
    {
        Assert.StartsWith("invalid JSON at line 2, column 1:", ErrorOf("{}\n[]"));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var json = new string('[', 150) + new string(']', 150);
        Assert.Contains("depth", ErrorOf(json));
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_accepted()
    {
        var json = new string('[', 100) + new string(']', 100);
        Assert.NotNull(Parse(json));
    }

    [Fact]
    public void Escapes_in_strings_and_names_are_decoded()
    {
        var node = Parse("""{"a\u0062": "\ud83d\ude00\n\"\\"}""");
        Assert.Equal("😀\n\"\\", node!["ab"]!.GetValue<string>());
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var bytes = new byte[] { (byte)'"', 0xC3, 0x28, (byte)'"' };
        var error = Assert.Throws<DocumentFormatException>(() => Documents.ParseJson(bytes));
        Assert.StartsWith("invalid JSON at line 1", error.Message);
    }

    [Fact]
    public void Parsed_numbers_compare_by_value()
    {
        Assert.Equal(JsonValueKind.Number, Parse("1.0")!.GetValueKind());
        Json.Equal(Parse("1"), Parse("1.0"));
        Json.Equal(Parse("100"), Parse("1e2"));
    }
}
