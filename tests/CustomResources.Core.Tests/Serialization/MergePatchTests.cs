using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

public class MergePatchTests
{
    /// <summary>The examples of RFC 7386 appendix A.</summary>
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"a":"foo"}""", "null", "null")]
    [InlineData("""{"a":"foo"}""", "\"bar\"", "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Rfc7386_examples(string target, string patch, string expected)
    {
        Json.Equal(expected, MergePatch.Apply(Json.Parse(target), Json.Parse(patch)));
    }

    [Fact]
    public void Null_target_becomes_an_object()
    {
        Json.Equal("""{"a":1}""", MergePatch.Apply(null, Json.Parse("""{"a":1,"b":null}""")));
    }

    [Fact]
    public void Inputs_are_not_changed()
    {
        var target = Json.Parse("""{"a":{"b":1,"c":[1]},"d":2}""");
        var patch = Json.Parse("""{"a":{"b":null,"x":{"y":1}},"d":null,"e":[{"f":1}]}""");
        var targetText = target!.ToJsonString();
        var patchText = patch!.ToJsonString();

        var result = MergePatch.Apply(target, patch);
        Json.Equal("""{"a":{"c":[1],"x":{"y":1}},"e":[{"f":1}]}""", result);
        Assert.Equal(targetText, target.ToJsonString());
        Assert.Equal(patchText, patch.ToJsonString());

        result!["e"]![0]!["f"] = 2;
        Assert.Equal(patchText, patch.ToJsonString());
    }

    [Fact]
    public void Scalar_patch_result_is_a_copy()
    {
        var patch = Json.Parse("""[1,2]""");
        var result = MergePatch.Apply(Json.Parse("{}"), patch);
        Assert.NotSame(patch, result);
        Json.Equal(patch, result);
    }
}
