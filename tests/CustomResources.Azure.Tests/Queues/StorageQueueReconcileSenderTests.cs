using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;
using CustomResources.Azure.Queues;
using CustomResources.Core.Modules;

namespace CustomResources.Azure.Tests.Queues;

/// <summary><see cref="StorageQueueReconcileSender"/> against Azurite's queue service.</summary>
[Collection(AzuriteQueuesGroup.Name)]
public sealed class StorageQueueReconcileSenderTests(AzuriteQueues azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private StorageQueueReconcileSender Sender(string queueName, bool createIfMissing = true) =>
        new(StorageQueueServiceCollectionExtensions.CreateClient(new StorageQueueOptions
        {
            ConnectionString = azurite.ConnectionString,
            QueueName = queueName,
            CreateIfMissing = createIfMissing,
        }), createIfMissing);

    [SkippableFact]
    public async Task A_message_is_stored_as_base64_json_that_parses_back_to_the_same_message()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        var sent = new ReconcileMessage("team-a/app", 3);
        await Sender(name).SendAsync(sent, TimeSpan.Zero, CancellationToken.None);

        // Read raw, as the queue stores it: base64 of the UTF-8 JSON (the queue trigger's messageEncoding base64).
        var raw = azurite.Client(name, QueueMessageEncoding.None);
        var message = Assert.Single((await raw.ReceiveMessagesAsync(maxMessages: 32)).Value);
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("team-a/app", (string?)json["key"]);
        Assert.Equal(3, (int?)json["attempt"]);
        Assert.Equal(sent, ReconcileMessage.Parse(text));

        // Never expires: the service records no expiry within the default 7 days.
        Assert.True(message.ExpiresOn is null || message.ExpiresOn > DateTimeOffset.UtcNow.AddYears(1), $"expires {message.ExpiresOn}");
    }

    [SkippableFact]
    public async Task A_workspace_key_round_trips_too()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        var sent = new ReconcileMessage(ModuleReconciler.WorkspacePrefix + "team-a", 0);
        await Sender(name).SendAsync(sent, TimeSpan.Zero, CancellationToken.None);

        var message = Assert.Single((await azurite.Client(name).ReceiveMessagesAsync(maxMessages: 32)).Value);
        Assert.Equal(sent, ReconcileMessage.Parse(message.MessageText));
    }

    [SkippableFact]
    public async Task A_delayed_message_stays_invisible_until_its_delay_has_passed()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        var delay = TimeSpan.FromSeconds(3);
        var queue = azurite.Client(name);
        var sender = Sender(name);
        await sender.SendAsync(new ReconcileMessage("team-a/now", 0), TimeSpan.Zero, CancellationToken.None);

        var watch = Stopwatch.StartNew();
        await sender.SendAsync(new ReconcileMessage("team-a/later", 0), delay, CancellationToken.None);
        var atOnce = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromMinutes(5))).Value;
        var checkedAfter = watch.Elapsed;
        Assert.True(checkedAfter < delay, $"the machine is too slow for this check: the first receive ended {checkedAfter} after sending");
        Assert.Equal(["team-a/now"], atOnce.Select(m => ReconcileMessage.Parse(m.MessageText).Key));

        // The delayed one is on the queue, just not visible.
        Assert.Equal(2, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        ReconcileMessage? later = null;
        while (later is null)
        {
            Assert.True(watch.Elapsed < Patience, "the delayed message never became visible");
            var received = (await queue.ReceiveMessagesAsync(maxMessages: 32)).Value;
            later = received.Select(m => ReconcileMessage.Parse(m.MessageText)).SingleOrDefault();
            if (later is null)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal("team-a/later", later.Key);
        // Visibility has whole-second resolution in the service; a second of slack covers the rounding.
        Assert.True(watch.Elapsed >= delay - TimeSpan.FromSeconds(1), $"visible after {watch.Elapsed}, before its delay of {delay}");
    }

    [SkippableFact]
    public async Task A_delay_beyond_seven_days_is_capped_rather_than_refused()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        await Sender(name).SendAsync(new ReconcileMessage("team-a/far", 0), TimeSpan.FromDays(30), CancellationToken.None);

        var queue = azurite.Client(name);
        Assert.Empty((await queue.ReceiveMessagesAsync(maxMessages: 32)).Value);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [SkippableFact]
    public async Task CreateIfMissing_creates_the_queue_on_first_send_and_without_it_a_missing_queue_fails()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        var queue = azurite.Client(name);
        Assert.False((await queue.ExistsAsync()).Value);

        var failing = await Assert.ThrowsAsync<RequestFailedException>(() =>
            Sender(name, createIfMissing: false).SendAsync(new ReconcileMessage("team-a/app", 0), TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(404, failing.Status);
        Assert.False((await queue.ExistsAsync()).Value);

        var sender = Sender(name);
        await sender.SendAsync(new ReconcileMessage("team-a/app", 0), TimeSpan.Zero, CancellationToken.None);
        await sender.SendAsync(new ReconcileMessage("team-a/other", 0), TimeSpan.Zero, CancellationToken.None);
        Assert.True((await queue.ExistsAsync()).Value);
        Assert.Equal(2, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [SkippableFact]
    public async Task CreateIfMissing_leaves_an_existing_queue_and_its_messages_alone()
    {
        Skip.If(azurite.SkipReason is not null, azurite.SkipReason);
        var name = AzuriteQueues.FreshQueueName();
        var queue = azurite.Client(name);
        await queue.CreateAsync();
        await queue.SendMessageAsync(new ReconcileMessage("team-a/first", 0).ToJson());

        await Sender(name).SendAsync(new ReconcileMessage("team-a/second", 0), TimeSpan.Zero, CancellationToken.None);

        var keys = (await queue.ReceiveMessagesAsync(maxMessages: 32)).Value.Select(m => ReconcileMessage.Parse(m.MessageText).Key).Order(StringComparer.Ordinal);
        Assert.Equal(["team-a/first", "team-a/second"], keys);
    }
}
