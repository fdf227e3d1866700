using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace CustomResources.Functions.Tests;

/// <summary>The packaging script's output is laid out as the Functions host expects, and the server starts from it as the host starts it.</summary>
/// <remarks>The script and the package target linux-x64 only.</remarks>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class PackagingTests(PackagedFunctionApp app, ITestOutputHelper output) : IClassFixture<PackagedFunctionApp>
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    [Fact]
    public void The_script_succeeds_and_prints_where_it_wrote()
    {
        output.WriteLine($"packaging took {app.Elapsed.TotalSeconds:0.0} s");
        Assert.True(app.ExitCode == 0, app.Output);
        Assert.Contains(app.AppDirectory, app.Output, StringComparison.Ordinal);
        Assert.Contains(app.ZipPath, app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_folder_holds_host_json_each_function_and_the_executable()
    {
        Assert.True(app.ExitCode == 0, app.Output);
        Assert.Equal(File.ReadAllText(FunctionApp.HostJsonPath), File.ReadAllText(Path.Combine(app.AppDirectory, "host.json")));
        foreach (var (name, _) in FunctionApp.Functions())
        {
            Assert.Equal(
                File.ReadAllText(Path.Combine(FunctionApp.FunctionsDirectory, name, "function.json")),
                File.ReadAllText(Path.Combine(app.AppDirectory, name, "function.json")));
        }
        Assert.True(File.Exists(Path.Combine(app.AppDirectory, "Api", "function.json")));

        var executable = Path.Combine(app.AppDirectory, "CustomResources.Server");
        Assert.True(File.Exists(executable));
        Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "the executable lacks the execute permission");
    }

    [Fact]
    public void The_zip_holds_the_same_layout_with_the_executable_still_executable()
    {
        Assert.True(app.ExitCode == 0, app.Output);
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var entries = zip.Entries.ToDictionary(e => e.FullName, StringComparer.Ordinal);
        Assert.Contains("host.json", entries.Keys);
        Assert.Contains("Api/function.json", entries.Keys);
        Assert.Contains("CustomResources.Server.dll", entries.Keys);
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith('/') || k.StartsWith("./", StringComparison.Ordinal) || k.StartsWith("functionapp/", StringComparison.Ordinal));

        var executable = entries["CustomResources.Server"];
        var mode = (UnixFileMode)((executable.ExternalAttributes >> 16) & 0x1FF);
        Assert.True((mode & AnyExecute) != 0, $"zip entry mode {Convert.ToString((int)mode, 8)} has no execute bit");
    }

    [Fact]
    public async Task The_packaged_server_starts_as_the_host_starts_it_and_answers_healthz()
    {
        Assert.True(app.ExitCode == 0, app.Output);
        var data = Directory.CreateTempSubdirectory("cr-functionapp-data-");
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(app.AppDirectory, "CustomResources.Server"))
        {
            WorkingDirectory = app.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "custom";
        start.Environment["Storage__Provider"] = "Sqlite";
        start.Environment["Storage__Path"] = Path.Combine(data.FullName, "customresources.db");
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("urls");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string? body = null;
            while (body is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        body = await response.Content.ReadAsStringAsync();
                    }
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
                catch (TaskCanceledException)
                {
                    await Task.Delay(200);
                }
            }
            string captured;
            lock (log)
            {
                captured = log.ToString();
            }
            Assert.True(body is not null, $"no answer from /healthz on port {port}; exited: {process.HasExited}\n{captured}");
            Assert.Equal("ok", body);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
