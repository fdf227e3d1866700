using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>kubectl's label selectors, field selectors and chunked (paged) lists against the real server.</summary>
[Collection("kubectl")]
public sealed class KubectlListingTests
{
    private const string Definition = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.list.example.com
        spec:
          group: list.example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
          versions:
            - name: v1
              served: true
              storage: true
              selectableFields:
                - jsonPath: .spec.color
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        color: {type: string}
        """;

    [Fact]
    public async Task Kubectl_filters_with_selectors_and_pages_with_chunks()
    {
        await using var server = await ServerProcess.StartAsync();
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        var crd = Path.Combine(server.Directory, "crd.yaml");
        await File.WriteAllTextAsync(crd, Definition);
        await kubectl.OkAsync("apply", "-f", crd);

        var manifest = string.Join("---\n", Enumerable.Range(0, 12).Select(i => $"""
            apiVersion: list.example.com/v1
            kind: Widget
            metadata:
              name: w{i:D2}
              labels: {"{"}tier: {(i % 3 == 0 ? "front" : "back")}{(i % 4 == 0 ? ", canary: \"yes\"" : "")}{"}"}
            spec:
              color: {(i % 2 == 0 ? "red" : "blue")}

            """));
        var objects = Path.Combine(server.Directory, "widgets.yaml");
        await File.WriteAllTextAsync(objects, manifest);
        await kubectl.OkAsync("apply", "-f", objects);

        static List<string> Names(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Order().ToList();

        Assert.Equal(["w00", "w03", "w06", "w09"], Names(await kubectl.OkAsync("get", "wd", "-l", "tier=front", "-o", "name")).Select(n => n.Split('/')[1]).ToList());
        Assert.Equal(["w04", "w08"], Names(await kubectl.OkAsync("get", "wd", "-l", "tier in (back),canary", "-o", "name")).Select(n => n.Split('/')[1]).ToList());
        Assert.Equal(8, Names(await kubectl.OkAsync("get", "wd", "-l", "tier!=front", "-o", "name")).Count);
        Assert.Equal(9, Names(await kubectl.OkAsync("get", "wd", "-l", "!canary", "-o", "name")).Count);
        Assert.Equal(6, Names(await kubectl.OkAsync("get", "wd", "--field-selector", "spec.color=blue", "-o", "name")).Count);
        Assert.Single(Names(await kubectl.OkAsync("get", "wd", "--field-selector", "metadata.name=w07", "-o", "name")));

        // --chunk-size makes kubectl page with limit/continue until the list is complete.
        Assert.Equal(12, Names(await kubectl.OkAsync("get", "wd", "--chunk-size=5", "-o", "name")).Count);
        var table = await kubectl.OkAsync("get", "wd", "--chunk-size=5");
        Assert.Equal(13, table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var unsupported = await kubectl.RunAsync("get", "wd", "--field-selector", "spec.size=3");
        Assert.NotEqual(0, unsupported.ExitCode);
        Assert.Contains("field label not supported: spec.size", unsupported.StandardError, StringComparison.Ordinal);
    }
}
