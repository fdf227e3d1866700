namespace CustomResources.Functions.Tests;

/// <summary>host.json carries what the Functions host needs to run the server as a custom handler.</summary>
public class HostJsonTests
{
    [Fact]
    public void Uses_the_version_2_schema()
    {
        Assert.Equal("2.0", (string?)FunctionApp.HostJson()["version"]);
    }

    [Fact]
    public void Starts_the_published_server_executable()
    {
        var description = FunctionApp.HostJson()["customHandler"]?["description"];
        Assert.NotNull(description);
        Assert.Equal("CustomResources.Server", (string?)description["defaultExecutablePath"]);
    }

    [Fact]
    public void Proxies_http_requests_so_responses_stream()
    {
        var customHandler = FunctionApp.HostJson()["customHandler"]!.AsObject();
        Assert.True((bool?)customHandler["enableProxyingHttpRequest"]);
        // The legacy forwarding mode buffers whole responses, which breaks watch; it must not be switched on as well.
        Assert.False(customHandler.ContainsKey("enableForwardingHttpRequest"));
    }

    [Fact]
    public void Has_no_route_prefix()
    {
        Assert.Equal("", (string?)FunctionApp.HostJson()["extensions"]?["http"]?["routePrefix"]);
    }

    [Fact]
    public void Uses_the_v4_extension_bundle()
    {
        var bundle = FunctionApp.HostJson()["extensionBundle"];
        Assert.NotNull(bundle);
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)bundle["id"]);
        Assert.Equal("[4.*, 5.0.0)", (string?)bundle["version"]);
    }

    [Fact]
    public void Sets_a_function_timeout_and_log_levels()
    {
        var host = FunctionApp.HostJson();
        Assert.True(TimeSpan.TryParse((string?)host["functionTimeout"], System.Globalization.CultureInfo.InvariantCulture, out var timeout));
        Assert.InRange(timeout, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        Assert.NotNull(host["logging"]?["logLevel"]?["default"]);
    }
}
