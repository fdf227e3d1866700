using CustomResources.Conformance;
using CustomResources.Core.Storage;
using CustomResources.Embedded.Sqlite;

namespace CustomResources.Embedded.Tests;

public sealed class SqliteObjectStoreConformanceTests : ObjectStoreConformanceTests
{
    private readonly TempDirectory directory = new();

    protected override IObjectStore CreateStore() =>
        new SqliteObjectStore(new SqliteStoreOptions { Path = Path.Combine(directory.Path, "store.db") });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        directory.Dispose();
    }
}
