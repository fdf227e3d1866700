using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Admission;
using CustomResources.Core.Definitions;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using CustomResources.Core.Outbound;
using CustomResources.Core.Tests.Fakes;

namespace CustomResources.Core.Tests.Admission;

/// <summary>A webhook client answering from a function per URL, recording every review it was sent.</summary>
internal sealed class FakeWebhookClient : IAdmissionWebhookClient
{
    public Dictionary<string, Func<JsonObject, CancellationToken, Task<JsonNode?>>> Handlers { get; } = [];

    public List<(string Url, JsonObject Review)> Calls { get; } = [];

    public Task<JsonNode?> PostAsync(Uri url, JsonObject review, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add((url.ToString(), (JsonObject)review.DeepClone()));
        }

        return Handlers.TryGetValue(url.ToString(), out var handler)
            ? handler(review, cancellationToken)
            : throw new HttpRequestException("connection refused");
    }

    public static JsonObject Answer(JsonObject review, bool allowed, JsonObject? status = null, JsonArray? patch = null, string[]? warnings = null)
    {
        var response = new JsonObject { ["uid"] = review["request"]!["uid"]!.GetValue<string>(), ["allowed"] = allowed };
        if (status is not null)
        {
            response["status"] = status;
        }

        if (patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }

        if (warnings is not null)
        {
            response["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)JsonValue.Create(w)).ToArray());
        }

        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
    }
}

public sealed class AdmissionWebhooksTests
{
    private const string HookUrl = "https://hooks.example.com/";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly InMemoryObjectStore _store = new();
    private readonly FakeWebhookClient _client = new();
    private readonly ResourceService _service;

    public AdmissionWebhooksTests()
    {
        var catalog = new DefinitionCatalog(_store);
        _service = new ResourceService(_store, catalog, new FixedTimeProvider(Engine.Start), new AdmissionWebhooks(_store, new OutboundPolicy([]), _client));
    }

