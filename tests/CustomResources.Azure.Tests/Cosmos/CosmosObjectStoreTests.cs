using System.Net;
using System.Text.Json.Nodes;
using CustomResources.Azure.Cosmos;
using CustomResources.Core.Errors;
using CustomResources.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace CustomResources.Azure.Tests.Cosmos;

/// <summary>What the Cosmos store does beyond the shared contract: document layout, tombstones, limits, start-up errors.</summary>
[Collection(CosmosStandInGroup.Name)]
public sealed class CosmosObjectStoreTests(CosmosStandIn standIn) : IAsyncLifetime
{
    private static readonly ObjectKey Key = new("example.com", "widgets", "default", "alpha");
    private CosmosStoreOptions options = new();

    public Task InitializeAsync()
    {
        if (standIn.SkipReason is null)
        {
            options = standIn.FreshOptions();
            options.TombstoneTtlSeconds = 120;
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (standIn.Client is { } client)
        {
            using var _ = await client.GetDatabase(options.Database).DeleteStreamAsync();
        }
    }

    private CosmosObjectStore Store()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        return new CosmosObjectStore(standIn.Client!, options);
    }

    private async Task<JsonObject> RawAsync(ObjectKey key)
    {
        var container = standIn.Client!.GetContainer(options.Database, options.Container);
        var query = new QueryDefinition("SELECT * FROM c WHERE c.partitionKey = @pk AND c.id = @id")
            .WithParameter("@pk", CosmosResourceDocument.PartitionKeyOf(key.Group, key.Resource, key.Namespace))
            .WithParameter("@id", key.Name);
        using var iterator = container.GetItemQueryStreamIterator(query, null, new QueryRequestOptions { PartitionKey = new PartitionKey(CosmosResourceDocument.PartitionKeyOf(key.Group, key.Resource, key.Namespace)) });
        using var response = await iterator.ReadNextAsync();
        var page = await JsonNode.ParseAsync(response.Content);
        return (JsonObject)page!["Documents"]![0]!.DeepClone();
    }

    private static JsonObject Widget(int size = 1, int padding = 0) => new()
    {
        ["apiVersion"] = "example.com/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = "alpha", ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["size"] = size, ["padding"] = new string('x', padding) },
    };

    [SkippableFact]
    public async Task Writes_keep_the_document_format_and_delete_leaves_a_tombstone_with_ttl()
    {
        var store = Store();
        var created = await store.CreateAsync(Key, Widget(1), CancellationToken.None);
        var updated = await store.UpdateAsync(Key, Widget(2), created.ResourceVersion, CancellationToken.None);

        var live = await RawAsync(Key);
        Assert.Equal("example.com/widgets/default", live["partitionKey"]!.GetValue<string>());
        Assert.Equal(2, live["writes"]!.GetValue<long>());
        Assert.False(live["deleted"]!.GetValue<bool>());
        Assert.False(live.ContainsKey("ttl"));
        Assert.Null(live["object"]!["metadata"]!["resourceVersion"]);
        Assert.Equal(updated.ResourceVersion, CosmosResourceDocument.ResourceVersionOf(live["_etag"]!.GetValue<string>()));

        var deleted = await store.DeleteAsync(Key, null, CancellationToken.None);

        var tombstone = await RawAsync(Key);
        Assert.True(tombstone["deleted"]!.GetValue<bool>());
        Assert.Equal(120, tombstone["ttl"]!.GetValue<int>());
        Assert.Equal(3, tombstone["writes"]!.GetValue<long>());
        Assert.Equal(deleted.ResourceVersion, CosmosResourceDocument.ResourceVersionOf(tombstone["_etag"]!.GetValue<string>()));
        Assert.Equal(ChangeType.Deleted, CosmosResourceDocument.ToChange(tombstone).Type);
        Assert.Equal(2, deleted.Object["spec"]!["size"]!.GetValue<int>());

        // Creating again replaces the tombstone and starts the write count over (an Added change).
        await store.CreateAsync(Key, Widget(3), CancellationToken.None);
        var again = await RawAsync(Key);
        Assert.Equal(1, again["writes"]!.GetValue<long>());
        Assert.False(again["deleted"]!.GetValue<bool>());
        Assert.False(again.ContainsKey("ttl"));
        Assert.Equal(ChangeType.Added, CosmosResourceDocument.ToChange(again).Type);
    }

