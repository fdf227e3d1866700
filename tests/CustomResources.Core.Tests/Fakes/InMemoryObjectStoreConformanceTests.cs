using CustomResources.Conformance;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Tests.Fakes;

/// <summary>The fake store honours the same contract as the real backends.</summary>
public sealed class InMemoryObjectStoreConformanceTests : ObjectStoreConformanceTests
{
    protected override IObjectStore CreateStore() => new InMemoryObjectStore();
}
