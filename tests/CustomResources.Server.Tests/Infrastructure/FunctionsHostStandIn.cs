using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using CustomResources.Azure.Cosmos;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>
/// Plays the Azure Functions host for the Module controller's triggers against a server in custom-handler mode:
/// the change-feed trigger (<c>POST /ResourceChangeFeed</c> with the documents as stored, system properties included),
/// the resync timer (<c>POST /ModuleResync</c>), and the queue triggers of functions/ModuleReconcile and
/// functions/ModuleReconcilePoison as host.json configures them: each visible message (base64-decoded) is posted as
/// <c>{"Data":{"message":text},"Metadata":{"DequeueCount":n}}</c>; a 2xx deletes it; any other answer leaves it to
/// become visible again after <see cref="RetryVisibility"/>, unless its dequeue count has reached
/// <see cref="MaxDequeueCount"/>, when it is moved to <c>{queue}-poison</c>.
/// </summary>
/// <remarks>
/// One instance; by default with a batch size of 1 (see <see cref="BatchSize"/>): messages are delivered one at a time.
/// The host's own retry wait is host.json's <c>visibilityTimeout</c> (30 s); <see cref="RetryVisibility"/> shortens it.
/// </remarks>
public sealed class FunctionsHostStandIn(HttpClient server, CosmosObjectStore store, QueueClient queue, QueueClient poisonQueue)
{
    /// <summary>host.json <c>extensions.queues.maxDequeueCount</c>.</summary>
    public const int MaxDequeueCount = 5;

    /// <summary>How long a message being processed stays invisible to other receivers (the host renews it meanwhile).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private readonly List<Delivery> deliveries = [];

    /// <summary>How long a message whose invocation failed stays invisible before its next delivery.</summary>
    public TimeSpan RetryVisibility { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Messages received and delivered at once (host.json <c>batchSize</c> is 8); 1 delivers them one after another,
    /// which keeps the order of reconciles, and so the tests, deterministic.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Every queue-triggered invocation so far, in order.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (deliveries)
            {
                return [.. deliveries];
            }
        }
    }

    /// <summary>The change feed delivering the current documents of the given objects (live, soft-deleted or tombstones).</summary>
    public async Task ChangeFeedAsync(params (string Group, string Resource, string Namespace, string Name)[] objects)
    {
        var documents = new JsonArray();
        foreach (var (group, resource, ns, name) in objects)
        {
            var document = await store.ReadDocumentAsync(CosmosResourceDocument.PartitionKeyOf(group, resource, ns), name, CancellationToken.None)
                ?? throw new InvalidOperationException($"no document for {group}/{resource} {ns}/{name}");
            documents.Add(document);
        }

        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { ["documents"] = documents },
            ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = "ResourceChangeFeed", ["UtcNow"] = DateTime.UtcNow.ToString("O") } },
        };
        await InvokeExpectingSuccessAsync("/ResourceChangeFeed", payload);
    }

    /// <summary>The resync timer firing.</summary>
    public Task ResyncAsync() => InvokeExpectingSuccessAsync("/ModuleResync", new JsonObject
    {
        ["Data"] = new JsonObject
        {
            ["timer"] = new JsonObject { ["Schedule"] = new JsonObject { ["AdjustForDST"] = true }, ["IsPastDue"] = false },
        },
        ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = "ModuleResync", ["UtcNow"] = DateTime.UtcNow.ToString("O") } },
    });

    /// <summary>Delivers messages until both queues hold none, visible or not (every piece of work done).</summary>
    public Task DrainAsync(TimeSpan timeout) => DrainUntilAsync(async () => await CountAsync(queue) == 0 && await CountAsync(poisonQueue) == 0, timeout, "the work queues to empty");

    /// <summary>Delivers messages as they become visible until <paramref name="done"/> holds.</summary>
    public async Task DrainUntilAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var delivered = await DeliverVisibleAsync(queue, "/ModuleReconcile", poisonQueue);
            delivered += await DeliverVisibleAsync(poisonQueue, "/ModuleReconcilePoison", null);
            if (await done())
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{what} did not happen within {timeout}; deliveries:\n{string.Join("\n", Deliveries)}\nqueued: {await CountAsync(queue)}, poison: {await CountAsync(poisonQueue)}");
            }

            if (delivered == 0)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Delivers the next visible message of the work queue, if any (the poison queue is left alone).</summary>
    public async Task<Delivery?> DeliverNextAsync()
    {
        if (!await queue.ExistsAsync())
        {
            return null;
        }

        var message = (await queue.ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout: Lease)).Value.SingleOrDefault();
        if (message is null)
        {
            return null;
        }

        await DeliverAsync(queue, "/ModuleReconcile", poisonQueue, message);
        return Deliveries[^1];
    }

    /// <summary>Messages on a queue, visible or not; 0 for a queue not created yet.</summary>
    public static async Task<int> CountAsync(QueueClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await client.ExistsAsync() ? (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    /// <summary>One pass over the visible messages of <paramref name="source"/>; returns how many were delivered.</summary>
    private async Task<int> DeliverVisibleAsync(QueueClient source, string function, QueueClient? poison)
    {
        if (!await source.ExistsAsync())
        {
            return 0;
        }

        var count = 0;
        while (true)
        {
            QueueMessage[] batch = (await source.ReceiveMessagesAsync(maxMessages: BatchSize, visibilityTimeout: Lease)).Value;
            if (batch.Length == 0)
            {
                return count;
            }

            count += batch.Length;
            await Task.WhenAll(batch.Select(message => DeliverAsync(source, function, poison, message)));
        }
    }

    private async Task DeliverAsync(QueueClient source, string function, QueueClient? poison, QueueMessage message)
    {
        var status = await InvokeAsync(function, message.MessageText, message.DequeueCount);
        lock (deliveries)
        {
            deliveries.Add(new Delivery(function, message.MessageText, message.DequeueCount, status));
        }

        if ((int)status is >= 200 and < 300)
        {
            await source.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        else if (poison is not null && message.DequeueCount >= MaxDequeueCount)
        {
            // What the queue trigger does after the last failed delivery: the same text to {queue}-poison.
            await poison.CreateIfNotExistsAsync();
            await poison.SendMessageAsync(message.MessageText);
            await source.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        else
        {
            await source.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: RetryVisibility);
        }
    }

    private async Task<HttpStatusCode> InvokeAsync(string function, string text, long dequeueCount)
    {
        var payload = new JsonObject
        {
            // As the host does: a string input is serialized once more (Json.NET SerializeObject) into Data.
            ["Data"] = new JsonObject { ["message"] = System.Text.Json.JsonSerializer.Serialize(text) },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = dequeueCount,
                ["sys"] = new JsonObject { ["MethodName"] = function.TrimStart('/'), ["UtcNow"] = DateTime.UtcNow.ToString("O") },
            },
        };
        using var response = await server.PostAsync(function, new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private async Task InvokeExpectingSuccessAsync(string function, JsonObject payload)
    {
        using var response = await server.PostAsync(function, new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new Xunit.Sdk.XunitException($"{function} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>One queue-triggered invocation: the function, the message text, its dequeue count and the answer.</summary>
    public sealed record Delivery(string Function, string Message, long DequeueCount, HttpStatusCode Status)
    {
        public bool Succeeded => (int)Status is >= 200 and < 300;

        public override string ToString() => $"{Function} #{DequeueCount} {Message} -> {(int)Status}";
    }
}
