using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>Stock kubectl registers admission webhooks from ordinary Kubernetes manifests and sees their effects.</summary>
[Collection("kubectl")]
public sealed class KubectlAdmissionTests
{
    private const string CrdManifest = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.stable.example.com
        spec:
          group: stable.example.com
          scope: Namespaced
          names: { plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct] }
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
                      properties:
                        cronSpec: { type: string }
                        image: { type: string }
        """;

    private static string Webhooks(WebhookReceiver receiver) => $"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata:
          name: crontab-policy
        webhooks:
          - name: policy.hooks.example.com
            clientConfig:
              url: {receiver.Url("deny")}
            rules:
              - operations: ["CREATE", "UPDATE"]
                apiGroups: ["stable.example.com"]
                apiVersions: ["v1"]
                resources: ["crontabs"]
                scope: Namespaced
            objectSelector:
              matchLabels:
                policy: strict
            failurePolicy: Fail
            sideEffects: None
            admissionReviewVersions: ["v1"]
            timeoutSeconds: 5
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: crontab-images
        webhooks:
          - name: images.hooks.example.com
            clientConfig:
              url: {receiver.Url("mutate")}
            rules:
              - operations: ["CREATE"]
                apiGroups: ["stable.example.com"]
                apiVersions: ["*"]
                resources: ["crontabs"]
            sideEffects: None
            admissionReviewVersions: ["v1", "v1beta1"]
        """;

    private static string CronTab(string name, string label) => $"""
        apiVersion: stable.example.com/v1
        kind: CronTab
        metadata:
          name: {name}
          labels:
            policy: {label}
        spec:
          cronSpec: "* * * * */5"
          image: my-image:1
        """;

    [Fact]
    public async Task Kubectl_apply_shows_a_denial_and_the_mutated_object()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["Outbound__AllowedHosts__0"] = "127.0.0.1" });
        var kubectl = new Kubectl(Kubectl.BundledBinary(32), server.BaseUrl, server.Directory);
        var files = server.Directory;
        await File.WriteAllTextAsync(Path.Combine(files, "crd.yaml"), CrdManifest);
        await File.WriteAllTextAsync(Path.Combine(files, "webhooks.yaml"), Webhooks(receiver));
        await File.WriteAllTextAsync(Path.Combine(files, "denied.yaml"), CronTab("denied", "strict"));
        await File.WriteAllTextAsync(Path.Combine(files, "allowed.yaml"), CronTab("allowed", "relaxed"));

        await kubectl.OkAsync("apply", "-f", Path.Combine(files, "crd.yaml"));
        var registered = await kubectl.OkAsync("apply", "-f", Path.Combine(files, "webhooks.yaml"));
        Assert.Contains("validatingwebhookconfiguration.admissionregistration.k8s.io/crontab-policy created", registered, StringComparison.Ordinal);
        Assert.Contains("mutatingwebhookconfiguration.admissionregistration.k8s.io/crontab-images created", registered, StringComparison.Ordinal);
        Assert.Contains("crontab-policy", await kubectl.OkAsync("get", "validatingwebhookconfigurations"), StringComparison.Ordinal);

        // Re-applying a changed manifest sends a strategic merge patch (webhooks merge by name).
        await File.WriteAllTextAsync(Path.Combine(files, "webhooks.yaml"), Webhooks(receiver).Replace("timeoutSeconds: 5", "timeoutSeconds: 7", StringComparison.Ordinal));
        Assert.Contains("validatingwebhookconfiguration.admissionregistration.k8s.io/crontab-policy configured", await kubectl.OkAsync("apply", "-f", Path.Combine(files, "webhooks.yaml")), StringComparison.Ordinal);
        Assert.Equal("policy.hooks.example.com 7 Fail", await kubectl.OkAsync("get", "validatingwebhookconfiguration", "crontab-policy", "-o", "jsonpath={.webhooks[*].name} {.webhooks[0].timeoutSeconds} {.webhooks[0].failurePolicy}"));

        var denied = await kubectl.RunAsync("apply", "-f", Path.Combine(files, "denied.yaml"));
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("admission webhook \"policy.hooks.example.com\" denied the request: CREATE of denied is not allowed by policy", denied.StandardError, StringComparison.Ordinal);

        var allowed = await kubectl.RunAsync("apply", "-f", Path.Combine(files, "allowed.yaml"));
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("image rewritten by the mutating webhook", allowed.StandardError, StringComparison.Ordinal);
        var yaml = await kubectl.OkAsync("get", "ct", "allowed", "-o", "yaml");
        Assert.Contains("image: registry.example.com/mutated:1", yaml, StringComparison.Ordinal);
        Assert.Contains("mutated-by: webhook", yaml, StringComparison.Ordinal);
    }
}
