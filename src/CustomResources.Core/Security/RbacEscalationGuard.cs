using System.Text.Json.Nodes;
using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Security;

/// <summary>
/// Kubernetes' privilege-escalation prevention for RBAC writes: a user may write a Role or ClusterRole only with rules they
/// already hold in its scope (or the <c>escalate</c> verb on it), and may write a binding only when they hold every rule
/// of the referenced role in the binding's scope (or the <c>bind</c> verb on that role).
/// </summary>
/// <remarks>
/// It needs the requesting user, which <see cref="IWriteValidator"/> does not see, so the HTTP layer calls
/// <see cref="CheckAsync"/> after authorizing a create or update of an RBAC object and before handing it to the engine.
/// For a patch, the edge computes the result first (a dry-run patch), checks that, then writes it as an update
/// conditional on the resourceVersion it checked, so what was checked is what is stored.
/// Scope: a Role or RoleBinding is checked against the rules the user holds in its namespace (ClusterRoleBindings plus
/// that namespace's RoleBindings); a ClusterRole or ClusterRoleBinding against the cluster-wide rules only.
/// </remarks>
public sealed class RbacEscalationGuard(RbacAuthorizer authorizer)
{
    /// <summary>
    /// Throws a 403 <see cref="ApiException"/> when writing <paramref name="obj"/> (a Role, ClusterRole, RoleBinding or
    /// ClusterRoleBinding; <paramref name="old"/> is the stored object on updates) in <paramref name="ns"/> (the URL's
    /// namespace; ignored for the cluster-scoped kinds) would grant more than <paramref name="user"/> holds. Objects of
    /// other kinds pass.
    /// </summary>
    public async Task CheckAsync(UserInfo user, string? ns, JsonObject obj, JsonObject? old, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(obj);
        if (user.InGroup(UserInfo.MastersGroup))
        {
            return;
        }

        var kind = ObjectMetadata.GetString(obj["kind"]);
        var name = ObjectMetadata.GetString(obj["metadata"]?["name"]) ?? "";
        ns = kind is "Role" or "RoleBinding" ? ns ?? ObjectMetadata.GetString(obj["metadata"]?["namespace"]) ?? "" : "";
        switch (kind)
        {
            case "Role":
            case "ClusterRole":
                await CheckRoleAsync(user, kind, ns, name, obj, old, cancellationToken);
                break;
            case "RoleBinding":
            case "ClusterRoleBinding":
                await CheckBindingAsync(user, kind, ns, name, obj, cancellationToken);
                break;
        }
    }

    private async Task CheckRoleAsync(UserInfo user, string kind, string ns, string name, JsonObject role, JsonObject? old, CancellationToken cancellationToken)
    {
        var resource = kind == "Role" ? RbacDefinitions.RolesResource : RbacDefinitions.ClusterRolesResource;
        var rules = PolicyRule.ListFromObject(role);
        var aggregation = role["aggregationRule"];
        if (old is not null && PolicyRule.ListFromObject(old).SequenceEqual(rules) && JsonNode.DeepEquals(old["aggregationRule"], aggregation))
        {
            // Metadata-only updates (labels, finalizers) grant nothing new.
            return;
        }

        if (await HoldsVerbAsync(user, "escalate", resource, ns, name, cancellationToken))
        {
            return;
        }

        var held = await authorizer.RulesForAsync(user, ns, cancellationToken);
        if (aggregation is JsonObject && !JsonNode.DeepEquals(old?["aggregationRule"], aggregation))
        {
            // An aggregation rule can pull in any ClusterRole, so only a holder of everything may write one.
            if (Uncovered(held, RbacAuthorizer.FullAuthority).Count > 0)
            {
                throw ApiException.Forbidden(resource, RbacDefinitions.Group, name, "must have cluster-admin privileges to use the aggregationRule");
            }

            return;
        }

        ThrowIfUncovered(user, resource, name, Uncovered(held, rules));
    }

