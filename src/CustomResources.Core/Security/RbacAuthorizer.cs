using System.Text.Json.Nodes;
using CustomResources.Core.Objects;
using CustomResources.Core.Selectors;
using CustomResources.Core.Storage;

namespace CustomResources.Core.Security;

/// <summary>An authorization answer. <see cref="Reason"/> names the binding that allowed, or the RBAC errors met while denying ("" when simply no rule allows, as in Kubernetes).</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason)
{
    public static AuthorizationDecision Allow(string reason) => new(true, reason);

    public static AuthorizationDecision Deny(string reason = "") => new(false, reason);
}

/// <summary>Rules granted to a user through one binding, with Kubernetes' description of that binding.</summary>
public sealed record RbacGrant(string Description, IReadOnlyList<PolicyRule> Rules);

/// <summary>
/// Kubernetes RBAC over the stored Role, ClusterRole, RoleBinding and ClusterRoleBinding objects, read through the
/// store port on every decision (so every server instance decides on what the store holds).
/// </summary>
/// <remarks>
/// A ClusterRoleBinding grants its ClusterRole everywhere: in every namespace and on cluster-scoped resources and
/// non-resource URLs. A RoleBinding grants its Role (same namespace) or ClusterRole only for requests in its own
/// namespace, so cluster-scoped types (definitions, namespaces created with POST, ClusterRoles, webhook configurations)
/// always need a ClusterRoleBinding. A ClusterRole with an <c>aggregationRule</c> holds the rules of every other
/// ClusterRole its selectors match, evaluated at decision time (a newly labelled ClusterRole counts at once).
/// Members of <c>system:masters</c> are allowed everything without any binding.
/// </remarks>
public sealed class RbacAuthorizer(IObjectStore store)
{
    public async Task<AuthorizationDecision> AuthorizeAsync(UserInfo user, RequestAttributes request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (user.InGroup(UserInfo.MastersGroup))
        {
            return AuthorizationDecision.Allow($"allowed by group \"{UserInfo.MastersGroup}\"");
        }

        var (grants, errors) = await CachedGrantsAsync(user, request.Namespace, cancellationToken);
        foreach (var grant in grants)
        {
            if (grant.Rules.Any(r => r.Allows(request)))
            {
                return AuthorizationDecision.Allow($"RBAC: allowed by {grant.Description}");
            }
        }

        return AuthorizationDecision.Deny(errors.Count switch
        {
            0 => "",
            1 => $"RBAC: {errors[0]}",
            _ => $"RBAC: [{string.Join(", ", errors)}]",
        });
    }

    /// <summary>
    /// The grants of <paramref name="user"/> in <paramref name="ns"/>, reused while the RBAC objects behind them are
    /// (when reading through an <see cref="RbacReadCache"/>): resolving bindings, roles and aggregation is the costly
    /// part of a decision, matching a request against the rules is cheap.
    /// </summary>
    private async Task<(IReadOnlyList<RbacGrant> Grants, IReadOnlyList<string> Errors)> CachedGrantsAsync(UserInfo user, string ns, CancellationToken cancellationToken)
    {
        async Task<(IReadOnlyList<RbacGrant>, IReadOnlyList<string>)> ComputeAsync()
        {
            var errors = new List<string>();
            var grants = await GrantsAsync(user, ns, errors, cancellationToken);
            return (grants, errors);
        }

        return store is RbacReadCache cache
            ? await cache.MemoizeAsync($"grants|{user.Name}|{string.Join(',', user.Groups)}|{ns}", ComputeAsync)
            : await ComputeAsync();
    }

    /// <summary>
    /// The edge's one call per request: authorizes and throws the 403 Status (Kubernetes' wording, with the decision's
    /// reason) when denied; returns the allowing decision otherwise.
    /// </summary>
    public async Task<AuthorizationDecision> EnsureAllowedAsync(UserInfo user, RequestAttributes request, CancellationToken cancellationToken)
    {
        var decision = await AuthorizeAsync(user, request, cancellationToken);
        return decision.Allowed ? decision : throw RbacErrors.Forbidden(user, request, decision.Reason);
    }

    /// <summary>
    /// Every rule <paramref name="user"/> holds for requests in <paramref name="ns"/> ("" = cluster scope: ClusterRoleBindings
    /// only). Members of <c>system:masters</c> hold the full authority.
    /// </summary>
    public async Task<IReadOnlyList<PolicyRule>> RulesForAsync(UserInfo user, string ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.InGroup(UserInfo.MastersGroup))
        {
            return FullAuthority;
        }

