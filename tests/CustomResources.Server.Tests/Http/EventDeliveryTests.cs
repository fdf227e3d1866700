using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

/// <summary>Lifecycle events delivered to real loopback hook endpoints through Subscriptions.</summary>
public sealed class EventDeliveryTests
{
    private const string Subscriptions = "/apis/events.customresources.io/v1/subscriptions";
    private const string DeadLetters = "/apis/events.customresources.io/v1/deadletters";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    internal static ApiFactory Factory()
    {
        var factory = new ApiFactory();
        factory.Settings["Outbound:AllowedHosts:0"] = "127.0.0.1";
        factory.Settings["Events:RetryScale"] = "0.01";
        factory.Settings["Events:PollInterval"] = "00:00:00.050";
        factory.Settings["Events:Source"] = "urn:customresources:test";
        return factory;
    }

    internal static JsonObject Subscription(string name, string url, JsonObject? spec = null)
    {
        spec ??= [];
        spec["url"] = url;
        return new JsonObject
        {
            ["apiVersion"] = "events.customresources.io/v1",
            ["kind"] = "Subscription",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        };
    }

    private static async Task SubscribeAsync(HttpClient client, string name, string url, JsonObject? spec = null)
    {
        var response = await client.SendJsonAsync(HttpMethod.Post, Subscriptions, Subscription(name, url, spec));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task InstallCronTabsAsync(HttpClient client)
    {
        var response = await client.SendJsonAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Samples.CronTabDefinition());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static JsonObject Kinds(string kind) => new() { ["filter"] = new JsonObject { ["kind"] = kind } };

    [Fact]
    public async Task Every_create_update_and_delete_gives_exactly_one_event_with_type_subject_and_data()
    {
        await using var receiver = await HookReceiver.StartAsync();
        using var factory = Factory();
        var client = factory.CreateClient();
        await InstallCronTabsAsync(client);
        await SubscribeAsync(client, "crontabs", receiver.Url, Kinds("CronTab"));

        var created = await (await client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("nightly"))).ReadObjectAsync();
        var patched = await client.SendTextAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/nightly", """{"spec":{"replicas":3}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var updated = await patched.ReadObjectAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{Samples.CronTabPath}/nightly")).StatusCode);

        await receiver.WaitUntilAsync(r => r.Events.Count >= 3, Patience, "three events");
        await Task.Delay(300);
        var events = receiver.Events.OrderBy(e => (string)e["type"]!, StringComparer.Ordinal).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(["stable.example.com.CronTab.created", "stable.example.com.CronTab.deleted", "stable.example.com.CronTab.updated"], events.Select(e => (string)e["type"]!));
        Assert.All(events, e =>
        {
            Assert.Equal("1.0", (string?)e["specversion"]);
            Assert.Equal("urn:customresources:test", (string?)e["source"]);
            Assert.Equal("/apis/stable.example.com/v1/namespaces/default/crontabs/nightly", (string?)e["subject"]);
            Assert.Equal("nightly", (string?)e["data"]!["metadata"]!["name"]);
            Assert.True(DateTimeOffset.TryParse((string?)e["time"], out _));
        });
        Assert.All(receiver.ContentTypes, t => Assert.StartsWith("application/cloudevents+json", t, StringComparison.Ordinal));

        var uid = (string)created["metadata"]!["uid"]!;
        var createdEvent = events[0];
        Assert.Equal($"{uid}/{created["metadata"]!["resourceVersion"]}", (string?)createdEvent["id"]);
        var updatedEvent = events[2];
        Assert.Equal($"{uid}/{updated["metadata"]!["resourceVersion"]}", (string?)updatedEvent["id"]);
        Assert.Equal(3, (int)updatedEvent["data"]!["spec"]!["replicas"]!);
        var deletedEvent = events[1];
        Assert.Equal(3, (int)deletedEvent["data"]!["spec"]!["replicas"]!);
        Assert.Equal(3, events.Select(e => (string)e["id"]!).Distinct().Count());
        Assert.Equal(1, receiver.Handshakes);
        Assert.False(string.IsNullOrEmpty(receiver.LastOrigin));
    }

    [Fact]
    public async Task Event_types_and_label_selector_filter_what_a_subscription_gets()
    {
        await using var receiver = await HookReceiver.StartAsync();
        using var factory = Factory();
        var client = factory.CreateClient();
        var spec = new JsonObject
        {
            ["eventTypes"] = new JsonArray("created"),
            ["filter"] = new JsonObject
            {
                ["kind"] = "Namespace",
                ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["team"] = "blue" } },
            },
        };
        await SubscribeAsync(client, "blue-namespaces", receiver.Url, spec);

