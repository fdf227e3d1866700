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
        var node = NpmTool.FindOnPath("node");
        var npm = NpmTool.FindOnPath("npm");
        if (node is null || npm is null)
        {
            SkipReason = "node and npm are needed to run the Cosmos DB stand-in (npm " + Package + ") and are not on PATH";
            return;
        }

        var cli = await NpmTool.InstallAsync(npm, Package, "cosmosdb-server", Path.Combine("node_modules", "@vercel", "cosmosdb-server", "lib", "cli.js"));

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
}

[CollectionDefinition(Name)]
public sealed class CosmosStandInGroup : ICollectionFixture<CosmosStandIn>
{
    public const string Name = "cosmos stand-in";
}
