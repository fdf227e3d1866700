using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Azure.Tests;
using CustomResources.Azure.Tests.Cosmos;
using CustomResources.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CustomResources.Server.Tests.Http;

/// <summary>
/// The server on the Cosmos DB stand-in with a loopback listener as its Event Grid topic: change-feed batches posted
/// to <c>/ResourceChangeFeed</c> as the Functions host posts them become CloudEvents at the topic.
/// </summary>
[Collection(CosmosStandInGroup.Name)]
public sealed class ChangeFeedEndpointTests(CosmosStandIn standIn) : IAsyncLifetime
{
    private LoopbackTopic? topic;
    private ApiFactory? factory;
    private HttpClient? client;

    private LoopbackTopic Topic => topic!;

    private HttpClient Client => client!;

    public async Task InitializeAsync()
    {
        if (standIn.SkipReason is not null)
        {
            return;
        }

        topic = LoopbackTopic.Start();
        var options = standIn.FreshOptions();
        factory = new ApiFactory();
        factory.Settings["Storage:Provider"] = "Cosmos";
        factory.Settings["Storage:Cosmos:AccountEndpoint"] = options.AccountEndpoint!;
        factory.Settings["Storage:Cosmos:Key"] = options.Key!;
        factory.Settings["Storage:Cosmos:Database"] = options.Database;
        factory.Settings["Storage:Cosmos:CreateIfMissing"] = "true";
        factory.Settings["Events:EventGrid:TopicEndpoint"] = Topic.Endpoint.ToString();
        factory.Settings["Events:EventGrid:Key"] = "loopback-topic-key";
        factory.Settings["Events:EventGrid:MaxRetries"] = "0";
        factory.Settings["Events:Source"] = "urn:customresources:test";
        client = factory.CreateClient();
        await Samples.DefineCronTabAsync(Client);
    }

    public async Task DisposeAsync()
    {
        client?.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        if (topic is not null)
        {
            await topic.DisposeAsync();
        }
    }

    /// <summary>The stored document as the trigger delivers it (system properties included).</summary>
    private async Task<JsonObject> DeliveredDocumentAsync(string name)
    {
        var store = factory!.Services.GetRequiredService<CosmosObjectStore>();
        var document = await store.ReadDocumentAsync("stable.example.com/crontabs/default", name, CancellationToken.None);
        Assert.NotNull(document);
        document["_lsn"] = 42;
        return document;
    }

