using System.Net;
using System.Net.Sockets;
using System.Text;
using CustomResources.Core.Outbound;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

/// <summary>The outbound client against a real loopback listener.</summary>
public sealed class OutboundHttpTests
{
    /// <summary>A one-response HTTP server on a free loopback port.</summary>
    private static (int Port, Task Served) Serve(string response)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = Task.Run(async () =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                using var client = await listener.AcceptTcpClientAsync(timeout.Token);
                var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer, timeout.Token);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Nobody connected: that is what some tests expect.
            }
            finally
            {
                listener.Stop();
            }
        });
        return (port, served);
    }

    [Fact]
    public async Task Loopback_is_refused_at_connect_time_unless_allowed()
    {
        var (port, served) = Serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        using (var refused = new HttpClient(OutboundHttp.CreateHandler(new OutboundPolicy([]))))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => refused.GetAsync($"http://127.0.0.1:{port}/"));
            Assert.Contains("Outbound:AllowedHosts", error.Message, StringComparison.Ordinal);
        }

        using var allowed = new HttpClient(OutboundHttp.CreateHandler(new OutboundPolicy(["127.0.0.1"])));
        Assert.Equal("ok", await allowed.GetStringAsync($"http://127.0.0.1:{port}/"));
        await served;
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        var (port, served) = Serve("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        using var client = new HttpClient(OutboundHttp.CreateHandler(new OutboundPolicy(["127.0.0.1"])));
        var response = await client.GetAsync($"http://127.0.0.1:{port}/");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        await served;
    }

    [Fact]
    public void Allowed_hosts_come_from_configuration()
    {
        using var factory = new ApiFactory();
        var policy = (OutboundPolicy)factory.WithWebHostBuilder(b => b.UseSetting("Outbound:AllowedHosts:0", "127.0.0.1")).Services.GetService(typeof(OutboundPolicy))!;
        Assert.True(policy.IsAllowedHost("127.0.0.1"));
    }
}
