using System.Text.Json.Nodes;

namespace CustomResources.Core.Objects;

/// <summary>
/// A check of a create or update that depends on who writes (e.g. RBAC escalation prevention). The engine runs every
/// guard after the object passed its schema and validators and before admission webhooks and the store, on exactly the
/// object it will store (patches included). A guard refuses by throwing an <see cref="Errors.ApiException"/>.
/// </summary>
public interface IWriteGuard
{
    Task CheckAsync(ResourceTarget target, string? ns, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken cancellationToken);
}
