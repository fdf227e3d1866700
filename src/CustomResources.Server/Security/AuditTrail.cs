using CustomResources.Core.Auditing;
using CustomResources.Core.Security;

namespace CustomResources.Server.Security;

/// <summary>Configuration section <c>Audit</c>.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// <c>File</c>: JSON lines in <see cref="Path"/> (default <c>audit.log</c> beside the SQLite store, rotated);
    /// <c>Log</c>: structured log entries (Application Insights in Azure); <c>Off</c>. Default: File for the embedded
    /// store, Log for Cosmos DB.
    /// </summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(File|Log|Off)$", ErrorMessage = "Audit:Sink must be File, Log or Off.")]
    public string? Sink { get; set; }

    public string? Path { get; set; }
}

/// <summary>
/// Records every mutating request (POST, PUT, PATCH, DELETE), refused ones included: who, verb, resource, namespace,
/// name, status and time. Sits outside the error handling so 401, 403 and 422 answers are recorded with their codes.
/// </summary>
public sealed class AuditTrail(RequestDelegate next, IAuditSink sink, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            var path = context.Request.Path.Value ?? "/";
            var user = RequestAuthentication.UserOf(context) ?? UserInfo.Anonymous;
            var attributes = RequestAttributesMapper.Map(method, path, context.Request.QueryString.Value);
            var status = context.Response.StatusCode;
            var record = AuditRecord.From(
                clock.GetUtcNow(), user, attributes, method, path, status, context.TraceIdentifier,
                sourceIp: context.Connection.RemoteIpAddress?.ToString(), userAgent: context.Request.Headers.UserAgent.ToString());
            await sink.WriteAsync(record, CancellationToken.None);
        }
    }
}

/// <summary>Audit records as structured log entries (category <c>Audit</c>), for hosts whose logs are collected.</summary>
public sealed partial class LoggerAuditSink(ILoggerFactory loggers) : IAuditSink
{
    private readonly ILogger logger = loggers.CreateLogger("Audit");

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var resource = record.Subresource.Length == 0 ? record.Resource : $"{record.Resource}/{record.Subresource}";
            LogRecord(logger, record.User, record.Verb, record.ApiGroup, resource, record.Namespace, record.Name, record.StatusCode, record.Method, record.Path, record.SourceIp ?? "");
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "audit: {User} {Verb} {ApiGroup}/{Resource} namespace={Namespace} name={Name} -> {StatusCode} ({Method} {Path} from {SourceIp})")]
    private static partial void LogRecord(ILogger logger, string user, string verb, string apiGroup, string resource, string @namespace, string name, int statusCode, string method, string path, string sourceIp);
}