        foreach (var (name, team) in new[] { ("red-1", "red"), ("blue-1", "blue") })
        {
            var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["team"] = team } } };
            Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        }

        await client.SendTextAsync(HttpMethod.Patch, "/api/v1/namespaces/blue-1", """{"metadata":{"annotations":{"a":"b"}}}""", "application/merge-patch+json");
        await receiver.WaitUntilAsync(r => r.Events.Count >= 1, Patience, "the blue namespace");
        await Task.Delay(500);
        var e = Assert.Single(receiver.Events);
        Assert.Equal("core.Namespace.created", (string?)e["type"]);
        Assert.Equal("/api/v1/namespaces/blue-1", (string?)e["subject"]);
    }

    [Fact]
    public async Task A_receiver_that_fails_a_few_times_is_retried_until_it_succeeds()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = n => n <= 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        using var factory = Factory();
        var client = factory.CreateClient();
        await SubscribeAsync(client, "flaky", receiver.Url, Kinds("Namespace"));

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "retried" } };
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);

        await receiver.WaitUntilAsync(r => r.Events.Count >= 1, Patience, "the retried event");
        Assert.Equal(4, receiver.Posts);
        Assert.Equal("/api/v1/namespaces/retried", (string?)receiver.Events[0]["subject"]);
        var list = await (await client.GetAsync(DeadLetters)).ReadObjectAsync();
        Assert.Empty(list["items"]!.AsArray());

        // The subscription's status reports the handshake and the counts.
        JsonObject status = [];
        var clock = Stopwatch.StartNew();
        while ((long?)status["delivered"] != 1 && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
            status = (await (await client.GetAsync($"{Subscriptions}/flaky")).ReadObjectAsync())["status"] as JsonObject ?? [];
        }

        Assert.Equal("Succeeded", (string?)status["handshake"]);
        Assert.Equal(1, (long?)status["delivered"]);
        Assert.Equal(3, (long?)status["failedAttempts"]);
        Assert.Contains("503", (string?)status["lastError"], StringComparison.Ordinal);
        Assert.NotNull(status["lastDeliveryTime"]);
    }

    [Fact]
    public async Task An_attempt_that_outlasts_the_timeout_is_retried()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromSeconds(3);
        using var factory = Factory();
        var client = factory.CreateClient();
        await SubscribeAsync(client, "patient", receiver.Url, new JsonObject { ["filter"] = new JsonObject { ["kind"] = "Namespace" }, ["timeoutSeconds"] = 1 });

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "timed" } };
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        await receiver.WaitUntilAsync(r => r.Posts >= 1, Patience, "the first attempt");
        receiver.Delay = TimeSpan.Zero;

        await receiver.WaitUntilAsync(r => r.Events.Any(e => (string?)e["subject"] == "/api/v1/namespaces/timed" && r.Posts >= 2), Patience, "the retried event");
        JsonObject status = [];
        var clock = Stopwatch.StartNew();
        while ((long?)status["delivered"] != 1 && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
            status = (await (await client.GetAsync($"{Subscriptions}/patient")).ReadObjectAsync())["status"] as JsonObject ?? [];
        }

        Assert.Contains("timed out", (string?)status["lastError"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_never_succeeds_gets_the_event_dead_lettered_and_listed()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => HttpStatusCode.InternalServerError;
        using var factory = Factory();
        var client = factory.CreateClient();
        await SubscribeAsync(client, "broken", receiver.Url, new JsonObject
        {
            ["filter"] = new JsonObject { ["kind"] = "Namespace" },
            ["retryPolicy"] = new JsonObject { ["maxDeliveryAttempts"] = 3 },
        });

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "lost" } };
        var created = await (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).ReadObjectAsync();

        JsonArray items = [];
        var clock = Stopwatch.StartNew();
        while (items.Count == 0 && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
            items = (await (await client.GetAsync(DeadLetters)).ReadObjectAsync())["items"]!.AsArray();
        }

        var letter = Assert.Single(items)!;
        Assert.Equal(3, receiver.Posts);
        Assert.Equal("broken", (string?)letter["spec"]!["subscription"]);
        Assert.Equal(3, (int)letter["spec"]!["attempts"]!);
        Assert.Equal("MaxDeliveryAttemptsExceeded", (string?)letter["spec"]!["reason"]);
        Assert.Contains("500", (string?)letter["spec"]!["lastError"], StringComparison.Ordinal);
        Assert.Equal($"{created["metadata"]!["uid"]}/{created["metadata"]!["resourceVersion"]}", (string?)letter["spec"]!["event"]!["id"]);

        // Dead letters can be deleted through the API once handled.
        var name = (string)letter["metadata"]!["name"]!;
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{DeadLetters}/{name}")).StatusCode);
    }

    [Fact]
    public async Task An_endpoint_that_fails_the_validation_handshake_receives_nothing()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.AcceptHandshake = false;
        using var factory = Factory();
        var client = factory.CreateClient();
        await SubscribeAsync(client, "unvalidated", receiver.Url, Kinds("Namespace"));

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "secret" } };
        Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);

        await receiver.WaitUntilAsync(r => r.Handshakes >= 1, Patience, "the handshake");
        JsonObject status = [];
        var clock = Stopwatch.StartNew();
        while ((string?)status["handshake"] != "Failed" && clock.Elapsed < Patience)
        {
            await Task.Delay(100);
            status = (await (await client.GetAsync($"{Subscriptions}/unvalidated")).ReadObjectAsync())["status"] as JsonObject ?? [];
        }

        Assert.Equal("Failed", (string?)status["handshake"]);
        Assert.Contains("WebHook-Allowed-Origin", (string?)status["message"], StringComparison.Ordinal);
        Assert.Equal(0, receiver.Posts);

        // Once the endpoint agrees, the waiting event is delivered.
        receiver.AcceptHandshake = true;
        await receiver.WaitUntilAsync(r => r.Events.Count >= 1, Patience, "the event after the handshake");
        Assert.Equal("/api/v1/namespaces/secret", (string?)receiver.Events[0]["subject"]);
    }

    [Fact]
    public async Task A_slow_hook_delays_neither_writes_nor_other_hooks()
    {
        await using var slow = await HookReceiver.StartAsync();
        slow.Delay = TimeSpan.FromSeconds(8);
        await using var fast = await HookReceiver.StartAsync();
        using var factory = Factory();
        var client = factory.CreateClient();
        await SubscribeAsync(client, "slow", slow.Url, Kinds("Namespace"));
        await SubscribeAsync(client, "fast", fast.Url, Kinds("Namespace"));

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"busy-{i}" } };
            Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"writes took {clock.Elapsed}");
        await fast.WaitUntilAsync(r => r.Events.Count >= 5, TimeSpan.FromSeconds(5), "the fast hook's events");
        Assert.Empty(slow.Events);
    }

    [Fact]
    public async Task Subscription_urls_must_be_http_urls()
    {
        using var factory = Factory();
        var client = factory.CreateClient();
        var response = await client.SendJsonAsync(HttpMethod.Post, Subscriptions, Subscription("bad", "ftp://example.com/x"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var missing = await client.SendJsonAsync(HttpMethod.Post, Subscriptions, new JsonObject
        {
            ["apiVersion"] = "events.customresources.io/v1",
            ["kind"] = "Subscription",
            ["metadata"] = new JsonObject { ["name"] = "nourl" },
            ["spec"] = new JsonObject(),
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
    }
}

/// <summary>Write-time URL policy of subscriptions: needs the IWriteValidator hook in ResourceService (see the report).</summary>
public sealed class SubscriptionPolicyTests
{

    [Fact]
    public async Task Subscription_urls_must_pass_the_outbound_policy_when_written()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        foreach (var url in new[] { "http://hooks.example.com/x", "https://10.1.2.3/x", "https://localhost/x", "https://u:p@hooks.example.com/x" })
        {
            var response = await client.SendJsonAsync(HttpMethod.Post, "/apis/events.customresources.io/v1/subscriptions", EventDeliveryTests.Subscription("bad", url));
            Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Contains("spec.url", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var ok = await client.SendJsonAsync(HttpMethod.Post, "/apis/events.customresources.io/v1/subscriptions", EventDeliveryTests.Subscription("good", "https://hooks.example.com/x"));
        Assert.Equal(System.Net.HttpStatusCode.Created, ok.StatusCode);
    }
}
