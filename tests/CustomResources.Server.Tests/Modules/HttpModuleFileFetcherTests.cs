using System.Net;
using System.Text;
using CustomResources.Core.Modules;
using CustomResources.Core.Outbound;
using CustomResources.Server.Modules;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Modules;

/// <summary>The httpURL fetcher keeps to the outbound rule and its size limit.</summary>
public sealed class HttpModuleFileFetcherTests : IDisposable
{
    private readonly HttpListener listener;
    private readonly int port;
    private string body = "kind: Custom\n";

    public HttpModuleFileFetcherTests()
    {
        (listener, port) = Azure.Tests.Loopback.StartHttpListener();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try
                {
                    var context = await listener.GetContextAsync();
                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/missing" ? 404 : 200;
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
    }

    public void Dispose() => Azure.Tests.Loopback.Stop(listener);

    private static HttpModuleFileFetcher Fetcher(params string[] allowed)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(OutboundHttp.ClientName).ConfigurePrimaryHttpMessageHandler(() => OutboundHttp.CreateHandler(new OutboundPolicy(allowed)));
        return new HttpModuleFileFetcher(services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>(), new OutboundPolicy(allowed));
    }

    [Fact]
    public async Task A_file_on_an_allowed_host_is_fetched()
    {
        Assert.Equal("kind: Custom\n", await Fetcher("127.0.0.1").FetchAsync(new Uri($"http://127.0.0.1:{port}/module.yaml"), CancellationToken.None));
    }

    [Fact]
    public async Task Plain_http_and_private_addresses_are_refused_unless_the_host_is_allowed()
    {
        var e = await Assert.ThrowsAsync<ModuleFileFetchException>(() => Fetcher().FetchAsync(new Uri($"http://127.0.0.1:{port}/module.yaml"), CancellationToken.None));
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_or_missing_file_is_refused_saying_why()
    {
        body = new string('x', HttpModuleFileFetcher.MaxBytes + 10);
        var large = await Assert.ThrowsAsync<ModuleFileFetchException>(() => Fetcher("127.0.0.1").FetchAsync(new Uri($"http://127.0.0.1:{port}/big.yaml"), CancellationToken.None));
        Assert.Contains("larger than", large.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<ModuleFileFetchException>(() => Fetcher("127.0.0.1").FetchAsync(new Uri($"http://127.0.0.1:{port}/missing"), CancellationToken.None));
        Assert.Contains("404", missing.Message, StringComparison.Ordinal);
    }
}
