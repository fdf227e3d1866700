namespace CustomResources.Core.Modules;

/// <summary>
/// Fetches a module file named by a Module's <c>spec.source.httpURL</c>, once, at write time. The server's adapter
/// applies the outbound policy (https, no private addresses unless allowed), a size limit and a timeout; a refusal or
/// failure is a <see cref="ModuleFileFetchException"/> (or an <see cref="HttpRequestException"/>) whose message says why.
/// </summary>
public interface IModuleFileFetcher
{
    Task<string> FetchAsync(Uri url, CancellationToken ct);
}

/// <summary>A module file that could not be fetched (refused by policy, too large, timed out, not found).</summary>
public sealed class ModuleFileFetchException : Exception
{
    public ModuleFileFetchException()
    {
    }

    public ModuleFileFetchException(string message)
        : base(message)
    {
    }

    public ModuleFileFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
