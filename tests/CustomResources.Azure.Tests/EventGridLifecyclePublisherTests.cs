using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using global::Azure;
using global::Azure.Core;
using global::Azure.Messaging.EventGrid;
using CustomResources.Azure.EventGrid;
using CustomResources.Core.Events;
using CustomResources.Core.Storage;

namespace CustomResources.Azure.Tests;

public sealed class EventGridLifecyclePublisherTests
{
    private const string Key = "test-topic-key==";
    private static readonly DateTimeOffset Committed = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static ObjectChange Change(string name, string resourceVersion, ChangeType type = ChangeType.Added, string padding = "") => new(
        type,
        new ObjectKey("stable.example.com", "crontabs", "default", name),
        new StoredObject(new JsonObject
        {
            ["apiVersion"] = "stable.example.com/v1",
            ["kind"] = "CronTab",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = $"uid-{name}", ["resourceVersion"] = resourceVersion },
            ["spec"] = new JsonObject { ["image"] = "nginx:1.27", ["cronSpec"] = "* * * * */5", ["note"] = padding },
        }, resourceVersion),
        null);

    private static LifecycleEvent Event(string name, string resourceVersion, ChangeType type = ChangeType.Added, string padding = "") =>
        LifecycleEvents.FromChange(Change(name, resourceVersion, type, padding), "urn:customresources:test", Committed);

    private static EventGridPublisherClient Client(LoopbackTopic topic, int maxRetries = 0) =>
        new(topic.Endpoint, new AzureKeyCredential(Key), ClientOptions(maxRetries));

    private static EventGridPublisherClientOptions ClientOptions(int maxRetries)
    {
        var options = new EventGridPublisherClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Mode = RetryMode.Fixed;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    private static JsonArray BodyOf(RecordedRequest request) => JsonNode.Parse(request.Body)!.AsArray();

    [Fact]
    public async Task Publishes_a_cloudevents_batch_with_the_access_key()
    {
        await using var topic = LoopbackTopic.Start();
        var publisher = new EventGridLifecyclePublisher(Client(topic));
        var created = Event("nightly", "41");
        var deleted = Event("weekly", "42", ChangeType.Deleted);

        await publisher.PublishAsync([created, deleted], CancellationToken.None);

        var request = Assert.Single(topic.Requests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("/api/events?api-version=", request.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(Key, request.Header("aeg-sas-key"));
        Assert.Null(request.Header("Authorization"));
        Assert.Equal("application/cloudevents-batch+json; charset=utf-8", request.Header("Content-Type"));

        var body = BodyOf(request);
        Assert.Equal(2, body.Count);
        foreach (var (sent, expected) in body.Zip([created, deleted]))
        {
            var json = sent!.AsObject();
            Assert.Equal("1.0", (string?)json["specversion"]);
            Assert.Equal(expected.Id, (string?)json["id"]);
            Assert.Equal("urn:customresources:test", (string?)json["source"]);
            Assert.Equal(expected.Type, (string?)json["type"]);
            Assert.Equal(expected.Subject, (string?)json["subject"]);
            Assert.Equal(Committed, DateTimeOffset.Parse((string)json["time"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("application/json", (string?)json["datacontenttype"]);
            Assert.Null(json["data_base64"]);
            Assert.True(JsonNode.DeepEquals(expected.Data, json["data"]), $"data differs: {json["data"]?.ToJsonString()}");
        }

        Assert.Equal("uid-nightly/41", (string?)body[0]!["id"]);
        Assert.Equal("stable.example.com.CronTab.created", (string?)body[0]!["type"]);
        Assert.Equal("/apis/stable.example.com/v1/namespaces/default/crontabs/nightly", (string?)body[0]!["subject"]);
        Assert.Equal("stable.example.com.CronTab.deleted", (string?)body[1]!["type"]);
    }

    [Fact]
    public async Task Matches_the_core_cloudevent_mapping_field_for_field()
    {
        await using var topic = LoopbackTopic.Start();
        var lifecycleEvent = Event("nightly", "7", ChangeType.Modified);

        await new EventGridLifecyclePublisher(Client(topic)).PublishAsync([lifecycleEvent], CancellationToken.None);

        var sent = BodyOf(Assert.Single(topic.Requests))[0]!.AsObject();
        var expected = lifecycleEvent.ToCloudEvent();
        foreach (var property in new[] { "specversion", "id", "source", "type", "subject", "datacontenttype", "data" })
        {
            Assert.True(JsonNode.DeepEquals(expected[property], sent[property]), $"{property}: expected {expected[property]?.ToJsonString()}, sent {sent[property]?.ToJsonString()}");
        }

        Assert.Equal(
            DateTimeOffset.Parse((string)expected["time"]!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)sent["time"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Duplicate_publishes_of_one_change_carry_the_same_id()
    {
        await using var topic = LoopbackTopic.Start();
        var publisher = new EventGridLifecyclePublisher(Client(topic));

        await publisher.PublishAsync([Event("nightly", "41")], CancellationToken.None);
        await publisher.PublishAsync([Event("nightly", "41")], CancellationToken.None);
        await publisher.PublishAsync([Event("nightly", "42", ChangeType.Modified)], CancellationToken.None);

        var ids = topic.Requests.Select(r => (string?)BodyOf(r)[0]!["id"]).ToList();
        Assert.Equal(["uid-nightly/41", "uid-nightly/41", "uid-nightly/42"], ids);
        Assert.Equal(BodyOf(topic.Requests[0]).ToJsonString(), BodyOf(topic.Requests[1]).ToJsonString());
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, 2, 3)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 1, 2)]
    [InlineData(HttpStatusCode.Unauthorized, 2, 1)]
    [InlineData(HttpStatusCode.Forbidden, 2, 1)]
    public async Task A_failed_publish_throws_after_bounded_retries(HttpStatusCode status, int maxRetries, int expectedAttempts)
    {
        await using var topic = LoopbackTopic.Start();
        topic.Respond = _ => status;
        var publisher = new EventGridLifecyclePublisher(Client(topic, maxRetries));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => publisher.PublishAsync([Event("nightly", "41")], CancellationToken.None));

        Assert.Equal((int)status, error.Status);
        Assert.Equal(expectedAttempts, topic.Requests.Count);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_by_the_client_and_then_succeeds()
    {
        await using var topic = LoopbackTopic.Start();
        topic.Respond = n => n == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;

        await new EventGridLifecyclePublisher(Client(topic, maxRetries: 2)).PublishAsync([Event("nightly", "41")], CancellationToken.None);

        Assert.Equal(2, topic.Requests.Count);
        Assert.Equal(topic.Requests[0].Body, topic.Requests[1].Body);
    }

    [Fact]
    public async Task A_failure_in_a_later_request_fails_the_whole_publish()
    {
        await using var topic = LoopbackTopic.Start();
        topic.Respond = n => n == 0 ? HttpStatusCode.OK : HttpStatusCode.InternalServerError;
        var padding = new string('x', 300_000);
        var events = Enumerable.Range(0, 6).Select(i => Event($"obj-{i}", $"{i + 1}", padding: padding)).ToList();

        await Assert.ThrowsAsync<RequestFailedException>(() => new EventGridLifecyclePublisher(Client(topic)).PublishAsync(events, CancellationToken.None));

        Assert.Equal(2, topic.Requests.Count);
    }

    [Fact]
    public async Task A_large_batch_is_split_into_requests_under_one_megabyte_in_order()
    {
        await using var topic = LoopbackTopic.Start();
        var padding = new string('x', 150_000);
        var events = Enumerable.Range(0, 20).Select(i => Event($"obj-{i}", $"{i + 1}", padding: padding)).ToList();

        await new EventGridLifecyclePublisher(Client(topic)).PublishAsync(events, CancellationToken.None);

        var requests = topic.Requests;
        Assert.True(requests.Count >= 3, $"expected the ~3 MB batch to be split, got {requests.Count} request(s)");
        Assert.All(requests, r => Assert.True(r.Body.Length <= EventGridLifecyclePublisher.DefaultMaxBatchBytes, $"request body {r.Body.Length} bytes"));
        Assert.All(requests, r => Assert.True(r.Body.Length < EventGridLifecyclePublisher.MaxRequestBytes));
        var ids = requests.SelectMany(r => BodyOf(r).Select(e => (string?)e!["id"])).ToList();
        Assert.Equal(events.Select(e => e.Id), ids);
    }

    [Fact]
    public void Split_counts_the_bytes_the_client_sends()
    {
        var cloudEvents = Enumerable.Range(0, 50).Select(i => EventGridLifecyclePublisher.ToCloudEvent(Event($"obj-{i}", $"{i}", padding: new string('y', 1000 + (i * 37))))).ToList();

        var batches = EventGridLifecyclePublisher.Split(cloudEvents, 8 * 1024);

        Assert.Equal(cloudEvents, batches.SelectMany(b => b));
        foreach (var batch in batches)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(batch).Length;
            Assert.True(size <= 8 * 1024, $"batch of {batch.Count} is {size} bytes");
        }

        // Greedy: the next event would not have fitted into the previous batch.
        for (var i = 1; i < batches.Count; i++)
        {
            var withNext = batches[i - 1].Append(batches[i][0]).ToList();
            Assert.True(JsonSerializer.SerializeToUtf8Bytes(withNext).Length > 8 * 1024);
        }
    }

    [Fact]
    public async Task An_event_larger_than_a_request_is_sent_with_only_the_objects_identity()
    {
        await using var topic = LoopbackTopic.Start();
        var events = new[] { Event("small", "1"), Event("huge", "2", padding: new string('z', 1_100_000)) };

        await new EventGridLifecyclePublisher(Client(topic)).PublishAsync(events, CancellationToken.None);

        var sent = topic.Requests.SelectMany(r => JsonNode.Parse(r.Body)!.AsArray()).Select(e => e!.AsObject()).ToList();
        Assert.Equal(["uid-small/1", "uid-huge/2"], sent.Select(e => (string?)e["id"]));
        var huge = sent[1];
        Assert.DoesNotContain("zzzz", huge.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("huge", (string?)huge["data"]!["metadata"]!["name"]);
        Assert.Equal("uid-huge", (string?)huge["data"]!["metadata"]!["uid"]);
        Assert.Null(huge["data"]!["spec"]);
        Assert.NotNull(sent[0]["data"]!["spec"]);
    }

    [Fact]
    public void Splitting_refuses_an_event_larger_than_a_request()
    {
        var huge = EventGridLifecyclePublisher.ToCloudEvent(Event("huge", "2", padding: new string('z', 1_100_000)));
        var error = Assert.Throws<EventTooLargeException>(() => EventGridLifecyclePublisher.Split([huge], EventGridLifecyclePublisher.DefaultMaxBatchBytes));
        Assert.Equal("uid-huge/2", error.EventId);
    }

    [Fact]
    public async Task A_cancelled_publish_throws_and_sends_nothing()
    {
        await using var topic = LoopbackTopic.Start();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EventGridLifecyclePublisher(Client(topic)).PublishAsync([Event("nightly", "41")], cancelled.Token));

        Assert.Empty(topic.Requests);
    }

    [Fact]
    public async Task An_empty_publish_sends_nothing()
    {
        await using var topic = LoopbackTopic.Start();

        await new EventGridLifecyclePublisher(Client(topic)).PublishAsync([], CancellationToken.None);

        Assert.Empty(topic.Requests);
    }

    [Fact]
    public void Data_is_inline_json_even_with_non_ascii_text()
    {
        var lifecycleEvent = Event("nightly", "3", padding: "größe — 日本");

        var json = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(EventGridLifecyclePublisher.ToCloudEvent(lifecycleEvent)))!;

        Assert.Equal("größe — 日本", (string?)json["data"]!["spec"]!["note"]);
        Assert.Equal("application/json", (string?)json["datacontenttype"]);
    }
}
