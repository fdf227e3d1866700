using System.Net;
using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.Http;

/// <summary>The manifests in samples/ (used by the README walkthrough) are accepted as YAML, as curl users send them.</summary>
public sealed class SampleManifestTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Readme_samples_are_accepted_as_yaml()
    {
        var samples = Path.Combine(Path.GetDirectoryName(ServerProcess.ServerAssembly())!, "..", "..", "..", "..", "..", "samples");
        var crd = await _client.SendTextAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", await File.ReadAllTextAsync(Path.Combine(samples, "crontab-crd.yaml")), "application/yaml");
        Assert.Equal(HttpStatusCode.Created, crd.StatusCode);
        var obj = await _client.SendTextAsync(HttpMethod.Post, Samples.CronTabPath, await File.ReadAllTextAsync(Path.Combine(samples, "crontab.yaml")), "application/yaml");
        Assert.Equal(HttpStatusCode.Created, obj.StatusCode);
        Assert.Equal(1, (await obj.ReadObjectAsync())["spec"]!["replicas"]!.GetValue<int>());
    }
}
