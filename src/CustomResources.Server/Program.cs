using CustomResources.Core.Definitions;
using CustomResources.Core.Oakestra;
using CustomResources.Core.Objects;
using CustomResources.Core.Security;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Security;
using CustomResources.Server;
using CustomResources.Server.Http;
using CustomResources.Server.Modules;
using CustomResources.Server.Security;
using Microsoft.Extensions.Options;

// "token create|list|revoke" manages bearer tokens on the store, "audit" prints the audit log, instead of serving.
var tokenCommand = args is ["token" or "audit", ..] ? TokenCommand.Split(args) : default;
var builder = WebApplication.CreateBuilder(tokenCommand.Command is null ? args : tokenCommand.Configuration);

// Embedded default: loopback only, https on 8443 with a generated certificate (http on 8080 with Server:Tls:Mode=Off).
// --urls / ASPNETCORE_URLS override it; under the Functions host the custom-handler port wins and the platform
// terminates TLS.
var customHandlerPort = builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"];
var tls = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
var tlsMode = string.IsNullOrEmpty(customHandlerPort) && tokenCommand.Command is null ? tls.Mode : "Off";
List<string> urls;
if (!string.IsNullOrEmpty(customHandlerPort))
{
    urls = [$"http://127.0.0.1:{customHandlerPort}"];
    builder.WebHost.UseUrls([.. urls]);
}
else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    urls = [tlsMode == "Off" ? "http://127.0.0.1:8080" : "https://127.0.0.1:8443"];
    builder.WebHost.UseUrls([.. urls]);
}
else
{
    urls = [.. builder.Configuration["urls"]!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

var authentication = builder.Configuration.GetSection(AuthenticationOptions.Section).Get<AuthenticationOptions>() ?? new AuthenticationOptions();
var storeDirectory = Path.GetDirectoryName(Path.GetFullPath(builder.Configuration["Storage:Path"] ?? "./data/customresources.db"))!;
ServingCredentials? serving;
try
{
    if (SecuritySetup.CheckExposure(urls, authentication) is { } exposure)
    {
        throw new InvalidOperationException(exposure);
    }

    var https = urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
    serving = (tlsMode, https) switch
    {
        ("Generated", true) => LocalCertificateAuthority.Ensure(storeDirectory, tls.HostNames, TimeProvider.System),
        ("Files", _) => new ServingCredentials(
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(
                tls.CertificatePath ?? throw new InvalidOperationException("Server:Tls:CertificatePath is required with Server:Tls:Mode=Files"),
                tls.KeyPath ?? throw new InvalidOperationException("Server:Tls:KeyPath is required with Server:Tls:Mode=Files")),
            null!,
            tls.CertificatePath),
        _ => null,
    };
}
catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
{
    await Console.Error.WriteLineAsync($"Cannot start: {e.Message}");
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Bodies are capped by HttpIo at 3 MiB with a Status answer; Kestrel's own cap sits just above.
    kestrel.Limits.MaxRequestBodySize = HttpIo.MaxBodyBytes + 1024;
    kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
    kestrel.Limits.MaxRequestLineSize = 16 * 1024;
    if (serving is not null)
    {
        kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = serving.ServingCertificate);
    }
});
builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

builder.Services.AddOptions<ApiServerOptions>().Bind(builder.Configuration.GetSection(ApiServerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddSecurity(builder.Configuration);
builder.Services.AddOutboundHttp(builder.Configuration);
HttpAdmissionWebhookClient.AddAdmissionWebhooks(builder.Services);
builder.Services.AddSingleton<DefinitionCatalog>();
builder.Services.AddSingleton<ResourceService>();
builder.Services.AddSingleton<WatchService>();
builder.Services.AddModules(builder.Configuration, SecuritySetup.LocalUrl(urls[0]));
builder.Services.AddSingleton<OakestraFacade>();
builder.Services.AddSingleton<OakestraHooks>();
builder.Services.AddSingleton(sp => new ServerInfo(sp.GetRequiredService<IOptions<ApiServerOptions>>().Value.KubernetesMinorVersion, "127.0.0.1"));

var app = builder.Build();

app.UseMiddleware<SecurityHeaders>();
app.UseMiddleware<AuditTrail>();
app.UseMiddleware<ErrorHandling>();
app.UseMiddleware<RequestAuthentication>();
app.UseMiddleware<DefaultRolesRefresh>();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/livez", () => Results.Text("ok"));
app.MapGet("/readyz", async (IObjectStore store, CancellationToken ct) =>
{
    await store.CountAsync(DefinitionCatalog.DefinitionCollection, ct);
    return Results.Text("ok");
});
KubernetesApi.Map(app);
AccessReviewApi.Map(app);
OakestraApi.Map(app);
FunctionTriggers.Map(app);

try
{
    // Resolve every options object now so a bad setting stops the server before it listens.
    _ = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<ApiServerOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<TlsOptions>>().Value;
    var service = app.Services.GetRequiredService<ResourceService>();
    if (tokenCommand.Command is not null)
    {
        return args[0] == "audit"
            ? await AuditCommand.RunAsync(tokenCommand.Command, SecuritySetup.AuditPath(app.Services.GetRequiredService<IOptions<AuditOptions>>().Value, app.Services.GetRequiredService<IOptions<StorageOptions>>().Value), Console.Out, Console.Error)
            : await TokenCommand.RunAsync(tokenCommand.Command, app.Services, storeDirectory, Console.Out, Console.Error);
    }

    await Bootstrap.EnsureDefaultNamespaceAsync(service, CancellationToken.None);
    await SecuritySetup.RefreshDefaultRolesAsync(app.Services, CancellationToken.None);
    await SecuritySetup.EnsureAdminGroupsAsync(service, authentication.AdminGroups, CancellationToken.None);
    var embedded = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageOptions.Sqlite;
    if (authentication.Enabled && embedded && string.IsNullOrEmpty(customHandlerPort))
    {
        var serverUrl = SecuritySetup.LocalUrl(urls.FirstOrDefault(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) ?? urls[0]);
        var kubeconfig = await SecuritySetup.WriteAdminKubeconfigAsync(app.Services, storeDirectory, serverUrl, serving, CancellationToken.None);
        if (app.Logger.IsEnabled(LogLevel.Information))
        {
            app.Logger.LogInformation("Admin kubeconfig: {Path} (kubectl --kubeconfig {Path} get namespaces)", kubeconfig, kubeconfig);
        }
    }
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
