using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomResources.Core.Discovery;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using Microsoft.AspNetCore.Http.Features;

namespace CustomResources.Server.Http;

/// <summary>
/// <c>GET …/{plural}?watch=true</c>: a Kubernetes watch stream. <c>200</c>, chunked <c>application/json</c>, one
/// <c>{"type":…,"object":…}</c> per line, flushed per event. With the Table Accept (<c>kubectl get -w</c>) each event's
/// object is a one-row Table (column definitions on the first only); bookmarks and errors stay plain objects.
/// </summary>
/// <remarks>
/// Query: <c>resourceVersion</c>, <c>resourceVersionMatch</c> (NotOlderThan/Exact accepted; a watch always starts
/// after the given version), <c>allowWatchBookmarks</c>, <c>timeoutSeconds</c> (0 or absent: no limit),
/// <c>sendInitialEvents</c>. Errors before the first byte (a too old resourceVersion → 410) are ordinary Status
/// answers; the stream ends when the client disconnects or the timeout elapses.
/// </remarks>
public static class WatchEndpoint
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Serves a watch of <paramref name="target"/> in <paramref name="ns"/> (null: every namespace), filtered by <paramref name="predicate"/>.</summary>
    public static async Task ServeAsync(HttpContext context, ResourceTarget target, string? ns, Func<JsonObject, bool>? predicate = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(target);
        var query = context.Request.Query;
        var options = new WatchOptions(
            ResourceVersion: NullIfEmpty(query["resourceVersion"]),
            AllowBookmarks: Flag(query["allowWatchBookmarks"], "allowWatchBookmarks"),
            Timeout: TimeoutFrom(query["timeoutSeconds"]),
            Predicate: predicate,
            SendInitialEvents: Flag(query["sendInitialEvents"], "sendInitialEvents"));
        if (query["resourceVersionMatch"].ToString() is not ("" or "NotOlderThan" or "Exact") and var match)
        {
            throw ApiException.BadRequest($"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
        }

        var table = HttpIo.Negotiate(context.Request) == ResponseFormat.Table;
        var includeObject = table ? IncludeObject(context) : TableBuilder.IncludeMetadata;
        var services = context.RequestServices;
        var watches = services.GetRequiredService<WatchService>();
        var clock = services.GetRequiredService<TimeProvider>();
        var aborted = context.RequestAborted;

        var events = await watches.WatchAsync(target, ns, options, aborted);

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = HttpIo.JsonType;
        response.Headers.CacheControl = "no-cache, private";
        HttpIo.AddWarnings(response, target.VersionWarnings);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);
        await response.BodyWriter.FlushAsync(aborted);

        var firstTable = true;
        try
        {
            await foreach (var watchEvent in events.WithCancellation(aborted))
            {
                var obj = watchEvent.Object;
                if (table && watchEvent.Type is not (WatchEventType.Bookmark or WatchEventType.Error))
                {
                    var resourceVersion = obj["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";
                    obj = TableBuilder.Build(target.Definition, target.Version, [obj], resourceVersion, null, clock.GetUtcNow(), includeObject);
                    if (!firstTable)
                    {
                        obj["columnDefinitions"] = null;
                    }

                    firstTable = false;
                }

                await WriteEventAsync(response, watchEvent.Type, obj, aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        await response.BodyWriter.WriteAsync(NewLine, cancellationToken);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    private static TimeSpan? TimeoutFrom(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
        {
            throw ApiException.BadRequest($"timeoutSeconds: Invalid value: \"{value}\": must be a non-negative integer");
        }

        return seconds == 0 ? null : TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(365).TotalSeconds));
    }

    private static bool Flag(string? value, string name) => value switch
    {
        null or "" or "false" or "False" or "0" => false,
        "true" or "True" or "1" => true,
        _ => throw ApiException.BadRequest($"{name}: Invalid value: \"{value}\": must be true or false"),
    };

    private static string IncludeObject(HttpContext context) => context.Request.Query["includeObject"].ToString() switch
    {
        "" => TableBuilder.IncludeMetadata,
        "None" => TableBuilder.IncludeNone,
        "Metadata" => TableBuilder.IncludeMetadata,
        "Object" => TableBuilder.IncludeObject,
        var other => throw ApiException.BadRequest($"includeObject: Unsupported value: \"{other}\": supported values: \"None\", \"Metadata\", \"Object\""),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