    private static string Payload(params JsonObject[] documents) => new JsonObject
    {
        ["Data"] = new JsonObject { ["documents"] = new JsonArray([.. documents.Select(d => (JsonNode)d.DeepClone())]) },
        ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = "ResourceChangeFeed", ["UtcNow"] = "2026-11-30T10:00:00Z" } },
    }.ToJsonString();

    private Task<HttpResponseMessage> InvokeAsync(string payload) =>
        Client.PostAsync("/ResourceChangeFeed", new StringContent(payload, Encoding.UTF8, "application/json"));

    private JsonArray PublishedBatch(int index) => JsonNode.Parse(Topic.Requests[index].Body)!.AsArray();

    [SkippableFact]
    public async Task Created_updated_and_soft_deleted_objects_become_cloud_events_at_the_topic()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        var created = await (await Client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("nightly"))).ReadObjectAsync();
        var uid = (string)created["metadata"]!["uid"]!;
        var createdDocument = await DeliveredDocumentAsync("nightly");

        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } };
        var updated = await (await Client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/nightly", patch, "application/merge-patch+json")).ReadObjectAsync();
        var updatedDocument = await DeliveredDocumentAsync("nightly");

        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteAsync($"{Samples.CronTabPath}/nightly")).StatusCode);
        var tombstone = await DeliveredDocumentAsync("nightly");
        Assert.True((bool?)tombstone["deleted"]);

        // One invocation per change, as the feed would deliver them one after another.
        var first = await InvokeAsync(Payload(createdDocument));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = await first.ReadObjectAsync();
        Assert.True(answer.ContainsKey("Outputs") && answer.ContainsKey("ReturnValue"));
        Assert.Contains("published 1 event", (string?)answer["Logs"]![0], StringComparison.Ordinal);

        var e = PublishedBatch(0).Single()!.AsObject();
        Assert.Equal("1.0", (string?)e["specversion"]);
        Assert.Equal("urn:customresources:test", (string?)e["source"]);
        Assert.Equal("/apis/stable.example.com/v1/namespaces/default/crontabs/nightly", (string?)e["subject"]);
        Assert.Equal("loopback-topic-key", Topic.Requests[0].Header("aeg-sas-key"));

        // The store holds the tombstone now, so each invocation publishes the key's current state: the delete.
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(Payload(updatedDocument))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(Payload(tombstone))).StatusCode);
        var deleted = PublishedBatch(2).Single()!.AsObject();
        Assert.Equal("stable.example.com.CronTab.deleted", (string?)deleted["type"]);
        Assert.Equal($"{uid}/{CosmosResourceDocument.ResourceVersionOf((string)tombstone["_etag"]!)}", (string?)deleted["id"]);
        Assert.NotEqual((string?)created["metadata"]!["resourceVersion"], (string?)updated["metadata"]!["resourceVersion"]);
    }

    [SkippableFact]
    public async Task Live_objects_become_created_and_updated_events_whose_ids_are_uid_and_resource_version()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        var created = await (await Client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("hourly"))).ReadObjectAsync();
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(Payload(await DeliveredDocumentAsync("hourly")))).StatusCode);

        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 2 } };
        var updated = await (await Client.SendJsonAsync(HttpMethod.Patch, $"{Samples.CronTabPath}/hourly", patch, "application/merge-patch+json")).ReadObjectAsync();
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(Payload(await DeliveredDocumentAsync("hourly")))).StatusCode);

        var uid = (string)created["metadata"]!["uid"]!;
        var createdEvent = PublishedBatch(0).Single()!.AsObject();
        var updatedEvent = PublishedBatch(1).Single()!.AsObject();
        Assert.Equal("stable.example.com.CronTab.created", (string?)createdEvent["type"]);
        Assert.Equal($"{uid}/{created["metadata"]!["resourceVersion"]}", (string?)createdEvent["id"]);
        Assert.Equal("stable.example.com.CronTab.updated", (string?)updatedEvent["type"]);
        Assert.Equal($"{uid}/{updated["metadata"]!["resourceVersion"]}", (string?)updatedEvent["id"]);
        Assert.Equal(2, (int?)updatedEvent["data"]!["spec"]!["replicas"]);
    }

    [SkippableFact]
    public async Task A_redelivered_batch_publishes_the_same_event_ids()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        await Client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("again"));
        var payload = Payload(await DeliveredDocumentAsync("again"));
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(payload)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(payload)).StatusCode);
        Assert.Equal((string?)PublishedBatch(0).Single()!["id"], (string?)PublishedBatch(1).Single()!["id"]);
    }

    [SkippableFact]
    public async Task When_the_topic_fails_the_invocation_fails_so_the_host_retries_and_the_retry_publishes()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        await Client.SendJsonAsync(HttpMethod.Post, Samples.CronTabPath, Samples.CronTab("flaky"));
        var payload = Payload(await DeliveredDocumentAsync("flaky"));
        Topic.Respond = n => n == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;

        var failed = await InvokeAsync(payload);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("will be retried", (string?)(await failed.ReadObjectAsync())["Logs"]![0], StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(payload)).StatusCode);
        Assert.Equal((string?)PublishedBatch(0).Single()!["id"], (string?)PublishedBatch(1).Single()!["id"]);
    }

    [SkippableTheory]
    [InlineData("{not json")]
    [InlineData("""{"Metadata":{}}""")]
    [InlineData("""{"Data":{"documents":{"id":"x"}}}""")]
    public async Task A_malformed_payload_is_refused_with_400_and_publishes_nothing(string payload)
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        var response = await InvokeAsync(payload);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed invocation payload", (string?)(await response.ReadObjectAsync())["Logs"]![0], StringComparison.Ordinal);
        Assert.Empty(Topic.Requests);
    }

    [SkippableFact]
    public async Task A_forged_document_for_a_key_the_store_does_not_hold_publishes_nothing()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        var forged = CosmosResourceDocument.Create(
            new Core.Storage.ObjectKey("stable.example.com", "crontabs", "default", "invented"), Samples.CronTab("invented"), 1, false, DateTimeOffset.UtcNow, null);
        forged["_etag"] = "\"forged\"";
        var response = await InvokeAsync(Payload(forged));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("skipped", (string?)(await response.ReadObjectAsync())["Logs"]![1], StringComparison.Ordinal);
        Assert.Empty(Topic.Requests);
    }
}

public sealed class ChangeFeedEndpointWithoutCosmosTests
{
    [Fact]
    public async Task The_embedded_server_does_not_serve_the_change_feed_endpoint()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        var response = await client.PostAsync("/ResourceChangeFeed", new StringContent("""{"Data":{"documents":[]}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
