using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.ResourceManager;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CustomResources.Azure.Tests.Modules;

/// <summary>One request the ARM stub received.</summary>
public sealed record ArmCall(string Method, string Path, string? ApiVersion, string? Authorization, string Body, DateTimeOffset At)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);
}

/// <summary>A canned failure: answered instead of the real behaviour for matching requests, <see cref="Times"/> times.</summary>
public sealed record ArmFault(string Method, HttpStatusCode Status, string? Code, string? Message)
{
    public int Times { get; set; } = int.MaxValue;
}

/// <summary>
/// A loopback HTTPS stand-in for Azure Resource Manager's container group endpoints, behaving as ARM does for them:
/// PUT answers 201 with <c>provisioningState: Creating</c> and an <c>Azure-AsyncOperation</c> header; the operation
/// reports <c>InProgress</c> for <see cref="PollsBeforeDone"/> polls, then <c>Succeeded</c> (the group gets an IP) or
/// <c>Failed</c>; GET answers the stored group without secure values or registry passwords (as ARM hides them) or 404 with
/// an ARM error body; DELETE answers 200, or 204 when there is nothing to delete. Every request is recorded. The server
/// certificate is a fresh self-signed one, trusted only by the transport from <see cref="Transport"/>.
/// </summary>
public sealed class ArmStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentQueue<ArmCall> _calls = new();
    private readonly ConcurrentDictionary<string, JsonObject> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (string GroupPath, int Polls)> _operations = new();
    private readonly object _gate = new();

    private ArmStub(WebApplication app, X509Certificate2 certificate, Uri endpoint)
    {
        _app = app;
        _certificate = certificate;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public IReadOnlyList<ArmCall> Calls => [.. _calls];

    /// <summary>How many operation polls answer <c>InProgress</c> before the operation ends.</summary>
    public int PollsBeforeDone { get; set; } = 1;

    /// <summary>When set, operations end <c>Failed</c> (e.g. the image could not be pulled).</summary>
    public bool ProvisioningFails { get; set; }

    /// <summary>The public IP a group gets once provisioned (a private one from <see cref="PrivateIp"/> with a subnet).</summary>
    public string PublicIp { get; set; } = "20.61.1.2";

    public string PrivateIp { get; set; } = "10.0.1.4";

    /// <summary>Canned failures by method (first match wins).</summary>
    public List<ArmFault> Faults { get; } = [];

    public static async Task<ArmStub> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        ArmStub? stub = null;
        app.Run(context => stub!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        stub = new ArmStub(app, certificate, new Uri(new Uri(address).GetLeftPart(UriPartial.Authority).Replace("http:", "https:", StringComparison.Ordinal) + "/"));
        return stub;
    }

    /// <summary>A transport that trusts exactly this stub's certificate.</summary>
    public HttpPipelineTransport Transport()
    {
        var thumbprint = _certificate.GetCertHash(HashAlgorithmName.SHA256);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(thumbprint),
        };
        return new HttpClientTransport(handler);
    }

    /// <summary>Client options for tests: this stub's transport, no SDK retries (so error tests are fast).</summary>
    public void Configure(ArmClientOptions options)
    {
        options.Transport = Transport();
        options.Retry.MaxRetries = 0;
    }

    public IReadOnlyList<ArmCall> CallsOf(string method) => [.. Calls.Where(c => c.Method == method)];

    /// <summary>The stored group (as ARM would return it), or null.</summary>
    public JsonObject? Group(string name)
    {
        var entry = _groups.FirstOrDefault(g => g.Key.EndsWith("/containerGroups/" + name, StringComparison.OrdinalIgnoreCase));
        return entry.Value;
    }

    /// <summary>Changes a stored group as someone outside the runtime would (the portal, the CLI).</summary>
    public void Mutate(string name, Action<JsonObject> change)
    {
        lock (_gate)
        {
            change(Group(name) ?? throw new InvalidOperationException($"no group {name}"));
        }
    }

    /// <summary>Lets every running operation finish at its next poll.</summary>
    public void FinishOperations() => PollsBeforeDone = 0;

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var path = request.Path.Value ?? "/";
        _calls.Enqueue(new ArmCall(request.Method, path, request.Query["api-version"].FirstOrDefault(), request.Headers.Authorization.FirstOrDefault(), body, DateTimeOffset.UtcNow));

        var fault = Faults.FirstOrDefault(f => f.Method == request.Method && f.Times > 0);
        if (fault is not null)
        {
            fault.Times--;
            await WriteAsync(context, (int)fault.Status, fault.Code is null ? null : Error(fault.Code, fault.Message ?? fault.Code));
            return;
        }

        if (path.Contains("/operations/", StringComparison.OrdinalIgnoreCase) && request.Method == "GET")
        {
            await PollAsync(context, path);
            return;
        }

        if (!path.Contains("/providers/Microsoft.ContainerInstance/containerGroups/", StringComparison.OrdinalIgnoreCase))
        {
            await WriteAsync(context, 400, Error("InvalidRequest", $"The stub serves no {request.Method} {path}"));
            return;
        }

        switch (request.Method)
        {
            case "PUT":
                await PutAsync(context, path, body);
                break;
            case "GET" when _groups.TryGetValue(path, out var group):
                await WriteAsync(context, 200, Snapshot(group));
                break;
            case "GET":
                await WriteAsync(context, 404, Error("ResourceNotFound", $"The Resource '{path}' was not found."));
                break;
            case "DELETE" when _groups.TryRemove(path, out var removed):
                await WriteAsync(context, 200, Snapshot(removed));
                break;
            case "DELETE":
                await WriteAsync(context, 204, null);
                break;
            default:
                await WriteAsync(context, 405, Error("MethodNotAllowed", request.Method));
                break;
        }
    }

    private async Task PutAsync(HttpContext context, string path, string body)
    {
        var input = JsonNode.Parse(body)!.AsObject();
        var properties = input["properties"]!.DeepClone().AsObject();
        foreach (var container in properties["containers"]!.AsArray())
        {
            foreach (var variable in container!["properties"]!["environmentVariables"]?.AsArray() ?? [])
            {
                variable!.AsObject().Remove("secureValue");
            }
        }

        foreach (var credential in properties["imageRegistryCredentials"]?.AsArray() ?? [])
        {
            credential!.AsObject().Remove("password");
        }

        properties["provisioningState"] = "Creating";
        var name = path[(path.LastIndexOf('/') + 1)..];
        var group = new JsonObject
        {
            ["id"] = path,
            ["name"] = name,
            ["type"] = "Microsoft.ContainerInstance/containerGroups",
            ["location"] = input["location"]?.DeepClone(),
            ["tags"] = input["tags"]?.DeepClone(),
            ["properties"] = properties,
        };
        var created = !_groups.ContainsKey(path);
        _groups[path] = group;

        var operationId = Guid.NewGuid().ToString();
        _operations[operationId] = (path, 0);
        var subscription = path.Split('/')[2];
        context.Response.Headers["Azure-AsyncOperation"] =
            $"{Endpoint.GetLeftPart(UriPartial.Authority)}/subscriptions/{subscription}/providers/Microsoft.ContainerInstance/locations/{input["location"]}/operations/{operationId}?api-version={context.Request.Query["api-version"]}";
        await WriteAsync(context, created ? 201 : 200, Snapshot(group));
    }

    private async Task PollAsync(HttpContext context, string path)
    {
        var operationId = path[(path.LastIndexOf('/') + 1)..];
        if (!_operations.TryGetValue(operationId, out var operation))
        {
            await WriteAsync(context, 404, Error("OperationNotFound", operationId));
            return;
        }

        _operations[operationId] = operation with { Polls = operation.Polls + 1 };
        if (operation.Polls < PollsBeforeDone || !_groups.TryGetValue(operation.GroupPath, out var group))
        {
            await WriteAsync(context, 200, new JsonObject { ["id"] = path, ["status"] = "InProgress" });
            return;
        }

        lock (_gate)
        {
            var properties = group["properties"]!.AsObject();
            if (ProvisioningFails)
            {
                properties["provisioningState"] = "Failed";
            }
            else
            {
                properties["provisioningState"] = "Succeeded";
                var ipAddress = properties["ipAddress"]!.AsObject();
                ipAddress["ip"] = ipAddress["type"]?.GetValue<string>() == "Private" ? PrivateIp : PublicIp;
                if (ipAddress["dnsNameLabel"]?.GetValue<string>() is { } label)
                {
                    ipAddress["fqdn"] = $"{label}.{group["location"]}.azurecontainer.io";
                }
            }
        }

        await WriteAsync(context, 200, ProvisioningFails
            ? new JsonObject { ["id"] = path, ["status"] = "Failed", ["error"] = new JsonObject { ["code"] = "InaccessibleImage", ["message"] = "The image 'registry.example.com/missing:1' in container group is not accessible." } }
            : new JsonObject { ["id"] = path, ["status"] = "Succeeded" });
    }

    private JsonObject Snapshot(JsonObject group)
    {
        lock (_gate)
        {
            return group.DeepClone().AsObject();
        }
    }

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static async Task WriteAsync(HttpContext context, int status, JsonNode? body)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        if (body is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(body.ToJsonString());
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}

/// <summary>A token credential that hands out a fixed token and records the scopes asked for.</summary>
public sealed class FakeCredential : TokenCredential
{
    public const string Token = "fake-arm-token";

    public ConcurrentQueue<string> Scopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
        {
            Scopes.Enqueue(scope);
        }

        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
