using CustomResources.Core.Modules;

namespace CustomResources.Core.Tests.Modules;

public class ModuleCallClassificationTests
{
    [Fact]
    public void A_2xx_answer_succeeds_and_its_object_body_is_the_metadata()
    {
        var result = ModuleOperations.Classify(201, """{"installedResources":{"svc":"a"}}""");
        Assert.True(result.Succeeded);
        Assert.Equal("a", (string?)result.Metadata!["installedResources"]!["svc"]);
        Assert.Null(ModuleOperations.Classify(204, "").Metadata);
    }

    [Theory]
    [InlineData(400, """{"message":"replicas must be even"}""", "HTTP 400: replicas must be even")]
    [InlineData(404, "no such thing", "HTTP 404: no such thing")]
    [InlineData(422, "", "HTTP 422")]
    public void A_4xx_answer_is_terminal_with_the_modules_message(int status, string body, string message)
    {
        var result = ModuleOperations.Classify(status, body);
        Assert.False(result.Succeeded);
        Assert.False(result.Retryable);
        Assert.Equal(message, result.Message);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(408)]
    [InlineData(302)]
    public void Server_errors_throttling_timeouts_and_redirects_are_retryable(int status)
    {
        var result = ModuleOperations.Classify(status, "busy");
        Assert.False(result.Succeeded);
        Assert.True(result.Retryable);
    }

    [Fact]
    public void An_overlong_message_is_cut()
    {
        Assert.True(ModuleOperations.Classify(400, new string('x', 5000)).Message.Length < 1100);
    }
}
