using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Http;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>Events survive a crash (SIGKILL) of the server with deliveries pending.</summary>
public sealed class EventRestartTests
{
    private static Dictionary<string, string> Environment() => new()
    {
        ["Outbound__AllowedHosts__0"] = "127.0.0.1",
        ["Events__RetryScale"] = "0.01",
        ["Events__PollInterval"] = "00:00:00.050",
    };

    [Fact]
    public async Task Events_pending_when_the_server_is_killed_are_delivered_after_the_restart()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => HttpStatusCode.ServiceUnavailable;
        var names = Enumerable.Range(0, 20).Select(i => $"crash-{i}").ToList();
        var directory = Path.Combine(Path.GetTempPath(), "cr-events-" + Guid.NewGuid().ToString("N"));
        await using (var server = await ServerProcess.StartAsync(Environment(), directory))
        {
            using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
            var subscription = EventDeliveryTests.Subscription("durable", receiver.Url, new JsonObject { ["filter"] = new JsonObject { ["kind"] = "Namespace" } });
            Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/apis/events.customresources.io/v1/subscriptions", subscription)).StatusCode);
            foreach (var name in names)
            {
                var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
                Assert.Equal(HttpStatusCode.Created, (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns)).StatusCode);
            }

            // Deliveries are under way (and failing) when the process dies.
            await receiver.WaitUntilAsync(r => r.Posts >= 1, TimeSpan.FromSeconds(20), "the first attempt");
            server.Kill();
            Directory.CreateDirectory(directory + "-keep");
            foreach (var file in Directory.GetFiles(directory))
            {
                File.Copy(file, Path.Combine(directory + "-keep", Path.GetFileName(file)));
            }
        }

        Assert.Empty(receiver.Events);
        receiver.Respond = _ => HttpStatusCode.OK;
        await using var restarted = await ServerProcess.StartAsync(Environment(), directory + "-keep");
        var expected = names.Select(n => $"/api/v1/namespaces/{n}").ToHashSet();
        await receiver.WaitUntilAsync(r => expected.IsSubsetOf(r.Events.Select(e => (string)e["subject"]!)), TimeSpan.FromSeconds(30), "every event after the restart");
        Assert.All(receiver.Events, e => Assert.Equal("core.Namespace.created", (string?)e["type"]));
    }
}
