using System.Text.Json.Nodes;

namespace CustomResources.Core.Modules;

/// <summary>The types a module file's <c>config</c> entry may have.</summary>
public enum ConfigType
{
    String,
    Integer,
    Boolean,
    Option,

    /// <summary>Written <c>multiple-options</c> (the spellings <c>multiple_options</c> and <c>multipleOptions</c> are read as the same).</summary>
    MultipleOptions,
}

/// <summary>What a module's container is given access to (module file <c>spec.permissions</c>).</summary>
public enum ModuleAccess
{
    /// <summary>A credential bound to the Module's workspace namespace.</summary>
    Workspace,

    /// <summary>A cluster-wide credential, like the controller's own.</summary>
    Controller,
}

/// <summary>
/// One typed configuration parameter of a module file. <see cref="Min"/>/<see cref="Max"/> bound an integer's value or the
/// number of chosen values of a multiple-options entry; <see cref="Values"/> are the choices of option types.
/// </summary>
public sealed record ConfigEntry(
    ConfigType Type,
    string Name,
    string? Alias,
    bool Required,
    JsonNode? Default,
    bool Editable,
    string? Regex,
    long? Min,
    long? Max,
    IReadOnlyList<string> Values)
{
    /// <summary>The spelling of <see cref="Type"/> in a module file.</summary>
    public string TypeName => ModuleFiles.TypeName(Type);
}

/// <summary>A module file's <c>metadata</c>.</summary>
public sealed record ModuleFileMetadata(
    string Name,
    string Version,
    string SupportedOperatorVersion,
    string? Author,
    string? Description,
    string? Category,
    string? Image,
    string? Cpu,
    string? Memory);

/// <summary>A module file's <c>spec</c>: the container image, registry secrets and permissions.</summary>
public sealed record ModuleFileSpec(string Image, IReadOnlyList<string> ImagePullSecrets, IReadOnlyList<ModuleAccess> Permissions);

/// <summary>A valid module file (<c>kind: Custom</c>); produce it with <see cref="ModuleFiles.Parse(string, string)"/>.</summary>
public sealed record ModuleFile(ModuleFileMetadata Metadata, IReadOnlyList<ConfigEntry> Config, ModuleFileSpec Spec)
{
    public bool NeedsControllerPermission => Spec.Permissions.Contains(ModuleAccess.Controller);

    /// <summary>The entry whose name or alias is <paramref name="key"/>, names first.</summary>
    public ConfigEntry? FindConfig(string key) =>
        Config.FirstOrDefault(c => c.Name == key) ?? Config.FirstOrDefault(c => c.Alias == key);
}
