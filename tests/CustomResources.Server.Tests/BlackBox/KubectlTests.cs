using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>
/// Stock kubectl against the real server process. <c>/usr/bin/kubectl</c> is a dispatcher that runs the
/// bundled kubectl matching the server's reported minor version, so each case runs one bundled binary
/// (oldest to newest) against a server reporting that minor version.
/// </summary>
[Collection("kubectl")]
public sealed class KubectlTests
{
    private const string CrdManifest = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          scope: Namespaced
          names:
            plural: crontabs
            singular: crontab
            kind: CronTab
            shortNames:
              - ct
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      required: [cronSpec, image]
                      properties:
                        cronSpec:
                          type: string
                          description: Cron schedule string.
                        image:
                          type: string
                        replicas:
                          type: integer
                          minimum: 1
              additionalPrinterColumns:
                - name: Spec
                  type: string
                  jsonPath: .spec.cronSpec
                - name: Age
                  type: date
                  jsonPath: .metadata.creationTimestamp
        """;

    private static string CronTab(string image, string replicas = "1") => $"""
        apiVersion: stable.example.com/v1
        kind: CronTab
        metadata:
          name: my-new-cron-object
        spec:
          cronSpec: "* * * * */5"
          image: {image}
          replicas: {replicas}
        """;

    public static TheoryData<int> Minors() => new() { 27, 28, 29, 30, 31, 32, 33 };

    [Theory]
    [MemberData(nameof(Minors))]
    public async Task Stock_kubectl_defines_a_type_and_manages_its_objects(int minor)
    {
        var binary = Kubectl.BundledBinary(minor);
        Assert.True(File.Exists(binary), $"{binary} is missing: the kubectl bundle of the Google Cloud SDK is expected on every machine");

        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Server__KubernetesMinorVersion"] = minor.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var kubectl = new Kubectl(binary, server.BaseUrl, server.Directory);
        var files = server.Directory;

        // kubectl 1.27 and 1.28 validate `apply` against OpenAPI v2 only; this server answers /openapi/v2 with 404
        // (kubectl 1.29+ fails on anything but protobuf there), so those two run apply without client validation.
        string[] validate = minor < 29 ? ["--validate=false"] : [];
        await File.WriteAllTextAsync(Path.Combine(files, "crd.yaml"), CrdManifest);
        await File.WriteAllTextAsync(Path.Combine(files, "crontab.yaml"), CronTab("my-awesome-cron-image"));
        await File.WriteAllTextAsync(Path.Combine(files, "crontab-v2.yaml"), CronTab("my-awesome-cron-image:v2", "3"));
        await File.WriteAllTextAsync(Path.Combine(files, "bad.yaml"), CronTab("x", "0").Replace("my-new-cron-object", "bad", StringComparison.Ordinal));

        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created", await kubectl.OkAsync(["apply", "-f", Path.Combine(files, "crd.yaml"), .. validate]), StringComparison.Ordinal);
        Assert.Contains("crontabs", await kubectl.OkAsync("api-resources", "--api-group=stable.example.com"), StringComparison.Ordinal);

        Assert.Contains("crontab.stable.example.com/my-new-cron-object created", await kubectl.OkAsync(["apply", "-f", Path.Combine(files, "crontab.yaml"), .. validate]), StringComparison.Ordinal);

        foreach (var name in new[] { "crontabs", "crontab", "ct", "crontabs.stable.example.com" })
        {
            var table = await kubectl.OkAsync("get", name);
            Assert.Contains("my-new-cron-object", table, StringComparison.Ordinal);
            Assert.Contains("* * * * */5", table, StringComparison.Ordinal);
        }

        var yaml = await kubectl.OkAsync("get", "ct", "my-new-cron-object", "-o", "yaml");
        Assert.Contains("cronSpec: '* * * * */5'", yaml, StringComparison.Ordinal);
        Assert.Equal("my-awesome-cron-image", await kubectl.OkAsync("get", "ct", "my-new-cron-object", "-o", "jsonpath={.spec.image}"));

        Assert.Contains("configured", await kubectl.OkAsync(["apply", "-f", Path.Combine(files, "crontab-v2.yaml"), .. validate]), StringComparison.Ordinal);
        Assert.Equal("my-awesome-cron-image:v2 3", await kubectl.OkAsync("get", "crontab", "my-new-cron-object", "-o", "jsonpath={.spec.image} {.spec.replicas}"));
        Assert.Contains("unchanged", await kubectl.OkAsync(["apply", "-f", Path.Combine(files, "crontab-v2.yaml"), .. validate]), StringComparison.Ordinal);

        var refused = await kubectl.RunAsync(["apply", "-f", Path.Combine(files, "bad.yaml"), .. validate]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.replicas", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("greater than or equal to 1", refused.StandardError, StringComparison.Ordinal);

        Assert.Contains("deleted", await kubectl.OkAsync("delete", "ct", "my-new-cron-object"), StringComparison.Ordinal);
        var gone = await kubectl.RunAsync("get", "ct", "my-new-cron-object");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_creates_lists_and_deletes_namespaces_including_protobuf_bodies()
    {
        await using var server = await ServerProcess.StartAsync();
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        Assert.Contains("namespace/team-a created", await kubectl.OkAsync("create", "namespace", "team-a"), StringComparison.Ordinal);
        var list = await kubectl.OkAsync("get", "ns");
        Assert.Contains("team-a", list, StringComparison.Ordinal);
        Assert.Contains("default", list, StringComparison.Ordinal);
        Assert.Contains("namespace \"team-a\" deleted", await kubectl.OkAsync("delete", "namespace", "team-a"), StringComparison.Ordinal);
        Assert.DoesNotContain("team-a", await kubectl.OkAsync("get", "ns"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_explain_reads_the_generated_openapi()
    {
        await using var server = await ServerProcess.StartAsync();
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        await File.WriteAllTextAsync(Path.Combine(server.Directory, "crd.yaml"), CrdManifest);
        await kubectl.OkAsync("apply", "-f", Path.Combine(server.Directory, "crd.yaml"));
        var explained = await kubectl.OkAsync("explain", "crontab.spec");
        Assert.Contains("cronSpec", explained, StringComparison.Ordinal);
        Assert.Contains("Cron schedule string.", explained, StringComparison.Ordinal);
    }
}

[CollectionDefinition("kubectl", DisableParallelization = true)]
public sealed class KubectlRuns;
