using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace CustomResources.Infra.Tests;

/// <summary>Runs the Bicep CLI restored from the Azure.Bicep.CommandLine.linux-x64 NuGet package.</summary>
internal static partial class Bicep
{
    private static readonly Lazy<string> Binary = new(FindBinary);

    /// <summary>The repository root (the folder that holds Functions.sln and infra/).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Infra(string relativePath) => Path.Combine(RepositoryRoot, "infra", relativePath);

    public static BicepResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Offline and quiet: no telemetry, no update checks.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Binary.Value}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes");
        }
        process.WaitForExit();
        return new BicepResult(string.Join(' ', arguments), process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindBinary()
    {
        var candidates = new List<string>();
        var recorded = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepPath")?.Value;
        if (!string.IsNullOrEmpty(recorded) && !recorded.StartsWith("/tools/", StringComparison.Ordinal))
        {
            candidates.Add(recorded);
        }
        // Fall back to the NuGet global packages folder.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }
        candidates.Add(Path.Combine(packages, "azure.bicep.commandline.linux-x64", BicepVersion, "tools", "bicep"));

        var binary = candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"the bicep binary was not found (looked at {string.Join(", ", candidates)}); restore tests/CustomResources.Infra.Tests, which references Azure.Bicep.CommandLine.linux-x64 {BicepVersion}");

        // NuGet does not always keep the executable bit when it extracts a package.
        // The package carries the linux-x64 binary only; on other systems the run fails with a clear error.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(binary);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(binary, mode | execute);
            }
        }
        return binary;
    }

    private const string BicepVersion = "0.49.2";

    private static string FindRepositoryRoot()
    {
        var recorded = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (!string.IsNullOrEmpty(recorded) && File.Exists(Path.Combine(recorded, "infra", "main.bicep")))
        {
            return recorded;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "infra", "main.bicep")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no infra/main.bicep above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"\b(warning|error)\b", RegexOptions.IgnoreCase)]
    internal static partial Regex Diagnostic();
}

internal sealed record BicepResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Lines of <paramref name="text"/> that report a warning or an error (Bicep writes diagnostics as "file(line,col) : Warning code: message").</summary>
    public static IReadOnlyList<string> Diagnostics(string text) =>
        text.Split('\n').Where(line => Bicep.Diagnostic().IsMatch(line)).Select(line => line.TrimEnd('\r')).ToList();

    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("bicep ").Append(Command).Append(" exited with ").Append(ExitCode).AppendLine();
        text.AppendLine("--- stderr ---").AppendLine(StandardError);
        if (StandardOutput.Length < 4000)
        {
            text.AppendLine("--- stdout ---").AppendLine(StandardOutput);
        }
        return text.ToString();
    }
}
