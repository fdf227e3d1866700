using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;

namespace CustomResources.Azure.Tests.Queues;

/// <summary>
/// Azurite's queue service (npm <c>azurite</c>), the local Azure Storage emulator: installed on first use into the
/// repo's artifacts/ folder (shared by test runs, guarded by a file lock, like the Cosmos DB stand-in), started in
/// memory on a free loopback port, stopped on dispose. Without node and npm, <see cref="SkipReason"/> says so and the
/// tests that need it skip.
/// </summary>
public sealed class AzuriteQueues : IAsyncLifetime
{
    public const string Package = "azurite@3.37.0";

    /// <summary>Azurite's well-known development account and key (public, documented; not a secret).</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string workingDirectory = Path.Combine(Path.GetTempPath(), "cr-azurite-" + Guid.NewGuid().ToString("N"));
    private readonly System.Text.StringBuilder log = new();
    private Process? server;

    /// <summary>Why Azurite is unavailable, or null when it runs.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The queue service endpoint, <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public string QueueEndpoint { get; private set; } = "";

    /// <summary>A connection string for the emulator's queue service (what <c>Modules:Queue:ConnectionString</c> takes).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};QueueEndpoint={QueueEndpoint};";

    public async Task InitializeAsync()
    {
        var node = NpmTool.FindOnPath("node");
        var npm = NpmTool.FindOnPath("npm");
        if (node is null || npm is null)
        {
            SkipReason = "node and npm are needed to run Azurite (npm " + Package + ") and are not on PATH";
            return;
        }

        var main = await NpmTool.InstallAsync(npm, Package, "azurite", Path.Combine("node_modules", "azurite", "dist", "src", "queue", "main.js"));
        Directory.CreateDirectory(workingDirectory);

        // Another process may take the free port before Azurite binds it: try a few.
        for (var attempt = 0; ; attempt++)
        {
            var port = Loopback.FreePort();
            server = Start(node, main, port);
            if (await WaitUntilListeningAsync(server, port))
            {
                QueueEndpoint = $"http://127.0.0.1:{port}/{AccountName}";
                return;
            }

            Stop();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"Azurite did not start listening: {Log()}");
            }
        }
    }

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temp cleanup.
        }

        return Task.CompletedTask;
    }

    /// <summary>A queue name no other test uses (the queue itself is not created).</summary>
    public static string FreshQueueName() => "q" + Guid.NewGuid().ToString("N");

    /// <summary>A client for <paramref name="queueName"/>; base64 message encoding, as the Functions queue trigger reads them.</summary>
    public QueueClient Client(string queueName, QueueMessageEncoding encoding = QueueMessageEncoding.Base64) =>
        new(ConnectionString, queueName, new QueueClientOptions { MessageEncoding = encoding });

    private Process Start(string node, string main, int port)
    {
        var start = new ProcessStartInfo(node)
        {
            ArgumentList =
            {
                main,
                "--queueHost", "127.0.0.1",
                "--queuePort", port.ToString(CultureInfo.InvariantCulture),
                // The SDK may speak a newer service version than this Azurite release knows.
                "--skipApiVersionCheck",
                "--loose",
                "--inMemoryPersistence",
                "--extentMemoryLimit", "256",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.Length < 16_000)
            {
                log.AppendLine(line);
            }
        }
    }

    private string Log()
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private void Stop()
    {
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(5000);
        }

        server?.Dispose();
        server = null;
    }

    /// <summary>True once the port accepts connections; false when the process exits first (e.g. the port was taken).</summary>
    private static async Task<bool> WaitUntilListeningAsync(Process process, int port)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteQueuesGroup : ICollectionFixture<AzuriteQueues>
{
    public const string Name = "azurite queues";
}