    [SkippableFact]
    public async Task An_item_over_the_cosmos_limit_is_refused_with_413_and_nothing_is_written()
    {
        var store = Store();

        var error = await Assert.ThrowsAsync<ApiException>(() => store.CreateAsync(Key, Widget(padding: CosmosObjectStore.MaxDocumentBytes), CancellationToken.None));

        Assert.Equal(413, error.Code);
        Assert.Contains("Cosmos DB's limit", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetAsync(Key, CancellationToken.None));

        var created = await store.CreateAsync(Key, Widget(), CancellationToken.None);
        var update = await Assert.ThrowsAsync<ApiException>(() => store.UpdateAsync(Key, Widget(padding: CosmosObjectStore.MaxDocumentBytes), created.ResourceVersion, CancellationToken.None));
        Assert.Equal(413, update.Code);
        Assert.Equal(created.ResourceVersion, (await store.GetAsync(Key, CancellationToken.None))!.ResourceVersion);
    }

    [SkippableFact]
    public async Task A_missing_container_is_a_clear_error_unless_create_if_missing()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        options.CreateIfMissing = false;
        var store = new CosmosObjectStore(standIn.Client!, options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync(Key, CancellationToken.None));

        Assert.Contains($"container 'resources' in database '{options.Database}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:Cosmos:CreateIfMissing=true", error.Message, StringComparison.Ordinal);
        using var listed = await standIn.Client!.GetDatabase(options.Database).ReadStreamAsync();
        Assert.Equal(HttpStatusCode.NotFound, listed.StatusCode);
    }

    [SkippableFact]
    public async Task Compaction_removes_nothing_but_checks_the_version()
    {
        var store = Store();
        await store.CreateAsync(Key, Widget(), CancellationToken.None);
        await store.DeleteAsync(Key, null, CancellationToken.None);

        Assert.Equal(0, await store.CompactAsync(await store.CurrentResourceVersionAsync(CancellationToken.None), CancellationToken.None));
        Assert.True((await RawAsync(Key))["deleted"]!.GetValue<bool>());
        var error = await Assert.ThrowsAsync<StoreException>(() => store.CompactAsync("12", CancellationToken.None));
        Assert.Equal(StoreErrorKind.InvalidResourceVersion, error.Kind);
    }

    [SkippableFact]
    public async Task Later_list_pages_report_the_first_pages_resource_version()
    {
        var store = Store();
        for (var i = 0; i < 3; i++)
        {
            var key = Key with { Name = $"obj-{i}" };
            var widget = Widget();
            widget["metadata"]!["name"] = key.Name;
            await store.CreateAsync(key, widget, CancellationToken.None);
        }

        var first = await store.ListAsync(Key.Collection, new ListRequest(Limit: 2), CancellationToken.None);
        var second = await store.ListAsync(Key.Collection, new ListRequest(Limit: 2, Continue: first.Continue), CancellationToken.None);

        Assert.StartsWith("cf.", first.ResourceVersion, StringComparison.Ordinal);
        Assert.Equal(first.ResourceVersion, second.ResourceVersion);
        Assert.Null(second.Continue);

        // A token of one namespace is refused in another.
        var error = await Assert.ThrowsAsync<StoreException>(() => store.ListAsync(Key.Collection with { Namespace = "other" }, new ListRequest(Limit: 2, Continue: first.Continue), CancellationToken.None));
        Assert.Equal(StoreErrorKind.InvalidContinue, error.Kind);
    }

    [SkippableTheory]
    [InlineData("{\"v\":1,\"c\":\"garbage\",\"s\":0,\"i\":\"x\",\"l\":0}")]
    [InlineData("{\"v\":1,\"c\":\"{\\\"V\\\":2}\",\"s\":0,\"i\":\"x\",\"l\":0}")]
    [InlineData("{\"v\":1,\"c\":\"[1,2]\",\"s\":0,\"i\":\"x\",\"l\":0}")]
    [InlineData("{\"v\":2,\"c\":\"x\",\"s\":0,\"i\":\"x\",\"l\":0}")]
    public async Task A_version_with_a_forged_change_feed_position_is_refused(string json)
    {
        var store = Store();
        var forged = "cf." + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));

        var read = await Assert.ThrowsAsync<StoreException>(() => store.ReadAllChangesAsync(forged, 10, CancellationToken.None));
        var wait = await Assert.ThrowsAsync<StoreException>(() => store.WaitForChangeAsync(forged, TimeSpan.FromMilliseconds(10), CancellationToken.None));

        Assert.Equal(StoreErrorKind.InvalidResourceVersion, read.Kind);
        Assert.Equal(StoreErrorKind.InvalidResourceVersion, wait.Kind);
    }
}
