using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Server;

/// <summary>State every server starts with.</summary>
public static class Bootstrap
{
    /// <summary>Creates the <c>default</c> namespace if it is missing (idempotent, safe with several instances).</summary>
    public static async Task EnsureDefaultNamespaceAsync(ResourceService service, CancellationToken cancellationToken)
    {
        var target = await service.ResolveAsync("", "v1", "namespaces", cancellationToken);
        try
        {
            var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "default" } };
            await service.CreateAsync(target, null, ns, new WriteOptions(), cancellationToken);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            // Already there from an earlier start or another instance.
        }
    }
}
