using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CustomResources.Azure.Cosmos;
using Microsoft.Azure.Cosmos;

namespace CustomResources.Azure.Tests.Cosmos;

/// <summary>
/// The local Cosmos DB stand-in (npm <c>@vercel/cosmosdb-server</c>): installed on first use into the repo's
/// artifacts/ folder (shared by test runs, guarded by a file lock), started on a free loopback port, stopped on dispose.
/// Without node and npm, <see cref="SkipReason"/> says so and the tests that need it skip.
/// </summary>
public sealed class CosmosStandIn : IAsyncLifetime
{
    public const string Package = "@vercel/cosmosdb-server@1.0.1";

    private Process? server;

    /// <summary>Why the stand-in is unavailable, or null when it runs.</summary>
    public string? SkipReason { get; private set; }

    public string Endpoint { get; private set; } = "";

    public CosmosClient? Client { get; private set; }

    public async Task InitializeAsync()
    {
        var node = FindOnPath("node");
        var npm = FindOnPath("npm");
        if (node is null || npm is null)
        {
            SkipReason = "node and npm are needed to run the Cosmos DB stand-in (npm " + Package + ") and are not on PATH";
            return;
        }

        var folder = Path.Combine(RepoArtifacts(), "cosmosdb-server");
        Directory.CreateDirectory(folder);
        var cli = Path.Combine(folder, "node_modules", "@vercel", "cosmosdb-server", "lib", "cli.js");
        await InstallAsync(npm, folder, cli);

        var port = FreePort();
        var start = new ProcessStartInfo(node)
        {
            ArgumentList = { cli, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-ssl" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        server = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();

        Endpoint = $"http://127.0.0.1:{port}/";
        await WaitUntilListeningAsync(port);
        Client = CosmosServiceCollectionExtensions.CreateClient(new CosmosStoreOptions { AccountEndpoint = Endpoint, Key = CosmosStoreOptions.EmulatorKey });
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(5000);
        }

        server?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Options for a fresh database (unique name) created on first use, so tests do not see each other.</summary>
    public CosmosStoreOptions FreshOptions() => new()
    {
        AccountEndpoint = Endpoint,
        Key = CosmosStoreOptions.EmulatorKey,
        Database = "t" + Guid.NewGuid().ToString("N"),
        CreateIfMissing = true,
    };

    private static async Task InstallAsync(string npm, string folder, string cli)
    {
        // Test assemblies may run in parallel processes: one installs, the others wait for the lock.
        var lockPath = Path.Combine(folder, ".install.lock");
        var stopwatch = Stopwatch.StartNew();
        FileStream? held = null;
        while (held is null)
        {
            try
            {
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (stopwatch.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(200);
            }
        }

        using (held)
        {
            if (File.Exists(cli))
            {
                return;
            }

            var install = new ProcessStartInfo(npm)
            {
                ArgumentList = { "install", "--no-audit", "--no-fund", "--no-save", "--prefix", folder, Package },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            using var process = Process.Start(install) ?? throw new InvalidOperationException("could not start npm");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0 || !File.Exists(cli))
            {
                throw new InvalidOperationException($"npm install {Package} failed ({process.ExitCode}): {await output}\n{await error}");
            }
        }
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort() => Loopback.FreePort();

    private static string? FindOnPath(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The repo's artifacts/ folder (git-ignored), or a temp folder when the tests run outside a clone.</summary>
    private static string RepoArtifacts()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return Path.Combine(directory.FullName, "artifacts");
            }
        }

        return Path.Combine(Path.GetTempPath(), "customresources-artifacts");
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosStandInGroup : ICollectionFixture<CosmosStandIn>
{
    public const string Name = "cosmos stand-in";
}
