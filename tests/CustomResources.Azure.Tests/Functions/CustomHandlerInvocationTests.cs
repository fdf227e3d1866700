using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Azure.Functions;

namespace CustomResources.Azure.Tests.Functions;

public class CustomHandlerInvocationTests
{
    private static IReadOnlyList<JsonObject> Read(string payload) => CustomHandlerInvocation.ReadObjectArray(Encoding.UTF8.GetBytes(payload), "documents");

    [Fact]
    public void Documents_sent_as_an_array_are_read()
    {
        var documents = Read("""{"Data":{"documents":[{"id":"a"},{"id":"b"}]},"Metadata":{"sys":{"MethodName":"ResourceChangeFeed"}}}""");
        Assert.Equal(["a", "b"], documents.Select(d => (string?)d["id"]));
    }

    [Fact]
    public void Documents_sent_as_a_json_string_literal_of_the_array_are_read()
    {
        var documents = Read("""{"Data":{"documents":"\"[{\\\"id\\\":\\\"a\\\"}]\""},"Metadata":{}}""");
        Assert.Equal("a", (string?)Assert.Single(documents)["id"]);
    }

    [Fact]
    public void Documents_sent_as_a_string_holding_the_array_are_read()
    {
        var documents = Read("""{"Data":{"documents":"[{\"id\":\"a\"}]"},"Metadata":{}}""");
        Assert.Equal("a", (string?)Assert.Single(documents)["id"]);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"Metadata":{}}""", "no \"Data\" object")]
    [InlineData("""{"Data":{"other":[]}}""", "no \"documents\" binding")]
    [InlineData("""{"Data":{"documents":{"id":"a"}}}""", "must be a JSON array")]
    [InlineData("""{"Data":{"documents":"[{"}}""", "not a JSON array")]
    [InlineData("""{"Data":{"documents":[{"id":"a"},3]}}""", "Data.documents[1]")]
    public void A_malformed_payload_is_refused_saying_what_is_wrong(string payload, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Read(payload));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_response_has_outputs_logs_and_a_return_value()
    {
        var response = CustomHandlerInvocation.Response(["one", "two"]);
        Assert.IsType<JsonObject>(response["Outputs"]);
        Assert.Equal(["one", "two"], response["Logs"]!.AsArray().Select(l => (string?)l));
        Assert.True(response.ContainsKey("ReturnValue"));
    }

    [Theory]
    [InlineData("""{"Data":{"message":"dev/app"},"Metadata":{"DequeueCount":2}}""", "dev/app", 2L)]
    [InlineData("""{"Data":{"message":"{\"key\":\"dev/app\"}"},"Metadata":{"DequeueCount":"3"}}""", "{\"key\":\"dev/app\"}", 3L)]
    [InlineData("""{"Data":{"message":{"key":"dev/app"}}}""", "{\"key\":\"dev/app\"}", null)]

    // What the Functions host sends: the message text serialized once more as a JSON string (Json.NET SerializeObject).
    [InlineData("""{"Data":{"message":"\"{\\\"key\\\":\\\"dev/app\\\"}\""},"Metadata":{"DequeueCount":1}}""", "{\"key\":\"dev/app\"}", 1L)]
    [InlineData("""{"Data":{"message":"\"dev/app\""}}""", "dev/app", null)]
    public void A_queue_message_is_read_as_text_with_its_dequeue_count(string payload, string text, long? dequeueCount)
    {
        var (data, metadata) = CustomHandlerInvocation.ReadEnvelope(System.Text.Encoding.UTF8.GetBytes(payload));
        Assert.Equal(text, CustomHandlerInvocation.ReadText(data, "message"));
        Assert.Equal(dequeueCount, CustomHandlerInvocation.ReadInteger(metadata, "DequeueCount"));
    }

    [Theory]
    [InlineData("""{"Data":{}}""", "no \"message\" binding")]
    [InlineData("""{"Data":{"message":42}}""", "must be a string or JSON")]
    public void A_queue_payload_without_a_usable_message_is_refused(string payload, string expected)
    {
        var (data, _) = CustomHandlerInvocation.ReadEnvelope(System.Text.Encoding.UTF8.GetBytes(payload));
        var e = Assert.Throws<FormatException>(() => CustomHandlerInvocation.ReadText(data, "message"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
