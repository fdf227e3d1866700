using System.Net;
using CustomResources.Core.Outbound;

namespace CustomResources.Core.Tests.Outbound;

public sealed class OutboundPolicyTests
{
    private static readonly OutboundPolicy Strict = new([]);

    [Theory]
    [InlineData("https://hooks.example.com/receive")]
    [InlineData("https://203.0.113.10:8443/x")]
    public void Public_https_urls_are_accepted(string url) => Assert.Empty(Strict.CheckUrl("spec.url", url));

    [Theory]
    [InlineData("http://hooks.example.com/receive", "must use https")]
    [InlineData("ftp://hooks.example.com/", "absolute http or https")]
    [InlineData("/relative", "absolute http or https")]
    [InlineData("https://user:secret@hooks.example.com/", "credentials")]
    [InlineData("https://127.0.0.1/", "private, loopback or link-local")]
    [InlineData("https://localhost:8443/", "private, loopback or link-local")]
    [InlineData("https://10.1.2.3/", "private, loopback or link-local")]
    [InlineData("https://172.20.0.1/", "private, loopback or link-local")]
    [InlineData("https://192.168.1.1/", "private, loopback or link-local")]
    [InlineData("https://169.254.169.254/latest/meta-data", "private, loopback or link-local")]
    [InlineData("https://[::1]/", "private, loopback or link-local")]
    [InlineData("https://[fd00::1]/", "private, loopback or link-local")]
    [InlineData("https://[::ffff:10.0.0.1]/", "private, loopback or link-local")]
    [InlineData("https://100.64.0.1/", "private, loopback or link-local")]
    [InlineData("https://0.0.0.0/", "private, loopback or link-local")]
    public void Forbidden_urls_are_refused_with_the_reason(string url, string reason) =>
        Assert.Contains(Strict.CheckUrl("spec.url", url), e => e.Field == "spec.url" && e.Message.Contains(reason, StringComparison.Ordinal));

    [Fact]
    public void A_missing_url_is_required() => Assert.Equal("FieldValueRequired", Assert.Single(Strict.CheckUrl("spec.url", " ")).Reason);

    [Fact]
    public void Allowed_hosts_may_use_http_and_internal_addresses()
    {
        var policy = new OutboundPolicy(["127.0.0.1", "Hooks.Internal."]);
        Assert.Empty(policy.CheckUrl("u", "http://127.0.0.1:9000/x"));
        Assert.Empty(policy.CheckUrl("u", "http://hooks.internal/x"));
        Assert.NotEmpty(policy.CheckUrl("u", "http://127.0.0.2/x"));
    }

    [Fact]
    public void Connect_time_check_refuses_internal_addresses_of_public_names()
    {
        Assert.False(Strict.MayConnect("rebind.example.com", IPAddress.Parse("10.0.0.5")));
        Assert.True(Strict.MayConnect("hooks.example.com", IPAddress.Parse("203.0.113.7")));
        Assert.True(new OutboundPolicy(["127.0.0.1"]).MayConnect("127.0.0.1", IPAddress.Loopback));
    }
}
