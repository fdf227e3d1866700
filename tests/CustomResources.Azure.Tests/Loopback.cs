using System.Net;
using System.Net.Sockets;

namespace CustomResources.Azure.Tests;

/// <summary>Loopback listeners for stand-ins (topic, tenant, Cosmos DB server): free ports, start with retries, quiet stop.</summary>
public static class Loopback
{
    /// <summary>A port nothing listens on right now (another process may still take it; callers retry).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>An <see cref="HttpListener"/> started on <c>http://127.0.0.1:{port}/</c>, trying a few free ports.</summary>
    public static (HttpListener Listener, int Port) StartHttpListener()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                ((IDisposable)listener).Dispose();
            }
        }
    }

    /// <summary>Stops and closes a listener.</summary>
    public static void Stop(HttpListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        try
        {
            listener.Stop();
            listener.Close();
        }
        catch (HttpListenerException)
        {
            // Managed HttpListener on Linux can fail to unregister a prefix whose port another listener took since;
            // the listener is stopped either way.
        }
    }
}