    private async Task<ResourceTarget> SetUpAsync()
    {
        var namespaces = await _service.ResolveAsync("", "v1", "namespaces", None);
        foreach (var (name, labels) in new[] { ("default", new JsonObject()), ("guarded", new JsonObject { ["admission"] = "on" }) })
        {
            await _service.CreateAsync(namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels } }, new WriteOptions(), None);
        }

        await _service.CreateAsync(await _service.ResolveAsync(BuiltInDefinitions.ApiExtensionsGroup, "v1", "customresourcedefinitions", None), null, Crds.CronTab(), new WriteOptions(), None);
        return await _service.ResolveAsync("stable.example.com", "v1", "crontabs", None);
    }

    private static JsonObject Hook(string name, string url = HookUrl, string operations = "\"CREATE\",\"UPDATE\"", string resources = "\"crontabs\"", string failurePolicy = "Fail", int timeout = 5, string extra = "") => Crds.Parse($$"""
        {
          "name": "{{name}}",
          "clientConfig": { "url": "{{url}}" },
          "rules": [{ "operations": [{{operations}}], "apiGroups": ["stable.example.com"], "apiVersions": ["v1"], "resources": [{{resources}}] }],
          "failurePolicy": "{{failurePolicy}}",
          "timeoutSeconds": {{timeout}},
          {{extra}}
          "sideEffects": "None",
          "admissionReviewVersions": ["v1"]
        }
        """);

    private async Task<JsonObject> RegisterAsync(bool mutating, string name, params JsonObject[] hooks)
    {
        var plural = mutating ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations";
        var target = await _service.ResolveAsync("admissionregistration.k8s.io", "v1", plural, None);
        var body = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = target.Kind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(hooks.Select(h => (JsonNode)h).ToArray()),
        };
        return (await _service.CreateAsync(target, null, body, new WriteOptions(), None)).Stored.Object;
    }

    private async Task<WriteResult> CreateCronTabAsync(ResourceTarget target, string name, string ns = "default", JsonObject? labels = null)
    {
        var body = Crds.CronTabObject(name);
        if (labels is not null)
        {
            body["metadata"]!["labels"] = labels;
        }

        return await _service.CreateAsync(target, ns, body, new WriteOptions(), None);
    }

    private static JsonArray Patch(string json) => (JsonArray)JsonNode.Parse(json)!;

    [Fact]
    public async Task Registration_fills_in_the_v1_defaults()
    {
        await SetUpAsync();
        var hook = Hook("check.example.com");
        hook.Remove("failurePolicy");
        hook.Remove("timeoutSeconds");
        var stored = await RegisterAsync(mutating: true, "defaults", hook);
        var webhook = stored["webhooks"]![0]!;
        Assert.Equal("Fail", webhook["failurePolicy"]!.GetValue<string>());
        Assert.Equal(10, webhook["timeoutSeconds"]!.GetValue<int>());
        Assert.Equal("Equivalent", webhook["matchPolicy"]!.GetValue<string>());
        Assert.Equal("Never", webhook["reinvocationPolicy"]!.GetValue<string>());
        Assert.Equal("*", webhook["rules"]![0]!["scope"]!.GetValue<string>());
        Assert.NotNull(webhook["namespaceSelector"]);
        Assert.NotNull(webhook["objectSelector"]);
    }

    [Fact]
    public async Task Registration_reports_every_problem_with_its_path()
    {
        await SetUpAsync();
        var bad = Crds.Parse("""
            {
              "name": "short.name",
              "clientConfig": { "service": { "namespace": "default", "name": "hook" } },
              "rules": [{ "operations": ["CONNECT", "PATCH"], "apiGroups": ["*"], "apiVersions": ["v1"], "resources": ["a/b/c"], "scope": "Everywhere" }],
              "failurePolicy": "Sometimes",
              "timeoutSeconds": 31,
              "sideEffects": "Some",
              "admissionReviewVersions": ["v1beta1"],
              "namespaceSelector": { "matchExpressions": [{ "key": "a", "operator": "Near" }] }
            }
            """);
        var twin = Hook("twin.example.com", url: "http://hooks.example.com/");
        var e = await Assert.ThrowsAsync<ApiException>(() => RegisterAsync(mutating: false, "bad", bad, twin, Hook("twin.example.com", url: "https://169.254.169.254/latest")));
        Assert.Equal(422, e.Code);
        var fields = e.Causes.Select(c => c.Field).ToList();
        foreach (var expected in new[]
        {
            "webhooks[0].name", "webhooks[0].clientConfig.service", "webhooks[0].rules[0].operations[1]", "webhooks[0].rules[0].resources[0]",
            "webhooks[0].rules[0].scope", "webhooks[0].failurePolicy", "webhooks[0].timeoutSeconds", "webhooks[0].sideEffects",
            "webhooks[0].admissionReviewVersions", "webhooks[1].clientConfig.url", "webhooks[2].name", "webhooks[2].clientConfig.url",
        })
        {
            Assert.Contains(expected, fields);
        }

        Assert.Contains(fields, f => f.StartsWith("webhooks[0].namespaceSelector", StringComparison.Ordinal));
        Assert.Contains(e.Causes, c => c.Message.Contains("plain http", StringComparison.Ordinal));
        Assert.Contains(e.Causes, c => c.Message.Contains("link-local", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_validating_denial_refuses_the_write_with_the_hooks_message_and_code()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: false, "deny", Hook("deny.example.com"));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, false, new JsonObject { ["message"] = "no crontabs today" }));
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "a"));
        Assert.Equal(400, e.Code);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: no crontabs today", e.Message);
        await Assert.ThrowsAsync<ApiException>(() => _service.GetAsync(target, "default", "a", None));

        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, false, new JsonObject { ["code"] = 403, ["reason"] = "Forbidden" }));
        e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "a"));
        Assert.Equal(403, e.Code);
        Assert.Equal("Forbidden", e.Reason);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: Forbidden", e.Message);
    }

    [Fact]
    public async Task The_review_carries_the_kubernetes_request_fields()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: false, "look", Hook("look.example.com"));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, warnings: ["looked at it"]));
        var created = await CreateCronTabAsync(target, "a");
        Assert.Contains("looked at it", created.Warnings);

        var request = _client.Calls.Single().Review["request"]!;
        Assert.Equal("admission.k8s.io/v1", _client.Calls[0].Review["apiVersion"]!.GetValue<string>());
        Assert.Equal("CREATE", request["operation"]!.GetValue<string>());
        Assert.Equal("CronTab", request["kind"]!["kind"]!.GetValue<string>());
        Assert.Equal("stable.example.com", request["resource"]!["group"]!.GetValue<string>());
        Assert.Equal("crontabs", request["requestResource"]!["resource"]!.GetValue<string>());
        Assert.Equal("a", request["name"]!.GetValue<string>());
        Assert.Equal("default", request["namespace"]!.GetValue<string>());
        Assert.Equal("system:anonymous", request["userInfo"]!["username"]!.GetValue<string>());
        Assert.Equal("CreateOptions", request["options"]!["kind"]!.GetValue<string>());
        Assert.False(request["dryRun"]!.GetValue<bool>());
        Assert.Null(request["oldObject"]);
        Assert.Equal("busybox:1", request["object"]!["spec"]!["image"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(request["uid"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_mutating_patch_is_applied_then_defaulted_and_validated()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: true, "mutate", Hook("mutate.example.com"));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "replace", "path": "/spec/image", "value": "patched:2" }]""")));
        var created = await CreateCronTabAsync(target, "a");
        Assert.Equal("patched:2", created.Stored.Object["spec"]!["image"]!.GetValue<string>());
        Assert.Equal(1, created.Stored.Object["spec"]!["replicas"]!.GetValue<int>()); // defaulted after the patch

        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "replace", "path": "/spec/image", "value": "" }]""")));
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "b"));
        Assert.Equal(422, e.Code);
        Assert.Contains(e.Causes, c => c.Field == "spec.image");
    }

    [Fact]
    public async Task Mutating_webhooks_run_in_configuration_name_order_and_see_earlier_patches()
    {
        var target = await SetUpAsync();
        const string Second = "https://second.example.com/";
        await RegisterAsync(mutating: true, "b-second", Hook("second.example.com", url: Second));
        await RegisterAsync(mutating: true, "a-first", Hook("first.example.com"));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "add", "path": "/metadata/labels", "value": { "order": "first" } }]""")));
        _client.Handlers[Second] = (review, _) =>
        {
            Assert.Equal("first", review["request"]!["object"]!["metadata"]!["labels"]!["order"]!.GetValue<string>());
            return Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "replace", "path": "/metadata/labels/order", "value": "first-then-second" }]""")));
        };

        var created = await CreateCronTabAsync(target, "a");
        Assert.Equal([HookUrl, Second], _client.Calls.Select(c => c.Url));
        Assert.Equal("first-then-second", created.Stored.Object["metadata"]!["labels"]!["order"]!.GetValue<string>());
    }

    [Fact]
    public async Task Validating_webhooks_see_the_mutated_and_defaulted_object()
    {
        var target = await SetUpAsync();
        const string Validator = "https://validator.example.com/";
        await RegisterAsync(mutating: true, "mutate", Hook("mutate.example.com"));
        await RegisterAsync(mutating: false, "validate", Hook("validate.example.com", url: Validator));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "replace", "path": "/spec/image", "value": "patched:2" }]""")));
        JsonNode? seen = null;
        _client.Handlers[Validator] = (review, _) =>
        {
            seen = review["request"]!["object"];
            return Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true));
        };

        await CreateCronTabAsync(target, "a");
        Assert.Equal("patched:2", seen!["spec"]!["image"]!.GetValue<string>());
        Assert.Equal(1, seen["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Failures_refuse_the_write_under_Fail_and_are_skipped_under_Ignore()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: false, "strict", Hook("strict.example.com", url: "https://down.example.com/"));
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "a"));
        Assert.Equal(500, e.Code);
        Assert.Equal("InternalError", e.Reason);
        Assert.Contains("failed calling webhook \"strict.example.com\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", e.Message, StringComparison.Ordinal);

        var configurations = await _service.ResolveAsync("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", None);
        await _service.DeleteAsync(configurations, null, "strict", new DeleteOptions(), None);
        await RegisterAsync(mutating: false, "lenient", Hook("lenient.example.com", url: "https://down.example.com/", failurePolicy: "Ignore"));
        await CreateCronTabAsync(target, "a");
    }

    [Fact]
    public async Task A_webhook_that_does_not_answer_in_time_fails_by_its_timeout()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: true, "slow", Hook("slow.example.com", timeout: 1));
        _client.Handlers[HookUrl] = async (review, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return FakeWebhookClient.Answer(review, true);
        };
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "a"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(500, e.Code);
        Assert.Contains("context deadline exceeded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_for_another_request_is_a_failure()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: false, "confused", Hook("confused.example.com"));
        _client.Handlers[HookUrl] = (review, _) =>
        {
            var answer = FakeWebhookClient.Answer(review, true);
            answer["response"]!["uid"] = "someone-else";
            return Task.FromResult<JsonNode?>(answer);
        };
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "a"));
        Assert.Equal(500, e.Code);
        Assert.Contains("expected response.uid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_calls_validating_webhooks_with_the_old_object_and_never_mutating_ones()
    {
        var target = await SetUpAsync();
        await CreateCronTabAsync(target, "keep");
        await RegisterAsync(mutating: true, "mutate", Hook("mutate.example.com", url: "https://mutate.example.com/", operations: "\"*\""));
        await RegisterAsync(mutating: false, "guard", Hook("guard.example.com", operations: "\"DELETE\""));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, false, new JsonObject { ["message"] = "keep is protected" }));

        var e = await Assert.ThrowsAsync<ApiException>(() => _service.DeleteAsync(target, "default", "keep", new DeleteOptions(PropagationPolicy: "Foreground"), None));
        Assert.Equal("admission webhook \"guard.example.com\" denied the request: keep is protected", e.Message);
        await _service.GetAsync(target, "default", "keep", None);

        var request = _client.Calls.Single().Review["request"]!;
        Assert.Equal(HookUrl, _client.Calls[0].Url);
        Assert.Equal("DELETE", request["operation"]!.GetValue<string>());
        Assert.Null(request["object"]);
        Assert.Equal("keep", request["oldObject"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Foreground", request["options"]!["propagationPolicy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Updates_carry_the_old_object_and_status_writes_match_only_status_rules()
    {
        var target = await SetUpAsync();
        var created = await CreateCronTabAsync(target, "a");
        await RegisterAsync(mutating: false, "main", Hook("main.example.com"));
        await RegisterAsync(mutating: false, "status", Hook("status.example.com", url: "https://status.example.com/", resources: "\"crontabs/status\""));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true));
        _client.Handlers["https://status.example.com/"] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true));

        var body = (JsonObject)created.Stored.Object.DeepClone();
        body["spec"]!["image"] = "busybox:2";
        await _service.ReplaceAsync(target, "default", "a", body, new WriteOptions(), None);
        var request = _client.Calls.Single().Review["request"]!;
        Assert.Equal(HookUrl, _client.Calls[0].Url);
        Assert.Equal("UPDATE", request["operation"]!.GetValue<string>());
        Assert.Equal("busybox:1", request["oldObject"]!["spec"]!["image"]!.GetValue<string>());
        Assert.Equal("busybox:2", request["object"]!["spec"]!["image"]!.GetValue<string>());
        Assert.Equal("UpdateOptions", request["options"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Selectors_pick_the_namespaces_and_objects_a_webhook_sees()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: false, "selective", Hook("selective.example.com", extra: """
            "namespaceSelector": { "matchLabels": { "admission": "on" } },
            "objectSelector": { "matchExpressions": [{ "key": "skip", "operator": "DoesNotExist" }] },
            """));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, false, new JsonObject { ["message"] = "seen" }));

        await CreateCronTabAsync(target, "elsewhere");
        await CreateCronTabAsync(target, "skipped", "guarded", new JsonObject { ["skip"] = "yes" });
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "caught", "guarded"));
        Assert.Contains("seen", e.Message, StringComparison.Ordinal);
        Assert.Single(_client.Calls);
    }

    [Fact]
    public async Task Webhook_configurations_themselves_are_never_subject_to_webhooks()
    {
        await SetUpAsync();
        var everything = Hook("everything.example.com", operations: "\"*\"", resources: "\"*/*\"");
        everything["rules"]![0]!["apiGroups"] = new JsonArray("*");
        everything["rules"]![0]!["apiVersions"] = new JsonArray("*");
        await RegisterAsync(mutating: false, "everything", everything);
        var configurations = await _service.ResolveAsync("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", None);
        await _service.DeleteAsync(configurations, null, "everything", new DeleteOptions(), None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Dry_runs_call_webhooks_with_dryRun_set_and_store_nothing()
    {
        var target = await SetUpAsync();
        var hook = Hook("dry.example.com");
        hook["sideEffects"] = "NoneOnDryRun";
        await RegisterAsync(mutating: false, "dry", hook);
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true));
        await _service.CreateAsync(target, "default", Crds.CronTabObject("a"), new WriteOptions(DryRun: true), None);
        var request = _client.Calls.Single().Review["request"]!;
        Assert.True(request["dryRun"]!.GetValue<bool>());
        Assert.Equal("All", request["options"]!["dryRun"]![0]!.GetValue<string>());
        await Assert.ThrowsAsync<ApiException>(() => _service.GetAsync(target, "default", "a", None));
    }

    [Fact]
    public async Task A_patch_that_cannot_be_applied_is_a_failure_subject_to_the_failure_policy()
    {
        var target = await SetUpAsync();
        await RegisterAsync(mutating: true, "bad-patch", Hook("bad-patch.example.com", failurePolicy: "Ignore"));
        _client.Handlers[HookUrl] = (review, _) => Task.FromResult<JsonNode?>(FakeWebhookClient.Answer(review, true, patch: Patch("""[{ "op": "remove", "path": "/spec/missing" }]""")));
        var created = await CreateCronTabAsync(target, "a");
        Assert.Equal("busybox:1", created.Stored.Object["spec"]!["image"]!.GetValue<string>());

        var configurations = await _service.ResolveAsync("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", None);
        await _service.DeleteAsync(configurations, null, "bad-patch", new DeleteOptions(), None);
        await RegisterAsync(mutating: true, "bad-patch", Hook("bad-patch.example.com"));
        var e = await Assert.ThrowsAsync<ApiException>(() => CreateCronTabAsync(target, "b"));
        Assert.Equal(500, e.Code);
        Assert.Contains("could not be applied", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crontabs", "", true)]
    [InlineData("crontabs", "status", false)]
    [InlineData("crontabs/status", "status", true)]
    [InlineData("crontabs/status", "", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "status", false)]
    [InlineData("*/*", "status", true)]
    [InlineData("*/status", "status", true)]
    [InlineData("crontabs/*", "status", true)]
    [InlineData("crontabs/*", "", true)] // as in Kubernetes: "*" subresource includes the main resource
    [InlineData("other", "", false)]
    public void Rules_match_resources_and_subresources(string resource, string subResource, bool matches)
    {
        var rule = new WebhookRule(["CREATE"], ["stable.example.com"], ["v1"], [resource], "*");
        Assert.Equal(matches, AdmissionWebhooks.RuleMatches(rule, "CREATE", "stable.example.com", "v1", "crontabs", subResource, namespaced: true));
    }

    [Theory]
    [InlineData("CREATE", "*", "*", "*", "Namespaced", true)]
    [InlineData("UPDATE", "stable.example.com", "v1", "CREATE", "*", false)]
    [InlineData("CREATE", "other.example.com", "v1", "CREATE", "*", false)]
    [InlineData("CREATE", "stable.example.com", "v2", "CREATE", "*", false)]
    [InlineData("CREATE", "stable.example.com", "v1", "CREATE", "Cluster", false)]
    [InlineData("DELETE", "stable.example.com", "v1", "*", "Namespaced", true)]
    public void Rules_match_operations_groups_versions_and_scope(string operation, string group, string version, string ruleOperation, string scope, bool matches)
    {
        var rule = new WebhookRule([ruleOperation], [group == "*" ? "*" : "stable.example.com"], [version == "*" ? "*" : "v1"], ["crontabs"], scope);
        Assert.Equal(matches, AdmissionWebhooks.RuleMatches(rule, operation, group == "*" ? "stable.example.com" : group, version == "*" ? "v1" : version, "crontabs", "", namespaced: true));
    }
}
