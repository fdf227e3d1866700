using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace CustomResources.Embedded.Tests.Modules;

/// <summary>The reference module's crash injection, which needs a real process (it kills itself).</summary>
public sealed class ReferenceModuleProcessTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly List<Process> processes = [];

    private string StateFile => Path.Combine(directory.Path, "calls.jsonl");

    [Fact]
    public async Task CrashOn_kills_the_process_abruptly_when_that_call_arrives_and_records_it()
    {
        var (process, address) = await StartAsync();
        using (var control = await ReferenceModuleHost.Http.PostAsync(new Uri(address, "control"), Json("""{"crashOn":"/install"}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, control.StatusCode);
        }

        using (var sleep = await ReferenceModuleHost.Http.PostAsync(new Uri(address, "sleep"), Json("{}")))
        {
            Assert.Equal(HttpStatusCode.OK, sleep.StatusCode);
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => ReferenceModuleHost.Http.PostAsync(new Uri(address, "install"), Json("""{"x":1}""")));

        Assert.True(process.WaitForExit(10_000), "the module did not exit");
        Assert.NotEqual(0, process.ExitCode);
        var last = JsonNode.Parse((await File.ReadAllLinesAsync(StateFile))[^1])!;
        Assert.Equal("/install", (string?)last["path"]);
        Assert.True((bool)last["crashed"]!);
        Assert.Equal(1, (int)last["body"]!["x"]!);
    }

    [Fact]
    public async Task A_crash_set_by_environment_happens_once_per_state_file_so_the_restarted_module_converges()
    {
        (string, string)[] crashOnce = [("MODULE_CRASH_ON", "/install"), ("MODULE_CRASH_TIMES", "1")];
        var (first, firstAddress) = await StartAsync(crashOnce);
        await Assert.ThrowsAsync<HttpRequestException>(() => ReferenceModuleHost.Http.PostAsync(new Uri(firstAddress, "install"), Json("{}")));
        Assert.True(first.WaitForExit(10_000), "the module did not exit");

        var (_, secondAddress) = await StartAsync(crashOnce);
        using var install = await ReferenceModuleHost.Http.PostAsync(new Uri(secondAddress, "install"), Json("{}"));

        Assert.Equal(HttpStatusCode.Created, install.StatusCode);
        var calls = JsonNode.Parse(await ReferenceModuleHost.Http.GetStringAsync(new Uri(secondAddress, "calls")))!.AsArray();
        Assert.Equal(2, calls.Count);
        Assert.True((bool)calls[0]!["crashed"]!);
        Assert.Equal(201, (int)calls[1]!["status"]!);
        Assert.NotEqual((int)calls[0]!["pid"]!, (int)calls[1]!["pid"]!);
    }

    public void Dispose()
    {
        foreach (var process in processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone (the crash tests kill it on purpose).
            }

            process.Dispose();
        }

        directory.Dispose();
    }

    private async Task<(Process Process, Uri Address)> StartAsync(params (string Name, string Value)[] environment)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo(ReferenceModuleHost.DotnetHost()) { UseShellExecute = false, WorkingDirectory = directory.Path };
        start.ArgumentList.Add(ReferenceModuleHost.AssemblyPath());
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["MODULE_STATE_FILE"] = StateFile;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        processes.Add(process);
        var address = new Uri($"http://127.0.0.1:{port}/");
        await ReferenceModuleHost.WaitHealthyAsync(address);
        return (process, address);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
