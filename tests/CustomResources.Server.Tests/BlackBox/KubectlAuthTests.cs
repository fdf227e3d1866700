using CustomResources.Server.Tests.Infrastructure;

namespace CustomResources.Server.Tests.BlackBox;

/// <summary>
/// The secure defaults end to end with stock kubectl: https with the generated CA, the admin kubeconfig written beside
/// the store, a restricted user with a namespace RoleBinding, and <c>kubectl auth can-i</c>.
/// </summary>
public sealed class KubectlAuthTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Defaults = new() { ["Authentication__Enabled"] = "true" };

    private ServerProcess? server;

    private ServerProcess Server => server!;

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(Defaults, https: true);

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    private Kubectl Admin => Kubectl.ForKubeconfig(Kubectl.BundledBinary(32), Path.Combine(Server.Directory, "admin.kubeconfig"), Server.Directory);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_admin_kubeconfig_beside_the_store_works_over_tls_with_the_generated_ca()
    {
        var kubeconfig = await File.ReadAllTextAsync(Path.Combine(Server.Directory, "admin.kubeconfig"));
        Assert.Contains($"server: \"https://127.0.0.1:{Server.Port}\"", kubeconfig, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data:", kubeconfig, StringComparison.Ordinal);
        Assert.DoesNotContain("insecure-skip-tls-verify", kubeconfig, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Server.Directory, "admin.kubeconfig")));
        Assert.Contains("Admin kubeconfig:", Server.Output, StringComparison.Ordinal);

        Assert.Contains("default", await Admin.OkAsync("get", "namespaces"), StringComparison.Ordinal);
        Assert.Equal("yes", (await Admin.OkAsync("auth", "can-i", "create", "customresourcedefinitions")).Trim());
    }

    [Fact]
    public async Task A_restricted_user_works_in_its_namespace_and_is_forbidden_elsewhere()
    {
        await Admin.OkAsync("apply", "-f", SampleManifest("crontab-crd.yaml"));
        await Admin.OkAsync("create", "namespace", "team-a");
        // kubectl posts typed RBAC objects as protobuf.
        await Admin.OkAsync("create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice", "-n", "team-a");

        var aliceConfig = Path.Combine(Server.Directory, "alice.kubeconfig");
        var (exit, output) = await ServerProcess.RunCommandAsync(
            new Dictionary<string, string> { ["Storage__Path"] = Path.Combine(Server.Directory, "customresources.db") },
            "token", "create", "--subject", "alice", "--kubeconfig", aliceConfig);
        Assert.True(exit == 0, output);
        var alice = Kubectl.ForKubeconfig(Kubectl.BundledBinary(32), aliceConfig, Server.Directory);

        await alice.OkAsync("apply", "-n", "team-a", "-f", SampleManifest("crontab.yaml"));
        Assert.Contains("my-new-cron-object", await alice.OkAsync("get", "crontabs", "-n", "team-a"), StringComparison.Ordinal);

        var elsewhere = await alice.RunAsync("get", "crontabs", "-n", "default");
        Assert.NotEqual(0, elsewhere.ExitCode);
        Assert.Contains("Forbidden", elsewhere.StandardError, StringComparison.Ordinal);
        Assert.Contains("User \"alice\" cannot list resource \"crontabs\" in API group \"stable.example.com\" in the namespace \"default\"", elsewhere.StandardError, StringComparison.Ordinal);

        var namespaces = await alice.RunAsync("create", "namespace", "mine");
        Assert.NotEqual(0, namespaces.ExitCode);
        Assert.Contains("cannot create resource \"namespaces\"", namespaces.StandardError, StringComparison.Ordinal);

        Assert.Equal("yes", (await alice.OkAsync("auth", "can-i", "create", "crontabs", "-n", "team-a")).Trim());
        var no = await alice.RunAsync("auth", "can-i", "create", "crontabs", "-n", "default");
        Assert.Equal(1, no.ExitCode);
        Assert.StartsWith("no", no.StandardOutput.Trim(), StringComparison.Ordinal);
        var definitions = await alice.RunAsync("auth", "can-i", "create", "customresourcedefinitions");
        Assert.StartsWith("no", definitions.StandardOutput.Trim(), StringComparison.Ordinal);

        // The audit log shows what alice did and what she was refused.
        var (auditExit, audit) = await ServerProcess.RunCommandAsync(
            new Dictionary<string, string> { ["Storage__Path"] = Path.Combine(Server.Directory, "customresources.db") },
            "audit", "--user", "alice");
        Assert.True(auditExit == 0, audit);
        Assert.Contains("\"verb\":\"create\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"resource\":\"namespaces\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"statusCode\":403", audit, StringComparison.Ordinal);
        Assert.Contains("\"namespace\":\"team-a\"", audit, StringComparison.Ordinal);

        // Revoking the token locks alice out at once.
        var tokens = await Admin.OkAsync("get", "tokens.authentication.customresources.io", "-o", "jsonpath={range .items[?(@.spec.subject==\"alice\")]}{.metadata.name}{end}");
        await Admin.OkAsync("delete", "tokens.authentication.customresources.io", tokens.Trim());
        var revoked = await alice.RunAsync("get", "crontabs", "-n", "team-a");
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("Unauthorized", revoked.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_credentials_only_probes_and_the_version_answer()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(Server.BaseUrl) };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/version")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    private static string SampleManifest(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(file);
    }
}

public sealed class ConfiguredCertificateTests
{
    [Fact]
    public async Task A_configured_certificate_is_served_over_https()
    {
        var files = Path.Combine(Path.GetTempPath(), "cr-tls-" + Guid.NewGuid().ToString("N"));
        var credentials = CustomResources.Embedded.Security.LocalCertificateAuthority.Ensure(files, [], TimeProvider.System);
        credentials.ServingCertificate.Dispose();
        await using var server = await ServerProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["Server__Tls__Mode"] = "Files",
                ["Server__Tls__CertificatePath"] = Path.Combine(files, "server.crt"),
                ["Server__Tls__KeyPath"] = Path.Combine(files, "server.key"),
            },
            https: true);

        using var authority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(credentials.CertificateAuthorityPem);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var client = new HttpClient(handler);
        Assert.Equal("ok", await client.GetStringAsync($"{server.BaseUrl}/healthz"));
        Directory.Delete(files, recursive: true);
    }

    [Fact]
    public async Task Files_mode_without_a_certificate_path_stops_with_one_clear_line()
    {
        var (exit, output) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["Server__Tls__Mode"] = "Files" });
        Assert.Equal(2, exit);
        Assert.Contains("Cannot start: Server:Tls:CertificatePath is required", output, StringComparison.Ordinal);
    }
}

public sealed class UnsafeExposureTests
{
    [Theory]
    [InlineData("false", "http://0.0.0.0:{0}", "Authentication:Enabled=false")]
    [InlineData("true", "http://0.0.0.0:{0}", "plain http")]
    public async Task The_server_refuses_to_listen_beyond_loopback_without_authentication_or_tls(string authentication, string url, string expected)
    {
        var (exit, output) = await ServerProcess.RunToExitAsync(
            new Dictionary<string, string> { ["Authentication__Enabled"] = authentication, ["Storage__Path"] = Path.Combine(Path.GetTempPath(), "cr-exposure-" + Guid.NewGuid().ToString("N"), "s.db") },
            "--urls", string.Format(System.Globalization.CultureInfo.InvariantCulture, url, ServerProcess.FreePort()));
        Assert.Equal(2, exit);
        Assert.Contains("Cannot start:", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
