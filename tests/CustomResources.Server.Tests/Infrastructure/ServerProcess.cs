using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CustomResources.Server.Tests.Infrastructure;

/// <summary>
/// The real server as a separate process on a free loopback port, with its own SQLite file — what a user
/// gets from <c>dotnet run --project src/CustomResources.Server</c>.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public bool Https { get; private init; }

    public string BaseUrl => $"{(Https ? "https" : "http")}://127.0.0.1:{Port}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="https">Listen on https (the generated certificate) instead of http.</param>
    public static async Task<ServerProcess> StartAsync(IDictionary<string, string>? environment = null, string? directory = null, bool https = false)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "cr-server-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var port = FreePort();
        var start = StartInfo(port, https);
        start.Environment["Storage__Path"] = Path.Combine(directory, "customresources.db");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        // Black-box tests drive the API as a cluster admin over plain http unless a test asks for the defaults.
        start.Environment["Authentication__Enabled"] = "false";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, port, directory) { Https = https };
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitHealthyAsync();
        return server;
    }

    /// <summary>Runs the server with <paramref name="arguments"/> expecting it to exit by itself; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunToExitAsync(params string[] arguments) =>
        RunToExitAsync(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="RunToExitAsync(string[])"/>, with extra environment variables.</summary>
    public static Task<(int ExitCode, string Output)> RunToExitAsync(IDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(StartInfo(FreePort(), false, arguments), environment);

    /// <summary>Runs a server command (e.g. <c>token create …</c>): the arguments come first, no <c>--urls</c>.</summary>
    public static Task<(int ExitCode, string Output)> RunCommandAsync(IDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ServerAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return RunAsync(start, environment);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, IDictionary<string, string> environment)
    {
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the server kept running although its configuration is invalid");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Asks the server to stop (SIGTERM, as a service manager or Ctrl+C would) and returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    /// <param name="entireProcessTree">
    /// Also kill the processes it started (the default, so nothing outlives a test). False kills the server alone, as a
    /// crash or the OOM killer would: module processes of the local runtime then live on, and a restarted server finds
    /// them through its state file.
    /// </param>
    public void Kill(bool entireProcessTree = true)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree);

            // With a timeout: the parameterless WaitForExit also waits for the end of the redirected output, which
            // surviving children (they inherit it) keep open.
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"the server (pid {_process.Id}) did not exit after SIGKILL");
            }
        }
    }

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        await Task.Yield();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    /// <summary><c>dotnet CustomResources.Server.dll --urls http://127.0.0.1:{port} [arguments]</c> with output captured.</summary>
    private static ProcessStartInfo StartInfo(int port, bool https, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerAssembly());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"{(https ? "https" : "http")}://127.0.0.1:{port}");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public static int FreePort() => CustomResources.Azure.Tests.Loopback.FreePort();

    /// <summary>The server's build output, next to this test project's (same configuration).</summary>
    public static string ServerAssembly()
    {
        var testDirectory = AppContext.BaseDirectory;
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Functions.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"Functions.sln not found above {testDirectory}");
        }

        // .../tests/CustomResources.Server.Tests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(testDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(root.FullName, "src", "CustomResources.Server", "bin", configuration, "net10.0", "CustomResources.Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the server first", path);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitHealthyAsync()
    {
        // The generated certificate is checked by the tests that use it; this only waits for the server to answer.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await client.GetAsync($"{BaseUrl}/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the server did not become healthy:\n{Output}");
    }
}
