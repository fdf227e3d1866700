using System.Net;
using System.Text.Json.Nodes;
using global::Azure.Core;
using global::Azure.Messaging.EventGrid;
using CustomResources.Azure.EventGrid;
using CustomResources.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests;

public sealed class EventGridOptionsTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings, Action<EventGridPublisherClientOptions>? configureClient = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddEventGridPublisher(configuration, configureClient).BuildServiceProvider();
    }

    private static string StartupErrors(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        return string.Join("\n", error.Failures);
    }

    [Fact]
    public void A_missing_endpoint_is_named()
    {
        var errors = StartupErrors([]);

        Assert.Contains("Events:EventGrid:TopicEndpoint is required", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/events")]
    [InlineData("my-topic.westeurope-1.eventgrid.azure.net/api/events")]
    [InlineData("ftp://my-topic.westeurope-1.eventgrid.azure.net/api/events")]
    public void A_relative_or_non_http_endpoint_is_refused(string endpoint)
    {
        var errors = StartupErrors(new() { ["Events:EventGrid:TopicEndpoint"] = endpoint, ["Events:EventGrid:Key"] = "k" });

        Assert.Contains($"Events:EventGrid:TopicEndpoint '{endpoint}' is not an absolute http(s) URL", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_http_to_a_non_loopback_host_is_refused()
    {
        var errors = StartupErrors(new() { ["Events:EventGrid:TopicEndpoint"] = "http://my-topic.westeurope-1.eventgrid.azure.net/api/events", ["Events:EventGrid:Key"] = "k" });

        Assert.Contains("uses plain http to a non-loopback host; Event Grid requires https", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_http_on_loopback_needs_the_key()
    {
        var errors = StartupErrors(new() { ["Events:EventGrid:TopicEndpoint"] = "http://127.0.0.1:7071/api/events" });

        Assert.Contains("works only with Events:EventGrid:Key", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://my-topic.westeurope-1.eventgrid.azure.net", "has no path")]
    [InlineData("https://my-topic.westeurope-1.eventgrid.azure.net/api/events?api-version=2018-01-01", "must not carry a query string")]
    public void Endpoint_shape_mistakes_are_explained(string endpoint, string message)
    {
        var errors = StartupErrors(new() { ["Events:EventGrid:TopicEndpoint"] = endpoint });

        Assert.Contains(message, errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Key", " ", "Events:EventGrid:Key is empty")]
    [InlineData("ManagedIdentityClientId", "not-a-guid", "is not a client id (a GUID)")]
    [InlineData("MaxRetries", "42", "Events:EventGrid:MaxRetries must be between 0 and 10")]
    public void Bad_settings_are_named(string setting, string value, string message)
    {
        var errors = StartupErrors(new() { ["Events:EventGrid:TopicEndpoint"] = "https://t.westeurope-1.eventgrid.azure.net/api/events", [$"Events:EventGrid:{setting}"] = value });

        Assert.Contains(message, errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_and_managed_identity_together_are_refused()
    {
        var errors = StartupErrors(new()
        {
            ["Events:EventGrid:TopicEndpoint"] = "https://t.westeurope-1.eventgrid.azure.net/api/events",
            ["Events:EventGrid:Key"] = "k",
            ["Events:EventGrid:ManagedIdentityClientId"] = Guid.NewGuid().ToString(),
        });

        Assert.Contains("are both set; use one", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://t.westeurope-1.eventgrid.azure.net/api/events", null, null)]
    [InlineData("https://t.westeurope-1.eventgrid.azure.net/api/events", null, "6f1c3b1e-3a4e-4c1d-9c9b-2f1e0d7a5b10")]
    [InlineData("https://t.westeurope-1.eventgrid.azure.net/api/events", "k", null)]
    [InlineData("http://127.0.0.1:7071/api/events", "k", null)]
    [InlineData("http://localhost:7071/api/events", "k", null)]
    [InlineData("http://[::1]:7071/api/events", "k", null)]
    public void Valid_settings_resolve_the_publisher(string endpoint, string? key, string? clientId)
    {
        using var services = Services(new()
        {
            ["Events:EventGrid:TopicEndpoint"] = endpoint,
            ["Events:EventGrid:Key"] = key,
            ["Events:EventGrid:ManagedIdentityClientId"] = clientId,
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<EventGridLifecyclePublisher>(services.GetRequiredService<ILifecycleEventPublisher>());
        Assert.Same(services.GetRequiredService<EventGridPublisherClient>(), services.GetRequiredService<EventGridPublisherClient>());
    }

    [Fact]
    public async Task The_registered_publisher_sends_to_the_configured_topic_with_the_key()
    {
        await using var topic = LoopbackTopic.Start();
        topic.Respond = n => n == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        using var services = Services(
            new()
            {
                ["Events:EventGrid:TopicEndpoint"] = topic.Endpoint.ToString(),
                ["Events:EventGrid:Key"] = "configured-key",
                ["Events:EventGrid:MaxRetries"] = "1",
            },
            client =>
            {
                client.Retry.Mode = RetryMode.Fixed;
                client.Retry.Delay = TimeSpan.FromMilliseconds(10);
            });
        services.GetRequiredService<IStartupValidator>().Validate();
        var lifecycleEvent = new LifecycleEvent("u-1/5", "urn:test", "g.example.com.Thing.created", "/apis/g.example.com/v1/things/a", DateTimeOffset.UnixEpoch, LifecycleOperation.Created, "g.example.com", "Thing", "", new JsonObject { ["kind"] = "Thing" });

        await services.GetRequiredService<ILifecycleEventPublisher>().PublishAsync([lifecycleEvent], CancellationToken.None);

        Assert.Equal(2, topic.Requests.Count);
        Assert.All(topic.Requests, r => Assert.Equal("configured-key", r.Header("aeg-sas-key")));
        Assert.Equal("u-1/5", (string?)JsonNode.Parse(topic.Requests[1].Body)![0]!["id"]);
    }

    [Fact]
    public async Task Configured_retries_bound_the_attempts()
    {
        await using var topic = LoopbackTopic.Start();
        topic.Respond = _ => HttpStatusCode.InternalServerError;
        using var services = Services(
            new() { ["Events:EventGrid:TopicEndpoint"] = topic.Endpoint.ToString(), ["Events:EventGrid:Key"] = "k", ["Events:EventGrid:MaxRetries"] = "0" });
        var lifecycleEvent = new LifecycleEvent("u-1/5", "urn:test", "t", "/s", DateTimeOffset.UnixEpoch, LifecycleOperation.Created, "", "Thing", "", []);

        await Assert.ThrowsAsync<global::Azure.RequestFailedException>(() => services.GetRequiredService<ILifecycleEventPublisher>().PublishAsync([lifecycleEvent], CancellationToken.None));

        Assert.Single(topic.Requests);
    }
}
