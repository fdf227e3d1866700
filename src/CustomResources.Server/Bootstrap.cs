using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

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

    /// <summary>A one-line explanation for start-up failures caused by configuration, or null for anything else.</summary>
    public static string? DescribeStartupFailure(Exception exception, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return exception switch
        {
            OptionsValidationException e => $"invalid configuration: {string.Join(" ", e.Failures)}",
            InvalidOperationException e when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => $"invalid configuration: {e.Message}",
            SqliteException e => $"cannot open the store at Storage:Path '{configuration["Storage:Path"] ?? "./data/customresources.db"}': {e.Message}",
            UnauthorizedAccessException e => $"cannot open the store at Storage:Path '{configuration["Storage:Path"] ?? "./data/customresources.db"}': {e.Message}",
            IOException e => $"cannot open the store at Storage:Path '{configuration["Storage:Path"] ?? "./data/customresources.db"}': {e.Message}",
            _ => null,
        };
    }
}
