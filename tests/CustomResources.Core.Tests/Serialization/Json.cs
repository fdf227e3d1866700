using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Serialization;

namespace CustomResources.Core.Tests.Serialization;

/// <summary>Small helpers shared by the serialization tests.</summary>
internal static class Json
{
    public static JsonNode? Parse(string json) => Documents.ParseJson(Encoding.UTF8.GetBytes(json));

    public static void Equal(JsonNode? expected, JsonNode? actual)
    {
        Assert.True(
            JsonEquality.DeepEquals(expected, actual),
            $"expected {expected?.ToJsonString() ?? "null"} but got {actual?.ToJsonString() ?? "null"}");
    }

    public static void Equal(string expectedJson, JsonNode? actual) => Equal(Parse(expectedJson), actual);
}
