using CustomResources.Azure.Cosmos;
using CustomResources.Conformance;
using CustomResources.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace CustomResources.Azure.Tests.Cosmos;

/// <summary>What no Cosmos DB account provides, whatever runs it (see docs/cosmos.md).</summary>
internal static class CosmosLimits
{
    public static string? UnsupportedReason(StoreFeature feature) => feature switch
    {
        StoreFeature.ObjectVersionsInChangeLog =>
            "an object's resourceVersion is its _etag, which is not a position in the change feed; store-level versions are change-feed continuations",
        StoreFeature.EveryWriteInChangeLog =>
            "the change feed in latest-version mode keeps only the latest state of each document: intermediate writes and the previous state are not reported",
        StoreFeature.Compaction =>
            "Cosmos DB keeps no superseded versions to compact; TTL removes tombstones, so CompactAsync removes nothing and expires nothing",
        StoreFeature.SnapshotPaging =>
            "Cosmos DB has no snapshot reads: later list pages show the current state (keyset paging keeps unchanged objects exactly once and in order)",
        _ => null,
    };
}

/// <summary>The conformance suite against the local stand-in (npm @vercel/cosmosdb-server), a fresh database per test.</summary>
[Collection(CosmosStandInGroup.Name)]
public sealed class CosmosObjectStoreConformanceTests(CosmosStandIn standIn) : ObjectStoreConformanceTests
{
    private Database? database;

    protected override bool ResourceVersionsAreOrdered => false;

    protected override string? UnsupportedReason(StoreFeature feature) => feature == StoreFeature.ChangeLog
        ? "the local stand-in's change feed never advances its continuation (set COSMOS_EMULATOR_ENDPOINT to run these against the real emulator)"
        : CosmosLimits.UnsupportedReason(feature);

    protected override IObjectStore CreateStore()
    {
        Skip.If(standIn.SkipReason is not null, standIn.SkipReason);
        var options = standIn.FreshOptions();
        database = standIn.Client!.GetDatabase(options.Database);
        return new CosmosObjectStore(standIn.Client!, options);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (database is not null)
        {
            using var _ = await database.DeleteStreamAsync();
        }
    }
}

/// <summary>
/// The full suite against a real Cosmos DB emulator (or account) when COSMOS_EMULATOR_ENDPOINT is set (key:
/// COSMOS_EMULATOR_KEY, default the emulator's well-known key); skipped otherwise.
/// </summary>
public sealed class CosmosEmulatorConformanceTests : ObjectStoreConformanceTests
{
    private static readonly string? Endpoint = Environment.GetEnvironmentVariable("COSMOS_EMULATOR_ENDPOINT");
    private static readonly Lazy<CosmosClient> Client = new(() => CosmosServiceCollectionExtensions.CreateClient(Options("unused")));
    private Database? database;

    protected override bool ResourceVersionsAreOrdered => false;

    protected override string? UnsupportedReason(StoreFeature feature) => CosmosLimits.UnsupportedReason(feature);

    protected override IObjectStore CreateStore()
    {
        Skip.If(string.IsNullOrWhiteSpace(Endpoint), "COSMOS_EMULATOR_ENDPOINT is not set: these tests run only against a real Cosmos DB emulator");
        var options = Options("t" + Guid.NewGuid().ToString("N"));
        database = Client.Value.GetDatabase(options.Database);
        return new CosmosObjectStore(Client.Value, options);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (database is not null)
        {
            using var _ = await database.DeleteStreamAsync();
        }
    }

    private static CosmosStoreOptions Options(string databaseName) => new()
    {
        AccountEndpoint = Endpoint,
        Key = Environment.GetEnvironmentVariable("COSMOS_EMULATOR_KEY") is { Length: > 0 } key ? key : CosmosStoreOptions.EmulatorKey,
        Database = databaseName,
        CreateIfMissing = true,
    };
}
