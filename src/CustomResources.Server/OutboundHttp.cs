using System.Net;
using System.Net.Sockets;
using CustomResources.Core.Outbound;

namespace CustomResources.Server;

/// <summary>
/// The one HTTP client for calls the server makes on users' behalf (hooks, webhooks). It enforces
/// <see cref="OutboundPolicy"/> again at connect time on every resolved address, follows no redirects (a redirect is
/// answered as a failure, never followed to a forbidden place), and caps response bodies.
/// </summary>
public static class OutboundHttp
{
    /// <summary>The named client: <c>IHttpClientFactory.CreateClient(OutboundHttp.ClientName)</c>.</summary>
    public const string ClientName = "outbound";

    /// <summary>Largest response body read from a hook or webhook.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services, IConfiguration configuration)
    {
        var allowed = configuration.GetSection("Outbound:AllowedHosts").Get<string[]>() ?? [];
        var policy = new OutboundPolicy(allowed);
        services.AddSingleton(policy);
        services.AddHttpClient(ClientName, client => client.MaxResponseContentBufferSize = MaxResponseBytes)
            .ConfigurePrimaryHttpMessageHandler(() => CreateHandler(policy));
        return services;
    }

    /// <summary>A handler that connects only where the policy allows (checked per resolved address).</summary>
    public static SocketsHttpHandler CreateHandler(OutboundPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(host, cancellationToken);
                var permitted = addresses.Where(a => policy.MayConnect(host, a)).ToList();
                if (permitted.Count == 0)
                {
                    throw new HttpRequestException($"outbound connection to {host} refused: it resolves to a private, loopback or link-local address and is not listed in Outbound:AllowedHosts");
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(permitted.ToArray(), context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
