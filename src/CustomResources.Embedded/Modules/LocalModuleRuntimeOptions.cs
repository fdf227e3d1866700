namespace CustomResources.Embedded.Modules;

/// <summary>
/// Options of the local process module runtime (configuration section <c>Modules:Local</c>). Images are a list rather
/// than a dictionary because image names contain ':' (the configuration key separator) and '/'; e.g.
/// <c>Modules:Local:Images:0:Image=example.com/reference-module:1.0</c>,
/// <c>Modules:Local:Images:0:Command=dotnet</c>, <c>Modules:Local:Images:0:Arguments:0=/path/ReferenceModule.dll</c>.
/// </summary>
public sealed class LocalModuleRuntimeOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Modules:Local";

    /// <summary>How each image runs as a local process.</summary>
    public List<LocalModuleImage> Images { get; set; } = [];

    /// <summary>
    /// The JSON file recording the running modules (pid, port, uid, process start time), so a restarted server finds
    /// them instead of starting second copies. Its directory is created when missing.
    /// </summary>
    public string StatePath { get; set; } = "./data/modules.json";
}

/// <summary>One image of <see cref="LocalModuleRuntimeOptions.Images"/>: the command line that stands in for it.</summary>
public sealed class LocalModuleImage
{
    /// <summary>
    /// The image as a module file names it (<c>spec.image</c>). An entry without a tag or digest also matches every
    /// tag of that repository; an exact match wins.
    /// </summary>
    public string Image { get; set; } = "";

    /// <summary>The executable (a path, or a name looked up on PATH), e.g. <c>dotnet</c>.</summary>
    public string Command { get; set; } = "";

    /// <summary>Its arguments, each passed as one argument (no shell splitting or quoting).</summary>
    public List<string> Arguments { get; set; } = [];

    /// <summary>The process's working directory; the server's current directory when empty.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Extra environment variables for this image; the workload's own variables win over these.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];
}
