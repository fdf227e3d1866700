using CustomResources.Server.Security;
using Microsoft.AspNetCore.Http;

namespace CustomResources.Server.Tests.Security;

/// <summary>
/// Trigger endpoints need no credentials only when the Functions host itself invokes them: an outside request that the
/// catch-all HTTP function forwards to the same path carries the front end's headers and must authenticate.
/// </summary>
public sealed class TriggerInvocationTests
{
    private const string Path = "/TriggerInvocationTestsOnly";

    static TriggerInvocationTests() => RequestAuthentication.AllowTrigger(Path);

    private static HttpRequest Request(string method, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = Path;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    [Fact]
    public void The_hosts_own_post_to_a_trigger_path_is_an_invocation()
    {
        Assert.True(RequestAuthentication.IsTriggerInvocation(Request("POST"), Path));
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-ARR-LOG-ID", "0b1c")]
    [InlineData("DISGUISED-HOST", "func-x.azurewebsites.net")]
    [InlineData("x-forwarded-host", "func-x.azurewebsites.net")]
    public void A_request_forwarded_from_outside_is_not_an_invocation(string header, string value)
    {
        Assert.False(RequestAuthentication.IsTriggerInvocation(Request("POST", (header, value)), Path));
    }

    [Fact]
    public void Other_methods_paths_and_spellings_are_not_invocations()
    {
        Assert.False(RequestAuthentication.IsTriggerInvocation(Request("GET"), Path));
        Assert.False(RequestAuthentication.IsTriggerInvocation(Request("POST"), Path.ToLowerInvariant()));
        Assert.False(RequestAuthentication.IsTriggerInvocation(Request("POST"), "/ModuleReconcileElsewhere"));
    }
}
