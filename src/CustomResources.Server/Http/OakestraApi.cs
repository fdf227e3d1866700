using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Oakestra;

namespace CustomResources.Server.Http;

/// <summary>The Oakestra-style façade: <c>/custom-resources</c>, <c>/custom-resources/{type}[/{id}]</c> and <c>/hooks</c>.</summary>
public static class OakestraApi
{
    public static void Map(WebApplication app)
    {
        var hooks = app.MapGroup("/hooks");
        hooks.MapPost("", async (HttpContext c, OakestraHooks h) =>
            await WriteAsync(c, 201, await h.CreateAsync(await ReadJsonAsync(c), c.RequestAborted)));
        hooks.MapGet("", async (HttpContext c, OakestraHooks h) =>
            await WriteAsync(c, 200, await h.ListAsync(c.RequestAborted)));
        hooks.MapDelete("/{name}", async (HttpContext c, string name, OakestraHooks h) =>
        {
            await h.DeleteAsync(name, c.RequestAborted);
            c.Response.StatusCode = 204;
        });

        var group = app.MapGroup("/custom-resources");
        group.MapPost("", async (HttpContext c, OakestraFacade f) =>
            await WriteAsync(c, 201, await f.CreateTypeAsync(await ReadJsonAsync(c), c.RequestAborted)));
        group.MapGet("", async (HttpContext c, OakestraFacade f) =>
            await WriteAsync(c, 200, await f.ListTypesAsync(c.RequestAborted)));
        group.MapDelete("/{type}", async (HttpContext c, string type, OakestraFacade f) =>
        {
            await f.DeleteTypeAsync(type, c.Request.Query["cascade"] == "true", c.RequestAborted);
            c.Response.StatusCode = 204;
        });
        group.MapGet("/{type}", async (HttpContext c, string type, OakestraFacade f) =>
            await WriteAsync(c, 200, await f.ListAsync(type, c.RequestAborted)));
        group.MapPost("/{type}", async (HttpContext c, string type, OakestraFacade f) =>
            await WriteInstanceAsync(c, 201, await f.CreateAsync(type, await ReadJsonAsync(c), c.RequestAborted)));
        group.MapGet("/{type}/{id}", async (HttpContext c, string type, string id, OakestraFacade f) =>
            await WriteInstanceAsync(c, 200, await f.GetAsync(type, id, c.RequestAborted)));
        group.MapPut("/{type}/{id}", async (HttpContext c, string type, string id, OakestraFacade f) =>
            await WriteInstanceAsync(c, 200, await f.ReplaceAsync(type, id, await ReadJsonAsync(c), IfMatch(c), c.RequestAborted)));
        group.MapPatch("/{type}/{id}", async (HttpContext c, string type, string id, OakestraFacade f) =>
            await WriteInstanceAsync(c, 200, await f.PatchAsync(type, id, await ReadJsonAsync(c), IfMatch(c), c.RequestAborted)));
        group.MapDelete("/{type}/{id}", async (HttpContext c, string type, string id, OakestraFacade f) =>
        {
            await f.DeleteAsync(type, id, IfMatch(c), c.RequestAborted);
            c.Response.StatusCode = 204;
        });
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        var mediaType = HttpIo.ContentType(context.Request);
        if (mediaType is not (HttpIo.JsonType or HttpIo.MergePatchType))
        {
            throw ApiException.UnsupportedMediaType($"the body must be {HttpIo.JsonType} (or {HttpIo.MergePatchType} for PATCH)");
        }

        return HttpIo.Parse(await HttpIo.ReadBodyAsync(context.Request, context.RequestAborted), HttpIo.JsonType);
    }

    /// <summary>An <c>If-Match</c> ETag (quotes and weak prefix removed), for conditional writes.</summary>
    private static string? IfMatch(HttpContext context)
    {
        var value = context.Request.Headers.IfMatch.ToString().Trim();
        if (value.Length == 0 || value == "*")
        {
            return null;
        }

        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        return value.Trim('"');
    }

    private static Task WriteInstanceAsync(HttpContext context, int statusCode, FacadeInstance instance)
    {
        context.Response.Headers.ETag = $"\"{instance.ResourceVersion}\"";
        return WriteAsync(context, statusCode, instance.Body);
    }

    private static Task WriteAsync(HttpContext context, int statusCode, JsonNode body) =>
        HttpIo.WriteAsync(context, statusCode, body, ResponseFormat.Json);
}
