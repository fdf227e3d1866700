using CustomResources.Core.Discovery;

namespace CustomResources.Core.Tests.Discovery;

public sealed class AggregatedNegotiationTests
{
    [Theory]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2beta1")]
    [InlineData("application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", "v2")]
    [InlineData("application/json, */*", null)]
    [InlineData("", null)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", null)]
    public void Picks_the_first_aggregated_version_the_client_accepts(string accept, string? expected) =>
        Assert.Equal(expected, DiscoveryDocuments.NegotiateAggregatedVersion(accept));

    [Fact]
    public void Answer_is_labelled_with_the_negotiated_version()
    {
        var doc = DiscoveryDocuments.AggregatedGroups(CustomResources.Core.Definitions.BuiltInDefinitions.All, "v2beta1");
        Assert.Equal("apidiscovery.k8s.io/v2beta1", doc["apiVersion"]!.GetValue<string>());
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", DiscoveryDocuments.AggregatedContentTypeFor("v2beta1"));
    }
}
