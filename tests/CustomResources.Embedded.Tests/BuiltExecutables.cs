using System.Reflection;

namespace CustomResources.Embedded.Tests;

/// <summary>Executables the tests run as separate processes: where the build put them, and the dotnet host to run them with.</summary>
internal static class BuiltExecutables
{
    /// <summary>The entry assembly the project file recorded as assembly metadata <paramref name="key"/> (e.g. "CrashProbePath").</summary>
    public static string AssemblyPath(string key)
    {
        var path = typeof(BuiltExecutables).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == key)
            .Value;
        Assert.True(File.Exists(path), $"{key}: nothing is built at '{path}'");
        return path!;
    }

    /// <summary>The dotnet host running the tests (the executables are framework-dependent assemblies).</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
