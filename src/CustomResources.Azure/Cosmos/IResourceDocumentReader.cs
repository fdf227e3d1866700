using System.Text.Json.Nodes;

namespace CustomResources.Azure.Cosmos;

/// <summary>
/// Reads the stored document of one key as it is now, tombstones included. The change-feed handler publishes what
/// the store holds rather than what an invocation payload claims, so a forged payload cannot invent events.
/// </summary>
public interface IResourceDocumentReader
{
    /// <summary>The current document (live or tombstone), or null when there is none.</summary>
    Task<JsonObject?> ReadDocumentAsync(string partitionKey, string id, CancellationToken cancellationToken);
}
