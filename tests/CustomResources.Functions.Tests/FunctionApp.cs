using System.Reflection;
using System.Text.Json.Nodes;

namespace CustomResources.Functions.Tests;

/// <summary>The Functions app's source files: the root host.json and one functions/&lt;Name&gt;/function.json per function.</summary>
public static class FunctionApp
{
    /// <summary>The repository root (the folder that holds Functions.sln and host.json).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string HostJsonPath => Path.Combine(RepositoryRoot, "host.json");

    public static string FunctionsDirectory => Path.Combine(RepositoryRoot, "functions");

    public static JsonObject HostJson() => ReadObject(HostJsonPath);

    /// <summary>Every function folder's name and its parsed function.json.</summary>
    public static IReadOnlyList<(string Name, JsonObject FunctionJson)> Functions() =>
        [.. Directory.GetDirectories(FunctionsDirectory)
            .Order(StringComparer.Ordinal)
            .Select(dir => (Path.GetFileName(dir), ReadObject(Path.Combine(dir, "function.json"))))];

    /// <summary>The one HTTP trigger binding of the app (the catch-all).</summary>
    public static JsonObject HttpTrigger() =>
        Functions().SelectMany(f => Bindings(f.FunctionJson)).Single(b => (string?)b["type"] == "httpTrigger");

    public static IEnumerable<JsonObject> Bindings(JsonObject functionJson) =>
        functionJson["bindings"]!.AsArray().Select(b => b!.AsObject());

    public static JsonObject ReadObject(string path) =>
        JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path} holds no JSON object");

    private static string FindRepositoryRoot()
    {
        var recorded = typeof(FunctionApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (!string.IsNullOrEmpty(recorded) && File.Exists(Path.Combine(recorded, "host.json")))
        {
            return recorded;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "host.json")) && Directory.Exists(Path.Combine(dir.FullName, "functions")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no host.json above {AppContext.BaseDirectory}");
    }
}
