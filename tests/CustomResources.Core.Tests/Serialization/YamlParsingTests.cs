using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public class YamlParsingTests
{
    private static string ErrorOf(string yaml) => Assert.Throws<DocumentFormatException>(() => Documents.ParseYaml(yaml)).Message;

    private static JsonNode? ValueOf(string scalar) => Documents.ParseYaml("v: " + scalar)!["v"];

    [Theory]
    [InlineData("null", "null")]
    [InlineData("Null", "null")]
    [InlineData("NULL", "null")]
    [InlineData("~", "null")]
    [InlineData("", "null")]
    [InlineData("true", "true")]
    [InlineData("True", "true")]
    [InlineData("TRUE", "true")]
    [InlineData("false", "false")]
    [InlineData("False", "false")]
    [InlineData("FALSE", "false")]
    [InlineData("0", "0")]
    [InlineData("42", "42")]
    [InlineData("-17", "-17")]
    [InlineData("+17", "17")]
    [InlineData("007", "7")]
    [InlineData("0x1F", "31")]
    [InlineData("0xff", "255")]
    [InlineData("0o17", "15")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("-9223372036854775808", "-9223372036854775808")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("0xFFFFFFFFFFFFFFFFFF", "4722366482869645213695")]
    [InlineData("1.5", "1.5")]
    [InlineData("-1.5", "-1.5")]
    [InlineData("+1.5", "1.5")]
    [InlineData("1.0", "1.0")]
    [InlineData("1.", "1.0")]
    [InlineData(".5", "0.5")]
    [InlineData("-.5", "-0.5")]
    [InlineData("1e3", "1e3")]
    [InlineData("1E-3", "1E-3")]
    [InlineData("2.5e+10", "2.5e+10")]
    [InlineData("00.5", "0.5")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("no", "\"no\"")]
    [InlineData("on", "\"on\"")]
    [InlineData("y", "\"y\"")]
    [InlineData("0b101", "\"0b101\"")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("0o8", "\"0o8\"")]
    [InlineData("1_000", "\"1_000\"")]
    [InlineData("12:30", "\"12:30\"")]
    [InlineData("2024-01-02", "\"2024-01-02\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("-x", "\"-x\"")]
    [InlineData(".", "\".\"")]
    [InlineData("nulls", "\"nulls\"")]
    [InlineData("tRUE", "\"tRUE\"")]
    [InlineData("hello world", "\"hello world\"")]
    [InlineData("'true'", "\"true\"")]
    [InlineData("\"42\"", "\"42\"")]
    [InlineData("'null'", "\"null\"")]
    [InlineData("''", "\"\"")]
    [InlineData("\"a\\tb\\u00e9\"", "\"a\\tb\u00e9\"")]
    [InlineData("!!str 42", "\"42\"")]
    [InlineData("!!str true", "\"true\"")]
    [InlineData("!!str", "\"\"")]
    [InlineData("!!int \"42\"", "42")]
    [InlineData("!!int 0x10", "16")]
    [InlineData("!!float 1", "1")]
    [InlineData("!!float '2.5'", "2.5")]
    [InlineData("!!bool 'true'", "true")]
    [InlineData("!!null ''", "null")]
    [InlineData("! 42", "\"42\"")]
    [InlineData("[1, two, 'three', null]", "[1, \"two\", \"three\", null]")]
    [InlineData("{a: 1, b: [true]}", "{\"a\": 1, \"b\": [true]}")]
    [InlineData("{}", "{}")]
    [InlineData("[]", "[]")]
    public void Scalars_are_typed_by_the_core_schema(string yaml, string expectedJson)
    {
        var actual = ValueOf(yaml);
        Json.Equal(expectedJson, actual);
        var expected = Json.Parse(expectedJson);
        Assert.Equal(expected?.GetValueKind() ?? JsonValueKind.Null, actual?.GetValueKind() ?? JsonValueKind.Null);
    }

    [Fact]
    public void Integers_that_fit_are_longs()
    {
        Assert.Equal(42L, ValueOf("42")!.GetValue<long>());
        Assert.Equal(31L, ValueOf("0x1F")!.GetValue<long>());
    }

    [Fact]
    public void Floats_keep_their_written_precision()
    {
        Assert.Equal("1.0", ValueOf("1.0")!.ToJsonString());
        Assert.Equal("3.14159265358979323846264338327950288", ValueOf("3.14159265358979323846264338327950288")!.ToJsonString());
    }

    [Theory]
    [InlineData(".inf")]
    [InlineData("-.inf")]
    [InlineData("+.Inf")]
    [InlineData(".NaN")]
    [InlineData("!!float .nan")]
    public void Infinity_and_nan_are_refused(string scalar)
    {
        Assert.Matches(@"^invalid YAML at line 1, column \d+: .* cannot be represented in JSON", ErrorOf("v: " + scalar));
    }

    [Fact]
    public void Quoted_infinity_is_a_string()
    {
        Assert.Equal(".inf", ValueOf("'.inf'")!.GetValue<string>());
    }

    [Theory]
    [InlineData("!!int abc", "\"abc\" is not a valid !!int value")]
    [InlineData("!!bool yes", "\"yes\" is not a valid !!bool value")]
    [InlineData("!!null x", "\"x\" is not a valid !!null value")]
    [InlineData("!!float x", "\"x\" is not a valid !!float value")]
    [InlineData("!Ref thing", "unsupported tag !Ref")]
    public void Bad_explicit_tags_are_refused(string scalar, string message)
    {
        Assert.Equal("invalid YAML at line 1, column 4: " + message, ErrorOf("v: " + scalar));
    }

    [Fact]
    public void Block_scalars_are_strings()
    {
        var node = Documents.ParseYaml("""
            literal: |
              line one
                indented
              42
            folded: >
              folded
              text
            stripped: |-
              123
            """);
        Assert.Equal("line one\n  indented\n42\n", node!["literal"]!.GetValue<string>());
        Assert.Equal("folded text\n", node["folded"]!.GetValue<string>());
        Assert.Equal("123", node["stripped"]!.GetValue<string>());
    }

    [Fact]
    public void Keys_are_stringified()
    {
        var node = Documents.ParseYaml("1: one\ntrue: yes\nnull: x\n1.5: y\n'quoted': z\n");
        Assert.Equal(["1", "true", "null", "1.5", "quoted"], node!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Complex_keys_are_refused()
    {
        Assert.Equal("invalid YAML at line 1, column 3: mapping keys must be scalars", ErrorOf("? [a, b]\n: c\n"));
        Assert.Contains("mapping keys must be scalars", ErrorOf("{[a]: 1}"));
    }

    [Fact]
    public void Duplicate_keys_are_refused_with_their_position()
    {
        Assert.Equal("invalid YAML at line 3, column 3: duplicate key \"a\"", ErrorOf("spec:\n  a: 1\n  a: 2\n"));
    }

    [Fact]
    public void Keys_that_stringify_alike_are_duplicates()
    {
        Assert.Contains("duplicate key \"1\"", ErrorOf("1: a\n'1': b\n"));
    }

    [Fact]
    public void Empty_document_is_null()
    {
        Assert.Null(Documents.ParseYaml(""));
        Assert.Null(Documents.ParseYaml("# only a comment\n"));
        Assert.Null(Documents.ParseYaml("---\n"));
        Assert.Null(Documents.ParseYaml("~"));
    }

    [Fact]
    public void Leading_document_marker_and_end_marker_are_accepted()
    {
        Json.Equal("""{"a":1}""", Documents.ParseYaml("---\na: 1\n...\n"));
        Json.Equal("""{"a":1}""", Documents.ParseYaml("%YAML 1.2\n---\na: 1\n"));
    }

    [Fact]
    public void A_second_document_is_refused()
    {
        Assert.Equal(
            "invalid YAML at line 3, column 1: multiple YAML documents are not supported",
            ErrorOf("---\na: 1\n---\nb: 2\n"));
    }

    [Fact]
    public void Scalar_documents_are_allowed()
    {
        Json.Equal("\"hello\"", Documents.ParseYaml("hello"));
        Json.Equal("[1,2]", Documents.ParseYaml("- 1\n- 2\n"));
    }

    [Fact]
    public void Aliases_are_expanded_as_copies()
    {
        var node = Documents.ParseYaml("""
            base: &base
              image: nginx
              ports: [80]
            name: &name web
            first: *base
            second: *base
            label: *name
            """)!;
        Json.Equal(node["base"], node["first"]);
        Json.Equal(node["base"], node["second"]);
        Assert.Equal("web", node["label"]!.GetValue<string>());
        node["first"]!["image"] = "changed";
        Assert.Equal("nginx", node["second"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_keys_combine_mappings_and_explicit_keys_win()
    {
        var node = Documents.ParseYaml("""
            defaults: &defaults
              a: 1
              b: 2
            extra: &extra
              c: 3
            item:
              b: 20
              <<: [*defaults, *extra]
            """)!;
        Json.Equal("""{"a":1,"b":20,"c":3}""", node["item"]);
    }

    [Fact]
    public void Alias_keys_use_the_anchored_scalar()
    {
        Json.Equal("""{"k":"x","a":{"x":1}}""", Documents.ParseYaml("k: &key x\na:\n  *key : 1\n"));
    }

    [Fact]
    public void Unknown_alias_is_refused()
    {
        Assert.Equal("invalid YAML at line 1, column 4: unknown alias *nope", ErrorOf("a: *nope\n"));
    }

    [Fact]
    public void Alias_bomb_is_refused()
    {
        var yaml = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            """;
        Assert.Matches(@"^invalid YAML at line \d+, column \d+: aliases expand to too many nodes \(limit 100000\)$", ErrorOf(yaml));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var yaml = new string('[', 150) + new string(']', 150);
        Assert.Contains("nested too deeply", ErrorOf(yaml));
    }

    [Theory]
    [InlineData("a: 1\n b: 2\n", 2)]
    [InlineData("a: [1, 2\n", 2)]
    [InlineData("a: 'unterminated\n", 1)]
    [InlineData("key: value\n\tbad: tab\n", 1)]
    [InlineData("a:\n  - 1\n  b: 2\n", 3)]
    public void Syntax_errors_name_a_line_and_column(string yaml, int line)
    {
        var message = ErrorOf(yaml);
        Assert.Matches(@"^invalid YAML at line \d+, column \d+: [a-z]", message);
        Assert.StartsWith($"invalid YAML at line {line},", message);
        Assert.DoesNotContain("Idx:", message);
        Assert.DoesNotContain("Exception", message);
    }

    [Fact]
    public void Parses_a_full_custom_resource_definition()
    {
        const string crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: crontabs.stable.example.com
              annotations:
                api-approved.kubernetes.io: "unapproved, experimental-only"
            spec:
              group: stable.example.com
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      description: |
                        CronTab runs a command on a schedule.
                        It is an example.
                      properties:
                        spec:
                          type: object
                          description: >-
                            The desired state,
                            folded onto one line.
                          required: ["cronSpec"]
                          properties:
                            cronSpec:
                              type: string
                              pattern: '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'
                            image:
                              type: string
                            replicas:
                              type: integer
                              minimum: 1
                              maximum: 10
                              default: 1
                            ratio:
                              type: number
                              default: 0.5
                          x-kubernetes-preserve-unknown-fields: false
                        status:
                          type: object
                          properties:
                            phase: {type: string, enum: [Pending, Running, "True"]}
                  subresources:
                    status: {}
                    scale:
                      specReplicasPath: .spec.replicas
                      statusReplicasPath: .status.replicas
                  additionalPrinterColumns:
                  - name: Spec
                    type: string
                    jsonPath: .spec.cronSpec
                  - name: Age
                    type: date
                    jsonPath: .metadata.creationTimestamp
              scope: Namespaced
              names:
                plural: crontabs
                singular: crontab
                kind: CronTab
                shortNames:
                - ct
            """;
        var node = Documents.ParseYaml(crd)!;
        Assert.Equal("CustomResourceDefinition", node["kind"]!.GetValue<string>());
        var version = node["spec"]!["versions"]![0]!;
        Assert.True(version["served"]!.GetValue<bool>());
        var schema = version["schema"]!["openAPIV3Schema"]!;
        Assert.Equal("CronTab runs a command on a schedule.\nIt is an example.\n", schema["description"]!.GetValue<string>());
        var spec = schema["properties"]!["spec"]!;
        Assert.Equal("The desired state, folded onto one line.", spec["description"]!.GetValue<string>());
        Assert.Equal(@"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$", spec["properties"]!["cronSpec"]!["pattern"]!.GetValue<string>());
        Assert.Equal(10L, spec["properties"]!["replicas"]!["maximum"]!.GetValue<long>());
        Json.Equal("0.5", spec["properties"]!["ratio"]!["default"]);
        Assert.False(spec["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        Json.Equal("""["Pending","Running","True"]""", schema["properties"]!["status"]!["properties"]!["phase"]!["enum"]);
        Json.Equal("{}", version["subresources"]!["status"]);
        Assert.Equal(2, version["additionalPrinterColumns"]!.AsArray().Count);
        Assert.Equal("ct", node["spec"]!["names"]!["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("unapproved, experimental-only", node["metadata"]!["annotations"]!["api-approved.kubernetes.io"]!.GetValue<string>());
    }
}
