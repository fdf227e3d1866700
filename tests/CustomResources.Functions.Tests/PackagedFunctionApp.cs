using System.Diagnostics;

namespace CustomResources.Functions.Tests;

/// <summary>
/// Runs eng/package-functionapp.sh once per test class into a temporary folder (FUNCTIONAPP_OUTPUT), so the
/// repository's own artifacts/ is left alone.
/// </summary>
public sealed class PackagedFunctionApp : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public PackagedFunctionApp()
    {
        OutputDirectory = Path.Combine(Path.GetTempPath(), "cr-functionapp-" + Guid.NewGuid().ToString("N"));
        var script = Path.Combine(FunctionApp.RepositoryRoot, "eng", "package-functionapp.sh");
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { script },
            WorkingDirectory = FunctionApp.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["FUNCTIONAPP_OUTPUT"] = OutputDirectory;
        // The test host's MSBuild settings must not leak into the nested publish.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
        {
            start.Environment.Remove(key);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} took longer than {Timeout}");
        }
        Output = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        Elapsed = clock.Elapsed;
        ExitCode = process.ExitCode;
    }

    public string OutputDirectory { get; }

    public string AppDirectory => Path.Combine(OutputDirectory, "functionapp");

    public string ZipPath => Path.Combine(OutputDirectory, "functionapp.zip");

    public string Output { get; }

    public int ExitCode { get; }

    public TimeSpan Elapsed { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
        catch (UnauthorizedAccessException)
        {
            // Left for the OS to clean.
        }
    }
}
