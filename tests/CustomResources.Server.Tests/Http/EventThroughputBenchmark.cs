using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CustomResources.Server.Tests.Http;

/// <summary>
/// Events per second delivered to a local receiver. Opt-in (a measurement, not a check): runs only with
/// <c>EVENTS_BENCH=1</c>; <c>EVENTS_BENCH_COUNT</c> sets the number of events (default 5000). See docs/performance.md.
/// </summary>
public sealed class EventThroughputBenchmark(ITestOutputHelper output)
{
    [OptInBenchmark]
    public async Task Events_per_second_to_a_local_receiver()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("EVENTS_BENCH_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 5000;
        await using var receiver = await HookReceiver.StartAsync();
        receiver.AcceptHandshake = false; // events queue up in the outbox until the endpoint is validated
        using var factory = EventDeliveryTests.Factory();
        factory.Settings["Logging:LogLevel:Default"] = "Warning";
        var client = factory.CreateClient();
        var subscribed = await client.SendJsonAsync(HttpMethod.Post, "/apis/events.customresources.io/v1/subscriptions",
            EventDeliveryTests.Subscription("bench", receiver.Url, new JsonObject { ["filter"] = new JsonObject { ["kind"] = "Namespace" } }));
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);

        var writes = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"bench-{i}" } };
            using var response = await client.SendJsonAsync(HttpMethod.Post, "/api/v1/namespaces", ns);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        });
        writes.Stop();
        await receiver.WaitUntilAsync(r => r.Handshakes >= 1, TimeSpan.FromSeconds(30), "the first handshake");

        // Backlog: everything is in the outbox; open the gate and time the drain.
        // The clock starts at the first delivered event, so the handshake retry interval is not counted.
        receiver.AcceptHandshake = true;
        await receiver.WaitUntilAsync(r => r.Events.Count >= 1, TimeSpan.FromMinutes(2), "the first event");
        var first = receiver.Events.Count;
        var backlog = Stopwatch.StartNew();
        await receiver.WaitUntilAsync(r => r.Events.Count >= count, TimeSpan.FromMinutes(5), "every event");
        backlog.Stop();

        output.WriteLine($"writes: {count} creates in {writes.Elapsed.TotalSeconds:F2} s ({count / writes.Elapsed.TotalSeconds:F0}/s, 16 concurrent clients)");
        output.WriteLine($"backlog drain: {count - first} events delivered in {backlog.Elapsed.TotalSeconds:F2} s ({(count - first) / backlog.Elapsed.TotalSeconds:F0} events/s)");
    }
}

/// <summary>A measurement, not a check: reported as skipped unless <c>EVENTS_BENCH=1</c> asks for it.</summary>
public sealed class OptInBenchmarkAttribute : FactAttribute
{
    public OptInBenchmarkAttribute()
    {
        if (Environment.GetEnvironmentVariable("EVENTS_BENCH") != "1")
        {
            Skip = "benchmark: runs only with EVENTS_BENCH=1 (see docs/performance.md)";
        }
    }
}
