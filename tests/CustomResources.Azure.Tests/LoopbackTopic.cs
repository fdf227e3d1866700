using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace CustomResources.Azure.Tests;

/// <summary>One request the loopback topic received.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP listener on 127.0.0.1 (free port) standing in for an Event Grid topic: it records every request and
/// answers with the status <see cref="Respond"/> chooses (200 by default).
/// </summary>
public sealed class LoopbackTopic : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private LoopbackTopic(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The topic endpoint to configure, as the portal shows one.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}/api/events");

    /// <summary>Chooses the status for the n-th request (0-based).</summary>
    public Func<int, HttpStatusCode> Respond { get; set; } = _ => HttpStatusCode.OK;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static LoopbackTopic Start()
    {
        var (listener, port) = Loopback.StartHttpListener();
        return new LoopbackTopic(listener, port);
    }

    private async Task ServeAsync()
    {
        var index = 0;
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys
                .Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            _requests.Enqueue(new RecordedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "", headers, body.ToArray()));

            var status = Respond(index++);
            context.Response.StatusCode = (int)status;
            if (status != HttpStatusCode.OK)
            {
                context.Response.ContentType = "application/json";
                var error = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["error"] = new JsonObject { ["code"] = status.ToString(), ["message"] = $"loopback topic answered {(int)status}" } }.ToJsonString());
                await context.Response.OutputStream.WriteAsync(error);
            }

            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Loopback.Stop(_listener);

        await _loop;
    }
}
