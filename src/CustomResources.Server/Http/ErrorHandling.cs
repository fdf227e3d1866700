using System.Diagnostics;
using CustomResources.Core.Errors;

namespace CustomResources.Server.Http;

/// <summary>Renders every refused request as a Kubernetes Status (or problem details on the façade) and logs each request.</summary>
public sealed partial class ErrorHandling(RequestDelegate next, ILogger<ErrorHandling> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
            if (context.Response.StatusCode == 404 && !context.Response.HasStarted && context.GetEndpoint() is null)
            {
                await WriteErrorAsync(context, ApiException.ResourceNotFound());
            }
        }
        catch (ApiException e)
        {
            await WriteErrorAsync(context, e);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteErrorAsync(context, ApiException.RequestEntityTooLarge($"the request body is larger than the limit of {HttpIo.MaxBodyBytes} bytes"));
        }
        catch (BadHttpRequestException e)
        {
            await WriteErrorAsync(context, new ApiException(e.StatusCode, "BadRequest", e.Message));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            LogUnhandled(logger, e, context.Request.Method, context.Request.Path);
            await WriteErrorAsync(context, new ApiException(500, "InternalError", "an internal error occurred; see the server log"));
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var path = context.Request.Path.Value ?? "";
                LogRequest(logger, context.Request.Method, path, context.Response.StatusCode, elapsedMs);
            }
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        if (context.Request.Path.StartsWithSegments("/custom-resources") || context.Request.Path.StartsWithSegments("/hooks"))
        {
            await HttpIo.WriteAsync(context, error.Code, ProblemDetails.From(error, context.Request.Path), ResponseFormat.Json, contentType: "application/problem+json");
            return;
        }

        var format = ResponseFormat.Json;
        try
        {
            format = HttpIo.Negotiate(context.Request) == ResponseFormat.Yaml ? ResponseFormat.Yaml : ResponseFormat.Json;
        }
        catch (ApiException)
        {
            // An unacceptable Accept header still gets a JSON Status.
        }

        await HttpIo.WriteAsync(context, error.Code, error.ToStatus(), format);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} -> {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
