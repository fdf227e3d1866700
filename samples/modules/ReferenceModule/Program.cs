using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceModule;

// The reference module: implements the module HTTP contract and records every lifecycle call so tests can observe
// what the reconciler sent. Environment: PORT (8080), HOST (127.0.0.1), MODULE_STATE_FILE, CUSTOMRESOURCES_API_URL,
// CUSTOMRESOURCES_TOKEN, and the fault injection settings read by ModuleBehaviour.
var builder = WebApplication.CreateBuilder(args);

// Request logs of many modules would drown the server's output; start-up and errors still show.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var host = builder.Configuration["HOST"] is { Length: > 0 } h ? h : "127.0.0.1";
var port = builder.Configuration["PORT"] is { Length: > 0 } p ? p : "8080";
builder.WebHost.UseUrls($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ModuleBehaviour>();
builder.Services.AddHostedService<StartClock>();

var app = builder.Build();

app.MapGet("/health", (ModuleBehaviour module) =>
{
    var healthy = module.Healthy;
    var body = new JsonObject
    {
        ["timestamp"] = Timestamp(module.Now),
        ["uptime"] = Math.Round((module.Now - module.StartedAt).TotalSeconds, 3),
        ["message"] = healthy ? "Service is running" : "Service is starting",
        ["healthy"] = healthy,
        ["apiConfigured"] = module.ApiConfigured,
        ["apiUrl"] = module.ApiUrl,
        ["pid"] = Environment.ProcessId,
    };
    return Json(body, healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
});

app.MapPost("/install", (HttpRequest request, ModuleBehaviour module, CancellationToken cancellationToken) =>
    LifecycleAsync("/install", request, module, StatusCodes.Status201Created, (body, now) =>
    {
        body["installedAt"] = now;
        body["installCount"] = (body["installCount"] is JsonValue v && v.TryGetValue(out int count) ? count : 0) + 1;
        body["sleeping"] = false;
    }, cancellationToken));

app.MapPost("/sleep", (HttpRequest request, ModuleBehaviour module, CancellationToken cancellationToken) =>
    LifecycleAsync("/sleep", request, module, StatusCodes.Status200OK, (body, now) =>
    {
        body["sleptAt"] = now;
        body["sleeping"] = true;
    }, cancellationToken));

app.MapPost("/resume", (HttpRequest request, ModuleBehaviour module, CancellationToken cancellationToken) =>
    LifecycleAsync("/resume", request, module, StatusCodes.Status200OK, (body, now) =>
    {
        body["resumedAt"] = now;
        body["sleeping"] = false;
    }, cancellationToken));

app.MapPost("/uninstall", (HttpRequest request, ModuleBehaviour module, CancellationToken cancellationToken) =>
    LifecycleAsync("/uninstall", request, module, StatusCodes.Status204NoContent, update: null, cancellationToken));

app.MapGet("/calls", (ModuleBehaviour module) => Json(module.Calls(), StatusCodes.Status200OK));

app.MapPost("/control", async (HttpRequest request, ModuleBehaviour module, CancellationToken cancellationToken) =>
{
    var (body, problem) = await ReadObjectAsync(request, cancellationToken);
    problem ??= body is null ? "the body must be a JSON object" : module.Control(body);
    return problem is null ? Results.NoContent() : Message(problem, StatusCodes.Status400BadRequest);
});

await app.RunAsync();

static async Task<IResult> LifecycleAsync(
    string path,
    HttpRequest request,
    ModuleBehaviour module,
    int successStatus,
    Action<JsonObject, string>? update,
    CancellationToken cancellationToken)
{
    var (body, problem) = await ReadObjectAsync(request, cancellationToken);
    if (problem is not null || body is null)
    {
        module.Record(path, null, StatusCodes.Status400BadRequest);
        return Message(problem ?? "the body must be a JSON object", StatusCodes.Status400BadRequest);
    }

    if (module.DelayFor(path) is { } delay && delay > TimeSpan.Zero)
    {
        // Recorded on arrival too, so a test can tell that the call is in flight (e.g. to kill its caller meanwhile).
        module.Record(path, body, status: null, stage: "received");
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller disconnected (or was killed) while the call was held: it is never carried out.
            module.Record(path, body, status: null, stage: "abandoned");
            throw;
        }
    }

    if (module.ShouldCrash(path))
    {
        module.Record(path, body, status: null, crashed: true);

        // Abrupt on purpose (SIGKILL, exit status 137): no response, no graceful shutdown, as a crashing container.
        using var self = Process.GetCurrentProcess();
        self.Kill();
    }

    if (module.TakeFailure(path) is { } failure)
    {
        module.Record(path, body, failure.Status);
        return Message(failure.Message, failure.Status);
    }

    module.Record(path, body, successStatus);
    if (update is null)
    {
        return Results.StatusCode(successStatus);
    }

    var metadata = (JsonObject)body.DeepClone();
    update(metadata, Timestamp(module.Now));
    return Json(metadata, successStatus);
}

static async Task<(JsonObject? Body, string? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
{
    using var reader = new StreamReader(request.Body, Encoding.UTF8);
    var text = await reader.ReadToEndAsync(cancellationToken);
    if (string.IsNullOrWhiteSpace(text))
    {
        return (new JsonObject(), null);
    }

    try
    {
        return JsonNode.Parse(text) is JsonObject body ? (body, null) : (null, "the body must be a JSON object");
    }
    catch (JsonException e)
    {
        return (null, "the body is not valid JSON: " + e.Message);
    }
}

static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

static IResult Json(JsonNode body, int status) =>
    Results.Content(body.ToJsonString(), "application/json", Encoding.UTF8, status);

static IResult Message(string message, int status) => Json(new JsonObject { ["message"] = message }, status);

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
