using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>
/// A real HTTP hook endpoint on a loopback port (Kestrel): answers the CloudEvents validation handshake (unless told
/// not to) and records every event POSTed to it. <see cref="Respond"/> picks the status of each POST.
/// </summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _events = new();
    private readonly ConcurrentQueue<string> _contentTypes = new();
    private int _posts;
    private int _handshakes;

    private HookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Whether the handshake is answered with the allowed origin.</summary>
    public bool AcceptHandshake { get; set; } = true;

    /// <summary>The status for the n-th POST (1-based); 200 by default.</summary>
    public Func<int, HttpStatusCode> Respond { get; set; } = _ => HttpStatusCode.OK;

    /// <summary>Delay before answering each POST.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>Events accepted (answered 2xx), in arrival order.</summary>
    public IReadOnlyList<JsonObject> Events => [.. _events];

    public IReadOnlyList<string> ContentTypes => [.. _contentTypes];

    public int Posts => Volatile.Read(ref _posts);

    public int Handshakes => Volatile.Read(ref _handshakes);

    public string? LastOrigin { get; private set; }

    public static async Task<HookReceiver> StartAsync(string path = "/hook")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.MapMethods(path, ["OPTIONS"], (HttpContext context) =>
        {
            Interlocked.Increment(ref receiver._handshakes);
            var origin = context.Request.Headers["WebHook-Request-Origin"].ToString();
            receiver.LastOrigin = origin;
            if (receiver.AcceptHandshake && origin.Length > 0)
            {
                context.Response.Headers["WebHook-Allowed-Origin"] = origin;
                context.Response.Headers.Allow = "POST";
            }

            return Results.Ok();
        });
        app.MapPost(path, async (HttpContext context) =>
        {
            var n = Interlocked.Increment(ref receiver._posts);
            if (receiver.Delay > TimeSpan.Zero)
            {
                await Task.Delay(receiver.Delay, context.RequestAborted);
            }

            var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
            var status = receiver.Respond(n);
            if ((int)status is >= 200 and < 300)
            {
                receiver._events.Enqueue(JsonNode.Parse(body)!.AsObject());
                receiver._contentTypes.Enqueue(context.Request.ContentType ?? "");
            }

            return Results.StatusCode((int)status);
        });
        await app.StartAsync();
        receiver.Url = app.Urls.First().TrimEnd('/') + path;
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<HookReceiver, bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition(this))
        {
            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}: {Events.Count} events received, {Posts} posts, {Handshakes} handshakes");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
