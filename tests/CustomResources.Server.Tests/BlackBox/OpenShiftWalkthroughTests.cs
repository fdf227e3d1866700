using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>
/// The OpenShift "creating CRDs and custom objects" walkthrough (reference 004) with stock kubectl, verbatim:
/// a v1beta1 definition without a schema, objects with arbitrary fields, every name form, -o yaml, finalizers,
/// and deleting a namespace deleting its objects.
/// </summary>
[Collection("kubectl")]
public sealed class OpenShiftWalkthroughTests
{
    private const string Definition = """
        apiVersion: apiextensions.k8s.io/v1beta1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          version: v1
          scope: Namespaced
          names:
            plural: crontabs
            singular: crontab
            kind: CronTab
            shortNames:
            - ct
        """;

    private const string CronTab = """
        apiVersion: "stable.example.com/v1"
        kind: CronTab
        metadata:
          name: my-new-cron-object
        spec:
          cronSpec: "* * * * /5"
          image: my-awesome-cron-image
        """;

    private const string Finalized = """
        apiVersion: "stable.example.com/v1"
        kind: CronTab
        metadata:
          name: finalized
          finalizers:
          - finalizer.stable.example.com
        spec:
          cronSpec: "* * * * /5"
        """;

    [Theory]
    [InlineData(27)]
    [InlineData(33)]
    public async Task The_walkthrough_works_with_stock_kubectl(int minor)
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Server__KubernetesMinorVersion"] = minor.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var kubectl = new Kubectl(Kubectl.BundledBinary(minor), server.BaseUrl, server.Directory);
        string File(string name, string text)
        {
            var path = Path.Combine(server.Directory, name);
            System.IO.File.WriteAllText(path, text);
            return path;
        }

        // kubectl 1.27 validates create against OpenAPI v2, which this server answers with 404 (see KubectlTests).
        string[] validate = minor < 29 ? ["--validate=false"] : [];

        var created = await kubectl.RunAsync(["create", "-f", File("crd.yaml", Definition), .. validate]);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created", created.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("apiextensions.k8s.io/v1beta1 CustomResourceDefinition is deprecated", created.StandardError, StringComparison.Ordinal);

        Assert.Contains("crontab.stable.example.com/my-new-cron-object created", await kubectl.OkAsync(["create", "-f", File("crontab.yaml", CronTab), .. validate]), StringComparison.Ordinal);
        foreach (var name in new[] { "crontab", "crontabs", "ct", "CronTab" })
        {
            Assert.Contains("my-new-cron-object", await kubectl.OkAsync("get", name), StringComparison.Ordinal);
        }

        var yaml = await kubectl.OkAsync("get", "ct", "-o", "yaml");
        Assert.Contains("cronSpec: '* * * * /5'", yaml, StringComparison.Ordinal);
        Assert.Contains("image: my-awesome-cron-image", yaml, StringComparison.Ordinal);

        // Finalizers: the first delete only sets deletionTimestamp; removing the last finalizer deletes the object.
        await kubectl.OkAsync(["create", "-f", File("finalized.yaml", Finalized), .. validate]);
        await kubectl.OkAsync("delete", "ct", "finalized", "--wait=false");
        Assert.NotEmpty(await kubectl.OkAsync("get", "ct", "finalized", "-o", "jsonpath={.metadata.deletionTimestamp}"));
        await kubectl.OkAsync("patch", "ct", "finalized", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "ct", "finalized")).StandardError, StringComparison.Ordinal);

        // Deleting a project (namespace) deletes the custom objects in it.
        await kubectl.OkAsync("create", "namespace", "project-a");
        await kubectl.OkAsync(["create", "-f", File("crontab.yaml", CronTab), "-n", "project-a", .. validate]);
        Assert.Contains("namespace \"project-a\" deleted", await kubectl.OkAsync("delete", "namespace", "project-a"), StringComparison.Ordinal);
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "namespace", "project-a")).StandardError, StringComparison.Ordinal);
        await kubectl.OkAsync("create", "namespace", "project-a");
        Assert.DoesNotContain("my-new-cron-object", await kubectl.OkAsync("get", "ct", "-n", "project-a"), StringComparison.Ordinal);

        // The default namespace's object is untouched.
        Assert.Contains("my-new-cron-object", await kubectl.OkAsync("get", "ct", "-n", "default"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_with_a_finalized_object_terminates_until_the_finalizer_is_removed()
    {
        await using var server = await ServerProcess.StartAsync();
        var kubectl = await NamespaceWithFinalizedObjectAsync(server, "project-b");

        await kubectl.OkAsync("delete", "namespace", "project-b", "--wait=false");
        Assert.Equal("Terminating", await kubectl.OkAsync("get", "namespace", "project-b", "-o", "jsonpath={.status.phase}"));
        var refused = await kubectl.RunAsync("create", "namespace", "project-b");
        Assert.NotEqual(0, refused.ExitCode);

        await kubectl.OkAsync("patch", "ct", "finalized", "-n", "project-b", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "namespace", "project-b")).StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_delete_namespace_waits_until_a_finalized_object_is_released()
    {
        await using var server = await ServerProcess.StartAsync();
        var kubectl = await NamespaceWithFinalizedObjectAsync(server, "project-c");

        // kubectl waits (list + watch on fieldSelector=metadata.name) until the namespace is really gone.
        using var deleting = kubectl.Start("delete", "namespace", "project-c", "--timeout=60s");
        var stdout = deleting.StandardOutput.ReadToEndAsync();
        await Task.Delay(1500);
        Assert.False(deleting.HasExited, "kubectl returned while the namespace still held a finalized object");

        await kubectl.OkAsync("patch", "ct", "finalized", "-n", "project-c", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await deleting.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, deleting.ExitCode);
        Assert.Contains("namespace \"project-c\" deleted", await stdout, StringComparison.Ordinal);
    }

    /// <summary>The walkthrough's type, a namespace, and in it an object held by a finalizer.</summary>
    private static async Task<Kubectl> NamespaceWithFinalizedObjectAsync(ServerProcess server, string ns)
    {
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        var definition = Path.Combine(server.Directory, "crd.yaml");
        await System.IO.File.WriteAllTextAsync(definition, Definition);
        var finalized = Path.Combine(server.Directory, "finalized.yaml");
        await System.IO.File.WriteAllTextAsync(finalized, Finalized);
        await kubectl.OkAsync("create", "-f", definition);
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkAsync("create", "-f", finalized, "-n", ns);
        return kubectl;
    }
}
