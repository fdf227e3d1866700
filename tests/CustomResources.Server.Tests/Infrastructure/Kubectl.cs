using System.Diagnostics;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>One stock kubectl binary pointed at a server through a generated kubeconfig.</summary>
public sealed class Kubectl
{
    public const string BundleDirectory = "/usr/lib/google-cloud-sdk/bin";
    private readonly string _binary;
    private readonly string _kubeconfig;
    private readonly string _cacheDirectory;

    public Kubectl(string binary, string serverUrl, string workDirectory)
    {
        _binary = binary;
        _kubeconfig = Path.Combine(workDirectory, "kubeconfig");
        _cacheDirectory = Path.Combine(workDirectory, "kube-cache");
        File.WriteAllText(_kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: local
                cluster:
                  server: {serverUrl}
            users:
              - name: local
                user: {"{}"}
            contexts:
              - name: local
                context:
                  cluster: local
                  user: local
                  namespace: default
            current-context: local
            """);
    }

    private Kubectl(string binary, string kubeconfig, string cacheDirectory, string? _)
    {
        _binary = binary;
        _kubeconfig = kubeconfig;
        _cacheDirectory = cacheDirectory;
    }

    /// <summary>kubectl using an existing kubeconfig file (e.g. the server's admin.kubeconfig).</summary>
    public static Kubectl ForKubeconfig(string binary, string kubeconfig, string workDirectory) =>
        new(binary, kubeconfig, Path.Combine(workDirectory, "kube-cache-" + Path.GetFileNameWithoutExtension(kubeconfig)), null);

    /// <summary>The bundled kubectl for one minor version (1.27 to 1.33 sit beside the dispatcher).</summary>
    public static string BundledBinary(int minor) => Path.Combine(BundleDirectory, $"kubectl.1.{minor}");

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
    }

    public async Task<Result> RunAsync(params string[] arguments)
    {
        using var process = Start(["--request-timeout=20s", .. arguments]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts kubectl in the background (for <c>get -w</c>) with stdout and stderr redirected; the caller reads them
    /// and kills the process. No <c>--request-timeout</c>: it would cut a watch short.
    /// </summary>
    /// <summary>Starts kubectl with output captured (for commands that keep running, such as <c>get -w</c>).</summary>
    public Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(_kubeconfig);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(_cacheDirectory);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> OkAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} failed: {result}");
        return result.StandardOutput;
    }
}
