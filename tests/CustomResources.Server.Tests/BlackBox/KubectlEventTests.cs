using System.Net;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>Subscriptions and dead letters managed with stock kubectl against the real server process.</summary>
[Collection("kubectl")]
public sealed class KubectlEventTests
{
    [Fact]
    public async Task Kubectl_applies_lists_and_deletes_subscriptions_and_reads_dead_letters()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => HttpStatusCode.InternalServerError;
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Outbound__AllowedHosts__0"] = "127.0.0.1",
            ["Events__RetryScale"] = "0.01",
            ["Events__PollInterval"] = "00:00:00.050",
        });
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        var file = Path.Combine(server.Directory, "subscription.yaml");
        await File.WriteAllTextAsync(file, $"""
            apiVersion: events.customresources.io/v1
            kind: Subscription
            metadata:
              name: team-hook
            spec:
              url: {receiver.Url}
              eventTypes: [created]
              filter:
                kind: Namespace
              retryPolicy:
                maxDeliveryAttempts: 2
            """);

        Assert.Contains("subscription.events.customresources.io/team-hook created", await kubectl.OkAsync("apply", "-f", file), StringComparison.Ordinal);
        Assert.Contains("subscriptions", await kubectl.OkAsync("api-resources", "--api-group=events.customresources.io"), StringComparison.Ordinal);
        Assert.Contains("team-hook", await kubectl.OkAsync("get", "esub"), StringComparison.Ordinal);
        Assert.Equal("30", await kubectl.OkAsync("get", "subscription", "team-hook", "-o", "jsonpath={.spec.timeoutSeconds}"));

        await kubectl.OkAsync("create", "namespace", "hooked");
        var letters = "";
        for (var i = 0; i < 100 && !letters.Contains("team-hook", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            letters = await kubectl.OkAsync("get", "deadletters");
        }

        Assert.Contains("MaxDeliveryAttemptsExceeded", letters, StringComparison.Ordinal);
        Assert.Contains("/api/v1/namespaces/hooked", await kubectl.OkAsync("get", "deadletters", "-o", "jsonpath={.items[0].spec.event.subject}"), StringComparison.Ordinal);
        Assert.Contains("deleted", await kubectl.OkAsync("delete", "subscription", "team-hook"), StringComparison.Ordinal);
    }
}
