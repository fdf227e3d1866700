namespace CustomResources.Core.Modules;

/// <summary>Credentials for pulling a module's image from a private registry.</summary>
public sealed record RegistryCredential(string Server, string Username, string Password);

/// <summary>
/// What a module needs to run: its identity (one workload per Module object), the image, resources and the environment
/// the reconciler hands it (API base URL and the module's token among them).
/// </summary>
/// <param name="Namespace">The Module's namespace.</param>
/// <param name="Name">The Module's name.</param>
/// <param name="Uid">The Module's uid: a workload left behind by an earlier object of the same name is not reused.</param>
/// <param name="Image">The module file's <c>spec.image</c>.</param>
/// <param name="Cpu">The module file's <c>metadata.resource_usage.cpu</c> (e.g. "500m", "2"), or null.</param>
/// <param name="Memory">The module file's <c>metadata.resource_usage.memory</c> (e.g. "512Mi", "2Gi"), or null.</param>
/// <param name="RegistryCredentials">Credentials resolved from the file's <c>imagePullSecrets</c>.</param>
/// <param name="Environment">Environment variables for the module process or container.</param>
public sealed record ModuleWorkload(
    string Namespace,
    string Name,
    string Uid,
    string Image,
    string? Cpu,
    string? Memory,
    IReadOnlyList<RegistryCredential> RegistryCredentials,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>Where a running module answers its HTTP contract (<c>GET /health</c>, <c>POST /install</c>, ...).</summary>
public sealed record ModuleEndpoint(Uri BaseAddress);

/// <summary>
/// Runs module workloads: a local process per module in the embedded server, an Azure Container Instances container
/// group in Azure. Every operation is idempotent, so a reconciler may repeat it after a crash at any point.
/// </summary>
public interface IModuleRuntime
{
    /// <summary>Starts the workload unless it already runs (same namespace, name and uid), and returns where it answers.</summary>
    Task<ModuleEndpoint> EnsureRunningAsync(ModuleWorkload workload, CancellationToken cancellationToken);

    /// <summary>Stops and removes the workload of the Module <paramref name="ns"/>/<paramref name="name"/>; nothing to remove is fine.</summary>
    Task RemoveAsync(string ns, string name, CancellationToken cancellationToken);
}

/// <summary>A runtime failure. <see cref="Retryable"/> says whether trying again later can help (a transient error).</summary>
public sealed class ModuleRuntimeException : Exception
{
    public ModuleRuntimeException(string message, bool retryable)
        : base(message) => Retryable = retryable;

    public ModuleRuntimeException(string message, bool retryable, Exception innerException)
        : base(message, innerException) => Retryable = retryable;

    public ModuleRuntimeException()
    {
    }

    public ModuleRuntimeException(string message)
        : base(message)
    {
    }

    public ModuleRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool Retryable { get; }
}
