using CustomResources.Core.Definitions;
using CustomResources.Core.Oakestra;
using CustomResources.Core.Objects;
using CustomResources.Core.Storage;
using CustomResources.Server;
using CustomResources.Server.Http;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

// Embedded default: loopback only, port 8080. --urls / ASPNETCORE_URLS override it; under the Functions host
// the custom-handler port wins.
var customHandlerPort = builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"];
if (!string.IsNullOrEmpty(customHandlerPort))
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{customHandlerPort}");
}
else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8080");
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Bodies are capped by HttpIo at 3 MiB with a Status answer; Kestrel's own cap sits just above.
    kestrel.Limits.MaxRequestBodySize = HttpIo.MaxBodyBytes + 1024;
    kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
});
builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

builder.Services.AddOptions<ApiServerOptions>().Bind(builder.Configuration.GetSection(ApiServerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddOutboundHttp(builder.Configuration);
HttpAdmissionWebhookClient.AddAdmissionWebhooks(builder.Services);
builder.Services.AddSingleton<DefinitionCatalog>();
builder.Services.AddSingleton<ResourceService>();
builder.Services.AddSingleton<WatchService>();
builder.Services.AddSingleton<OakestraFacade>();
builder.Services.AddSingleton<OakestraHooks>();
builder.Services.AddSingleton(sp => new ServerInfo(sp.GetRequiredService<IOptions<ApiServerOptions>>().Value.KubernetesMinorVersion, "127.0.0.1"));

var app = builder.Build();

app.UseMiddleware<ErrorHandling>();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/livez", () => Results.Text("ok"));
app.MapGet("/readyz", async (IObjectStore store, CancellationToken ct) =>
{
    await store.CountAsync(DefinitionCatalog.DefinitionCollection, ct);
    return Results.Text("ok");
});
KubernetesApi.Map(app);
OakestraApi.Map(app);
FunctionTriggers.Map(app);

try
{
    // Resolve every options object now so a bad setting stops the server before it listens.
    _ = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<ApiServerOptions>>().Value;
    await Bootstrap.EnsureDefaultNamespaceAsync(app.Services.GetRequiredService<ResourceService>(), CancellationToken.None);
}
catch (Exception e) when (Bootstrap.DescribeStartupFailure(e, builder.Configuration) is { } reason)
{
    // A configuration mistake is reported in one clear line, not a stack trace.
    await Console.Error.WriteLineAsync($"Cannot start: {reason}");
    return 2;
}

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