        return (await GrantsAsync(user, ns, [], cancellationToken)).SelectMany(g => g.Rules).Distinct().ToList();
    }

    /// <summary>The rules of the role a binding's roleRef names (Role in <paramref name="ns"/> or ClusterRole), aggregation resolved; empty when it does not exist.</summary>
    public async Task<IReadOnlyList<PolicyRule>> RoleReferenceRulesAsync(string kind, string name, string ns, CancellationToken cancellationToken)
    {
        var resolver = new RoleResolver(store);
        return (kind == "Role" ? await resolver.RoleRulesAsync(ns, name, cancellationToken) : await resolver.ClusterRoleRulesAsync(name, cancellationToken)) ?? [];
    }

    /// <summary>The rules of a ClusterRole object as stored or about to be stored: its rules, or the union of the ClusterRoles its aggregationRule selects.</summary>
    public async Task<IReadOnlyList<PolicyRule>> EffectiveClusterRoleRulesAsync(JsonObject clusterRole, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clusterRole);
        return await new RoleResolver(store).EffectiveRulesAsync(clusterRole, cancellationToken);
    }

    /// <summary>Everything: what <c>cluster-admin</c> and <c>system:masters</c> hold.</summary>
    public static IReadOnlyList<PolicyRule> FullAuthority { get; } =
        [PolicyRule.ForResources([PolicyRule.All], [PolicyRule.All], [PolicyRule.All]), PolicyRule.ForUrls([PolicyRule.All], [PolicyRule.All])];

    /// <summary>The grants that apply to <paramref name="user"/> for requests in <paramref name="ns"/>: ClusterRoleBindings first, then the namespace's RoleBindings.</summary>
    public async Task<IReadOnlyList<RbacGrant>> GrantsAsync(UserInfo user, string ns, ICollection<string> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(errors);
        var resolver = new RoleResolver(store);
        var grants = new List<RbacGrant>();
        foreach (var binding in await ListAllAsync(store, RbacDefinitions.Collection(RbacDefinitions.ClusterRoleBindingsResource, ""), cancellationToken))
        {
            var (kind, roleName) = RoleRef(binding);
            if (kind != "ClusterRole" || MatchingSubject(binding, user, "") is not { } subject)
            {
                continue;
            }

            var rules = await resolver.ClusterRoleRulesAsync(roleName, cancellationToken);
            if (rules is null)
            {
                errors.Add($"clusterrole.{RbacDefinitions.Group} \"{roleName}\" not found");
                continue;
            }

            grants.Add(new RbacGrant($"ClusterRoleBinding \"{ObjectMetadata.Name(binding)}\" of ClusterRole \"{roleName}\" to {subject}", rules));
        }

        if (ns.Length == 0)
        {
            return grants;
        }

        foreach (var binding in await ListAllAsync(store, RbacDefinitions.Collection(RbacDefinitions.RoleBindingsResource, ns), cancellationToken))
        {
            var (kind, roleName) = RoleRef(binding);
            if (MatchingSubject(binding, user, ns) is not { } subject)
            {
                continue;
            }

            var rules = kind switch
            {
                "Role" => await resolver.RoleRulesAsync(ns, roleName, cancellationToken),
                "ClusterRole" => await resolver.ClusterRoleRulesAsync(roleName, cancellationToken),
                _ => [],
            };
            if (rules is null)
            {
                errors.Add(kind == "Role" ? $"role.{RbacDefinitions.Group} \"{roleName}\" not found" : $"clusterrole.{RbacDefinitions.Group} \"{roleName}\" not found");
                continue;
            }

            grants.Add(new RbacGrant($"RoleBinding \"{ObjectMetadata.Name(binding)}/{ns}\" of {kind} \"{roleName}\" to {subject}", rules));
        }

        return grants;
    }

    private static (string Kind, string Name) RoleRef(JsonObject binding) =>
        (ObjectMetadata.GetString(binding["roleRef"]?["kind"]) ?? "", ObjectMetadata.GetString(binding["roleRef"]?["name"]) ?? "");

    /// <summary>The first subject of <paramref name="binding"/> naming <paramref name="user"/>, described as Kubernetes does, or null.</summary>
    private static string? MatchingSubject(JsonObject binding, UserInfo user, string bindingNamespace)
    {
        if (binding["subjects"] is not JsonArray subjects)
        {
            return null;
        }

        foreach (var subject in subjects)
        {
            var kind = ObjectMetadata.GetString(subject?["kind"]);
            var name = ObjectMetadata.GetString(subject?["name"]) ?? "";
            switch (kind)
            {
                case "User" when name == user.Name:
                    return $"User \"{name}\"";
                case "Group" when user.InGroup(name):
                    return $"Group \"{name}\"";
                case "ServiceAccount":
                    // A ServiceAccount subject without a namespace means the RoleBinding's own namespace.
                    var saNamespace = ObjectMetadata.GetString(subject?["namespace"]) is { Length: > 0 } given ? given : bindingNamespace;
                    if (saNamespace.Length > 0 && user.Name == $"{UserInfo.ServiceAccountPrefix}{saNamespace}:{name}")
                    {
                        return $"ServiceAccount \"{name}/{saNamespace}\"";
                    }

                    break;
            }
        }

        return null;
    }

    internal static async Task<List<JsonObject>> ListAllAsync(IObjectStore store, CollectionKey collection, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        await foreach (var item in store.ListAllAsync(collection, cancellationToken))
        {
            items.Add(item.Object);
        }

        return items;
    }

    /// <summary>Reads roles for one decision, resolving each ClusterRole (and its aggregation) once.</summary>
    private sealed class RoleResolver(IObjectStore store)
    {
        private readonly Dictionary<string, IReadOnlyList<PolicyRule>?> _clusterRoles = new(StringComparer.Ordinal);
        private List<JsonObject>? _allClusterRoles;

        public async Task<IReadOnlyList<PolicyRule>?> RoleRulesAsync(string ns, string name, CancellationToken cancellationToken)
        {
            if (ns.Length == 0 || name.Length == 0)
            {
                return null;
            }

            var stored = await store.GetAsync(RbacDefinitions.Key(RbacDefinitions.RolesResource, ns, name), cancellationToken);
            return stored is null ? null : PolicyRule.ListFromObject(stored.Object);
        }

        public async Task<IReadOnlyList<PolicyRule>?> ClusterRoleRulesAsync(string name, CancellationToken cancellationToken)
        {
            if (_clusterRoles.TryGetValue(name, out var cached))
            {
                return cached;
            }

            var stored = name.Length == 0 ? null : await store.GetAsync(RbacDefinitions.Key(RbacDefinitions.ClusterRolesResource, "", name), cancellationToken);
            var rules = stored is null ? null : await EffectiveRulesAsync(stored.Object, cancellationToken);
            _clusterRoles[name] = rules;
            return rules;
        }

        public async Task<IReadOnlyList<PolicyRule>> EffectiveRulesAsync(JsonObject clusterRole, CancellationToken cancellationToken)
        {
            if (clusterRole["aggregationRule"] is not JsonObject aggregation)
            {
                return PolicyRule.ListFromObject(clusterRole);
            }

            // As Kubernetes' aggregation controller: the selected roles' rules replace the role's own; nested aggregation
            // is followed, each role once.
            _allClusterRoles ??= await ListAllAsync(store, RbacDefinitions.Collection(RbacDefinitions.ClusterRolesResource, ""), cancellationToken);
            var rules = new List<PolicyRule>();
            var visited = new HashSet<string>(StringComparer.Ordinal) { ObjectMetadata.Name(clusterRole) };
            Collect(aggregation, rules, visited);
            return rules.Distinct().ToList();
        }

        private void Collect(JsonObject aggregation, List<PolicyRule> rules, HashSet<string> visited)
        {
            var selectors = (aggregation["clusterRoleSelectors"] as JsonArray ?? [])
                .Select(s => LabelSelector.FromJson(s, "clusterRoleSelectors", new List<Errors.FieldError>()))
                .OfType<LabelSelector>()
                .Where(s => !s.IsEverything)
                .ToList();
            foreach (var role in _allClusterRoles!.OrderBy(ObjectMetadata.Name, StringComparer.Ordinal))
            {
                var labels = role["metadata"]?["labels"] as JsonObject;
                if (!selectors.Any(s => s.Matches(labels)) || !visited.Add(ObjectMetadata.Name(role)))
                {
                    continue;
                }

                if (role["aggregationRule"] is JsonObject nested)
                {
                    Collect(nested, rules, visited);
                }
                else
                {
                    rules.AddRange(PolicyRule.ListFromObject(role));
                }
            }
        }
    }
}
