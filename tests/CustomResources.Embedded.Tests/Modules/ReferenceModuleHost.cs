using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace CustomResources.Embedded.Tests.Modules;

/// <summary>Where the reference module is built, how to run it, and how to wait for it, for the process-based tests.</summary>
internal static class ReferenceModuleHost
{
    /// <summary>The image name the tests map to the reference module.</summary>
    public const string Image = "example.com/modules/reference-module:1.0.0";

    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The built ReferenceModule.dll (samples/modules/ReferenceModule/bin/<c>Configuration</c>/net10.0/).</summary>
    public static string AssemblyPath() => BuiltExecutables.AssemblyPath("ReferenceModulePath");

    public static string DotnetHost() => BuiltExecutables.DotnetHost();

    /// <summary>Polls <c>GET /health</c> until it answers 200; returns its body.</summary>
    public static async Task<JsonObject> WaitHealthyAsync(Uri baseAddress, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(baseAddress, "health"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"the module at {baseAddress} did not become healthy in time");
            await Task.Delay(50);
        }
    }

    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Kills a process (and its children) if it still runs and waits until it is gone.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }
}
