using CustomResources.Azure.Cosmos;
using CustomResources.Azure.Functions;
using Microsoft.AspNetCore.Http.Features;

namespace CustomResources.Server.Http;

/// <summary>
/// Endpoints the Azure Functions host calls for non-HTTP triggers (custom-handler invocations,
/// <c>POST /{FunctionName}</c>). Mapped only when the adapters behind them are configured.
/// </summary>
public static partial class FunctionTriggers
{
    /// <summary>The change-feed function (functions/ResourceChangeFeed) and its trigger binding name.</summary>
    public const string ResourceChangeFeed = "ResourceChangeFeed";

    public const string DocumentsBinding = "documents";

    /// <summary>
    /// A batch holds at most <c>maxItemsPerInvocation</c> documents of at most 2 MB each (Cosmos DB's item limit), so
    /// this endpoint takes larger bodies than the API's 3 MiB.
    /// </summary>
    public const long MaxInvocationBytes = 64L * 1024 * 1024;

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<ChangeFeedEventPublisher>() is not null)
        {
            app.MapPost("/" + ResourceChangeFeed, HandleChangeFeedAsync);
            Security.RequestAuthentication.AllowTrigger("/" + ResourceChangeFeed);
        }
    }

    private static async Task<IResult> HandleChangeFeedAsync(HttpContext context, ChangeFeedEventPublisher publisher, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(FunctionTriggers));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxInvocationBytes;
        }

        IReadOnlyList<System.Text.Json.Nodes.JsonObject> documents;
        try
        {
            var body = await HttpIo.ReadBodyAsync(context.Request, MaxInvocationBytes, cancellationToken);
            documents = CustomHandlerInvocation.ReadObjectArray(body, DocumentsBinding);
        }
        catch (FormatException e)
        {
            LogMalformedInvocation(logger, ResourceChangeFeed, e.Message);
            return Results.Json(CustomHandlerInvocation.Response([$"malformed invocation payload: {e.Message}"]), statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var outcome = await publisher.PublishAsync(documents, cancellationToken);
            foreach (var skipped in outcome.Skipped)
            {
                LogSkippedDocument(logger, skipped);
            }

            var logs = new List<string>(outcome.Skipped.Count + 1) { $"published {outcome.Published.Count} event(s) for {documents.Count} document(s)" };
            logs.AddRange(outcome.Skipped.Select(s => "skipped " + s));
            return Results.Json(CustomHandlerInvocation.Response(logs));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Failing the invocation makes the host retry the batch (function.json's retry policy): nothing is lost.
            LogPublishFailed(logger, e, documents.Count);
            return Results.Json(CustomHandlerInvocation.Response([$"publishing failed, the batch will be retried: {e.Message}"]), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Malformed {Function} invocation: {Problem}")]
    private static partial void LogMalformedInvocation(ILogger logger, string function, string problem);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Change feed: skipped {Reason}")]
    private static partial void LogSkippedDocument(ILogger logger, string reason);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Change feed: publishing events for {Count} document(s) failed; the host will retry the batch")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);
}
