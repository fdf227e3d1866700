using System.Text.Json.Nodes;

namespace CustomResources.Core.Modules;

/// <summary>The life-cycle operations of the module HTTP contract.</summary>
public enum ModuleOperation
{
    Install,
    Sleep,
    Resume,
    Uninstall,
}

/// <summary>
/// How a module call ended: <see cref="Succeeded"/> with the metadata the module returned (null when it returned none),
/// or a failure that is <see cref="Retryable"/> (connection error, timeout, 5xx) or terminal (4xx, with the module's
/// message).
/// </summary>
public sealed record ModuleCallResult(bool Succeeded, bool Retryable, int StatusCode, JsonObject? Metadata, string Message)
{
    public static ModuleCallResult Success(int statusCode, JsonObject? metadata) => new(true, false, statusCode, metadata, "");

    public static ModuleCallResult Failure(bool retryable, int statusCode, string message) => new(false, retryable, statusCode, null, message);
}

/// <summary>Talks to a running module (<c>GET /health</c>, <c>POST /install</c>, ...). Every call has a timeout.</summary>
public interface IModuleClient
{
    /// <summary>Whether <c>GET /health</c> answers 200 with <c>healthy</c> not false.</summary>
    Task<bool> IsHealthyAsync(ModuleEndpoint endpoint, CancellationToken cancellationToken);

    /// <summary>Posts <paramref name="body"/> (config merged with the persisted metadata) to the operation's path.</summary>
    Task<ModuleCallResult> CallAsync(ModuleEndpoint endpoint, ModuleOperation operation, JsonObject body, CancellationToken cancellationToken);
}

public static class ModuleOperations
{
    public static string Path(ModuleOperation operation) => operation switch
    {
        ModuleOperation.Install => "install",
        ModuleOperation.Sleep => "sleep",
        ModuleOperation.Resume => "resume",
        _ => "uninstall",
    };

    /// <summary>
    /// Classifies a module's answer: 2xx succeeds (a JSON object body is the metadata to persist); 4xx is terminal with
    /// the module's <c>message</c> (or its text); anything else is retryable.
    /// </summary>
    public static ModuleCallResult Classify(int statusCode, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonNode? parsed = null;
        try
        {
            parsed = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: the text itself is the message.
        }

        if (statusCode is >= 200 and < 300)
        {
            return ModuleCallResult.Success(statusCode, parsed as JsonObject);
        }

        var message = parsed is JsonObject o && o["message"] is JsonValue m && m.TryGetValue<string>(out var text) ? text : body.Trim();
        if (message.Length > 1024)
        {
            message = message[..1024] + "…";
        }

        message = message.Length == 0 ? $"HTTP {statusCode}" : $"HTTP {statusCode}: {message}";
        return ModuleCallResult.Failure(retryable: statusCode is < 400 or >= 500 or 408 or 429, statusCode, message);
    }
}
