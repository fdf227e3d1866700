using CustomResources.Azure.Cosmos;
using CustomResources.Azure.Functions;
using CustomResources.Core.Modules;
using CustomResources.Core.Storage;
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

    /// <summary>The queue-triggered Module controller (functions/ModuleReconcile), its poison-queue twin and the resync timer.</summary>
    public const string ModuleReconcile = "ModuleReconcile";

    public const string ModuleReconcilePoison = "ModuleReconcilePoison";

    public const string ModuleResync = "ModuleResync";

    /// <summary>The queue trigger's binding name (the message).</summary>
    public const string MessageBinding = "message";

    /// <summary>
    /// A batch holds at most <c>maxItemsPerInvocation</c> documents of at most 2 MB each (Cosmos DB's item limit), so
    /// this endpoint takes larger bodies than the API's 3 MiB.
    /// </summary>
    public const long MaxInvocationBytes = 64L * 1024 * 1024;

    /// <summary>A queue message is at most 64 KiB; the envelope around it adds metadata.</summary>
    private const long MaxQueueInvocationBytes = 1024 * 1024;

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var publisher = app.Services.GetService<ChangeFeedEventPublisher>();
        var modules = app.Services.GetService<QueuedModuleReconciler>();
        if (publisher is not null || modules is not null)
        {
            app.MapPost("/" + ResourceChangeFeed, HandleChangeFeedAsync);
            Security.RequestAuthentication.AllowTrigger("/" + ResourceChangeFeed);
        }

        if (modules is null && app.Services.GetService<IResourceDocumentReader>() is not null)
        {
            // On the Functions host without a module controller (no Modules:Queue or token key): the module functions
            // still fire (the resync timer, queue listeners); they succeed and say why nothing happens.
            foreach (var path in new[] { ModuleReconcile, ModuleReconcilePoison, ModuleResync })
            {
                app.MapPost("/" + path, () => Results.Json(CustomHandlerInvocation.Response(["the module controller is off (Modules:Enabled, Modules:Queue, Modules:TokenKey); nothing to do"])));
                Security.RequestAuthentication.AllowTrigger("/" + path);
            }
        }

        if (modules is not null)
        {
            app.MapPost("/" + ModuleReconcile, (HttpContext context, QueuedModuleReconciler controller, ILoggerFactory loggers, CancellationToken cancellationToken) =>
                HandleReconcileAsync(context, controller, loggers, poison: false, cancellationToken));
            app.MapPost("/" + ModuleReconcilePoison, (HttpContext context, QueuedModuleReconciler controller, ILoggerFactory loggers, CancellationToken cancellationToken) =>
                HandleReconcileAsync(context, controller, loggers, poison: true, cancellationToken));
            app.MapPost("/" + ModuleResync, HandleResyncAsync);
            foreach (var path in new[] { ModuleReconcile, ModuleReconcilePoison, ModuleResync })
            {
                Security.RequestAuthentication.AllowTrigger("/" + path);
            }
        }
    }

    private static async Task<IResult> HandleChangeFeedAsync(HttpContext context, IServiceProvider services, ILoggerFactory loggers, CancellationToken cancellationToken)
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
            return Malformed(logger, ResourceChangeFeed, e);
        }

        var logs = new List<string>();
        if (services.GetService<ChangeFeedEventPublisher>() is { } publisher)
        {
            try
            {
                var outcome = await publisher.PublishAsync(documents, cancellationToken);
                foreach (var skipped in outcome.Skipped)
                {
                    LogSkippedDocument(logger, skipped);
                }

                logs.Add($"published {outcome.Published.Count} event(s) for {documents.Count} document(s)");
                logs.AddRange(outcome.Skipped.Select(s => "skipped " + s));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Failing the invocation makes the host retry the batch (function.json's retry policy): nothing is lost.
                LogPublishFailed(logger, e, documents.Count);
                return Results.Json(CustomHandlerInvocation.Response([$"publishing failed, the batch will be retried: {e.Message}"]), statusCode: StatusCodes.Status500InternalServerError);
            }
        }

        if (services.GetService<QueuedModuleReconciler>() is { } modules)
        {
            try
            {
                logs.Add($"queued {await modules.EnqueueChangesAsync(documents.Select(TryReadChange).OfType<ObjectChange>(), cancellationToken)} module reconcile(s)");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Events of a retried batch keep their ids, so receivers see no duplicates; reconciles are idempotent.
                LogEnqueueFailed(logger, e, documents.Count);
                return Results.Json(CustomHandlerInvocation.Response([$"queueing module reconciles failed, the batch will be retried: {e.Message}"]), statusCode: StatusCodes.Status500InternalServerError);
            }
        }

        return Results.Json(CustomHandlerInvocation.Response(logs));
    }

    /// <summary>
    /// One queue message: reconcile its key (or, from the poison queue, report the Module stalled). A malformed
    /// envelope answers 400; a malformed message is dropped with a log line (delivering it again cannot help); an
    /// unexpected failure answers 500, so the host delivers the message again and finally moves it to the poison queue.
    /// </summary>
    private static async Task<IResult> HandleReconcileAsync(HttpContext context, QueuedModuleReconciler controller, ILoggerFactory loggers, bool poison, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(FunctionTriggers));
        var function = poison ? ModuleReconcilePoison : ModuleReconcile;
        string text;
        long deliveries;
        try
        {
            var body = await HttpIo.ReadBodyAsync(context.Request, MaxQueueInvocationBytes, cancellationToken);
            var (data, metadata) = CustomHandlerInvocation.ReadEnvelope(body);
            text = CustomHandlerInvocation.ReadText(data, MessageBinding);
            deliveries = CustomHandlerInvocation.ReadInteger(metadata, "DequeueCount") ?? 1;
        }
        catch (FormatException e)
        {
            return Malformed(logger, function, e);
        }

        ReconcileMessage message;
        try
        {
            message = ReconcileMessage.Parse(text);
        }
        catch (FormatException e)
        {
            LogMalformedMessage(logger, function, e.Message);
            return Results.Json(CustomHandlerInvocation.Response([$"dropped a malformed message: {e.Message}"]));
        }

        try
        {
            if (poison)
            {
                await controller.HandlePoisonAsync(message, cancellationToken);
                LogStalled(logger, message.Key);
                return Results.Json(CustomHandlerInvocation.Response([$"{message.Key}: reported stalled"]));
            }

            var outcome = await controller.HandleAsync(message, cancellationToken);
            if (outcome.Retry)
            {
                LogRetrying(logger, message.Key, message.Attempt + 1, outcome.Summary);
            }

            return Results.Json(CustomHandlerInvocation.Response([$"{message.Key}: {outcome.Summary}"]));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReconcileFailed(logger, e, function, message.Key, deliveries);
            return Results.Json(CustomHandlerInvocation.Response([$"{message.Key}: failed, the message will be delivered again: {e.Message}"]), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>The resync timer: every Workspace and Module goes on the queue (level-triggered: nothing missed stays missed).</summary>
    private static async Task<IResult> HandleResyncAsync(HttpContext context, QueuedModuleReconciler controller, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(FunctionTriggers));
        try
        {
            // The timer's payload (schedule status) is not needed, but it must be an invocation.
            CustomHandlerInvocation.ReadEnvelope(await HttpIo.ReadBodyAsync(context.Request, MaxQueueInvocationBytes, cancellationToken));
        }
        catch (FormatException e)
        {
            return Malformed(logger, ModuleResync, e);
        }

        try
        {
            return Results.Json(CustomHandlerInvocation.Response([$"queued {await controller.ResyncAsync(cancellationToken)} reconcile(s)"]));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogResyncFailed(logger, e);
            return Results.Json(CustomHandlerInvocation.Response([$"resync failed: {e.Message}"]), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>A payload the host should never send: 400, so the invocation fails visibly.</summary>
    private static IResult Malformed(ILogger logger, string function, FormatException problem)
    {
        LogMalformedInvocation(logger, function, problem.Message);
        return Results.Json(CustomHandlerInvocation.Response([$"malformed invocation payload: {problem.Message}"]), statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>The change a change-feed document records, or null when it is not a resources document.</summary>
    private static ObjectChange? TryReadChange(System.Text.Json.Nodes.JsonObject document)
    {
        try
        {
            return CosmosResourceDocument.ToChange(document);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Malformed {Function} invocation: {Problem}")]
    private static partial void LogMalformedInvocation(ILogger logger, string function, string problem);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Change feed: skipped {Reason}")]
    private static partial void LogSkippedDocument(ILogger logger, string reason);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Change feed: publishing events for {Count} document(s) failed; the host will retry the batch")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 43, Level = LogLevel.Error, Message = "Change feed: queueing module reconciles for {Count} document(s) failed; the host will retry the batch")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "{Function}: dropped a malformed message: {Problem}")]
    private static partial void LogMalformedMessage(ILogger logger, string function, string problem);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Module reconcile of {Key} will be retried (attempt {Attempt}): {Reason}")]
    private static partial void LogRetrying(ILogger logger, string key, int attempt, string reason);

    [LoggerMessage(EventId = 46, Level = LogLevel.Error, Message = "{Function} of {Key} failed (delivery {Deliveries}); the host delivers it again")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string function, string key, long deliveries);

    [LoggerMessage(EventId = 47, Level = LogLevel.Warning, Message = "Module work for {Key} reached the poison queue; reported Stalled in its status")]
    private static partial void LogStalled(ILogger logger, string key);

    [LoggerMessage(EventId = 48, Level = LogLevel.Error, Message = "Module resync failed")]
    private static partial void LogResyncFailed(ILogger logger, Exception exception);
}
