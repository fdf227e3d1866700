using System.Diagnostics;

namespace CustomResources.Azure.Tests;

/// <summary>
/// Local stand-ins that come from npm (the Cosmos DB stand-in, Azurite): found on PATH, installed once per pinned
/// version into the repo's git-ignored <c>artifacts/</c> folder.
/// </summary>
internal static class NpmTool
{
    public static string? FindOnPath(string program)
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

    /// <summary>
    /// Installs <paramref name="package"/> (name@version) into <c>artifacts/{folderName}</c> unless a complete install
    /// of that version is there, and returns the full path of <paramref name="entry"/> (relative to the folder).
    /// </summary>
    public static async Task<string> InstallAsync(string npm, string package, string folderName, string entry)
    {
        var folder = Path.Combine(RepoArtifacts(), folderName);
        Directory.CreateDirectory(folder);
        var entryPath = Path.Combine(folder, entry);

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
            // Written only after a complete install of this version: an interrupted install (or an older pin) is redone.
            var marker = Path.Combine(folder, ".installed-" + package.Replace('@', '-').Replace('/', '-'));
            if (File.Exists(marker) && File.Exists(entryPath))
            {
                return entryPath;
            }

            var install = new ProcessStartInfo(npm)
            {
                ArgumentList = { "install", "--no-audit", "--no-fund", "--no-save", "--prefix", folder, package },
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
            if (process.ExitCode != 0 || !File.Exists(entryPath))
            {
                throw new InvalidOperationException($"npm install {package} failed ({process.ExitCode}): {await output}\n{await error}");
            }

            await File.WriteAllTextAsync(marker, package);
            return entryPath;
        }
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
