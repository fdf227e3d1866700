using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomResources.Azure.Modules;
using CustomResources.Core.Modules;

namespace CustomResources.Azure.Tests.Modules;

public sealed class AciModuleRuntimeTests : IAsyncLifetime
{
    private const string Subscription = "00000000-1111-2222-3333-444444444444";
    private const string ResourceGroup = "rg-modules";
    private const string ModuleToken = "cr_module_0123456789abcdef0123456789abcdef";
    private const string RegistryPassword = "registry-pass-42";

    private ArmStub _arm = null!;
    private readonly FakeCredential _credential = new();

    public async Task InitializeAsync() => _arm = await ArmStub.StartAsync();

    public async Task DisposeAsync() => await _arm.DisposeAsync();

    private readonly CapturingLogger _log = new();

    private AciModuleRuntime Runtime(Action<AciModuleRuntimeOptions>? configure = null)
    {
        var options = new AciModuleRuntimeOptions
        {
            SubscriptionId = Subscription,
            ResourceGroup = ResourceGroup,
            Location = "westeurope",
            ArmEndpoint = _arm.Endpoint.ToString(),
            PollingInterval = TimeSpan.FromMilliseconds(20),
            ProvisioningTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        Assert.True(new AciModuleRuntimeOptionsValidator().Validate(null, options).Succeeded);
        return new AciModuleRuntime(AciModuleRuntime.CreateArmClient(options, _credential, _arm.Configure), options, _log);
    }

    private static ModuleWorkload Workload(string uid = "uid-1", string image = "registry.example.com/modules/redis:1.2.0", string? cpu = "500m", string? memory = "512Mi", Dictionary<string, string>? environment = null) =>
        new("team-a", "redis", uid, image, cpu, memory,
            [new RegistryCredential("registry.example.com", "puller", RegistryPassword)],
            environment ?? new Dictionary<string, string>
            {
                ["CR_API_URL"] = "https://api.example.com/",
                ["CR_MODULE_TOKEN"] = ModuleToken,
                ["CR_NAMESPACE"] = "team-a",
            });

    private static string GroupName => AciModuleRuntime.ContainerGroupName("team-a", "redis");

    private static string GroupPath => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/{GroupName}";

    [Fact]
    public async Task A_missing_group_is_created_with_the_workload_and_its_endpoint_returned()
    {
        var runtime = Runtime();

        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(new Uri("http://20.61.1.2:8080/"), endpoint.BaseAddress);
        var put = Assert.Single(_arm.CallsOf("PUT"));
        Assert.Equal(GroupPath, put.Path);
        Assert.Equal(AciModuleRuntime.ApiVersion, put.ApiVersion);
        Assert.Equal("Bearer " + FakeCredential.Token, put.Authorization);
        Assert.Contains(_credential.Scopes, s => s == new Uri(_arm.Endpoint, "/.default").ToString());

        var body = put.Json!;
        Assert.Equal("westeurope", body["location"]!.GetValue<string>());
        var tags = body["tags"]!;
        Assert.Equal("team-a", tags["cr-namespace"]!.GetValue<string>());
        Assert.Equal("redis", tags["cr-name"]!.GetValue<string>());
        Assert.Equal("uid-1", tags["cr-uid"]!.GetValue<string>());
        Assert.Equal("custom-resources", tags["cr-managed-by"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", tags["cr-spec-hash"]!.GetValue<string>());

        var properties = body["properties"]!;
        Assert.Equal("Linux", properties["osType"]!.GetValue<string>());
        Assert.Equal("Always", properties["restartPolicy"]!.GetValue<string>());
        var container = Assert.Single(properties["containers"]!.AsArray())!;
        Assert.Equal("module", container["name"]!.GetValue<string>());
        var spec = container["properties"]!;
        Assert.Equal("registry.example.com/modules/redis:1.2.0", spec["image"]!.GetValue<string>());
        Assert.Equal(0.5m, spec["resources"]!["requests"]!["cpu"]!.GetValue<decimal>());
        Assert.Equal(0.5m, spec["resources"]!["requests"]!["memoryInGB"]!.GetValue<decimal>());
        Assert.Equal(8080, Assert.Single(spec["ports"]!.AsArray())!["port"]!.GetValue<int>());

        var environment = spec["environmentVariables"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!.AsObject());
        Assert.Equal(3, environment.Count);
        Assert.Equal(ModuleToken, environment["CR_MODULE_TOKEN"]["secureValue"]!.GetValue<string>());
        Assert.False(environment["CR_MODULE_TOKEN"].ContainsKey("value"));
        Assert.Equal("https://api.example.com/", environment["CR_API_URL"]["value"]!.GetValue<string>());
        Assert.False(environment["CR_API_URL"].ContainsKey("secureValue"));
        Assert.Equal("team-a", environment["CR_NAMESPACE"]["value"]!.GetValue<string>());

        var registry = Assert.Single(properties["imageRegistryCredentials"]!.AsArray())!;
        Assert.Equal("registry.example.com", registry["server"]!.GetValue<string>());
        Assert.Equal("puller", registry["username"]!.GetValue<string>());
        Assert.Equal(RegistryPassword, registry["password"]!.GetValue<string>());

        var ip = properties["ipAddress"]!;
        Assert.Equal("Public", ip["type"]!.GetValue<string>());
        Assert.Equal(8080, Assert.Single(ip["ports"]!.AsArray())!["port"]!.GetValue<int>());
        Assert.Null(ip["dnsNameLabel"]);
        Assert.Null(properties["subnetIds"]);

        // GET (404), PUT, operation polls, final GET: no provider look-up, every call on the pinned api-version.
        Assert.All(_arm.Calls, c => Assert.Equal(AciModuleRuntime.ApiVersion, c.ApiVersion));
        Assert.All(_arm.Calls, c => Assert.StartsWith($"/subscriptions/{Subscription}/", c.Path, StringComparison.Ordinal));
        Assert.Contains(_arm.Calls, c => c.Method == "GET" && c.Path.Contains("/operations/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ensuring_the_same_workload_again_only_reads_the_group()
    {
        var runtime = Runtime();
        var first = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        var callsBefore = _arm.Calls.Count;

        var second = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(first, second);
        var after = _arm.Calls.Skip(callsBefore).ToList();
        var get = Assert.Single(after);
        Assert.Equal("GET", get.Method);
        Assert.Equal(GroupPath, get.Path);
        Assert.Single(_arm.CallsOf("PUT"));
    }

    [Fact]
    public async Task A_group_left_by_an_earlier_object_with_another_uid_is_replaced()
    {
        var runtime = Runtime();
        await runtime.EnsureRunningAsync(Workload(uid: "uid-old"), CancellationToken.None);

        await runtime.EnsureRunningAsync(Workload(uid: "uid-new"), CancellationToken.None);

        var puts = _arm.CallsOf("PUT");
        Assert.Equal(2, puts.Count);
        Assert.Equal("uid-new", puts[1].Json!["tags"]!["cr-uid"]!.GetValue<string>());
        Assert.Equal(GroupPath, puts[1].Path);
    }

    public static TheoryData<string, ModuleWorkload> Changes => new()
    {
        { "image", Workload(image: "registry.example.com/modules/redis:1.3.0") },
        { "cpu", Workload(cpu: "2") },
        { "memory", Workload(memory: "2Gi") },
        { "plain env value", Workload(environment: new() { ["CR_API_URL"] = "https://other.example.com/", ["CR_MODULE_TOKEN"] = ModuleToken, ["CR_NAMESPACE"] = "team-a" }) },
        { "rotated token", Workload(environment: new() { ["CR_API_URL"] = "https://api.example.com/", ["CR_MODULE_TOKEN"] = "cr_module_rotated", ["CR_NAMESPACE"] = "team-a" }) },
        { "env removed", Workload(environment: new() { ["CR_API_URL"] = "https://api.example.com/", ["CR_MODULE_TOKEN"] = ModuleToken }) },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_changed_workload_is_put_again(string change, ModuleWorkload changed)
    {
        var runtime = Runtime();
        await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        await runtime.EnsureRunningAsync(changed, CancellationToken.None);

        Assert.True(_arm.CallsOf("PUT").Count == 2, $"a {change} change must PUT again");
    }

    [Fact]
    public async Task A_group_changed_outside_the_runtime_is_put_back()
    {
        var runtime = Runtime();
        await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        _arm.Mutate(GroupName, g => g["properties"]!["containers"]![0]!["properties"]!["image"] = "evil.example.com/miner:latest");

        await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        var puts = _arm.CallsOf("PUT");
        Assert.Equal(2, puts.Count);
        Assert.Equal("registry.example.com/modules/redis:1.2.0", puts[1].Json!["properties"]!["containers"]![0]!["properties"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task Provisioning_that_outlasts_the_bound_is_retryable_and_a_later_ensure_does_not_put_again()
    {
        _arm.PollsBeforeDone = int.MaxValue;
        var runtime = Runtime(o => o.ProvisioningTimeout = TimeSpan.FromMilliseconds(300));

        var pending = await Assert.ThrowsAsync<ModuleRuntimeException>(() => runtime.EnsureRunningAsync(Workload(), CancellationToken.None));
        Assert.True(pending.Retryable);
        Assert.Contains("still being provisioned", pending.Message, StringComparison.Ordinal);

        // Same spec, still Creating: no second PUT, still retryable.
        var notReady = await Assert.ThrowsAsync<ModuleRuntimeException>(() => runtime.EnsureRunningAsync(Workload(), CancellationToken.None));
        Assert.True(notReady.Retryable);
        Assert.Contains("provisioningState Creating", notReady.Message, StringComparison.Ordinal);

        // ARM finishes in the background (a poll of the operation moves the group to Succeeded).
        _arm.FinishOperations();
        using (var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }))
        {
            var operation = _arm.Calls.First(c => c.Path.Contains("/operations/", StringComparison.Ordinal));
            await http.GetAsync(new Uri(_arm.Endpoint, operation.Path + "?api-version=" + AciModuleRuntime.ApiVersion));
        }

        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(new Uri("http://20.61.1.2:8080/"), endpoint.BaseAddress);
        Assert.Single(_arm.CallsOf("PUT"));
    }

    [Fact]
    public async Task A_group_that_failed_to_provision_is_retryable_and_put_again_next_time()
    {
        _arm.ProvisioningFails = true;
        var runtime = Runtime();

        var failed = await Assert.ThrowsAsync<ModuleRuntimeException>(() => runtime.EnsureRunningAsync(Workload(), CancellationToken.None));
        Assert.True(failed.Retryable);
        Assert.Contains(GroupName, failed.Message, StringComparison.Ordinal);

        _arm.ProvisioningFails = false;
        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(2, _arm.CallsOf("PUT").Count);
        Assert.Equal(new Uri("http://20.61.1.2:8080/"), endpoint.BaseAddress);
    }

    [Fact]
    public async Task With_a_subnet_the_group_is_private_and_the_endpoint_is_its_private_ip()
    {
        const string subnet = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/modules";
        var runtime = Runtime(o => { o.SubnetId = subnet; o.ModulePort = 9000; });

        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        Assert.Equal(new Uri("http://10.0.1.4:9000/"), endpoint.BaseAddress);
        var properties = _arm.CallsOf("PUT").Single().Json!["properties"]!;
        Assert.Equal("Private", properties["ipAddress"]!["type"]!.GetValue<string>());
        Assert.Equal(9000, properties["ipAddress"]!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal(9000, properties["containers"]![0]!["properties"]!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal(subnet, Assert.Single(properties["subnetIds"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_a_dns_label_prefix_the_group_gets_a_label_and_the_endpoint_its_fqdn()
    {
        var runtime = Runtime(o => o.DnsNameLabelPrefix = "crmod");

        var endpoint = await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        var label = _arm.CallsOf("PUT").Single().Json!["properties"]!["ipAddress"]!["dnsNameLabel"]!.GetValue<string>();
        Assert.StartsWith("crmod-team-a-redis-", label, StringComparison.Ordinal);
        Assert.Equal(new Uri($"http://{label}.westeurope.azurecontainer.io:8080/"), endpoint.BaseAddress);
    }

    [Fact]
    public async Task A_workload_without_resources_gets_one_cpu_and_one_and_a_half_gb()
    {
        var runtime = Runtime();

        await runtime.EnsureRunningAsync(Workload(cpu: null, memory: null) with { RegistryCredentials = [] }, CancellationToken.None);

        var properties = _arm.CallsOf("PUT").Single().Json!["properties"]!;
        var requests = properties["containers"]![0]!["properties"]!["resources"]!["requests"]!;
        Assert.Equal(1m, requests["cpu"]!.GetValue<decimal>());
        Assert.Equal(1.5m, requests["memoryInGB"]!.GetValue<decimal>());
        Assert.Null(properties["imageRegistryCredentials"]);
    }

    [Fact]
    public async Task Removing_deletes_the_group_and_removing_again_is_fine()
    {
        var runtime = Runtime();
        await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);

        await runtime.RemoveAsync("team-a", "redis", CancellationToken.None);
        await runtime.RemoveAsync("team-a", "redis", CancellationToken.None);

        var deletes = _arm.CallsOf("DELETE");
        Assert.Equal(2, deletes.Count);
        Assert.All(deletes, d => Assert.Equal(GroupPath, d.Path));
        Assert.All(deletes, d => Assert.Equal(AciModuleRuntime.ApiVersion, d.ApiVersion));
        Assert.Null(_arm.Group(GroupName));
    }

    [Fact]
    public async Task Removing_when_arm_answers_404_is_fine()
    {
        _arm.Faults.Add(new ArmFault("DELETE", HttpStatusCode.NotFound, "ResourceGroupNotFound", "Resource group 'rg-modules' could not be found."));

        await Runtime().RemoveAsync("team-a", "redis", CancellationToken.None);

        Assert.Single(_arm.CallsOf("DELETE"));
    }

    [Theory]
    [InlineData("PUT", HttpStatusCode.BadRequest, "InvalidImageName", "The image name 'Bad Image' is invalid.", false)]
    [InlineData("PUT", HttpStatusCode.Conflict, "ContainerGroupQuotaReached", "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded.", false)]
    [InlineData("PUT", HttpStatusCode.Conflict, "AnotherOperationInProgress", "Another operation on this or dependent resource is in progress.", true)]
    [InlineData("PUT", HttpStatusCode.Forbidden, "AuthorizationFailed", "The client '1234' does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/write'.", false)]
    [InlineData("GET", HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "The access token is invalid.", false)]
    [InlineData("PUT", HttpStatusCode.TooManyRequests, "TooManyRequests", "Too many requests.", true)]
    [InlineData("PUT", HttpStatusCode.InternalServerError, "InternalServerError", "Encountered internal server error.", true)]
    [InlineData("GET", HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Try again later.", true)]
    public async Task Arm_errors_are_classified(string method, HttpStatusCode status, string code, string message, bool retryable)
    {
        _arm.Faults.Add(new ArmFault(method, status, code, message));

        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() => Runtime().EnsureRunningAsync(Workload(), CancellationToken.None));

        Assert.Equal(retryable, error.Retryable);
        Assert.Contains($"{code}: {message}", error.Message, StringComparison.Ordinal);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ModuleToken, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RegistryPassword, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_capacity_refusal_as_a_bad_request_is_not_retryable()
    {
        // A 4xx is terminal for this runtime; a later spec change (or an operator) retries.
        _arm.Faults.Add(new ArmFault("PUT", HttpStatusCode.BadRequest, "ServiceUnavailable", "The requested resource is not available in the location 'westeurope' at this moment."));

        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() => Runtime().EnsureRunningAsync(Workload(), CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Contains("not available in the location", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delete_error_is_classified()
    {
        _arm.Faults.Add(new ArmFault("DELETE", HttpStatusCode.Forbidden, "AuthorizationFailed", "No delete permission."));

        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() => Runtime().RemoveAsync("team-a", "redis", CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Contains("AuthorizationFailed: No delete permission.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_arm_is_retryable()
    {
        var runtime = Runtime();
        await _arm.DisposeAsync();

        var ensure = await Assert.ThrowsAsync<ModuleRuntimeException>(() => runtime.EnsureRunningAsync(Workload(), CancellationToken.None));
        var remove = await Assert.ThrowsAsync<ModuleRuntimeException>(() => runtime.RemoveAsync("team-a", "redis", CancellationToken.None));

        Assert.True(ensure.Retryable);
        Assert.True(remove.Retryable);
        _arm = await ArmStub.StartAsync();
    }

    [Fact]
    public async Task A_bad_quantity_is_not_retryable_and_nothing_is_sent()
    {
        var error = await Assert.ThrowsAsync<ModuleRuntimeException>(() => Runtime().EnsureRunningAsync(Workload(cpu: "lots"), CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Contains("cpu 'lots'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_arm.Calls);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_a_runtime_failure()
    {
        _arm.PollsBeforeDone = int.MaxValue;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runtime().EnsureRunningAsync(Workload(), cancel.Token));
    }

    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("2", 2)]
    [InlineData("0.25", 0.25)]
    [InlineData("1500m", 1.5)]
    [InlineData("1e0", 1)]
    public void Cpu_quantities_become_cores(string quantity, double cores) =>
        Assert.Equal((decimal)cores, AciModuleRuntime.Cpu(Workload(cpu: quantity)));

    [Theory]
    [InlineData("512Mi", 0.5)]
    [InlineData("2Gi", 2)]
    [InlineData("1G", 0.93)]
    [InlineData("1536Mi", 1.5)]
    [InlineData("4294967296", 4)]
    public void Memory_quantities_become_gb(string quantity, double gb) =>
        Assert.Equal((decimal)gb, AciModuleRuntime.MemoryInGb(Workload(memory: quantity)));

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("Gi")]
    [InlineData("12Xi")]
    public void Bad_memory_quantities_are_refused(string quantity)
    {
        var error = Assert.Throws<ModuleRuntimeException>(() => AciModuleRuntime.MemoryInGb(Workload(memory: quantity)));
        Assert.False(error.Retryable);
    }

    [Theory]
    [InlineData("CR_MODULE_TOKEN", "x", true)]
    [InlineData("API_KEY", "x", true)]
    [InlineData("DB_PASSWORD", "x", true)]
    [InlineData("CLIENT_SECRET", "x", true)]
    [InlineData("STORAGE_CONNECTION_STRING", "x", true)]
    [InlineData("ANYTHING", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2lnbmF0dXJl", true)]
    [InlineData("CR_API_URL", "https://api.example.com/", false)]
    [InlineData("KEYBOARD_LAYOUT", "us", false)]
    [InlineData("CR_NAMESPACE", "team-a", false)]
    public void Credential_like_variables_are_secure(string name, string value, bool secret) =>
        Assert.Equal(secret, AciModuleRuntime.IsSecret(name, value));

    [Theory]
    [InlineData("team-a", "redis")]
    [InlineData("a", "b")]
    [InlineData("very-long-namespace-name-that-goes-on-and-on-forever", "an-equally-long-module-name-that-does-not-stop-here")]
    [InlineData("ns", "Module.With.Dots--and_UNDERSCORES")]
    public void Group_names_are_valid_for_container_instances(string ns, string name)
    {
        var group = AciModuleRuntime.ContainerGroupName(ns, name);

        Assert.True(group.Length <= 63, group);
        Assert.Matches(new Regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), group);
        Assert.DoesNotContain("--", group, StringComparison.Ordinal);
        Assert.Equal(group, AciModuleRuntime.ContainerGroupName(ns, name));
        var label = AciModuleRuntime.DnsNameLabel("crmod", ns, name);
        Assert.True(label.Length <= 63, label);
        Assert.Matches(new Regex("^[a-z][-a-z0-9]*[a-z0-9]$"), label);
    }

    [Fact]
    public void Group_names_of_distinct_modules_differ_even_when_they_read_alike()
    {
        Assert.NotEqual(AciModuleRuntime.ContainerGroupName("a-b", "c"), AciModuleRuntime.ContainerGroupName("a", "b-c"));
        Assert.NotEqual(AciModuleRuntime.ContainerGroupName("team-a", "redis"), AciModuleRuntime.ContainerGroupName("team-b", "redis"));
    }

    [Fact]
    public async Task Logs_name_the_group_and_the_reason_but_no_secret()
    {
        var runtime = Runtime();
        await runtime.EnsureRunningAsync(Workload(), CancellationToken.None);
        await runtime.EnsureRunningAsync(Workload(uid: "uid-2"), CancellationToken.None);
        await runtime.RemoveAsync("team-a", "redis", CancellationToken.None);

        var log = string.Join("\n", _log.Lines);
        Assert.Contains($"Creating or updating container group {GroupName} for module team-a/redis: missing", log, StringComparison.Ordinal);
        Assert.Contains("a different uid", log, StringComparison.Ordinal);
        Assert.Contains($"Deleted container group {GroupName}", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ModuleToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain(RegistryPassword, log, StringComparison.Ordinal);
    }
}

/// <summary>Keeps every formatted log line.</summary>
public sealed class CapturingLogger : Microsoft.Extensions.Logging.ILogger<AciModuleRuntime>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
}
