using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public class JsonPatchTests
{
    private static string Apply(string document, string operations)
        => JsonPatch.Apply(Json.Parse(document), Json.Parse(operations))?.ToJsonString() ?? "null";

    private static string ErrorOf(string document, string operations)
        => Assert.Throws<PatchException>(() => JsonPatch.Apply(Json.Parse(document), Json.Parse(operations))).Message;

    /// <summary>The successful examples of RFC 6902 appendix A.</summary>
    [Theory]
    [InlineData("A.1 adding an object member", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("A.2 adding an array element", """{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("A.3 removing an object member", """{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("A.4 removing an array element", """{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("A.5 replacing a value", """{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("A.6 moving a value", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("A.7 moving an array element", """{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("A.8 testing a value: success", """{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("A.10 adding a nested member object", """{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("A.11 ignoring unrecognized elements", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("A.14 ~ escape ordering", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("A.16 adding an array value", """{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    public void Rfc6902_appendix_a_examples(string name, string document, string operations, string expected)
    {
        Assert.NotEmpty(name);
        Json.Equal(expected, JsonPatch.Apply(Json.Parse(document), Json.Parse(operations)));
    }

    [Fact]
    public void A9_failed_test_names_the_operation()
    {
        Assert.Equal(
            "operation 0 (test /baz): test failed: the value differs",
            ErrorOf("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"bar"}]"""));
    }

    [Fact]
    public void A12_adding_to_a_nonexistent_target_fails()
    {
        Assert.Equal(
            "operation 0 (add /baz/bat): path does not exist",
            ErrorOf("""{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]"""));
    }

    [Fact]
    public void A13_patch_with_duplicate_op_members_is_refused_when_read()
    {
        var error = Assert.Throws<DocumentFormatException>(() => Json.Parse("""[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"""));
        Assert.Contains("duplicate property name \"op\"", error.Message);
    }

    [Fact]
    public void A15_strings_and_numbers_are_not_equal()
    {
        Assert.Equal(
            "operation 0 (test /~01): test failed: the value differs",
            ErrorOf("""{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":"10"}]"""));
    }

    [Fact]
    public void Failure_names_the_failing_operation_index()
    {
        Assert.Equal(
            "operation 1 (replace /spec/foo): path does not exist",
            ErrorOf("""{"spec":{}}""", """[{"op":"add","path":"/spec/bar","value":1},{"op":"replace","path":"/spec/foo","value":2}]"""));
    }

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":1.0}]""")]
    [InlineData("""{"a":100}""", """[{"op":"test","path":"/a","value":1e2}]""")]
    [InlineData("""{"a":{"x":[1,{"y":null}],"z":"s"}}""", """[{"op":"test","path":"/a","value":{"z":"s","x":[1.00,{"y":null}]}}]""")]
    [InlineData("""{"a":null}""", """[{"op":"test","path":"/a","value":null}]""")]
    [InlineData("""{"a":0}""", """[{"op":"test","path":"/a","value":-0.0}]""")]
    public void Test_uses_deep_equality_with_numbers_by_value(string document, string operations)
    {
        Json.Equal(document, JsonPatch.Apply(Json.Parse(document), Json.Parse(operations)));
    }

    [Theory]
    [InlineData("""{"a":[1,2]}""", """[{"op":"test","path":"/a","value":[2,1]}]""")]
    [InlineData("""{"a":{"x":1}}""", """[{"op":"test","path":"/a","value":{"x":1,"y":2}}]""")]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":1.5}]""")]
    [InlineData("""{"a":true}""", """[{"op":"test","path":"/a","value":"true"}]""")]
    [InlineData("""{"a":null}""", """[{"op":"test","path":"/a","value":false}]""")]
    public void Test_fails_on_different_values(string document, string operations)
    {
        Assert.EndsWith("test failed: the value differs", ErrorOf(document, operations));
    }

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"","value":[1]}]""", """[1]""")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"","value":{"b":2}}]""", """{"b":2}""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a","value":2}]""", """{"a":2}""")]
    [InlineData("""{"":1}""", """[{"op":"replace","path":"/","value":2}]""", """{"":2}""")]
    [InlineData("""{"a/b":{"c~d":1}}""", """[{"op":"replace","path":"/a~1b/c~0d","value":2}]""", """{"a/b":{"c~d":2}}""")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/2","value":3}]""", """[1,2,3]""")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/0","value":0}]""", """[0,1,2]""")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/-","value":3}]""", """[1,2,3]""")]
    [InlineData("""[1,2,3]""", """[{"op":"replace","path":"/1","value":9}]""", """[1,9,3]""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"copy","from":"/a/0","path":"/a/-"}]""", """{"a":[1,2,1]}""")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"/a","path":"/a"}]""", """{"a":1}""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a/b","path":"/a"}]""", """{"a":1}""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b","value":null}]""", """{"a":1,"b":null}""")]
    [InlineData("""{"a":1}""", """[]""", """{"a":1}""")]
    [InlineData("""{"01":1}""", """[{"op":"remove","path":"/01"}]""", """{}""")]
    public void Operations_follow_rfc6902(string document, string operations, string expected)
    {
        Json.Equal(expected, JsonPatch.Apply(Json.Parse(document), Json.Parse(operations)));
    }

    [Theory]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/3","value":3}]""", "operation 0 (add /3): array index 3 is out of bounds")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/01","value":3}]""", "operation 0 (add /01): array index 01 is out of bounds")]
    [InlineData("""[1,2]""", """[{"op":"add","path":"/-1","value":3}]""", "operation 0 (add /-1): array index -1 is out of bounds")]
    [InlineData("""[1,2]""", """[{"op":"replace","path":"/2","value":3}]""", "operation 0 (replace /2): path does not exist")]
    [InlineData("""[1,2]""", """[{"op":"remove","path":"/-"}]""", "operation 0 (remove /-): path does not exist")]
    [InlineData("""[1,2]""", """[{"op":"remove","path":"/01"}]""", "operation 0 (remove /01): path does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":"/b"}]""", "operation 0 (remove /b): path does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":""}]""", "operation 0 (remove ): cannot remove the whole document")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a/b","value":1}]""", "operation 0 (add /a/b): path does not exist")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""", "operation 0 (move /a/b/c): cannot move a value into one of its own children")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"/x","path":"/y"}]""", "operation 0 (move /y): from path does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"copy","from":"/x","path":"/y"}]""", "operation 0 (copy /y): from path does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/x","value":1}]""", "operation 0 (test /x): path does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"a","value":1}]""", "operation 0 (add a): path is not a valid JSON pointer")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a~2","value":1}]""", "operation 0 (add /a~2): path is not a valid JSON pointer")]
    [InlineData("""{"a":1}""", """[{"op":"move","from":"x","path":"/b"}]""", "operation 0 (move /b): from \"x\" is not a valid JSON pointer")]
    public void Failures_name_the_operation_and_path(string document, string operations, string message)
    {
        Assert.Equal(message, ErrorOf(document, operations));
    }

    [Theory]
    [InlineData("""{"op":"add","path":"/a","value":1}""", "a JSON patch must be a JSON array of operations")]
    [InlineData("null", "a JSON patch must be a JSON array of operations")]
    [InlineData("""[1]""", "operation 0: must be a JSON object")]
    [InlineData("""[{"path":"/a"}]""", "operation 0: missing \"op\"")]
    [InlineData("""[{"op":1,"path":"/a"}]""", "operation 0: \"op\" must be a string")]
    [InlineData("""[{"op":"add","value":1}]""", "operation 0 (add): missing \"path\"")]
    [InlineData("""[{"op":"add","path":null,"value":1}]""", "operation 0 (add): \"path\" must be a string")]
    [InlineData("""[{"op":"frob","path":"/a"}]""", "operation 0: unknown op \"frob\"")]
    [InlineData("""[{"op":"add","path":"/a"}]""", "operation 0 (add /a): missing \"value\"")]
    [InlineData("""[{"op":"replace","path":"/a"}]""", "operation 0 (replace /a): missing \"value\"")]
    [InlineData("""[{"op":"test","path":"/a"}]""", "operation 0 (test /a): missing \"value\"")]
    [InlineData("""[{"op":"move","path":"/a"}]""", "operation 0 (move): missing \"from\"")]
    [InlineData("""[{"op":"remove","path":"/a"},{"op":"copy","path":"/b","from":7}]""", "operation 1 (copy): \"from\" must be a string")]
    public void Malformed_operations_are_refused(string operations, string message)
    {
        Assert.Equal(message, ErrorOf("""{"a":1}""", operations));
    }

    [Fact]
    public void Malformed_operation_later_in_the_list_is_refused_before_any_change()
    {
        var document = Json.Parse("""{"a":1}""");
        Assert.Throws<PatchException>(() => JsonPatch.Apply(document, Json.Parse("""[{"op":"remove","path":"/a"},{"op":"bogus","path":"/a"}]""")));
        Json.Equal("""{"a":1}""", document);
    }

    [Fact]
    public void Inputs_are_not_changed()
    {
        var document = Json.Parse("""{"a":{"b":[1,2]},"c":3}""");
        var operations = Json.Parse("""
            [{"op":"add","path":"/a/b/-","value":{"x":1}},
             {"op":"remove","path":"/c"},
             {"op":"move","from":"/a/b/0","path":"/d"},
             {"op":"copy","from":"/a","path":"/e"},
             {"op":"replace","path":"/a/b/0","value":[9]}]
            """);
        var documentText = document!.ToJsonString();
        var operationsText = operations!.ToJsonString();

        var result = JsonPatch.Apply(document, operations);
        Json.Equal("""{"a":{"b":[[9],{"x":1}]},"d":1,"e":{"b":[2,{"x":1}]}}""", result);
        Assert.Equal(documentText, document.ToJsonString());
        Assert.Equal(operationsText, operations.ToJsonString());

        result!["a"]!["b"]![1]!["x"] = 5;
        Assert.Equal(operationsText, operations.ToJsonString());
    }

    [Fact]
    public void A_failing_patch_leaves_the_document_unchanged()
    {
        var document = Json.Parse("""{"a":1}""");
        Assert.Throws<PatchException>(() => JsonPatch.Apply(document, Json.Parse("""[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":2}]""")));
        Json.Equal("""{"a":1}""", document);
    }

    [Fact]
    public void Null_document_can_be_replaced_at_the_root()
    {
        Json.Equal("""{"a":1}""", JsonPatch.Apply(null, Json.Parse("""[{"op":"add","path":"","value":{"a":1}}]""")));
        Assert.Equal("operation 0 (add /a): path does not exist", ErrorOf("null", """[{"op":"add","path":"/a","value":1}]"""));
    }
}
