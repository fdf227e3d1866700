using System.Text.Json.Nodes;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Security;

/// <summary>Runs <see cref="RbacEscalationGuard"/> for writes of RBAC objects made on behalf of a user.</summary>
public sealed class RbacWriteGuard(RbacEscalationGuard guard) : IWriteGuard
{
    public Task CheckAsync(ResourceTarget target, string? ns, JsonObject obj, JsonObject? old, WriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        return options.User is { } user && RbacDefinitions.IsRbacType(target.Definition)
            ? guard.CheckAsync(user, ns, obj, old, cancellationToken)
            : Task.CompletedTask;
    }
}
