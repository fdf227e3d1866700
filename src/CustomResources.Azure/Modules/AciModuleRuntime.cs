using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.ResourceManager;
using Azure.ResourceManager.Resources;
using CustomResources.Core.Modules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomResources.Azure.Modules;

/// <summary>
/// Runs each Module as one Azure Container Instances container group, through Azure Resource Manager generic resources
/// (<c>Microsoft.ContainerInstance/containerGroups</c>, api-version <see cref="ApiVersion"/>), in the configured
/// subscription, resource group and region. Groups are named deterministically from the Module's namespace and name and
/// tagged with its namespace, name and uid; a group whose uid or spec differs is replaced by a PUT.
/// </summary>
public sealed partial class AciModuleRuntime : IModuleRuntime
{
    /// <summary>The pinned Container Instances api-version (no provider look-up is made).</summary>
    public const string ApiVersion = "2023-05-01";

    public const string NamespaceTag = "cr-namespace";
    public const string NameTag = "cr-name";
    public const string UidTag = "cr-uid";
    public const string SpecHashTag = "cr-spec-hash";
    public const string ManagedByTag = "cr-managed-by";
    public const string ManagedByValue = "custom-resources";

    /// <summary>The name of the one container in each group.</summary>
    public const string ContainerName = "module";

    public static readonly ResourceType ContainerGroupType = new("Microsoft.ContainerInstance/containerGroups");

    private const decimal DefaultCpu = 1m;
    private const decimal DefaultMemoryInGb = 1.5m;

    private readonly ArmClient _client;
    private readonly AciModuleRuntimeOptions _options;
    private readonly ILogger _logger;