    private async Task CheckBindingAsync(UserInfo user, string kind, string ns, string name, JsonObject binding, CancellationToken cancellationToken)
    {
        var resource = kind == "RoleBinding" ? RbacDefinitions.RoleBindingsResource : RbacDefinitions.ClusterRoleBindingsResource;
        var roleKind = ObjectMetadata.GetString(binding["roleRef"]?["kind"]) ?? "";
        var roleName = ObjectMetadata.GetString(binding["roleRef"]?["name"]) ?? "";
        var roleResource = roleKind == "Role" ? RbacDefinitions.RolesResource : RbacDefinitions.ClusterRolesResource;
        if (await HoldsVerbAsync(user, "bind", roleResource, ns, roleName, cancellationToken))
        {
            return;
        }

        // A missing role grants nothing, so binding to it escalates nothing (as in Kubernetes).
        var granted = await authorizer.RoleReferenceRulesAsync(roleKind, roleName, ns, cancellationToken);
        var held = await authorizer.RulesForAsync(user, ns, cancellationToken);
        ThrowIfUncovered(user, resource, name, Uncovered(held, granted));
    }

    private async Task<bool> HoldsVerbAsync(UserInfo user, string verb, string resource, string ns, string name, CancellationToken cancellationToken) =>
        (await authorizer.AuthorizeAsync(user, RequestAttributes.ForResource(verb, RbacDefinitions.Group, resource, ns, name, apiVersion: RbacDefinitions.Version), cancellationToken)).Allowed;

    private static void ThrowIfUncovered(UserInfo user, string resource, string name, IReadOnlyList<PolicyRule> missing)
    {
        if (missing.Count == 0)
        {
            return;
        }

        var groups = string.Join(" ", user.Groups.Select(g => $"\"{g}\""));
        var detail = $"user \"{user.Name}\" (groups=[{groups}]) is attempting to grant RBAC permissions not currently held:\n{string.Join("\n", missing)}";
        throw ApiException.Forbidden(resource, RbacDefinitions.Group, name, detail);
    }

    /// <summary>
    /// The parts of <paramref name="requested"/> that <paramref name="held"/> does not cover (Kubernetes' <c>Covers</c>):
    /// each requested rule is broken into single verb/group/resource(/name) or verb/URL rules, each of which some held
    /// rule must cover. A requested <c>*</c> is covered only by a held <c>*</c>.
    /// </summary>
    public static IReadOnlyList<PolicyRule> Uncovered(IReadOnlyList<PolicyRule> held, IReadOnlyList<PolicyRule> requested)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(requested);
        return requested.SelectMany(Breakdown).Where(atom => !held.Any(owner => Covers(owner, atom))).Distinct().ToList();
    }

    private static IEnumerable<PolicyRule> Breakdown(PolicyRule rule)
    {
        foreach (var verb in rule.Verbs)
        {
            foreach (var group in rule.ApiGroups)
            {
                foreach (var resource in rule.Resources)
                {
                    if (rule.ResourceNames.Count == 0)
                    {
                        yield return PolicyRule.ForResources([verb], [group], [resource]);
                    }

                    foreach (var resourceName in rule.ResourceNames)
                    {
                        yield return PolicyRule.ForResources([verb], [group], [resource], [resourceName]);
                    }
                }
            }

            foreach (var url in rule.NonResourceUrls)
            {
                yield return PolicyRule.ForUrls([verb], [url]);
            }
        }
    }

    private static bool Covers(PolicyRule owner, PolicyRule atom)
    {
        var verbs = owner.Verbs.Contains(PolicyRule.All) || atom.Verbs.All(owner.Verbs.Contains);
        var groups = owner.ApiGroups.Contains(PolicyRule.All) || atom.ApiGroups.All(owner.ApiGroups.Contains);
        var resources = owner.Resources.Contains(PolicyRule.All) || atom.Resources.All(r => owner.Resources.Contains(r) || CoveredBySubresourceWildcard(owner, r));
        var urls = atom.NonResourceUrls.All(u => owner.NonResourceUrls.Any(o => o == u || (o.EndsWith('*') && u.StartsWith(o.TrimEnd('*'), StringComparison.Ordinal))));
        var names = atom.ResourceNames.Count == 0
            ? owner.ResourceNames.Count == 0
            : owner.ResourceNames.Count == 0 || atom.ResourceNames.All(owner.ResourceNames.Contains);
        return verbs && groups && resources && urls && names;
    }

    /// <summary>A held <c>*/status</c> covers <c>widgets/status</c>.</summary>
    private static bool CoveredBySubresourceWildcard(PolicyRule owner, string resource)
    {
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && owner.Resources.Contains($"*/{resource[(slash + 1)..]}");
    }
}