    public AciModuleRuntime(ArmClient client, AciModuleRuntimeOptions options, ILogger<AciModuleRuntime>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// An <see cref="ArmClient"/> for validated options: <paramref name="credential"/>, or <c>DefaultAzureCredential</c>
    /// (the managed identity in Azure); the Container Instances api-version pinned; <see cref="AciModuleRuntimeOptions.ArmEndpoint"/>
    /// as the environment when set. <paramref name="configureClient"/> can adjust the options (transport, diagnostics) last.
    /// </summary>
    public static ArmClient CreateArmClient(AciModuleRuntimeOptions options, TokenCredential? credential = null, Action<ArmClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new ArmClientOptions();
        clientOptions.SetApiVersion(ContainerGroupType, ApiVersion);
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        if (!string.IsNullOrWhiteSpace(options.ArmEndpoint))
        {
            var endpoint = new Uri(options.ArmEndpoint, UriKind.Absolute);
            clientOptions.Environment = new ArmEnvironment(endpoint, endpoint.GetLeftPart(UriPartial.Authority));
        }

        configureClient?.Invoke(clientOptions);
        credential ??= new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });
        return new ArmClient(credential, options.SubscriptionId, clientOptions);
    }

    /// <summary>
    /// The container group name for a Module: lowercase letters, digits and single hyphens, at most 63 characters, made of
    /// the namespace and name (shortened when long) and an 8-hex-digit hash of both, so distinct Modules never collide.
    /// </summary>
    public static string ContainerGroupName(string ns, string name)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(name);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ns + "/" + name)))[..8];
        return Readable(ns + "-" + name, 63 - 9) + "-" + hash;
    }

    /// <summary>The resource id of the Module's container group.</summary>
    public ResourceIdentifier ContainerGroupId(string ns, string name) =>
        new($"/subscriptions/{_options.SubscriptionId}/resourceGroups/{_options.ResourceGroup}/providers/{ContainerGroupType}/{ContainerGroupName(ns, name)}");

    public async Task<ModuleEndpoint> EnsureRunningAsync(ModuleWorkload workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var id = ContainerGroupId(workload.Namespace, workload.Name);
        var desired = BuildData(workload);
        var desiredHash = desired.Tags[SpecHashTag];

        var current = await GetAsync(id, cancellationToken);
        var reason = current is null ? "missing" : WhyReplace(current, workload, desiredHash);
        if (reason is not null)
        {
            LogPut(_logger, id.Name, workload.Namespace, workload.Name, reason);
            current = await PutAsync(id, desired, cancellationToken);
        }

        return EndpointOf(id.Name, current!);
    }

    public async Task RemoveAsync(string ns, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(name);
        var id = ContainerGroupId(ns, name);
        try
        {
            await _client.GetGenericResource(id).DeleteAsync(WaitUntil.Started, cancellationToken);
            LogRemoved(_logger, id.Name, ns, name);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
        catch (Exception e) when (Classify(e, $"deleting container group '{id.Name}'", cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private async Task<GenericResourceData?> GetAsync(ResourceIdentifier id, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetGenericResource(id).GetAsync(cancellationToken);
            return response.Value.Data;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (Classify(e, $"reading container group '{id.Name}'", cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private async Task<GenericResourceData> PutAsync(ResourceIdentifier id, GenericResourceData desired, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_options.ProvisioningTimeout);
        try
        {
            var operation = await _client.GetGenericResources().CreateOrUpdateAsync(WaitUntil.Started, id, desired, bounded.Token);
            // Polled here rather than with WaitForCompletionAsync, whose interval has a floor of one second.
            while (!operation.HasCompleted)
            {
                await Task.Delay(_options.PollingInterval, bounded.Token);
                await operation.UpdateStatusAsync(bounded.Token);
            }

            return operation.Value.Data;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModuleRuntimeException($"Container group '{id.Name}' is still being provisioned after {_options.ProvisioningTimeout}; try again later", retryable: true);
        }
        catch (RequestFailedException e) when (e.Status is >= 200 and < 300)
        {
            // The operation finished in a failed provisioning state (e.g. the image could not be pulled yet); a later PUT may succeed.
            throw new ModuleRuntimeException($"Container group '{id.Name}' failed to provision: {ArmMessage(e)}", retryable: true, e);
        }
        catch (Exception e) when (Classify(e, $"creating or updating container group '{id.Name}'", cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private ModuleEndpoint EndpointOf(string groupName, GenericResourceData data)
    {
        var properties = Properties(data);
        var state = properties?["provisioningState"]?.GetValue<string>() ?? data.ProvisioningState;
        if (!string.Equals(state, "Succeeded", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModuleRuntimeException($"Container group '{groupName}' is not ready yet (provisioningState {state ?? "unknown"})", retryable: true);
        }

        var ipAddress = properties?["ipAddress"];
        var ip = ipAddress?["ip"]?.GetValue<string>();
        if (string.IsNullOrEmpty(ip))
        {
            throw new ModuleRuntimeException($"Container group '{groupName}' has no IP address assigned yet", retryable: true);
        }

        var fqdn = ipAddress?["fqdn"]?.GetValue<string>();
        var host = string.IsNullOrWhiteSpace(_options.SubnetId) && !string.IsNullOrEmpty(fqdn) ? fqdn : ip;
        if (host.Contains(':', StringComparison.Ordinal))
        {
            host = "[" + host + "]";
        }

        return new ModuleEndpoint(new Uri($"http://{host}:{_options.ModulePort.ToString(CultureInfo.InvariantCulture)}/"));
    }

    /// <summary>Why the existing group must be replaced, or null when it already matches the workload.</summary>
    private static string? WhyReplace(GenericResourceData current, ModuleWorkload workload, string desiredHash)
    {
        var tags = current.Tags;
        if (!tags.TryGetValue(UidTag, out var uid) || uid != workload.Uid)
        {
            return "a different uid";
        }

        if (!tags.TryGetValue(SpecHashTag, out var hash) || hash != desiredHash)
        {
            return "a changed spec";
        }

        var properties = Properties(current);
        if (string.Equals(properties?["provisioningState"]?.GetValue<string>(), "Failed", StringComparison.OrdinalIgnoreCase))
        {
            return "a failed provisioning";
        }

        // Drift made outside this runtime (the portal, the CLI): compare what ARM shows back.
        var container = properties?["containers"]?.AsArray().FirstOrDefault()?["properties"];
        if (container is null || container["image"]?.GetValue<string>() != workload.Image)
        {
            return "a different image";
        }

        var requests = container["resources"]?["requests"];
        if (Number(requests?["cpu"]) != Cpu(workload) || Number(requests?["memoryInGB"]) != MemoryInGb(workload))
        {
            return "different resources";
        }

        var shown = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var variable in container["environmentVariables"]?.AsArray() ?? [])
        {
            if (variable?["name"]?.GetValue<string>() is { } name)
            {
                shown[name] = variable["value"]?.GetValue<string>();
            }
        }

        if (shown.Count != workload.Environment.Count)
        {
            return "a different environment";
        }

        foreach (var (name, value) in workload.Environment)
        {
            // Secure values are never returned by ARM; the spec hash covers them.
            if (!shown.TryGetValue(name, out var seen) || (!IsSecret(name, value) && seen != value))
            {
                return "a different environment";
            }
        }

        return null;
    }

    private GenericResourceData BuildData(ModuleWorkload workload)
    {
        var port = _options.ModulePort;
        var environment = new JsonArray();
        foreach (var (name, value) in workload.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            environment.Add(IsSecret(name, value)
                ? new JsonObject { ["name"] = name, ["secureValue"] = value }
                : new JsonObject { ["name"] = name, ["value"] = value });
        }

        var ipAddress = new JsonObject
        {
            ["type"] = string.IsNullOrWhiteSpace(_options.SubnetId) ? "Public" : "Private",
            ["ports"] = new JsonArray(new JsonObject { ["port"] = port, ["protocol"] = "TCP" }),
        };
        if (string.IsNullOrWhiteSpace(_options.SubnetId) && !string.IsNullOrWhiteSpace(_options.DnsNameLabelPrefix))
        {
            ipAddress["dnsNameLabel"] = DnsNameLabel(_options.DnsNameLabelPrefix, workload.Namespace, workload.Name);
        }

        var properties = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = ContainerName,
                ["properties"] = new JsonObject
                {
                    ["image"] = workload.Image,
                    ["resources"] = new JsonObject
                    {
                        ["requests"] = new JsonObject { ["cpu"] = Cpu(workload), ["memoryInGB"] = MemoryInGb(workload) },
                    },
                    ["ports"] = new JsonArray(new JsonObject { ["port"] = port, ["protocol"] = "TCP" }),
                    ["environmentVariables"] = environment,
                },
            }),
            ["osType"] = "Linux",
            ["restartPolicy"] = "Always",
            ["ipAddress"] = ipAddress,
        };

        if (workload.RegistryCredentials.Count > 0)
        {
            properties["imageRegistryCredentials"] = new JsonArray([.. workload.RegistryCredentials.Select(c =>
                (JsonNode)new JsonObject { ["server"] = c.Server, ["username"] = c.Username, ["password"] = c.Password })]);
        }

        if (!string.IsNullOrWhiteSpace(_options.SubnetId))
        {
            properties["subnetIds"] = new JsonArray(new JsonObject { ["id"] = _options.SubnetId });
        }

        var json = properties.ToJsonString();
        var data = new GenericResourceData(new AzureLocation(_options.Location!))
        {
            Properties = BinaryData.FromString(json),
        };
        data.Tags[NamespaceTag] = workload.Namespace;
        data.Tags[NameTag] = workload.Name;
        data.Tags[UidTag] = workload.Uid;
        data.Tags[ManagedByTag] = ManagedByValue;
        data.Tags[SpecHashTag] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_options.Location + "\n" + json)))[..32];
        return data;
    }

    /// <summary>CPU cores from the workload's Kubernetes quantity ("500m" → 0.5); 1 when unset.</summary>
    internal static decimal Cpu(ModuleWorkload workload)
    {
        if (string.IsNullOrWhiteSpace(workload.Cpu))
        {
            return DefaultCpu;
        }

        if (!KubernetesQuantity.TryParse(workload.Cpu, out var cores) || cores <= 0)
        {
            throw new ModuleRuntimeException($"Module {workload.Namespace}/{workload.Name}: cpu '{workload.Cpu}' is not a positive quantity such as 500m or 2", retryable: false);
        }

        return Math.Max(0.01m, Math.Round(cores, 2, MidpointRounding.AwayFromZero));
    }

    /// <summary>Memory in GB as Container Instances counts it (GiB: "512Mi" → 0.5, "1G" → 0.93); 1.5 when unset.</summary>
    internal static decimal MemoryInGb(ModuleWorkload workload)
    {
        if (string.IsNullOrWhiteSpace(workload.Memory))
        {
            return DefaultMemoryInGb;
        }

        if (!KubernetesQuantity.TryParse(workload.Memory, out var bytes) || bytes <= 0)
        {
            throw new ModuleRuntimeException($"Module {workload.Namespace}/{workload.Name}: memory '{workload.Memory}' is not a positive quantity such as 512Mi or 2Gi", retryable: false);
        }

        return Math.Max(0.01m, Math.Round(bytes / (1024m * 1024 * 1024), 2, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// Whether an environment variable carries a credential and goes to ACI as a <c>secureValue</c> (never shown back by ARM):
    /// its name mentions a token, secret, password, key, credential or connection string, or its value looks like a JWT.
    /// </summary>
    internal static bool IsSecret(string name, string value) =>
        SecretNamePattern().IsMatch(name) || JwtPattern().IsMatch(value);

    internal static string DnsNameLabel(string prefix, string ns, string name)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ns + "/" + name)))[..8];
        var room = 63 - prefix.Length - 1 - 9;
        return room > 0 ? prefix + "-" + Readable(ns + "-" + name, room) + "-" + hash : prefix + "-" + hash;
    }

    private static string Readable(string text, int max)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            var mapped = char.IsAsciiLetterOrDigit(c) ? c : '-';
            if (mapped == '-' && (builder.Length == 0 || builder[^1] == '-'))
            {
                continue;
            }

            builder.Append(mapped);
        }

        var readable = builder.ToString();
        if (readable.Length > max)
        {
            readable = readable[..max];
        }

        readable = readable.Trim('-');
        return readable.Length == 0 ? "module" : readable;
    }

    private static JsonNode? Properties(GenericResourceData data)
    {
        if (data.Properties is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(data.Properties.ToMemory().Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static decimal? Number(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<decimal>(out var number))
        {
            return number;
        }

        return value.TryGetValue<string>(out var text) && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) ? number : null;
    }

    /// <summary>
    /// A runtime failure for an ARM error: 408, 409 (another operation in progress; not a quota conflict), 429, 5xx, network errors
    /// and timeouts are retryable; other 4xx (bad request, quota, 401/403) are not, and carry ARM's error code and message. Null for caller cancellation.
    /// </summary>
    private static ModuleRuntimeException? Classify(Exception e, string doing, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case ModuleRuntimeException:
                return null;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case RequestFailedException { Status: 0 } failed:
                return new ModuleRuntimeException($"Azure Resource Manager could not be reached while {doing}: {failed.InnerException?.Message ?? failed.Message}", retryable: true, e);
            case RequestFailedException failed when IsTransient(failed):
                return new ModuleRuntimeException($"Azure Resource Manager answered {failed.Status} while {doing}: {ArmMessage(failed)}", retryable: true, e);
            case RequestFailedException failed:
                return new ModuleRuntimeException($"Azure Resource Manager refused {doing} ({failed.Status}): {ArmMessage(failed)}", retryable: false, e);
            case CredentialUnavailableException:
                return new ModuleRuntimeException($"No Azure credential is available for {doing}: {e.Message}", retryable: false, e);
            case AuthenticationFailedException:
                return new ModuleRuntimeException($"Getting an Azure token failed while {doing}: {e.Message}", retryable: true, e);
            case HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException:
                return new ModuleRuntimeException($"Azure Resource Manager could not be reached while {doing}: {e.Message}", retryable: true, e);
            default:
                return null;
        }
    }

    /// <summary>
    /// 408, 429 and 5xx, and 409 unless it is a quota conflict (409 otherwise means another operation on the group is in
    /// progress, e.g. a delete or an earlier update).
    /// </summary>
    private static bool IsTransient(RequestFailedException e)
    {
        if (e.Status == 409)
        {
            var text = ArmMessage(e);
            return !text.Contains("quota", StringComparison.OrdinalIgnoreCase) && !text.Contains("limit", StringComparison.OrdinalIgnoreCase);
        }

        return e.Status is 408 or 429 or >= 500;
    }

    /// <summary>ARM's error code and message from the response body (<c>{"error":{"code","message"}}</c>), without request details.</summary>
    private static string ArmMessage(RequestFailedException e)
    {
        var content = e.GetRawResponse()?.Content;
        if (content is not null)
        {
            try
            {
                var error = JsonNode.Parse(content.ToMemory().Span)?["error"];
                var code = error?["code"]?.GetValue<string>();
                var message = error?["message"]?.GetValue<string>();
                if (!string.IsNullOrEmpty(message))
                {
                    return string.IsNullOrEmpty(code) ? message : $"{code}: {message}";
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
            }
        }

        return string.IsNullOrEmpty(e.ErrorCode) ? $"status {e.Status}" : e.ErrorCode;
    }

    [GeneratedRegex(@"token|secret|passw(or)?d|pwd|credential|connection_?string|(^|_)(api_?)?key($|_)|private", RegexOptions.IgnoreCase)]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex(@"^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")]
    private static partial Regex JwtPattern();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Creating or updating container group {Group} for module {Namespace}/{Name}: {Reason}")]
    private static partial void LogPut(ILogger logger, string group, string @namespace, string name, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Deleted container group {Group} of module {Namespace}/{Name}")]
    private static partial void LogRemoved(ILogger logger, string group, string @namespace, string name);
}
